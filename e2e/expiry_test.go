package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"projectsync/internal/standin"
	"projectsync/internal/standin/identity"
)

// The managed identity endpoint's token expiry is read in every form the
// platform sends: expires_on as a string or a number of seconds, as an
// RFC 3339 time, or only expires_in.
func TestManagedIdentity_ExpiryForms(t *testing.T) {
	forms := map[string]identity.ExpiryForm{
		"expires_on string":   identity.ExpiresOnString,
		"expires_on number":   identity.ExpiresOnNumber,
		"expires_in only":     identity.ExpiresInOnly,
		"expires_on RFC 3339": identity.ExpiresOnRFC3339,
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			c := startChain(t, func(s *standin.Stack) { s.Identity.SetExpiryForm(form) })
			a := c.post([]byte(`{"title":"Expiry form"}`))
			if a.Status != http.StatusCreated {
				t.Fatalf("got %d %s, want 201", a.Status, a.Body)
			}
			if n := c.stack.Identity.Requests(); n != 1 {
				t.Errorf("identity requests: got %d, want 1", n)
			}
		})
	}
}

// WorkPoint tokens are cached while valid and never used past their
// expiry. (The Azure SDK refreshes a cached token from five minutes
// before it expires, at most every 30 seconds.)
func TestEntra_TokenCachedUntilExpiry(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration
		pause    time.Duration
		want     int
	}{
		{"long-lived token reused", time.Hour, 0, 1},
		{"expired token replaced", 2 * time.Second, 2500 * time.Millisecond, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startChain(t, func(s *standin.Stack) { s.Entra.SetTokenLifetime(tt.lifetime) })
			for i := range 2 {
				if i > 0 {
					time.Sleep(tt.pause)
				}
				if a := c.post([]byte(`{"title":"Refresh ` + strconv.Itoa(i) + `"}`)); a.Status != 201 {
					t.Fatalf("request %d: %d %s", i, a.Status, a.Body)
				}
			}
			if n := c.stack.Entra.TokenRequests(); n != tt.want {
				t.Errorf("Entra token requests: got %d, want %d", n, tt.want)
			}
		})
	}
}
