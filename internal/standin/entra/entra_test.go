package entra_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/standin/ca"
	"projectsync/internal/standin/entra"
	"projectsync/internal/standin/proxy"
	"projectsync/internal/standin/tokens"
)

const (
	tenantID      = "8d3c1f5e-2b7a-4c9d-9e1f-0a6b5c4d3e21"
	tenantDomain  = "contoso.onmicrosoft.com"
	appID         = "3f2e1d0c-9b8a-4766-8554-433221100fed"
	appPrincipal  = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	noSPAppID     = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
	secret        = "good~secret"
	oldSecret     = "old~secret"
	wpAudience    = "https://workpoint365.dk/WorkPoint365.WebAPI"
	lockedAPI     = "https://locked.example.com"
	vaultAudience = "https://vault.azure.net"
	vaultAppID    = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"
	miPrincipal   = "0f1e2d3c-4b5a-4968-8776-655443322110"
)

// world is the Entra stand-in behind the proxy, with one tenant, its apps
// and APIs.
type world struct {
	entra  *entra.Server
	issuer *tokens.Issuer
	proxy  *proxy.Proxy
}

func newWorld(t *testing.T) *world {
	t.Helper()
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	t.Setenv("AZURE_AUTHORITY_HOST", "")

	issuer, err := tokens.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	authority, err := ca.New()
	if err != nil {
		t.Fatal(err)
	}
	e := entra.New(issuer)
	must(t, e.AddTenant(tenantID, tenantDomain))
	must(t, e.AddResource(tenantID, entra.Resource{Audience: wpAudience,
		Name: "WorkPoint365.WebAPI"}))
	must(t, e.AddResource(tenantID, entra.Resource{Audience: lockedAPI, Name: "Locked API",
		AssignmentRequired: true}))
	must(t, e.AddResource(tenantID, entra.Resource{Audience: vaultAudience,
		AppID: vaultAppID}))
	must(t, e.AddApp(tenantID, entra.App{ClientID: appID, Name: "ProjectSync",
		PrincipalID: appPrincipal}))
	must(t, e.SetSecrets(appID, entra.Secret{Value: secret, Expires: time.Now().Add(time.Hour)},
		entra.Secret{Value: oldSecret, Expires: time.Now().Add(-time.Hour)}))
	must(t, e.SetRoles(appID, wpAudience, "ApplicationAccess"))
	must(t, e.AddFederatedCredential(appID, miPrincipal))
	must(t, e.AddApp(tenantID, entra.App{ClientID: noSPAppID}))
	must(t, e.SetSecrets(noSPAppID, entra.Secret{Value: secret}))
	must(t, e.SetServicePrincipal(noSPAppID, false))

	p := proxy.New(authority)
	p.Handle("login.microsoftonline.com", e)
	if _, err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &world{entra: e, issuer: issuer, proxy: p}
}

// clientOptions point a credential at the production authority through the
// proxy, without retries.
func (w *world) clientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.AzurePublic,
		Transport: w.proxy.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

func (w *world) secretCredential(t *testing.T, tenant, client,
	secret string) azcore.TokenCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(tenant, client, secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: w.clientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func getToken(t *testing.T, cred azcore.TokenCredential, scope string) (azcore.AccessToken, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
}

func TestServer_ClientSecretToken(t *testing.T) {
	w := newWorld(t)

	tests := []struct {
		name      string
		tenant    string
		scope     string
		wantAud   string
		wantRoles []string
	}{
		{"tenant by id", tenantID, wpAudience + "/.default", wpAudience,
			[]string{"ApplicationAccess"}},
		{"tenant by domain", tenantDomain, wpAudience + "/.default", wpAudience,
			[]string{"ApplicationAccess"}},
		{"resource without roles", tenantID, vaultAudience + "/.default", vaultAudience, nil},
		{"resource by app id", tenantID, vaultAppID + "/.default", vaultAppID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := getToken(t, w.secretCredential(t, tt.tenant, appID, secret), tt.scope)
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			claims := w.verify(t, tk.Token)
			if got := claims["aud"]; got != tt.wantAud {
				t.Errorf("got aud %v, want %s", got, tt.wantAud)
			}
			if got := claims["tid"]; got != tenantID {
				t.Errorf("got tid %v, want %s", got, tenantID)
			}
			if got := claims["iss"]; got != "https://sts.windows.net/"+tenantID+"/" {
				t.Errorf("got iss %v, want the v1.0 issuer of the tenant", got)
			}
			for k, want := range map[string]string{"appid": appID, "azp": appID,
				"oid": appPrincipal, "sub": appPrincipal, "ver": "1.0"} {
				if got := claims[k]; got != want {
					t.Errorf("got %s %v, want %s", k, got, want)
				}
			}
			if got := roles(claims); !slices.Equal(got, tt.wantRoles) {
				t.Errorf("got roles %v, want %v", got, tt.wantRoles)
			}
			if _, ok := claims["roles"]; !ok && tt.wantRoles != nil {
				t.Error("roles claim missing")
			}
			if _, ok := claims["roles"]; ok && tt.wantRoles == nil {
				t.Error("roles claim present without roles")
			}
		})
	}

	if w.entra.TokenRequests() == 0 || w.entra.DiscoveryRequests() == 0 {
		t.Errorf("got %d token and %d discovery requests, want both counted",
			w.entra.TokenRequests(), w.entra.DiscoveryRequests())
	}
}

