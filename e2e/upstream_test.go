package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"projectsync/internal/standin"
	"projectsync/internal/standin/entra"
	"projectsync/internal/standin/keyvault"
	"projectsync/internal/standin/workpoint"
)

// GUIDs that name nothing in the demo world.
const (
	unknownGUID1 = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	unknownGUID2 = "5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c"
)

// upstreamCase is one situation the stand-ins are put in, and the problem
// the handler must answer with.
type upstreamCase struct {
	name      string
	setup     func(*standin.Stack)
	opts      []chainOption
	body      string // empty means a plain composed body
	status    int
	code      string
	retryable bool
	// check, when set, checks what else the case promises: the links that
	// were called, the log line, the upstream member.
	check func(t *testing.T, c *chain, a answer)
}

// runUpstream runs each case on its own chain: one request, the problem it
// gets, the edge's log line, and no planted value in any log line.
func runUpstream(t *testing.T, tests []upstreamCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startChain(t, tt.setup, tt.opts...)
			body := tt.body
			if body == "" {
				body = `{"title":"Upstream case"}`
			}
			a := c.post([]byte(body))
			if a.Status != tt.status {
				t.Fatalf("got %d %.500s, want %d\n%s", a.Status, a.Body, tt.status, c.dump())
			}
			wantProblem(t, a, tt.status, tt.code, tt.retryable)
			c.awaitRequestLines(1)
			c.wantRequestLog(tt.status, tt.code)
			c.wantNoLeaks()
			for _, l := range c.stderrLines() {
				t.Errorf("the handler wrote to stderr: %s", l)
			}
			if tt.check != nil {
				tt.check(t, c, a)
			}
		})
	}
}

// wantLinks checks how often each stand-in was called; a negative field
// is not checked.
func wantLinks(t *testing.T, c *chain, want links) {
	t.Helper()
	got := c.links()
	check := func(name string, got, want int) {
		if want >= 0 && got != want {
			t.Errorf("%s: got %d calls, want %d", name, got, want)
		}
	}
	check("managed identity", got.Identity, want.Identity)
	check("Key Vault reads", got.VaultReads, want.VaultReads)
	check("Entra token requests", got.EntraTokens, want.EntraTokens)
	check("WorkPoint", got.WorkPoint, want.WorkPoint)
}

// wantLogged checks members of the edge's log line of the last request.
func wantLogged(t *testing.T, c *chain, want map[string]string) {
	t.Helper()
	l := c.lastRequestLine()
	for k, v := range want {
		got, _ := l[k].(string)
		if !strings.Contains(got, v) {
			t.Errorf("log member %s: got %q, want it to hold %q", k, got, v)
		}
	}
}

// vaultHost is the demo vault's host name.
var vaultHost = strings.TrimSuffix(strings.TrimPrefix(standin.VaultURL, "https://"), "/")

