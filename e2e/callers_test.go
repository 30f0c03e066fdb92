package e2e

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// Callers as App Service Authentication describes them in
// X-MS-CLIENT-PRINCIPAL. The host imitation does not run Easy Auth, so the
// tests set the headers Easy Auth would set after validating a token.
const (
	callerLogicAppID = "66666666-7777-8888-9999-000000000000"
	callerLogicAppOb = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	callerOtherAppID = "9d4e7b21-3c58-4a6f-b0e9-71f2c8d5a3b6"
	callerOtherOb    = "e1c5a8f3-2b74-4d90-a6e8-5f3b9c7d2a01"
)

// callerPrincipal returns the X-MS-CLIENT-PRINCIPAL value of an app-only
// token with the given application and object ids, with claim types as
// Easy Auth maps them.
func callerPrincipal(appID, objectID string) string {
	const tenant = "11111111-2222-3333-4444-555555555555"
	json := `{"auth_typ":"aad","claims":[` +
		`{"typ":"aud","val":"api://projectsync-prod"},` +
		`{"typ":"iss","val":"https://sts.windows.net/` + tenant + `/"},` +
		`{"typ":"appid","val":"` + appID + `"},` +
		`{"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier",` +
		`"val":"` + objectID + `"},` +
		`{"typ":"http://schemas.microsoft.com/identity/claims/tenantid","val":"` + tenant + `"},` +
		`{"typ":"idtyp","val":"app"}],` +
		`"name_typ":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",` +
		`"role_typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role"}`
	return base64.StdEncoding.EncodeToString([]byte(json))
}

// callerHeaders returns the header pairs for chain.post of a caller.
func callerHeaders(appID, objectID string) []string {
	return []string{
		"X-MS-CLIENT-PRINCIPAL", callerPrincipal(appID, objectID),
		"X-MS-CLIENT-PRINCIPAL-ID", objectID,
		"X-MS-CLIENT-PRINCIPAL-IDP", "aad",
	}
}

// TestCallers_EasyAuth runs the handler with CALLER_AUTH easyauth: only the
// allowed caller creates; the others get a problem and WorkPoint is never
// called for them.
//
// It needs CALLER_AUTH and ALLOWED_CALLERS passed from the settings to the
// server in cmd/handler/app.go.
func TestCallers_EasyAuth(t *testing.T) {
	c := startChain(t, nil, withSetting("CALLER_AUTH", "easyauth"),
		withSetting("ALLOWED_CALLERS", strings.ToUpper(callerLogicAppID)+", "+
			"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"))
	body := []byte(`{"title": "Harbour bridge", "sourceId": "callers:1"}`)

	tests := []struct {
		name   string
		header []string
		status int
		code   string
		app    string // caller_app_id on the request line
	}{
		{"allowed caller", callerHeaders(callerLogicAppID, callerLogicAppOb),
			http.StatusCreated, "", callerLogicAppID},
		{"other caller", callerHeaders(callerOtherAppID, callerOtherOb),
			http.StatusForbidden, "caller_not_allowed", callerOtherAppID},
		{"no principal", nil, http.StatusUnauthorized, "caller_not_authenticated", ""},
		{"malformed principal", []string{"X-MS-CLIENT-PRINCIPAL", "not base64!"},
			http.StatusUnauthorized, "caller_not_authenticated", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.stack.WorkPoint.Calls("")
			a := c.post(body, tt.header...)
			if tt.code == "" {
				if a.Status != tt.status {
					t.Fatalf("got %d %.300s, want %d", a.Status, a.Body, tt.status)
				}
			} else {
				wantProblem(t, a, tt.status, tt.code, false)
				if got := c.stack.WorkPoint.Calls(""); got != before {
					t.Errorf("got %d WorkPoint calls for a refused caller, want 0", got-before)
				}
			}
			if tt.code == "caller_not_allowed" {
				detail := a.str("detail")
				for _, id := range []string{callerOtherAppID, callerOtherOb} {
					if !strings.Contains(detail, id) {
						t.Errorf("detail %q does not name the caller's id %s", detail, id)
					}
				}
			}

			lines := c.awaitRequestLines(i + 1)
			if len(lines) != i+1 {
				t.Fatalf("got %d request lines, want %d", len(lines), i+1)
			}
			if got, _ := lines[i]["caller_app_id"].(string); got != tt.app {
				t.Errorf("got caller_app_id %q, want %q", got, tt.app)
			}
		})
	}

	t.Run("health", func(t *testing.T) {
		h := http.Header{}
		h.Set("x-functions-key", functionKey)
		if a := c.do(http.MethodGet, "/api/Health", nil, h); a.Status != http.StatusUnauthorized {
			t.Errorf("without a principal: got %d %.200s, want 401", a.Status, a.Body)
		}
		hs := callerHeaders(callerLogicAppID, callerLogicAppOb)
		for i := 0; i+1 < len(hs); i += 2 {
			h.Set(hs[i], hs[i+1])
		}
		if a := c.do(http.MethodGet, "/api/Health", nil, h); a.Status != http.StatusOK {
			t.Errorf("allowed caller: got %d %.200s, want 200", a.Status, a.Body)
		}
	})

	wantNoPrincipalLogged(t, c)
	c.wantNoLeaks()
}

// TestCallers_NoneIgnoresHeaders runs the handler with CALLER_AUTH none:
// forged Easy Auth headers change nothing and are never logged.
func TestCallers_NoneIgnoresHeaders(t *testing.T) {
	c := startChain(t, nil, withSetting("CALLER_AUTH", "none"),
		withSetting("ALLOWED_CALLERS", callerLogicAppID))
	tests := []struct {
		name   string
		header []string
	}{
		{"forged other caller", callerHeaders(callerOtherAppID, callerOtherOb)},
		{"forged allowed caller", callerHeaders(callerLogicAppID, callerLogicAppOb)},
		{"malformed principal", []string{"X-MS-CLIENT-PRINCIPAL", "not base64!"}},
		{"no principal", nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(`{"title": "Forged ` + tt.name + `"}`)
			a := c.post(body, tt.header...)
			if a.Status != http.StatusCreated {
				t.Fatalf("got %d %.300s, want 201", a.Status, a.Body)
			}
			lines := c.awaitRequestLines(i + 1)
			if len(lines) != i+1 {
				t.Fatalf("got %d request lines, want %d", len(lines), i+1)
			}
			if got, ok := lines[i]["caller_app_id"]; ok {
				t.Errorf("got caller_app_id %v, want none", got)
			}
		})
	}
	wantNoPrincipalLogged(t, c)
	for _, l := range c.handlerLines() {
		for _, id := range []string{callerOtherAppID, callerOtherOb, callerLogicAppOb} {
			if strings.Contains(l, id) {
				t.Errorf("a log line holds the forged id %s: %s", id, l)
			}
		}
	}
}

// wantNoPrincipalLogged fails when a log line holds an X-MS-CLIENT-PRINCIPAL
// value or its decoded claims.
func wantNoPrincipalLogged(t *testing.T, c *chain) {
	t.Helper()
	forms := []string{
		callerPrincipal(callerLogicAppID, callerLogicAppOb)[:24],
		callerPrincipal(callerOtherAppID, callerOtherOb)[:24],
		"not base64!", `"auth_typ"`, "objectidentifier",
	}
	for _, l := range c.host.Logs() {
		for _, f := range forms {
			if strings.Contains(l.Text, f) {
				t.Errorf("a log line holds the principal (%s): %s", f, l.Text)
			}
		}
	}
}
