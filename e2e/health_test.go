package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"projectsync/internal/standin"
	"projectsync/internal/standin/keyvault"
)

// healthChecks are the checks of a report, in order.
var healthChecks = []string{"settings", "managed identity", "key vault secret",
	"workpoint token", "workpoint solution", "business module"}

// healthReport is the body of GET /api/Health and of diagnose -json.
type healthReport struct {
	Status    string    `json:"status"`
	CheckedAt time.Time `json:"checkedAt"`
	Checks    []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Detail string `json:"detail"`
		Code   string `json:"code"`
		Fix    string `json:"fix"`
	} `json:"checks"`
}

// health calls GET /api/Health with the function key.
func (c *chain) health() (answer, healthReport) {
	c.t.Helper()
	h := http.Header{}
	h.Set("x-functions-key", functionKey)
	a := c.do(http.MethodGet, "/api/Health", nil, h)
	var r healthReport
	if err := json.Unmarshal(a.Body, &r); err != nil {
		c.t.Fatalf("health answer %d is not a report: %v\n%s", a.Status, err, a.Body)
	}
	return a, r
}

// wantChecks checks a report's checks: their names in order, every check
// before failed passes (or warns where warn says so), failed fails with
// code and a fix, and every later check is skipped. An empty failed wants
// a healthy report.
func wantChecks(t *testing.T, r healthReport, failed, code string, warn ...string) {
	t.Helper()
	if len(r.Checks) != len(healthChecks) {
		t.Fatalf("got %d checks, want %d: %+v", len(r.Checks), len(healthChecks), r.Checks)
	}
	wantStatus := "pass"
	for i, ch := range r.Checks {
		if ch.Name != healthChecks[i] {
			t.Errorf("check %d: got %q, want %q", i, ch.Name, healthChecks[i])
		}
		want := wantStatus
		if ch.Name == failed {
			want, wantStatus = "fail", "skip"
		} else if want == "pass" && contains(warn, ch.Name) {
			want = "warn"
		}
		if ch.Status != want {
			t.Errorf("check %q: got %s (%s), want %s", ch.Name, ch.Status, ch.Detail, want)
		}
		if ch.Name == failed {
			if ch.Code != code || ch.Fix == "" {
				t.Errorf("check %q: got code %q fix %q, want code %s and a fix",
					ch.Name, ch.Code, ch.Fix, code)
			}
		} else if ch.Code != "" {
			t.Errorf("check %q: has code %q, want none", ch.Name, ch.Code)
		}
		if ch.Detail == "" {
			t.Errorf("check %q has no detail", ch.Name)
		}
	}
	wantReport := "healthy"
	if failed != "" {
		wantReport = "unhealthy"
	}
	if r.Status != wantReport {
		t.Errorf("report status: got %q, want %q", r.Status, wantReport)
	}
	if r.CheckedAt.IsZero() {
		t.Errorf("report has no checkedAt")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// On a healthy stack every check passes.
func TestHealth_Healthy(t *testing.T) {
	c := startChain(t, nil)
	a, r := c.health()
	if a.Status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", a.Status, a.Body)
	}
	wantChecks(t, r, "", "")
	c.awaitRequestLines(1)
	if n := c.stack.Solution.CreateCount(); n != 0 {
		t.Errorf("the health check created %d entities", n)
	}
	c.wantNoLeaks()
}

// A secret that expires within 30 days warns, and the report stays
// healthy.
func TestHealth_SecretExpiresSoon(t *testing.T) {
	soon := time.Now().AddDate(0, 0, 10)
	c := startChain(t, func(s *standin.Stack) {
		s.Vault.SetSecret(standin.VaultName, standin.SecretName, standin.ClientSecret,
			keyvault.Attributes{Expires: &soon})
	})
	a, r := c.health()
	if a.Status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", a.Status, a.Body)
	}
	wantChecks(t, r, "", "", "key vault secret")
}