// U1: Key Vault refuses the secret read. Each refusal has its own code;
// the log names the vault, the secret and Key Vault's inner code; the read
// is not retried and neither Entra nor WorkPoint is called.
func TestUpstream_KeyVault(t *testing.T) {
	deny := func(d keyvault.Deny) func(*standin.Stack) {
		return func(s *standin.Stack) { s.Vault.SetDeny(standin.VaultName, d) }
	}
	refused := func(secret, upstreamCode string) func(*testing.T, *chain, answer) {
		return func(t *testing.T, c *chain, a answer) {
			wantLinks(t, c, links{Identity: -1, VaultReads: 1, EntraTokens: 0, WorkPoint: 0})
			wantLogged(t, c, map[string]string{
				"upstream":      "keyvault",
				"upstream_code": upstreamCode,
				"detail":        vaultHost,
			})
			wantLogged(t, c, map[string]string{"detail": secret})
			up := a.upstream()
			if code, _ := up["code"].(string); up["service"] != "keyvault" ||
				!strings.Contains(code, upstreamCode) {
				t.Errorf("upstream member: got %v, want keyvault %s", up, upstreamCode)
			}
		}
	}
	yesterday := time.Now().AddDate(0, 0, -1)
	tomorrow := time.Now().AddDate(0, 0, 1)
	tests := []upstreamCase{
		{name: "403 AccessDenied", setup: deny(keyvault.DenyAccessPolicy),
			status: 424, code: "keyvault_access_denied",
			check: refused(standin.SecretName, "AccessDenied")},
		{name: "403 ForbiddenByRbac",
			setup: func(s *standin.Stack) {
				s.Vault.Revoke(standin.VaultName, standin.ManagedIdentityPrincipalID)
			},
			status: 424, code: "keyvault_forbidden_by_rbac",
			check: refused(standin.SecretName, "ForbiddenByRbac")},
		{name: "403 SecretDisabled",
			setup: func(s *standin.Stack) {
				id := s.Vault.SetSecret(standin.VaultName, standin.SecretName,
					standin.ClientSecret, keyvault.Attributes{})
				s.Vault.SetVersionEnabled(standin.VaultName, standin.SecretName, id, false)
			},
			status: 424, code: "keyvault_secret_disabled",
			check: refused(standin.SecretName, "SecretDisabled")},
		{name: "403 ForbiddenByPolicy", setup: deny(keyvault.DenyPolicy),
			status: 424, code: "keyvault_forbidden_by_policy",
			check: refused(standin.SecretName, "ForbiddenByPolicy")},
		{name: "403 ForbiddenByFirewall", setup: deny(keyvault.DenyFirewall),
			status: 424, code: "keyvault_forbidden_by_firewall",
			check: refused(standin.SecretName, "ForbiddenByFirewall")},
		{name: "404 secret not found",
			opts:   []chainOption{withSetting("KEY_VAULT_SECRET_NAME", "no-such-secret")},
			status: 424, code: "keyvault_secret_not_found",
			check: refused("no-such-secret", "SecretNotFound")},
		{name: "secret not yet valid",
			setup: func(s *standin.Stack) {
				s.Vault.SetSecret(standin.VaultName, standin.SecretName, standin.ClientSecret,
					keyvault.Attributes{NotBefore: &tomorrow})
			},
			status: 424, code: "keyvault_secret_not_yet_valid",
			check: func(t *testing.T, c *chain, a answer) {
				wantLinks(t, c, links{Identity: -1, VaultReads: 1, EntraTokens: 0, WorkPoint: 0})
			}},
		// U2: Key Vault returns an expired secret; the handler refuses it
		// and says when it expired.
		{name: "U2 secret expired",
			setup: func(s *standin.Stack) {
				s.Vault.SetSecret(standin.VaultName, standin.SecretName, standin.ClientSecret,
					keyvault.Attributes{Expires: &yesterday})
			},
			status: 424, code: "keyvault_secret_expired",
			check: func(t *testing.T, c *chain, a answer) {
				wantLinks(t, c, links{Identity: -1, VaultReads: 1, EntraTokens: 0, WorkPoint: 0})
				day := yesterday.UTC().Format("2006-01-02")
				if !strings.Contains(a.str("detail"), day) {
					t.Errorf("detail does not say when (%s): %s", day, a.str("detail"))
				}
				wantLogged(t, c, map[string]string{"detail": day})
			}},
	}
	runUpstream(t, tests)
}

