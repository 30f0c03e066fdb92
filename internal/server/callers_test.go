package server_test

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"projectsync/internal/problem"
	"projectsync/internal/server"
	"projectsync/internal/settings"
)

// Ids of the callers in the principals below.
const (
	logicAppID     = "66666666-7777-8888-9999-000000000000" // appid of a Logic App identity
	logicAppObject = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" // its object id
	oauthClientID  = "3f0c9a52-81d4-4b7e-9c61-5d2e8a7b4c10" // an app registration (azp)
	oauthClientUp  = "3F0C9A52-81D4-4B7E-9C61-5D2E8A7B4C10" // the same in upper case
	oauthObject    = "b7e2d4c1-6a95-4f38-8e0d-2c7a9f1b3e64"
	connectorApp   = "9d4e7b21-3c58-4a6f-b0e9-71f2c8d5a3b6" // a custom connector's app
	makerObject    = "e1c5a8f3-2b74-4d90-a6e8-5f3b9c7d2a01" // the connection's user
	tenantID       = "11111111-2222-3333-4444-555555555555"
)

// Principals as Easy Auth hands them over, decoded. Claim types are those
// of the default claim mapping: oid, tid and scp arrive under long URIs,
// appid and azp as they are.
const (
	// A Logic App's managed identity calling with the HTTP action's
	// "Managed identity" authentication (a v1 access token).
	principalLogicApp = `{"auth_typ":"aad","claims":[
	 {"typ":"aud","val":"api://projectsync-prod"},
	 {"typ":"iss","val":"https://sts.windows.net/` + tenantID + `/"},
	 {"typ":"appid","val":"` + logicAppID + `"},
	 {"typ":"appidacr","val":"2"},
	 {"typ":"http://schemas.microsoft.com/identity/claims/identityprovider",
	  "val":"https://sts.windows.net/` + tenantID + `/"},
	 {"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier",
	  "val":"` + logicAppObject + `"},
	 {"typ":"http://schemas.microsoft.com/identity/claims/tenantid","val":"` + tenantID + `"},
	 {"typ":"idtyp","val":"app"},
	 {"typ":"ver","val":"1.0"}],
	 "name_typ":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
	 "role_typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role"}`

	// An app registration calling with "Active Directory OAuth" client
	// credentials for a v2 token: azp instead of appid, and an app role.
	principalOAuthV2 = `{"auth_typ":"aad","claims":[
	 {"typ":"aud","val":"c2b1f0e4-7d63-4a85-9b1e-0f4c6d8a2e97"},
	 {"typ":"iss","val":"https://login.microsoftonline.com/` + tenantID + `/v2.0"},
	 {"typ":"azp","val":"` + oauthClientUp + `"},
	 {"typ":"azpacr","val":"1"},
	 {"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier",
	  "val":"` + oauthObject + `"},
	 {"typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
	  "val":"ProjectSync.Write"},
	 {"typ":"http://schemas.microsoft.com/identity/claims/tenantid","val":"` + tenantID + `"},
	 {"typ":"ver","val":"2.0"}],
	 "name_typ":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
	 "role_typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role"}`

	// A flow maker's connection of a custom connector with Azure AD
	// authentication: a delegated token of the connector's app for a user.
	principalConnectorUser = `{"auth_typ":"aad","claims":[
	 {"typ":"aud","val":"api://projectsync-prod"},
	 {"typ":"appid","val":"` + connectorApp + `"},
	 {"typ":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name","val":"Megan Bowen"},
	 {"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier",
	  "val":"` + makerObject + `"},
	 {"typ":"http://schemas.microsoft.com/identity/claims/scope","val":"user_impersonation"},
	 {"typ":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
	  "val":"MeganB@contoso.onmicrosoft.com"}],
	 "name_typ":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
	 "role_typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role"}`
)

