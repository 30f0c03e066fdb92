package bench

import (
	"strings"
	"testing"
	"time"
)

func TestParseCPUTime(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr bool
	}{
		{"plain", "42 (handler) S 1 42 42 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 6 0 1",
			2810 * time.Millisecond, false},
		{"name with spaces and parentheses",
			"42 (a (b) c) R 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 6 0 1",
			100 * time.Millisecond, false},
		{"no name", "42 handler S 1", 0, true},
		{"too short", "42 (handler) S 1 42", 0, true},
		{"not a number", "42 (h) S 1 42 42 0 -1 4194560 100 0 0 0 x 3 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUTime([]byte(tt.stat))
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTail_KeepsTheEnd(t *testing.T) {
	var tl tail
	for i := range 3 * tailSize / 10 {
		_, _ = tl.Write([]byte{'0' + byte(i%10), '\n', 'x', 'y', 'z', '.', 'a', 'b', 'c', '\n'})
	}
	_, _ = tl.Write([]byte("last line\n"))
	got := tl.String()
	if len(got) > tailSize || !strings.HasSuffix(got, "last line") {
		t.Errorf("got %d bytes ending %q, want at most %d ending %q", len(got),
			got[max(len(got)-20, 0):], tailSize, "last line")
	}
}