// U3: the secret is rotated after the first request. Entra rejects the
// cached v1; the handler reads Key Vault once more, gets v2 and succeeds.
// The log names both versions and neither value.
func TestUpstream_Rotation(t *testing.T) {
	const v2 = "e2eRot8Q~second.version.of.the.client.secret"
	yearOn := time.Now().AddDate(1, 0, 0)
	yesterday := time.Now().AddDate(0, 0, -1)
	tests := []struct {
		name string
		// entra is what Entra accepts after the rotation.
		entra []entra.Secret
	}{
		{"v1 removed (AADSTS7000215)", []entra.Secret{{Value: v2, Expires: yearOn}}},
		{"v1 expired (AADSTS7000222)", []entra.Secret{
			{Value: standin.ClientSecret, Expires: yesterday}, {Value: v2, Expires: yearOn}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := startChain(t, func(s *standin.Stack) {
				// MSAL caches no token this short-lived, so the second
				// request asks Entra again once the token has expired.
				s.Entra.SetTokenLifetime(2 * time.Second)
				s.Plant(v2)
			})
			if a := c.post([]byte(`{"title":"Before rotation"}`)); a.Status != http.StatusCreated {
				t.Fatalf("first request: got %d %s, want 201\n%s", a.Status, a.Body, c.dump())
			}
			c.awaitRequestLines(1)
			v1ID := c.loggedSecretVersion()

			if err := c.stack.Entra.SetSecrets(standin.ClientID, tt.entra...); err != nil {
				t.Fatal(err)
			}
			v2ID := c.stack.Vault.SetSecret(standin.VaultName, standin.SecretName, v2,
				keyvault.Attributes{Expires: &yearOn})
			// The WorkPoint client keeps a token until it expires, or for
			// 30 s after its last refresh; wait for the expiry.
			c.awaitTokenExpiry()

			a := c.post([]byte(`{"title":"After rotation"}`))
			if a.Status != http.StatusCreated {
				t.Fatalf("request after rotation: got %d %s, want 201\n%s", a.Status, a.Body,
					c.dump())
			}
			c.wantEntity(a.num("entityId"), "After rotation", 1)
			// v1 rejected, the latest version read once, the token request
			// made again once.
			wantLinks(t, c, links{Identity: -1, VaultReads: 2, EntraTokens: 3, WorkPoint: -1})

			a = c.post([]byte(`{"title":"Settled"}`))
			if a.Status != http.StatusCreated {
				t.Fatalf("third request: got %d %s, want 201\n%s", a.Status, a.Body,
					c.dump())
			}
			c.awaitRequestLines(3)
			wantLinks(t, c, links{Identity: -1, VaultReads: 2, EntraTokens: -1, WorkPoint: -1})

			// The log names the rejected version and the new one.
			const (
				msgRejected = "entra rejected the client secret; reading Key Vault again"
				msgRetried  = "retrying the token request with the newer secret version"
			)
			rejected, retried := "", ""
			for _, l := range c.logLines(msgRejected) {
				rejected, _ = l["secret_version"].(string)
			}
			for _, l := range c.logLines(msgRetried) {
				retried, _ = l["secret_version"].(string)
			}
			if rejected != v1ID || retried != v2ID {
				t.Errorf("logged versions: rejected %q, retried %q; want %q and %q",
					rejected, retried, v1ID, v2ID)
			}
			c.wantNoLeaks()
		})
	}
}

// loggedSecretVersion returns the secret version of the handler's first
// "read client secret from Key Vault" line.
func (c *chain) loggedSecretVersion() string {
	c.t.Helper()
	lines := c.logLines("read client secret from Key Vault")
	if len(lines) == 0 {
		c.t.Fatalf("no Key Vault read in the log:\n%s", strings.Join(c.handlerLines(), "\n"))
	}
	v, _ := lines[0]["secret_version"].(string)
	if v == "" {
		c.t.Fatalf("the Key Vault read names no version: %v", lines[0])
	}
	return v
}

// awaitTokenExpiry waits until the last WorkPoint token the handler logged
// has expired.
func (c *chain) awaitTokenExpiry() {
	c.t.Helper()
	lines := c.logLines("got WorkPoint token")
	if len(lines) == 0 {
		c.t.Fatalf("no WorkPoint token in the log:\n%s", strings.Join(c.handlerLines(), "\n"))
	}
	s, _ := lines[len(lines)-1]["token_expires"].(string)
	exp, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		c.t.Fatalf("token_expires %q: %v", s, err)
	}
	wait := time.Until(exp) + 200*time.Millisecond
	if wait > 10*time.Second {
		c.t.Fatalf("the WorkPoint token lives until %s; want a short-lived one", s)
	}
	time.Sleep(wait)
}

