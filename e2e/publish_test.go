package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// make publish stages exactly the package the Function App runs and hands
// it to func azure functionapp publish; AUTH_LEVEL sets the functions'
// authLevel. A stand-in func records what it was given.
func TestMakePublish(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the handler")
	}
	bin := t.TempDir()
	record := filepath.Join(bin, "record")
	stub := "#!/bin/sh\n{ echo \"args: $*\"; echo \"dir: $(pwd)\"; find . -type f | sort; " +
		"grep -h authLevel */function.json; test -x handler && echo executable; } > " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "func"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct{ level, want string }{
		{"", `"authLevel": "function"`},
		{"anonymous", `"authLevel": "anonymous"`},
	}
	for _, tt := range tests {
		args := []string{"-s", "publish", "APP=projectsync-test"}
		if tt.level != "" {
			args = append(args, "AUTH_LEVEL="+tt.level)
		}
		cmd := exec.Command("make", args...)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make publish: %v\n%s", err, out)
		}
		got, err := os.ReadFile(record)
		if err != nil {
			t.Fatal(err)
		}
		s := string(got)
		for _, want := range []string{"args: azure functionapp publish projectsync-test",
			"./host.json", "./handler\n", "./Health/function.json", "./ProjectSync/function.json",
			"executable", tt.want} {
			if !strings.Contains(s, want) {
				t.Errorf("AUTH_LEVEL=%q: %q missing from what func saw:\n%s", tt.level, want, s)
			}
		}
		if n := strings.Count(s, "\n./"); n != 4 {
			t.Errorf("AUTH_LEVEL=%q: the package holds %d files, want 4:\n%s", tt.level, n, s)
		}
	}

	cmd := exec.Command("make", "-s", "publish", "APP=x", "AUTH_LEVEL=public")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "AUTH_LEVEL") {
		t.Errorf("a wrong AUTH_LEVEL was accepted: %s", out)
	}
}