// b64 encodes a principal as Easy Auth puts it in X-MS-CLIENT-PRINCIPAL.
func b64(json string) string { return base64.StdEncoding.EncodeToString([]byte(json)) }

func TestDecodeClientPrincipal(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		claims int    // for a valid principal
		first  string // the first claim's type
		why    string // for a malformed one: part of the error
	}{
		{"logic app identity", b64(principalLogicApp), 9, "aud", ""},
		{"oauth v2 client", b64(principalOAuthV2), 8, "aud", ""},
		{"connector user", b64(principalConnectorUser), 6, "aud", ""},
		{"no claims", b64(`{"auth_typ":"aad","claims":[]}`), 0, "", ""},
		{"unknown member ignored", b64(`{"auth_typ":"aad","claims":[{"typ":"oid","val":"x"}],` +
			`"userId":"x"}`), 1, "oid", ""},
		{"white space after the object", b64(`{"claims":[]}` + "\n"), 0, "", ""},

		{"not base64", "not*base64!", 0, "", "not base64"},
		{"url-safe base64", strings.NewReplacer("+", "-", "/", "_").Replace(b64(`{"claims":` +
			`[{"typ":"a","val":">>>???"}]}`)), 0, "", "not base64"},
		{"unpadded base64", strings.TrimRight(b64(`{"claims":[]} `), "="), 0, "", "not base64"},
		{"plain JSON", principalLogicApp, 0, "", "not base64"},
		{"base64 of text", b64("Bearer abc"), 0, "", "JSON principal object"},
		{"base64 of null", b64("null"), 0, "", "JSON principal object"},
		{"base64 of an array", b64(`[{"typ":"appid"}]`), 0, "", "JSON principal object"},
		{"claims an object", b64(`{"claims":{"typ":"appid"}}`), 0, "", "JSON principal object"},
		{"claim value a number", b64(`{"claims":[{"typ":"appid","val":5}]}`), 0, "",
			"JSON principal object"},
		{"truncated JSON", b64(`{"claims":[{"typ":"appid"`), 0, "", "JSON principal object"},
		{"two objects", b64(`{"claims":[]}{"claims":[]}`), 0, "", "data follows"},
		{"no claims member", b64(`{"auth_typ":"aad"}`), 0, "", "no claims array"},
		{"claims null", b64(`{"claims":null}`), 0, "", "no claims array"},
		{"null claim", b64(`{"claims":[null]}`), 0, "", "claim 0 has no type"},
		{"claim without type", b64(`{"claims":[{"typ":"aud","val":"a"},{"val":"x"}]}`), 0, "",
			"claim 1 has no type"},
		{"too long", b64(`{"claims":[{"typ":"x","val":"` + strings.Repeat("a", 70000) + `"}]}`),
			0, "", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := server.DecodeClientPrincipal(tt.value)
			if tt.why != "" {
				if !errors.Is(err, server.ErrPrincipalMalformed) {
					t.Fatalf("got error %v, want one wrapping ErrPrincipalMalformed", err)
				}
				if !strings.Contains(err.Error(), tt.why) {
					t.Errorf("got error %q, want it to say %q", err, tt.why)
				}
				if len(tt.value) > 8 && strings.Contains(err.Error(), tt.value[:8]) {
					t.Errorf("error %q quotes the header value", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeClientPrincipal: %v", err)
			}
			if len(p.Claims) != tt.claims {
				t.Fatalf("got %d claims, want %d", len(p.Claims), tt.claims)
			}
			if tt.claims > 0 && p.Claims[0].Type != tt.first {
				t.Errorf("got first claim type %q, want %q", p.Claims[0].Type, tt.first)
			}
		})
	}
}