// U4: Entra refuses the token request. Each refusal has its own code; the
// upstream member holds the AADSTS code and the ids support asks for; the
// request is not repeated and WorkPoint is not called.
func TestUpstream_Entra(t *testing.T) {
	yesterday := time.Now().AddDate(0, 0, -1)
	refused := func(aadsts string) func(*testing.T, *chain, answer) {
		return func(t *testing.T, c *chain, a answer) {
			up := a.upstream()
			if up == nil {
				t.Fatalf("no upstream member: %s", a.Body)
			}
			if up["service"] != "entra" || up["code"] != aadsts {
				t.Errorf("upstream: got %v %v, want entra %s", up["service"], up["code"], aadsts)
			}
			for _, k := range []string{"traceId", "correlationId"} {
				if s, _ := up[k].(string); s == "" {
					t.Errorf("upstream member has no %s: %v", k, up)
				}
			}
			wantLogged(t, c, map[string]string{"upstream": "entra", "upstream_code": aadsts})
			got := c.links()
			if got.EntraTokens > 1 {
				t.Errorf("Entra token requests: got %d, want at most 1 (no retry)", got.EntraTokens)
			}
			if got.WorkPoint != 0 {
				t.Errorf("WorkPoint calls: got %d, want 0", got.WorkPoint)
			}
		}
	}
	tests := []upstreamCase{
		{name: "AADSTS7000222 nothing newer in Key Vault",
			setup: func(s *standin.Stack) {
				_ = s.Entra.SetSecrets(standin.ClientID,
					entra.Secret{Value: standin.ClientSecret, Expires: yesterday})
			},
			status: 424, code: "entra_client_secret_expired",
			check: func(t *testing.T, c *chain, a answer) {
				refused("AADSTS7000222")(t, c, a)
				// The cached secret is dropped and Key Vault read once more.
				wantLinks(t, c, links{Identity: -1, VaultReads: 2, EntraTokens: 1, WorkPoint: 0})
			}},
		{name: "AADSTS7000215 nothing newer in Key Vault",
			setup: func(s *standin.Stack) {
				_ = s.Entra.SetSecrets(standin.ClientID, entra.Secret{Value: "e2e-other-secret"})
				s.Plant("e2e-other-secret")
			},
			status: 424, code: "entra_client_secret_invalid",
			check: func(t *testing.T, c *chain, a answer) {
				refused("AADSTS7000215")(t, c, a)
				wantLinks(t, c, links{Identity: -1, VaultReads: 2, EntraTokens: 1, WorkPoint: 0})
			}},
		{name: "AADSTS500011 unknown audience",
			opts: []chainOption{withSetting("WORKPOINT_AUDIENCE",
				"https://contoso.example/NoSuchApi")},
			status: 424, code: "entra_resource_not_found", check: refused("AADSTS500011")},
		{name: "AADSTS700016 unknown app",
			opts:   []chainOption{withSetting("WORKPOINT_CLIENT_ID", unknownGUID1)},
			status: 424, code: "entra_app_not_found", check: refused("AADSTS700016")},
		{name: "AADSTS90002 unknown tenant",
			opts:   []chainOption{withSetting("WORKPOINT_TENANT_ID", unknownGUID2)},
			status: 424, code: "entra_tenant_not_found", check: refused("AADSTS90002")},
		{name: "AADSTS7000229 no service principal",
			setup: func(s *standin.Stack) {
				_ = s.Entra.SetServicePrincipal(standin.ClientID, false)
			},
			status: 424, code: "entra_consent_missing", check: refused("AADSTS7000229")},
		{name: "AADSTS501051 assignment required",
			setup: func(s *standin.Stack) {
				_ = s.Entra.AddResource(standin.TenantID, entra.Resource{
					Audience: standin.WorkPointAudience, Name: "WorkPoint365.WebAPI",
					AssignmentRequired: true})
				_ = s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience)
			},
			status: 424, code: "entra_role_assignment_required", check: refused("AADSTS501051")},
	}
	runUpstream(t, tests)
}

// U4: the AADSTS code, trace id and correlation id of Entra's refusal are
// in the handler's log, for support to find the sign-in.
func TestUpstream_EntraIDsLogged(t *testing.T) {
	c := startChain(t, func(s *standin.Stack) {
		_ = s.Entra.SetServicePrincipal(standin.ClientID, false)
	})
	a := c.post([]byte(`{"title":"Ids logged"}`))
	wantProblem(t, a, 424, "entra_consent_missing", false)
	c.awaitRequestLines(1)
	up := a.upstream()
	for _, k := range []string{"code", "traceId", "correlationId"} {
		v, _ := up[k].(string)
		if v == "" {
			t.Fatalf("upstream member has no %s: %s", k, a.Body)
		}
		if !strings.Contains(strings.Join(c.handlerLines(), "\n"), v) {
			t.Errorf("no log line holds the %s %s", k, v)
		}
	}
}

