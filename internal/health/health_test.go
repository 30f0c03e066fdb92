package health_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"projectsync/internal/health"
	"projectsync/internal/problem"
	"projectsync/internal/settings"
	"projectsync/internal/standin"
	skv "projectsync/internal/standin/keyvault"
)

// checkNames are the checks of a report, in order.
var checkNames = []string{
	"settings",
	"managed identity",
	"key vault secret",
	"workpoint token",
	"workpoint solution",
	"business module",
}

func TestChecker_Run_Healthy(t *testing.T) {
	s := startStack(t)
	c := newChecker(t, s, demoSettings(t, s, nil))

	rep := c.Run(testContext(t))
	if !rep.Healthy() || rep.Status != "healthy" {
		t.Errorf("got status %q, want healthy:\n%+v", rep.Status, rep.Checks)
	}
	assertChecks(t, rep, len(checkNames), "")
	last := rep.Checks[len(rep.Checks)-1].Detail
	if want := `default parent "WorkPoint A/S" is entity 1`; !strings.Contains(last, want) {
		t.Errorf("got business module detail %q, want it to hold %q", last, want)
	}
	if rep.CheckedAt.IsZero() {
		t.Error("got no CheckedAt, want the time of the run")
	}
	// The token check and the WorkPoint calls share one token.
	if got := s.Entra.TokenRequests(); got != 1 {
		t.Errorf("got %d Entra token requests, want 1", got)
	}
	if got := s.Vault.Reads(); got != 1 {
		t.Errorf("got %d Key Vault reads, want 1", got)
	}
}

// TestChecker_Run_BrokenLink breaks one link of the chain at a time: its
// check fails with the problem's code and fix, and the later ones are
// skipped.
func TestChecker_Run_BrokenLink(t *testing.T) {
	const unknownID = "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b"
	tests := []struct {
		name  string
		world func(*standin.Stack) error
		edit  func(*settings.Settings)
		check string
		code  problem.Code
	}{
		{
			name:  "unknown user-assigned identity",
			edit:  func(st *settings.Settings) { st.ManagedIdentityClientID = unknownID },
			check: "managed identity",
			code:  problem.ManagedIdentityNotFound,
		},
		{
			name: "vault denied",
			world: func(s *standin.Stack) error {
				s.Vault.SetDeny(standin.VaultName, skv.DenyRBAC)
				return nil
			},
			check: "key vault secret",
			code:  problem.KeyVaultForbiddenByRBAC,
		},
		{
			name: "role missing",
			world: func(s *standin.Stack) error {
				return s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience)
			},
			check: "workpoint token",
			code:  problem.TokenRoleMissing,
		},
		{
			name: "wrong solution URL",
			edit: func(st *settings.Settings) {
				st.SolutionURL = "https://contoso.sharepoint.com/sites/other"
			},
			check: "workpoint solution",
			code:  problem.WorkPointSolutionNotFound,
		},
		{
			name:  "unknown business module",
			edit:  func(st *settings.Settings) { st.BusinessModuleID = unknownID },
			check: "business module",
			code:  problem.WorkPointModuleNotFound,
		},
		{
			name:  "unknown parent module",
			edit:  func(st *settings.Settings) { st.ParentModuleID = unknownID },
			check: "business module",
			code:  problem.WorkPointModuleNotFound,
		},
		{
			name:  "default parent not found",
			edit:  func(st *settings.Settings) { st.Parent = "Nobody Inc" },
			check: "business module",
			code:  problem.ParentNotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			if tt.world != nil {
				if err := tt.world(s); err != nil {
					t.Fatal(err)
				}
			}
			c := newChecker(t, s, demoSettings(t, s, tt.edit))

			rep := c.Run(testContext(t))
			if rep.Healthy() || rep.Status != "unhealthy" {
				t.Errorf("got status %q, want unhealthy", rep.Status)
			}
			failed := slices.Index(checkNames, tt.check)
			assertChecks(t, rep, failed, tt.code)
		})
	}
}

func TestChecker_Run_SecretExpiresSoon(t *testing.T) {
	s := startStack(t)
	expires := time.Now().Add(10 * 24 * time.Hour)
	s.Vault.SetSecret(standin.VaultName, standin.SecretName, standin.ClientSecret,
		skv.Attributes{Expires: &expires})
	c := newChecker(t, s, demoSettings(t, s, nil))

	rep := c.Run(testContext(t))
	if !rep.Healthy() {
		t.Errorf("got status %q, want healthy: a warning is no failure", rep.Status)
	}
	for _, ch := range rep.Checks {
		want := health.Pass
		if ch.Name == "key vault secret" {
			want = health.Warn
		}
		if ch.Status != want {
			t.Errorf("check %q: got %s (%s), want %s", ch.Name, ch.Status, ch.Detail, want)
		}
	}
}

