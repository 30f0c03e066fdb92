package keyvault

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/golang-jwt/jwt/v5"
)

func TestServer_GetSecretAfterChallenge(t *testing.T) {
	tv := newTestVault(t)
	notBefore := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	expired := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) // in the past: still served
	first := tv.SetSecret(demoVault, "wp-client-secret", "old-value", Attributes{})
	latest := tv.SetSecret(demoVault, "wp-client-secret", "new-value", Attributes{
		NotBefore: &notBefore, Expires: &expired, ContentType: "text/plain",
		Tags: map[string]string{"rotated-by": "ops"},
	})
	tv.GrantSecretsUser(demoVault, testPrincipal)
	client, cred := tv.client(t, demoVault, mint(t, signingKey(), vaultClaims()))

	resp, err := client.GetSecret(context.Background(), "wp-client-secret", "", nil)
	if err != nil {
		t.Fatalf("GetSecret latest: %v", err)
	}

	if got := deref(resp.Value); got != "new-value" {
		t.Errorf("value: got %q, want %q", got, "new-value")
	}
	if got := resp.ID.Version(); got != latest {
		t.Errorf("version: got %q, want %q", got, latest)
	}
	if got := resp.ID.Name(); got != "wp-client-secret" {
		t.Errorf("name: got %q, want %q", got, "wp-client-secret")
	}
	wantID := "https://" + demoVault + ".vault.azure.net/secrets/wp-client-secret/" + latest
	if got := string(*resp.ID); got != wantID {
		t.Errorf("id: got %q, want %q", got, wantID)
	}
	a := resp.Attributes
	if a == nil || a.Enabled == nil || !*a.Enabled {
		t.Fatalf("attributes.enabled: got %+v, want true", a)
	}
	if a.NotBefore == nil || !a.NotBefore.Equal(notBefore) {
		t.Errorf("nbf: got %v, want %v", a.NotBefore, notBefore)
	}
	if a.Expires == nil || !a.Expires.Equal(expired) {
		t.Errorf("exp: got %v, want %v", a.Expires, expired)
	}
	if a.Created == nil || a.Updated == nil {
		t.Errorf("created, updated: got %v, %v, want both set", a.Created, a.Updated)
	}
	if a.RecoverableDays == nil || *a.RecoverableDays != 90 {
		t.Errorf("recoverableDays: got %v, want 90", a.RecoverableDays)
	}
	if got := deref(a.RecoveryLevel); got != "Recoverable+Purgeable" {
		t.Errorf("recoveryLevel: got %q, want Recoverable+Purgeable", got)
	}
	if got := deref(resp.ContentType); got != "text/plain" {
		t.Errorf("contentType: got %q, want text/plain", got)
	}
	if got := deref(resp.Tags["rotated-by"]); got != "ops" {
		t.Errorf("tag rotated-by: got %q, want ops", got)
	}

	seen := tv.requests()
	if len(seen) != 2 || seen[0].authorized || !seen[1].authorized {
		t.Fatalf("requests: got %+v, want one without Authorization, then one with it", seen)
	}
	if got := seen[1].host; got != demoVault+".vault.azure.net" {
		t.Errorf("host: got %q, want the production vault host", got)
	}
	asks := cred.requests()
	if len(asks) != 1 || asks[0].TenantID != testTenant ||
		!slices.Equal(asks[0].Scopes, []string{"https://vault.azure.net/.default"}) {
		t.Errorf("token requests: got %+v, want one for tenant %s and the vault scope",
			asks, testTenant)
	}

	pinned, err := client.GetSecret(context.Background(), "WP-CLIENT-SECRET", first, nil)
	if err != nil {
		t.Fatalf("GetSecret pinned version: %v", err)
	}
	if got := deref(pinned.Value); got != "old-value" {
		t.Errorf("pinned value: got %q, want %q", got, "old-value")
	}
	if got, want := tv.Challenges(), 1; got != want {
		t.Errorf("challenges: got %d, want %d", got, want)
	}
	if got, want := tv.Reads(), 2; got != want {
		t.Errorf("reads: got %d, want %d", got, want)
	}
}

func TestServer_ListVersions(t *testing.T) {
	tv := newTestVault(t)
	v1 := tv.SetSecret(demoVault, "wp-client-secret", "one", Attributes{})
	v2 := tv.SetSecret(demoVault, "wp-client-secret", "two", Attributes{Disabled: true})
	tv.GrantSecretsUser(demoVault, testPrincipal)
	client, _ := tv.client(t, demoVault, mint(t, signingKey(), vaultClaims()))

	var versions []string
	var enabled []bool
	pager := client.NewListSecretPropertiesVersionsPager("wp-client-secret", nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list versions: %v", err)
		}
		for _, p := range page.Value {
			versions = append(versions, p.ID.Version())
			enabled = append(enabled, *p.Attributes.Enabled)
		}
	}

	if want := []string{v1, v2}; !slices.Equal(versions, want) {
		t.Errorf("versions: got %v, want %v", versions, want)
	}
	if want := []bool{true, false}; !slices.Equal(enabled, want) {
		t.Errorf("enabled: got %v, want %v", enabled, want)
	}
}

