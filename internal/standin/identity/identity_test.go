package identity_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"projectsync/internal/standin/identity"
	"projectsync/internal/standin/tokens"
)

const (
	tenantID      = "8d3c1f5e-2b7a-4c9d-9e1f-0a6b5c4d3e21"
	systemID      = "6c5b4a39-2817-4f6e-9d5c-4b3a29180716"
	userClientID  = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"
	userPrincipal = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
)

// start runs an endpoint with a system-assigned and a user-assigned
// identity, and points the managed identity environment at it.
func start(t *testing.T) (*identity.Server, *tokens.Issuer) {
	t.Helper()
	issuer, err := tokens.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	s := identity.New(issuer, tenantID)
	s.SetSystemAssigned(systemID, true)
	s.AddUserAssigned(userClientID, userPrincipal)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)

	for _, name := range []string{"MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT",
		"IDENTITY_SERVER_THUMBPRINT", "AZURE_CLIENT_ID", "AZURE_TENANT_ID"} {
		t.Setenv(name, "")
	}
	t.Setenv("IDENTITY_ENDPOINT", s.Endpoint())
	t.Setenv("IDENTITY_HEADER", s.Header())
	return s, issuer
}

// uniqueResource returns a resource that no earlier token request of this
// process has used, so that MSAL's process-wide managed identity cache
// cannot answer for the endpoint, also when tests run more than once.
func uniqueResource(name string) string {
	return "api://identity-test/" + strings.ReplaceAll(name, " ", "-") + "/" + rand.Text()
}

// miToken asks a new ManagedIdentityCredential for a token. MSAL caches
// managed identity tokens process-wide per identity and resource, so every
// caller passes a resource of its own.
func miToken(t *testing.T, id azidentity.ManagedIDKind,
	resource string) (azcore.AccessToken, error) {
	t.Helper()
	opts := &azidentity.ManagedIdentityCredentialOptions{
		ID:            id,
		ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}},
	}
	cred, err := azidentity.NewManagedIdentityCredential(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{resource + "/.default"}})
}

func TestServer_TokensForIdentities(t *testing.T) {
	s, issuer := start(t)
	resourceID, ok := s.ResourceID(userClientID)
	if !ok {
		t.Fatal("no resource ID for the user-assigned identity")
	}

	tests := []struct {
		name          string
		id            azidentity.ManagedIDKind
		wantPrincipal string
	}{
		{"system assigned", nil, systemID},
		{"user assigned by client id", azidentity.ClientID(userClientID), userPrincipal},
		{"user assigned by object id", azidentity.ObjectID(userPrincipal), userPrincipal},
		{"user assigned by resource id", azidentity.ResourceID(resourceID), userPrincipal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resource := uniqueResource(tt.name)
			tk, err := miToken(t, tt.id, resource)
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			claims, err := issuer.Verify(tk.Token)
			if err != nil {
				t.Fatalf("token does not verify: %v", err)
			}
			for k, want := range map[string]string{"aud": resource, "tid": tenantID,
				"oid": tt.wantPrincipal, "sub": tt.wantPrincipal} {
				if got := claims[k]; got != want {
					t.Errorf("got %s %v, want %s", k, got, want)
				}
			}
			if got, _ := claims["appid"].(string); got == "" {
				t.Error("appid claim missing")
			}
		})
	}
}

func TestServer_ExpiryForms(t *testing.T) {
	s, issuer := start(t)
	s.SetTokenLifetime(2 * time.Hour)

	tests := []struct {
		name string
		form identity.ExpiryForm
	}{
		{"string", identity.ExpiresOnString},
		{"number", identity.ExpiresOnNumber},
		{"expires_in", identity.ExpiresInOnly},
		{"rfc3339", identity.ExpiresOnRFC3339},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetExpiryForm(tt.form)
			_, raw := call(t, s, url.Values{"api-version": {"2019-08-01"},
				"resource": {"api://identity-test/raw"}})
			var answer map[string]any
			if err := json.Unmarshal(raw, &answer); err != nil {
				t.Fatal(err)
			}
			if got := expiryForm(answer); got != tt.name {
				t.Errorf("got expiry form %s, want %s: %s", got, tt.name, raw)
			}

			tk, err := miToken(t, nil, uniqueResource("expiry "+tt.name))
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			claims, err := issuer.Verify(tk.Token)
			if err != nil {
				t.Fatal(err)
			}
			exp, _ := claims.GetExpirationTime()
			// expires_in is relative, so MSAL's clock enters; a minute of
			// slack covers it without measuring speed.
			if d := tk.ExpiresOn.Sub(exp.Time); d < -time.Minute || d > time.Minute {
				t.Errorf("got ExpiresOn %v, want the token's exp %v", tk.ExpiresOn, exp.Time)
			}
		})
	}
}