func TestServer_TokenLifetime(t *testing.T) {
	w := newWorld(t)
	w.entra.SetTokenLifetime(10 * time.Minute)

	tk, err := getToken(t, w.secretCredential(t, tenantID, appID, secret), wpAudience+"/.default")
	if err != nil {
		t.Fatal(err)
	}
	claims := w.verify(t, tk.Token)
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if got := exp.Sub(iat.Time); got != 10*time.Minute {
		t.Errorf("got lifetime %v, want 10m", got)
	}
}

func TestServer_ErrorsCarryAADSTSCodes(t *testing.T) {
	w := newWorld(t)

	tests := []struct {
		name       string
		tenant     string
		client     string
		secret     string
		scope      string
		wantStatus int
		wantError  string
		wantCode   int
	}{
		{"unknown tenant id", "00000000-1111-2222-3333-444444444444", appID, secret,
			wpAudience + "/.default", 400, "invalid_tenant", 90002},
		{"unknown tenant domain", "fabrikam.onmicrosoft.com", appID, secret,
			wpAudience + "/.default", 400, "invalid_tenant", 90002},
		{"malformed tenant", "contoso", appID, secret,
			wpAudience + "/.default", 400, "invalid_tenant", 900023},
		{"unknown client id", tenantID, "99999999-8888-4777-8666-555555555555", secret,
			wpAudience + "/.default", 400, "unauthorized_client", 700016},
		{"wrong secret", tenantID, appID, "wrong", wpAudience + "/.default",
			401, "invalid_client", 7000215},
		{"expired secret", tenantID, appID, oldSecret, wpAudience + "/.default",
			401, "invalid_client", 7000222},
		{"no service principal", tenantID, noSPAppID, secret, wpAudience + "/.default",
			401, "invalid_client", 7000229},
		{"unknown resource", tenantID, appID, secret, "https://unknown.example.com/.default",
			400, "invalid_resource", 500011},
		{"assignment required", tenantID, appID, secret, lockedAPI + "/.default",
			400, "invalid_grant", 501051},
		{"scope without .default", tenantID, appID, secret, wpAudience + "/user_impersonation",
			400, "invalid_scope", 1002012},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := getToken(t, w.secretCredential(t, tt.tenant, tt.client, tt.secret),
				tt.scope)
			assertEntraError(t, err, tt.wantStatus, tt.wantError, tt.wantCode)
		})
	}
}

func TestServer_ClientAssertion(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	assertion := func(aud, sub string) jwt.MapClaims {
		return jwt.MapClaims{
			"aud": aud, "sub": sub, "oid": sub, "tid": tenantID,
			"iss": "https://sts.windows.net/" + tenantID + "/",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
	}

	tests := []struct {
		name       string
		claims     jwt.MapClaims
		wantStatus int
		wantCode   int
	}{
		{"federated subject", assertion(entra.ExchangeAudience, miPrincipal), 200, 0},
		{"unknown subject", assertion(entra.ExchangeAudience,
			"11111111-2222-4333-8444-555555555555"), 401, 700213},
		{"wrong audience", assertion("https://vault.azure.net", miPrincipal), 401, 70021},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := azidentity.NewClientAssertionCredential(tenantID, appID,
				func(context.Context) (string, error) { return w.issuer.Mint(tt.claims) },
				&azidentity.ClientAssertionCredentialOptions{ClientOptions: w.clientOptions()})
			if err != nil {
				t.Fatal(err)
			}
			tk, err := getToken(t, cred, wpAudience+"/.default")
			if tt.wantStatus != 200 {
				assertEntraError(t, err, tt.wantStatus, "invalid_client", tt.wantCode)
				return
			}
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			claims := w.verify(t, tk.Token)
			if got := claims["appidacr"]; got != "2" {
				t.Errorf("got appidacr %v, want 2", got)
			}
			if got := roles(claims); !slices.Equal(got, []string{"ApplicationAccess"}) {
				t.Errorf("got roles %v, want [ApplicationAccess]", got)
			}
		})
	}
}