func TestServer_Errors(t *testing.T) {
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}

	tests := []struct {
		name      string
		setup     func(tv *testVault, versions []string)
		claims    func(c jwt.MapClaims)
		key       *rsa.PrivateKey
		secret    string
		pin       int // 0 reads the latest version; n pins versions[n-1]
		status    int
		code      string
		inBody    string
		inMessage string
	}{
		{name: "access policy", setup: deny(DenyAccessPolicy), status: 403,
			code: "Forbidden", inBody: `"innererror":{"code":"AccessDenied"}`,
			inMessage: "does not have secrets get permission"},
		{name: "rbac deny", setup: deny(DenyRBAC), status: 403, code: "Forbidden",
			inBody: `"innererror":{"code":"ForbiddenByRbac"}`},
		{name: "policy", setup: deny(DenyPolicy), status: 403, code: "Forbidden",
			inBody: `"innererror":{"code":"ForbiddenByPolicy"}`},
		{name: "firewall", setup: deny(DenyFirewall), status: 403, code: "Forbidden",
			inBody: `"innererror":{"code":"ForbiddenByFirewall"}`, inMessage: "Client address"},
		{name: "no role assignment", setup: func(tv *testVault, _ []string) {
			tv.Revoke(demoVault, testPrincipal)
		}, status: 403, code: "Forbidden", inBody: `"innererror":{"code":"ForbiddenByRbac"}`,
			inMessage: "Assignment: (not found)"},
		{name: "disabled latest", setup: func(tv *testVault, v []string) {
			tv.SetVersionEnabled(demoVault, "wp-client-secret", v[1], false)
		}, status: 403, code: "Forbidden", inBody: `"innererror":{"code":"SecretDisabled"}`,
			inMessage: "Operation get is not allowed on a disabled secret."},
		{name: "disabled pinned version", pin: 1, setup: func(tv *testVault, v []string) {
			tv.SetVersionEnabled(demoVault, "wp-client-secret", v[0], false)
		}, status: 403, code: "Forbidden", inBody: `"innererror":{"code":"SecretDisabled"}`},
		{name: "secret not found", secret: "no-such-secret", status: 404,
			code:      "SecretNotFound",
			inMessage: "A secret with (name/id) no-such-secret was not found"},
		{name: "version not found", pin: 3, status: 404, code: "SecretNotFound"},
		{name: "wrong audience", claims: func(c jwt.MapClaims) {
			c["aud"] = "https://management.azure.com/"
		}, status: 401, code: "Unauthorized", inMessage: "AKV10022: Invalid audience."},
		{name: "wrong tenant", claims: func(c jwt.MapClaims) {
			c["tid"] = otherTenant
			c["iss"] = "https://sts.windows.net/" + otherTenant + "/"
		}, status: 401, code: "Unauthorized", inMessage: "AKV10032: Invalid issuer."},
		{name: "expired token", claims: func(c jwt.MapClaims) {
			c["exp"] = time.Now().Add(-time.Hour).Unix()
		}, status: 401, code: "Unauthorized", inMessage: "[TokenExpired]"},
		{name: "bad signature", key: otherKey, status: 401, code: "Unauthorized",
			inMessage: "AKV10046"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tv := newTestVault(t)
			versions := []string{
				tv.SetSecret(demoVault, "wp-client-secret", "one", Attributes{}),
				tv.SetSecret(demoVault, "wp-client-secret", "two", Attributes{}),
				"0123456789abcdef0123456789abcdef", // never created
			}
			tv.GrantSecretsUser(demoVault, testPrincipal)
			if tt.setup != nil {
				tt.setup(tv, versions)
			}
			claims := vaultClaims()
			if tt.claims != nil {
				tt.claims(claims)
			}
			key := tt.key
			if key == nil {
				key = signingKey()
			}
			name := tt.secret
			if name == "" {
				name = "wp-client-secret"
			}
			version := ""
			if tt.pin > 0 {
				version = versions[tt.pin-1]
			}
			client, _ := tv.client(t, demoVault, mint(t, key, claims))

			_, err := client.GetSecret(context.Background(), name, version, nil)

			var re *azcore.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("error: got %v (%T), want *azcore.ResponseError", err, err)
			}
			if re.StatusCode != tt.status || re.ErrorCode != tt.code {
				t.Errorf("status, code: got %d %s, want %d %s", re.StatusCode, re.ErrorCode,
					tt.status, tt.code)
			}
			body, err := io.ReadAll(re.RawResponse.Body)
			if err != nil {
				t.Fatalf("read error body: %v", err)
			}
			if !strings.Contains(string(body), tt.inBody) {
				t.Errorf("body: got %s, want it to contain %s", body, tt.inBody)
			}
			if !strings.Contains(string(body), tt.inMessage) {
				t.Errorf("body: got %s, want a message containing %q", body, tt.inMessage)
			}
		})
	}
}

func deny(d Deny) func(*testVault, []string) {
	return func(tv *testVault, _ []string) { tv.SetDeny(demoVault, d) }
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