func TestDecodeClientPrincipal_Fields(t *testing.T) {
	p, err := server.DecodeClientPrincipal(b64(principalLogicApp))
	if err != nil {
		t.Fatalf("DecodeClientPrincipal: %v", err)
	}
	want := server.ClientPrincipal{
		AuthType: "aad",
		NameType: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
		RoleType: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
	}
	if p.AuthType != want.AuthType || p.NameType != want.NameType || p.RoleType != want.RoleType {
		t.Errorf("got %q %q %q, want %q %q %q", p.AuthType, p.NameType, p.RoleType,
			want.AuthType, want.NameType, want.RoleType)
	}
	if got := p.Claims[2]; got != (server.Claim{Type: "appid", Value: logicAppID}) {
		t.Errorf("got claim %+v, want appid %s", got, logicAppID)
	}
}

func TestNewCaller(t *testing.T) {
	tests := []struct {
		name        string
		principal   string
		principalID string // X-MS-CLIENT-PRINCIPAL-ID
		app, object string
		ids         []string
	}{
		{"logic app identity", principalLogicApp, logicAppObject, logicAppID, logicAppObject,
			[]string{logicAppID, logicAppObject}},
		{"v2 azp, upper case", principalOAuthV2, "", oauthClientID, oauthObject,
			[]string{oauthClientID, oauthObject}},
		{"connector user", principalConnectorUser, makerObject, connectorApp, makerObject,
			[]string{connectorApp, makerObject}},
		{"object id from the header only", `{"claims":[{"typ":"appid","val":"` + logicAppID +
			`"}]}`, strings.ToUpper(logicAppObject), logicAppID, logicAppObject,
			[]string{logicAppID, logicAppObject}},
		{"short oid", `{"claims":[{"typ":"oid","val":"` + oauthObject + `"}]}`, "", "",
			oauthObject, []string{oauthObject}},
		{"header differs from the claim", principalLogicApp, makerObject, logicAppID,
			logicAppObject, []string{logicAppID, logicAppObject, makerObject}},
		{"ids that are not GUIDs", `{"claims":[{"typ":"appid","val":"my-app"},` +
			`{"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier",` +
			`"val":"` + logicAppObject + `x"}]}`, "sid:123", "", "", nil},
		{"other claims are not ids", `{"claims":[{"typ":"aud","val":"` + logicAppID + `"},` +
			`{"typ":"http://schemas.microsoft.com/identity/claims/tenantid","val":"` + tenantID +
			`"},{"typ":"sub","val":"` + makerObject + `"}]}`, "", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := server.DecodeClientPrincipal(b64(tt.principal))
			if err != nil {
				t.Fatalf("DecodeClientPrincipal: %v", err)
			}
			c := server.NewCaller(p, tt.principalID)
			if c.AppID != tt.app {
				t.Errorf("got AppID %q, want %q", c.AppID, tt.app)
			}
			if c.ObjectID != tt.object {
				t.Errorf("got ObjectID %q, want %q", c.ObjectID, tt.object)
			}
			if !slices.Equal(c.IDs, tt.ids) {
				t.Errorf("got IDs %v, want %v", c.IDs, tt.ids)
			}
		})
	}
}

// easyAuth returns the headers Easy Auth sets for a principal.
func easyAuth(principal, principalID string) http.Header {
	h := http.Header{}
	h.Set(server.HeaderClientPrincipal, b64(principal))
	if principalID != "" {
		h.Set(server.HeaderClientPrincipalID, principalID)
	}
	h.Set("X-MS-CLIENT-PRINCIPAL-IDP", "aad")
	return h
}