// A broken link fails its check with the problem code; the checks after it
// are skipped, and the answer is 503.
func TestHealth_BrokenLink(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*standin.Stack)
		opts   []chainOption
		failed string
		code   string
	}{
		{name: "no managed identity",
			opts:   []chainOption{withSetting("IDENTITY_ENDPOINT", "")},
			failed: "managed identity", code: "managed_identity_not_enabled"},
		{name: "vault denied",
			setup: func(s *standin.Stack) {
				s.Vault.SetDeny(standin.VaultName, keyvault.DenyAccessPolicy)
			},
			failed: "key vault secret", code: "keyvault_access_denied"},
		{name: "role missing",
			setup: func(s *standin.Stack) {
				_ = s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience)
			},
			failed: "workpoint token", code: "workpoint_token_role_missing"},
		{name: "wrong solution URL",
			opts: []chainOption{withSetting("WORKPOINT_SOLUTION_URL",
				"https://contoso.sharepoint.com/sites/nope")},
			failed: "workpoint solution", code: "workpoint_solution_not_found"},
		{name: "unknown module",
			opts:   []chainOption{withSetting("WORKPOINT_BUSINESS_MODULE_ID", unknownGUID1)},
			failed: "business module", code: "workpoint_module_not_found"},
		{name: "default parent not found",
			opts:   []chainOption{withSetting("WORKPOINT_PARENT", "No Such Company")},
			failed: "business module", code: "parent_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startChain(t, tt.setup, tt.opts...)
			a, r := c.health()
			if a.Status != http.StatusServiceUnavailable {
				t.Fatalf("got %d %s, want 503", a.Status, a.Body)
			}
			wantChecks(t, r, tt.failed, tt.code)
			c.awaitRequestLines(1)
			if tt.failed != "workpoint solution" && tt.failed != "business module" {
				if n := c.stack.WorkPoint.Calls(""); n != 0 {
					t.Errorf("WorkPoint was called %d times after an earlier check failed", n)
				}
			}
			c.wantNoLeaks()
		})
	}
}

// The health function needs the function key, in the header or the query.
func TestHealth_NeedsKey(t *testing.T) {
	c := startChain(t, nil)
	a := c.do(http.MethodGet, "/api/Health", nil, http.Header{})
	if a.Status != http.StatusUnauthorized {
		t.Errorf("without a key: got %d %.200s, want 401", a.Status, a.Body)
	}
	h := http.Header{}
	h.Set("x-functions-key", "not-the-key")
	if a = c.do(http.MethodGet, "/api/Health", nil, h); a.Status != http.StatusUnauthorized {
		t.Errorf("with a wrong key: got %d %.200s, want 401", a.Status, a.Body)
	}
	a = c.do(http.MethodGet, "/api/Health?code="+functionKey, nil, http.Header{})
	if a.Status != http.StatusOK {
		t.Errorf("with ?code=: got %d %.200s, want 200", a.Status, a.Body)
	}
	if n := c.stack.Vault.Reads() + c.stack.Vault.Challenges(); n == 0 {
		t.Errorf("the keyed health check called no Key Vault")
	}
	// The host refuses the calls without the key; only one reaches the
	// handler.
	if n := len(c.awaitRequestLines(1)); n != 1 {
		t.Errorf("got %d request lines, want 1", n)
	}
}

// diagnosis is what one run of `handler diagnose` printed.
type diagnosis struct {
	stdout, stderr string
	exit           int
}

// diagnose runs `handler diagnose args...` against a fresh stack, with the
// environment startChain gives the handler.
func diagnose(t *testing.T, setup func(*standin.Stack), opts []chainOption,
	args ...string) (diagnosis, *standin.Stack) {
	t.Helper()
	stack, err := standin.Start(standin.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start stand-ins: %v", err)
	}
	t.Cleanup(func() { stack.Close() })
	if setup != nil {
		setup(stack)
	}
	settings := stack.Settings()
	for _, o := range opts {
		o(settings, nil)
	}
	env := append(os.Environ(), stack.Env()...)
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+settings[k])
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(appRoot, "handler"),
		append([]string{"diagnose"}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	d := diagnosis{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		d.exit = exit.ExitCode()
	case err != nil:
		t.Fatalf("run diagnose: %v", err)
	}
	remember(stack.Planted(), d.stdout, d.stderr)
	for _, l := range leaks([]string{d.stdout, d.stderr}, stack.Planted()) {
		t.Errorf("diagnose printed a planted value: %s", l)
	}
	return d, stack
}