func TestServer_InjectedFaults(t *testing.T) {
	w := newWorld(t)
	scope := wpAudience + "/.default"

	w.entra.InjectFault(1, entra.Fault{Status: http.StatusServiceUnavailable,
		Body: `{"error":"temporarily_unavailable"}`})
	_, err := getToken(t, w.secretCredential(t, tenantID, appID, secret), scope)
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || afe.RawResponse == nil {
		t.Fatalf("got %v, want an AuthenticationFailedError with a response", err)
	}
	if afe.RawResponse.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("got status %d, want 503", afe.RawResponse.StatusCode)
	}

	w.entra.InjectFault(1, entra.Fault{Drop: true})
	before := w.entra.TokenRequests()
	if _, err := getToken(t, w.secretCredential(t, tenantID, appID, secret), scope); err == nil {
		t.Error("GetToken succeeded although the connection was dropped")
	}
	if got := w.entra.TokenRequests() - before; got < 1 {
		t.Errorf("got %d token requests, want at least 1", got)
	}

	w.entra.InjectFault(1, entra.Fault{Delay: 10 * time.Millisecond})
	if _, err := getToken(t, w.secretCredential(t, tenantID, appID, secret), scope); err != nil {
		t.Errorf("GetToken after a delay: %v", err)
	}
}

// assertEntraError checks that err is an AuthenticationFailedError whose
// response carries Entra's error body with the expected codes.
func assertEntraError(t *testing.T, err error, status int, oauth string, code int) {
	t.Helper()
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) {
		t.Fatalf("got error %v, want an AuthenticationFailedError", err)
	}
	if afe.RawResponse == nil {
		t.Fatalf("AuthenticationFailedError has no response: %v", err)
	}
	if afe.RawResponse.StatusCode != status {
		t.Errorf("got status %d, want %d", afe.RawResponse.StatusCode, status)
	}
	body, err := runtime.Payload(afe.RawResponse)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Error         string `json:"error"`
		Description   string `json:"error_description"`
		Codes         []int  `json:"error_codes"`
		TraceID       string `json:"trace_id"`
		CorrelationID string `json:"correlation_id"`
		Timestamp     string `json:"timestamp"`
		URI           string `json:"error_uri"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode error body %s: %v", body, err)
	}
	if e.Error != oauth {
		t.Errorf("got error %q, want %q", e.Error, oauth)
	}
	if !slices.Equal(e.Codes, []int{code}) {
		t.Errorf("got error_codes %v, want [%d]", e.Codes, code)
	}
	wantPrefix := "AADSTS" + itoa(code) + ": "
	if !strings.HasPrefix(e.Description, wantPrefix) {
		t.Errorf("got description %q, want prefix %q", e.Description, wantPrefix)
	}
	for _, part := range []string{"\r\nTrace ID: " + e.TraceID,
		"\r\nCorrelation ID: " + e.CorrelationID, "\r\nTimestamp: " + e.Timestamp} {
		if !strings.Contains(e.Description, part) {
			t.Errorf("description %q lacks %q", e.Description, part)
		}
	}
	if want := "https://login.microsoftonline.com/error?code=" + itoa(code); e.URI != want {
		t.Errorf("got error_uri %q, want %q", e.URI, want)
	}
}

func (w *world) verify(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	claims, err := w.issuer.Verify(token)
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	return claims
}

func roles(c jwt.MapClaims) []string {
	raw, _ := c["roles"].([]any)
	var out []string
	for _, r := range raw {
		s, _ := r.(string)
		out = append(out, s)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