func TestCallerCheck_Check(t *testing.T) {
	allowed := []string{strings.ToUpper(logicAppID), oauthObject}
	twice := easyAuth(principalLogicApp, logicAppObject)
	twice.Add(server.HeaderClientPrincipal, b64(principalOAuthV2))
	twoIDs := easyAuth(principalLogicApp, logicAppObject)
	twoIDs.Add(server.HeaderClientPrincipalID, makerObject)
	header := func(k, v string) http.Header {
		h := http.Header{}
		h.Set(k, v)
		return h
	}

	tests := []struct {
		name   string
		header http.Header
		status int      // 0: allowed
		detail []string // parts of the refusal's detail
		app    string   // the caller's AppID
	}{
		{"app id allowed, any case", easyAuth(principalLogicApp, logicAppObject), 0, nil,
			logicAppID},
		{"object id allowed", easyAuth(principalOAuthV2, oauthObject), 0, nil, oauthClientID},
		{"object id allowed from the header", easyAuth(`{"auth_typ":"aad","claims":[]}`,
			oauthObject), 0, nil, ""},
		{"not allowed", easyAuth(principalConnectorUser, makerObject), http.StatusForbidden,
			[]string{"application id " + connectorApp, "object id " + makerObject,
				"ALLOWED_CALLERS"}, connectorApp},
		{"no ids", easyAuth(`{"auth_typ":"aad","claims":[{"typ":"aud","val":"x"}]}`, ""),
			http.StatusForbidden, []string{"names no application id or object id"}, ""},
		{"no header", http.Header{}, http.StatusUnauthorized,
			[]string{"no X-MS-CLIENT-PRINCIPAL header"}, ""},
		{"empty header", header(server.HeaderClientPrincipal, " "),
			http.StatusUnauthorized, []string{"no X-MS-CLIENT-PRINCIPAL header"}, ""},
		{"principal id alone", header(server.HeaderClientPrincipalID, logicAppObject),
			http.StatusUnauthorized, []string{"no X-MS-CLIENT-PRINCIPAL header"}, ""},
		{"malformed", header(server.HeaderClientPrincipal, "eyJhbGciOi.J9"),
			http.StatusUnauthorized, []string{"header is malformed", "not base64"}, ""},
		{"malformed JSON", easyAuth(`{"claims":[{"typ":"appid","val":"`+logicAppID+`"}`, ""),
			http.StatusUnauthorized, []string{"header is malformed", "JSON"}, ""},
		{"principal given twice", twice, http.StatusUnauthorized,
			[]string{"X-MS-CLIENT-PRINCIPAL header is malformed", "more than once"}, ""},
		{"principal id given twice", twoIDs, http.StatusUnauthorized,
			[]string{"X-MS-CLIENT-PRINCIPAL-ID header is malformed", "more than once"}, ""},
	}
	check := server.NewCallerCheck(allowed)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caller, p := check.Check(tt.header)
			if caller.AppID != tt.app {
				t.Errorf("got AppID %q, want %q", caller.AppID, tt.app)
			}
			if tt.status == 0 {
				if p != nil {
					t.Fatalf("got problem %s, want the caller allowed", p)
				}
				return
			}
			if p == nil {
				t.Fatalf("got the caller %+v allowed, want %d", caller, tt.status)
			}
			wantCode := problem.CallerNotAuthenticated
			if tt.status == http.StatusForbidden {
				wantCode = problem.CallerNotAllowed
			}
			if p.Status != tt.status || p.Code != wantCode {
				t.Errorf("got %d %s, want %d %s", p.Status, p.Code, tt.status, wantCode)
			}
			for _, part := range tt.detail {
				if !strings.Contains(p.Detail, part) {
					t.Errorf("got detail %q, want it to say %q", p.Detail, part)
				}
			}
			if p.Fix == "" {
				t.Error("got no fix")
			}
			for _, v := range tt.header.Values(server.HeaderClientPrincipal) {
				if len(v) > 8 && strings.Contains(p.Detail, v[:8]) {
					t.Errorf("detail %q quotes the header", p.Detail)
				}
			}
		})
	}
}

func TestCallerCheck_Nil(t *testing.T) {
	var check *server.CallerCheck
	caller, p := check.Check(http.Header{})
	if p != nil || len(caller.IDs) != 0 {
		t.Errorf("got %+v, %v; want no caller and no problem", caller, p)
	}
}