// expiryForm names the way a token answer states its expiry.
func expiryForm(answer map[string]any) string {
	on, hasOn := answer["expires_on"]
	_, hasIn := answer["expires_in"]
	switch v := on.(type) {
	case float64:
		return "number"
	case string:
		if _, err := time.Parse(time.RFC3339, v); err == nil {
			return "rfc3339"
		}
		return "string"
	}
	if !hasOn && hasIn {
		return "expires_in"
	}
	return "none"
}

func TestServer_Refusals(t *testing.T) {
	s, _ := start(t)

	tests := []struct {
		name        string
		prepare     func(t *testing.T)
		id          azidentity.ManagedIDKind
		wantStatus  int
		wantMessage string
	}{
		{"unknown user assigned", nil, azidentity.ClientID("99999999-0000-4000-8000-000000000000"),
			400, "No User Assigned or Delegated Managed Identity found"},
		{"system assigned off", func(t *testing.T) {
			s.SetSystemAssigned(systemID, false)
			t.Cleanup(func() { s.SetSystemAssigned(systemID, true) })
		}, nil, 400, "No system assigned managed identity"},
		{"wrong header", func(t *testing.T) {
			t.Setenv("IDENTITY_HEADER", "not-the-header")
		}, nil, 401, "X-IDENTITY-HEADER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.prepare != nil {
				tt.prepare(t)
			}
			_, err := miToken(t, tt.id, uniqueResource("refusal "+tt.name))
			var afe *azidentity.AuthenticationFailedError
			if !errors.As(err, &afe) || afe.RawResponse == nil {
				t.Fatalf("got %v, want an AuthenticationFailedError with a response", err)
			}
			if afe.RawResponse.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d", afe.RawResponse.StatusCode, tt.wantStatus)
			}
			body, _ := runtime.Payload(afe.RawResponse)
			var e struct {
				StatusCode int    `json:"statusCode"`
				Message    string `json:"message"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if e.StatusCode != tt.wantStatus || !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("got body %s, want statusCode %d and a message with %q",
					body, tt.wantStatus, tt.wantMessage)
			}
		})
	}
}

func TestServer_RequestValidation(t *testing.T) {
	s, _ := start(t)

	tests := []struct {
		name     string
		query    url.Values
		wantCode string
	}{
		{"unsupported api version",
			url.Values{"api-version": {"2017-09-01"}, "resource": {"https://vault.azure.net"}},
			"UnsupportedApiVersion"},
		{"no api version", url.Values{"resource": {"https://vault.azure.net"}},
			"ApiVersionUnspecified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, s, tt.query)
			if status != http.StatusBadRequest {
				t.Errorf("got status %d, want 400", status)
			}
			var e struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != tt.wantCode {
				t.Errorf("got body %s, want error code %s", body, tt.wantCode)
			}
		})
	}

	status, body := call(t, s, url.Values{"api-version": {"2019-08-01"}})
	if status != http.StatusBadRequest || !strings.Contains(string(body), "resource") {
		t.Errorf("without resource: got %d %s, want 400 naming resource", status, body)
	}
}

// call sends a token request with the right header and the given query.
func call(t *testing.T, s *identity.Server, q url.Values) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.Endpoint()+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-IDENTITY-HEADER", s.Header())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestServer_InjectedFault(t *testing.T) {
	s, _ := start(t)
	s.InjectFault(1, identity.Fault{Status: http.StatusInternalServerError,
		Body: `{"statusCode":500,"message":"boom"}`})

	resource := uniqueResource("fault")
	before := s.Requests()
	_, err := miToken(t, nil, resource)
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || afe.RawResponse == nil ||
		afe.RawResponse.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got %v, want an AuthenticationFailedError with status 500", err)
	}
	if got := s.Requests() - before; got != 1 {
		t.Errorf("got %d requests, want 1", got)
	}

	tk, err := miToken(t, nil, resource)
	if err != nil || tk.Token == "" {
		t.Errorf("after the fault: got token %t and error %v, want a token", tk.Token != "", err)
	}
}