// The managed identity is missing or not the one the settings name: no
// Key Vault read, no Entra or WorkPoint call.
func TestUpstream_ManagedIdentity(t *testing.T) {
	nothingRead := func(t *testing.T, c *chain, a answer) {
		wantLinks(t, c, links{Identity: -1, VaultReads: 0, EntraTokens: 0, WorkPoint: 0})
	}
	tests := []upstreamCase{
		{name: "not enabled (no IDENTITY_ENDPOINT)",
			opts:   []chainOption{withSetting("IDENTITY_ENDPOINT", "")},
			status: 424, code: "managed_identity_not_enabled",
			check: func(t *testing.T, c *chain, a answer) {
				nothingRead(t, c, a)
				if n := c.stack.Identity.Requests(); n != 0 {
					t.Errorf("managed identity endpoint: got %d requests, want 0", n)
				}
			}},
		{name: "system-assigned identity off",
			setup: func(s *standin.Stack) {
				s.Identity.SetSystemAssigned(standin.ManagedIdentityPrincipalID, false)
			},
			status: 424, code: "managed_identity_not_enabled", check: nothingRead},
		{name: "user-assigned identity not found",
			opts:   []chainOption{withSetting("MANAGED_IDENTITY_CLIENT_ID", unknownGUID1)},
			status: 424, code: "managed_identity_not_found", check: nothingRead},
		{name: "user-assigned identity without a vault role",
			opts: []chainOption{withSetting("MANAGED_IDENTITY_CLIENT_ID",
				standin.UserAssignedClientID)},
			status: 424, code: "keyvault_forbidden_by_rbac",
			check: func(t *testing.T, c *chain, a answer) {
				wantLinks(t, c, links{Identity: -1, VaultReads: 1, EntraTokens: 0, WorkPoint: 0})
			}},
	}
	runUpstream(t, tests)
}

// The WorkPoint token lacks the application role: the handler refuses it
// before calling WorkPoint.
func TestUpstream_TokenRoleMissing(t *testing.T) {
	noWorkPoint := func(t *testing.T, c *chain, a answer) {
		wantLinks(t, c, links{Identity: -1, VaultReads: 1, EntraTokens: 1, WorkPoint: 0})
		if !strings.Contains(a.str("detail"), "roles") {
			t.Errorf("detail does not name the roles claim: %s", a.str("detail"))
		}
	}
	tests := []upstreamCase{
		{name: "no roles",
			setup: func(s *standin.Stack) {
				_ = s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience)
			},
			status: 424, code: "workpoint_token_role_missing",
			check: func(t *testing.T, c *chain, a answer) {
				noWorkPoint(t, c, a)
				if !strings.Contains(a.str("detail"), standin.WorkPointRole) {
					t.Errorf("detail does not name %s: %s", standin.WorkPointRole, a.str("detail"))
				}
			}},
		{name: "another role",
			setup: func(s *standin.Stack) {
				_ = s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience, "Reader")
			},
			status: 424, code: "workpoint_token_role_missing", check: noWorkPoint},
	}
	runUpstream(t, tests)
}