func TestCallerCheck_NoneAllowed(t *testing.T) {
	_, p := server.NewCallerCheck(nil).Check(easyAuth(principalLogicApp, logicAppObject))
	if p == nil || p.Code != problem.CallerNotAllowed {
		t.Errorf("got %v, want caller_not_allowed", p)
	}
}

// TestCallerAuth_Words checks that the server and the settings use the
// same words for CALLER_AUTH.
func TestCallerAuth_Words(t *testing.T) {
	if server.CallerAuthNone != settings.CallerAuthNone ||
		server.CallerAuthEasyAuth != settings.CallerAuthEasyAuth {
		t.Errorf("got %q %q, want the settings' %q %q", server.CallerAuthNone,
			server.CallerAuthEasyAuth, settings.CallerAuthNone, settings.CallerAuthEasyAuth)
	}
}

// TestServer_CallerAuth checks the edge with Easy Auth on: who reaches
// ProjectSync and Health, the answers of those who do not, and the log.
func TestServer_CallerAuth(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		header http.Header
		status int
		code   problem.Code // for a problem answer
		app    string       // caller_app_id on the request line
	}{
		{"allowed by app id", http.MethodPost, "/api/ProjectSync",
			easyAuth(principalLogicApp, logicAppObject), http.StatusCreated, "", logicAppID},
		{"allowed by object id", http.MethodPost, "/api/ProjectSync",
			easyAuth(principalOAuthV2, oauthObject), http.StatusCreated, "", oauthClientID},
		{"header names in lower case", http.MethodPost, "/api/ProjectSync", http.Header{
			"x-ms-client-principal": {b64(principalLogicApp)}}, http.StatusCreated, "",
			logicAppID},
		{"other caller", http.MethodPost, "/api/ProjectSync",
			easyAuth(principalConnectorUser, makerObject), http.StatusForbidden,
			problem.CallerNotAllowed, connectorApp},
		{"no principal", http.MethodPost, "/api/ProjectSync", http.Header{},
			http.StatusUnauthorized, problem.CallerNotAuthenticated, ""},
		{"malformed principal", http.MethodPost, "/api/ProjectSync", http.Header{
			server.HeaderClientPrincipal: {b64(principalLogicApp)[:40]}},
			http.StatusUnauthorized, problem.CallerNotAuthenticated, ""},
		{"no principal, wrong method", http.MethodGet, "/api/ProjectSync", http.Header{},
			http.StatusUnauthorized, problem.CallerNotAuthenticated, ""},
		{"allowed, wrong method", http.MethodGet, "/api/ProjectSync",
			easyAuth(principalLogicApp, ""), http.StatusMethodNotAllowed,
			problem.MethodNotAllowed, logicAppID},
		{"health allowed", http.MethodGet, "/api/Health",
			easyAuth(principalLogicApp, logicAppObject), http.StatusTeapot, "", logicAppID},
		{"health, other caller", http.MethodGet, "/api/Health",
			easyAuth(principalConnectorUser, ""), http.StatusForbidden,
			problem.CallerNotAllowed, connectorApp},
		{"health, no principal", http.MethodGet, "/api/Health", http.Header{},
			http.StatusUnauthorized, problem.CallerNotAuthenticated, ""},
		{"readiness needs none", http.MethodGet, "/", http.Header{}, http.StatusOK, "", ""},
		{"unknown path", http.MethodGet, "/api/Other", http.Header{}, http.StatusNotFound,
			problem.NotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
			})
			h, logs := newHandler(t, s, server.Options{Health: health,
				CallerAuth: server.CallerAuthEasyAuth, AllowedCallers: []string{logicAppID,
					strings.ToUpper(oauthObject)}})
			url := serve(t, h)
			var body io.Reader
			if tt.method == http.MethodPost {
				body = strings.NewReader(projectBody)
			}
			req := newRequest(t, tt.method, url+tt.path, body)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			req.Header.Set(server.HeaderInvocationID, "inv-caller")

			resp, answer := send(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("got status %d, want %d: %s", resp.StatusCode, tt.status, answer)
			}
			creates := 0
			if tt.status == http.StatusCreated {
				creates = 1
			}
			if got := s.Solution.CreateCount(); got != creates {
				t.Errorf("got %d creates, want %d", got, creates)
			}
			if tt.code != "" {
				p := decodeProblem(t, resp, answer)
				if p.Code != tt.code {
					t.Errorf("got code %q, want %q", p.Code, tt.code)
				}
				if p.InvocationID != "inv-caller" {
					t.Errorf("got invocationId %q, want inv-caller", p.InvocationID)
				}
			}
			if tt.path != "/" {
				wantCallerLogged(t, logs, tt.app)
			}
			wantHeaderNotLogged(t, logs, tt.header)
		})
	}
}