// `handler diagnose` prints a table of the checks and exits 0 on a healthy
// stack, 1 with the failing check's code on a broken one.
func TestDiagnose_Table(t *testing.T) {
	t.Run("healthy", func(t *testing.T) {
		d, _ := diagnose(t, nil, nil)
		if d.exit != 0 {
			t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", d.exit, d.stdout, d.stderr)
		}
		for _, name := range healthChecks {
			if !hasLine(d.stdout, "PASS", name) {
				t.Errorf("no PASS line for %q in:\n%s", name, d.stdout)
			}
		}
		if !strings.Contains(d.stdout, "healthy") {
			t.Errorf("the table does not say healthy:\n%s", d.stdout)
		}
	})
	t.Run("vault denied", func(t *testing.T) {
		d, _ := diagnose(t, func(s *standin.Stack) {
			s.Vault.Revoke(standin.VaultName, standin.ManagedIdentityPrincipalID)
		}, nil)
		if d.exit != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", d.exit, d.stdout, d.stderr)
		}
		if !hasLine(d.stdout, "FAIL", "key vault secret") ||
			!strings.Contains(d.stdout, "keyvault_forbidden_by_rbac") {
			t.Errorf("no FAIL line with keyvault_forbidden_by_rbac in:\n%s", d.stdout)
		}
		for _, name := range []string{"workpoint token", "workpoint solution", "business module"} {
			if !hasLine(d.stdout, "SKIP", name) {
				t.Errorf("no SKIP line for %q in:\n%s", name, d.stdout)
			}
		}
	})
	t.Run("unknown module", func(t *testing.T) {
		d, _ := diagnose(t, nil,
			[]chainOption{withSetting("WORKPOINT_BUSINESS_MODULE_ID", unknownGUID1)})
		if d.exit != 1 || !strings.Contains(d.stdout, "workpoint_module_not_found") {
			t.Fatalf("exit %d, want 1 with workpoint_module_not_found\nstdout:\n%s",
				d.exit, d.stdout)
		}
	})
}

// `handler diagnose -json` prints the report as JSON.
func TestDiagnose_JSON(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*standin.Stack)
		exit   int
		failed string
		code   string
	}{
		{name: "healthy", exit: 0},
		{name: "role missing",
			setup: func(s *standin.Stack) {
				_ = s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience)
			},
			exit: 1, failed: "workpoint token", code: "workpoint_token_role_missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, stack := diagnose(t, tt.setup, nil, "-json")
			if d.exit != tt.exit {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s",
					d.exit, tt.exit, d.stdout, d.stderr)
			}
			var r healthReport
			if err := json.Unmarshal([]byte(d.stdout), &r); err != nil {
				t.Fatalf("stdout is not a JSON report: %v\n%s", err, d.stdout)
			}
			wantChecks(t, r, tt.failed, tt.code)
			if tt.failed != "" && stack.WorkPoint.Calls("") != 0 {
				t.Errorf("WorkPoint was called after the token check failed")
			}
			// The logs on stderr are JSON lines, apart from the report.
			for _, l := range strings.Split(strings.TrimSpace(d.stderr), "\n") {
				if l == "" {
					continue
				}
				if err := checkJSONObject(l); err != nil {
					t.Errorf("stderr line is not a JSON object (%v): %s", err, l)
				}
			}
		})
	}
}

// hasLine reports whether a line of text starts with mark and names name.
func hasLine(text, mark, name string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), mark) && strings.Contains(l, name) {
			return true
		}
	}
	return false
}
