package funchost

import (
	"slices"
	"testing"
	"time"
)

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"", nil},
		{"  a  b\tc ", []string{"a", "b", "c"}},
		{`--name "two words"`, []string{"--name", "two words"}},
		{`a"b c"d`, []string{"ab cd"}},
		{`"say ""hi"""`, []string{`say "hi"`}},
		{`\"quoted\"`, []string{`"quoted"`}},
		{`C:\path\to\file`, []string{`C:\path\to\file`}},
		{`"a\\" b`, []string{`a\`, "b"}},
		{`""`, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := splitCommandLine(tt.line); !slices.Equal(got, tt.want) {
				t.Errorf("splitCommandLine(%q): got %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestExpandEnv(t *testing.T) {
	t.Setenv("FUNCHOST_TEST_A", "alpha")
	tests := []struct {
		in   string
		drop bool
		want string
	}{
		{"%FUNCHOST_TEST_A%/bin", false, "alpha/bin"},
		{"x %FUNCHOST_TEST_NONE% y", false, "x %FUNCHOST_TEST_NONE% y"},
		{"x %FUNCHOST_TEST_NONE% y", true, "x  y"},
		{"100% sure", true, "100% sure"},
		{"%%FUNCHOST_TEST_A%", false, "%alpha"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := expandEnv(tt.in, tt.drop); got != tt.want {
				t.Errorf("expandEnv(%q, %t): got %q, want %q", tt.in, tt.drop, got, tt.want)
			}
		})
	}
}

func TestParseTimeSpan(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"00:05:00", 5 * time.Minute, false},
		{"01:00:30.5", time.Hour + 30*time.Second + 500*time.Millisecond, false},
		{"1.02:00:00", 26 * time.Hour, false},
		{"-1", 0, false},
		{"00:00:00", 0, true},
		{"5", 0, true},
		{"00:60:00", 0, true},
		{"aa:bb:cc", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTimeSpan(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseTimeSpan(%q): got error %v, want error %t", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseTimeSpan(%q): got %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