// TestServer_CallerAuthNone sends forged Easy Auth headers to a server
// without the caller check: they change nothing and are never logged.
func TestServer_CallerAuthNone(t *testing.T) {
	tests := []struct {
		name   string
		mode   string
		header http.Header
	}{
		{"none, forged other caller", server.CallerAuthNone,
			easyAuth(principalConnectorUser, makerObject)},
		{"none, forged allowed caller", server.CallerAuthNone,
			easyAuth(principalLogicApp, logicAppObject)},
		{"none, malformed", server.CallerAuthNone,
			http.Header{server.HeaderClientPrincipal: {"%%%not-base64"}}},
		{"empty, forged other caller", "", easyAuth(principalConnectorUser, makerObject)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			h, logs := newHandler(t, s, server.Options{CallerAuth: tt.mode,
				AllowedCallers: []string{logicAppID}})
			url := serve(t, h)
			req := newRequest(t, http.MethodPost, url+"/api/ProjectSync",
				strings.NewReader(projectBody))
			for k, v := range tt.header {
				req.Header[k] = v
			}

			resp, answer := send(t, req)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("got status %d, want 201: %s", resp.StatusCode, answer)
			}
			wantCallerLogged(t, logs, "")
			wantHeaderNotLogged(t, logs, tt.header)
			for _, id := range []string{logicAppID, connectorApp, makerObject} {
				if strings.Contains(logs.String(), id) {
					t.Errorf("the log holds the forged id %s:\n%s", id, logs)
				}
			}
		})
	}
}

// wantCallerLogged checks the one request line's caller_app_id: app, or
// no such key when app is empty.
func wantCallerLogged(t *testing.T, logs *logBuffer, app string) {
	t.Helper()
	var lines []map[string]any
	for _, l := range logs.lines(t) {
		if l["message"] == "request" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("got %d request lines, want 1:\n%s", len(lines), logs)
	}
	got, ok := lines[0]["caller_app_id"]
	switch {
	case app == "" && ok:
		t.Errorf("got caller_app_id %v, want none", got)
	case app != "" && got != app:
		t.Errorf("got caller_app_id %v, want %s", got, app)
	}
	if n := strings.Count(logs.String(), `"caller_app_id"`); n > 1 {
		t.Errorf("got caller_app_id %d times, want it once:\n%s", n, logs)
	}
}

// wantHeaderNotLogged checks that no Easy Auth header value reached the
// log, raw or decoded.
func wantHeaderNotLogged(t *testing.T, logs *logBuffer, h http.Header) {
	t.Helper()
	text := logs.String()
	for k, vs := range h {
		for _, v := range vs {
			if len(v) > 8 && strings.Contains(text, v[:8]) && !guidLike(v) {
				t.Errorf("the log holds the %s header:\n%s", k, text)
			}
			if raw, err := base64.StdEncoding.DecodeString(v); err == nil &&
				strings.Contains(text, `"claims"`) && len(raw) > 0 {
				t.Errorf("the log holds the decoded %s header:\n%s", k, text)
			}
		}
	}
}

func guidLike(v string) bool { return len(v) == 36 && strings.Count(v, "-") == 4 }