// WorkPoint refuses or fails. Permanent refusals are 424 (422 for the
// entity's own fields) and not retryable; throttling and faults are 503
// with Retry-After. No entity is created.
func TestUpstream_WorkPoint(t *testing.T) {
	fault := func(f workpoint.Fault) func(*standin.Stack) {
		return func(s *standin.Stack) { s.WorkPoint.InjectFault(20, f) }
	}
	noCreate := func(t *testing.T, c *chain, a answer) {
		t.Helper()
		if n := c.stack.Solution.CreateCount(); n != 0 {
			t.Errorf("WorkPoint created %d entities, want 0", n)
		}
		wantLinks(t, c, links{Identity: -1, VaultReads: 1, EntraTokens: 1, WorkPoint: -1})
	}
	// calls checks the WorkPoint calls: a refusal is not retried.
	calls := func(want int) func(*testing.T, *chain, answer) {
		return func(t *testing.T, c *chain, a answer) {
			noCreate(t, c, a)
			if n := c.stack.WorkPoint.Calls(""); n != want {
				t.Errorf("WorkPoint calls: got %d, want %d", n, want)
			}
			if want > 0 {
				wantLogged(t, c, map[string]string{"upstream": "workpoint"})
			}
		}
	}
	tests := []upstreamCase{
		{name: "401", setup: fault(workpoint.Fault{Status: 401,
			Body: `{"Message":"Authorization has been denied for this request."}`}),
			status: 424, code: "workpoint_unauthorized", check: calls(1)},
		{name: "403", setup: fault(workpoint.Fault{Status: 403,
			Body: `{"Message":"The application does not have the ApplicationAccess role."}`}),
			status: 424, code: "workpoint_forbidden", check: calls(1)},
		{name: "solution not found",
			opts: []chainOption{withSetting("WORKPOINT_SOLUTION_URL",
				"https://contoso.sharepoint.com/sites/nope")},
			status: 424, code: "workpoint_solution_not_found", check: calls(1)},
		{name: "module not found",
			opts:   []chainOption{withSetting("WORKPOINT_BUSINESS_MODULE_ID", unknownGUID1)},
			status: 424, code: "workpoint_module_not_found", check: calls(1)},
		{name: "route not found",
			opts: []chainOption{withSetting("WORKPOINT_API_URL",
				"https://api.workpoint365.com/v9")},
			status: 424, code: "workpoint_route_not_found",
			// No route matched, so the stand-in counted nothing.
			check: calls(0)},
		{name: "fields rejected",
			body:   `{"title":"Odd fields","fields":{"NoSuchField":"x"}}`,
			status: 422, code: "workpoint_fields_rejected",
			check: func(t *testing.T, c *chain, a answer) {
				noCreate(t, c, a)
				if !strings.Contains(a.str("detail"), "NoSuchField") {
					t.Errorf("detail does not name the field: %s", a.str("detail"))
				}
				if n := c.stack.WorkPoint.Calls(workpoint.RouteCreate); n != 1 {
					t.Errorf("create calls: got %d, want 1", n)
				}
			}},
		{name: "site creation rejected",
			opts:   []chainOption{withSetting("WORKPOINT_SITE_CREATION", "enum:Bogus")},
			status: 424, code: "workpoint_site_creation_rejected",
			check: func(t *testing.T, c *chain, a answer) {
				noCreate(t, c, a)
				if n := c.stack.WorkPoint.Calls(workpoint.RouteCreate); n != 1 {
					t.Errorf("create calls: got %d, want 1", n)
				}
			}},
		{name: "429 Retry-After 600",
			setup:  func(s *standin.Stack) { s.WorkPoint.SetThrottle("600", 20) },
			status: 503, code: "workpoint_throttled", retryable: true,
			check: func(t *testing.T, c *chain, a answer) {
				// A long wait is not honoured inside the request: one call,
				// and the caller is told when to come back.
				calls(1)(t, c, a)
				if ra := a.Header.Get("Retry-After"); ra != "600" {
					t.Errorf("Retry-After: got %q, want 600", ra)
				}
			}},
		{name: "500", setup: fault(workpoint.Fault{Status: 500}),
			status: 503, code: "workpoint_unavailable", retryable: true,
			check: func(t *testing.T, c *chain, a answer) {
				noCreate(t, c, a)
				wantLogged(t, c, map[string]string{"upstream": "workpoint"})
			}},
		{name: "502 on create", setup: fault(workpoint.Fault{Route: workpoint.RouteCreate,
			Status: 502}),
			status: 503, code: "workpoint_unavailable", retryable: true,
			check: func(t *testing.T, c *chain, a answer) {
				noCreate(t, c, a)
				// A create is never re-sent.
				if n := c.stack.WorkPoint.Calls(workpoint.RouteCreate); n != 1 {
					t.Errorf("create calls: got %d, want 1", n)
				}
			}},
	}
	runUpstream(t, tests)
}
