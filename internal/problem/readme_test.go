package problem

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// The README's table of problem codes lists every code with its status, so
// the two cannot drift.
func TestREADME_ListsEveryCode(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, c := range Codes() {
		row := "| `" + string(c) + "` | "
		i := strings.Index(readme, row)
		if i < 0 {
			t.Errorf("README has no row for %s", c)
			continue
		}
		status := readme[i+len(row):]
		if want := strconv.Itoa(c.Status()); !strings.HasPrefix(status, want+" |") {
			t.Errorf("README row for %s: status is not %s", c, want)
		}
	}
}
