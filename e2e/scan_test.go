package e2e

import "testing"

// The final scan finds a planted value wherever it sits in a line.
func TestLeaks_FindsPlanted(t *testing.T) {
	texts := []string{`{"msg":"ok"}`, `{"msg":"token eyJhbGc.x.y here"}`, "plain"}
	got := leaks(texts, []string{"eyJhbGc.x.y", "absent"})
	if len(got) != 1 || got[0] != texts[1] {
		t.Fatalf("got %q, want the second text", got)
	}
	if got := leaks(texts, []string{""}); len(got) != 0 {
		t.Errorf("an empty planted value matched: %q", got)
	}
}