// TestReport_NoSecrets checks every form of a report, healthy or not, for
// the client secret, tokens and the identity header.
func TestReport_NoSecrets(t *testing.T) {
	tests := []struct {
		name  string
		world func(*standin.Stack) error
	}{
		{"healthy", nil},
		{"secret rejected", func(s *standin.Stack) error {
			return s.Entra.SetSecrets(standin.ClientID)
		}},
		{"role missing", func(s *standin.Stack) error {
			return s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			if tt.world != nil {
				if err := tt.world(s); err != nil {
					t.Fatal(err)
				}
			}
			c := newChecker(t, s, demoSettings(t, s, nil))

			rep := c.Run(testContext(t))
			b, err := json.Marshal(rep)
			if err != nil {
				t.Fatal(err)
			}
			assertNoPlanted(t, "JSON report", string(b), s)
			var text bytes.Buffer
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			assertNoPlanted(t, "text report", text.String(), s)

			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/api/Health", nil)
			health.Handler(c).ServeHTTP(rec, req.WithContext(testContext(t)))
			assertNoPlanted(t, "health answer", rec.Body.String(), s)
		})
	}
}

func TestHandler(t *testing.T) {
	tests := []struct {
		name   string
		world  func(*standin.Stack)
		status int
	}{
		{"healthy", nil, http.StatusOK},
		{"vault denied", func(s *standin.Stack) {
			s.Vault.SetDeny(standin.VaultName, skv.DenyAccessPolicy)
		}, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			if tt.world != nil {
				tt.world(s)
			}
			c := newChecker(t, s, demoSettings(t, s, nil))
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/api/Health", nil)

			health.Handler(c).ServeHTTP(rec, req.WithContext(testContext(t)))
			if rec.Code != tt.status {
				t.Errorf("got status %d, want %d", rec.Code, tt.status)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("got Content-Type %q, want JSON", ct)
			}
			var rep health.Report
			if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
				t.Fatalf("answer is not a report: %v", err)
			}
			if rep.Healthy() != (tt.status == http.StatusOK) || len(rep.Checks) != len(checkNames) {
				t.Errorf("got %q with %d checks, want %d checks", rep.Status, len(rep.Checks),
					len(checkNames))
			}
		})
	}
}

func TestReport_WriteText(t *testing.T) {
	tests := []struct {
		name  string
		world func(*standin.Stack)
		want  []string
	}{
		{"healthy", nil, append([]string{"ProjectSync health: healthy", "PASS"}, checkNames...)},
		{"vault denied", func(s *standin.Stack) {
			s.Vault.SetDeny(standin.VaultName, skv.DenyRBAC)
		}, []string{"ProjectSync health: unhealthy", "PASS", "FAIL", "SKIP",
			"code: " + string(problem.KeyVaultForbiddenByRBAC), "fix:  Grant"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			if tt.world != nil {
				tt.world(s)
			}
			rep := newChecker(t, s, demoSettings(t, s, nil)).Run(testContext(t))

			var b bytes.Buffer
			if err := rep.WriteText(&b); err != nil {
				t.Fatalf("WriteText: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("text report lacks %q:\n%s", w, b.String())
				}
			}
			if got := strings.Count(b.String(), "\n"); got < len(checkNames)+2 {
				t.Errorf("got %d lines, want a heading and a line per check:\n%s", got, b.String())
			}
		})
	}
}

// assertChecks checks that the report holds every check in order, that
// those before failed pass, that the check at failed fails with code,
// and that the rest are skipped. failed == len(checkNames) means none fails.
func assertChecks(t *testing.T, rep health.Report, failed int, code problem.Code) {
	t.Helper()
	if len(rep.Checks) != len(checkNames) {
		t.Fatalf("got %d checks, want %d: %+v", len(rep.Checks), len(checkNames), rep.Checks)
	}
	for i, ch := range rep.Checks {
		if ch.Name != checkNames[i] {
			t.Errorf("check %d: got %q, want %q", i, ch.Name, checkNames[i])
		}
		switch {
		case i < failed && ch.Status != health.Pass:
			t.Errorf("check %q: got %s (%s), want pass", ch.Name, ch.Status, ch.Detail)
		case i == failed && (ch.Status != health.Fail || ch.Code != code || ch.Fix == ""):
			t.Errorf("check %q: got %s code %q fix %q (%s), want fail with %q and a fix",
				ch.Name, ch.Status, ch.Code, ch.Fix, ch.Detail, code)
		case i > failed && ch.Status != health.Skip:
			t.Errorf("check %q: got %s, want skip", ch.Name, ch.Status)
		}
	}
}
