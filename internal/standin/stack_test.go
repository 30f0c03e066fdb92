package standin_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"projectsync/internal/standin"
)

func startStack(t *testing.T, opts standin.Options) *standin.Stack {
	t.Helper()
	s, err := standin.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// setEnv applies the stack's environment to this process, as far as the
// in-process SDK reads it (the managed identity source and the blanks).
func setEnv(t *testing.T, s *standin.Stack) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// TestStack_EndToEnd runs the chain the handler runs, with the real SDK and
// production URLs: a managed identity token, the client secret from Key
// Vault, an app-only token for WorkPoint, and a WorkPoint call.
func TestStack_EndToEnd(t *testing.T) {
	s := startStack(t, standin.Options{Dir: t.TempDir()})
	setEnv(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clientOptions := azcore.ClientOptions{
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}

	mi, err := azidentity.NewManagedIdentityCredential(
		&azidentity.ManagedIdentityCredentialOptions{ClientOptions: clientOptions})
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := azsecrets.NewClient(standin.VaultURL, mi,
		&azsecrets.ClientOptions{ClientOptions: clientOptions})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := secrets.GetSecret(ctx, standin.SecretName, "", nil)
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if secret.Value == nil || *secret.Value != standin.ClientSecret {
		t.Fatalf("got secret %v, want the demo client secret", secret.Value)
	}
	// The token may come from MSAL's process-wide cache (see standin.Start).
	if got := s.Identity.Requests(); got > 1 {
		t.Errorf("got %d managed identity requests, want at most 1", got)
	}
	if got := s.Vault.Challenges(); got != 1 {
		t.Errorf("got %d Key Vault challenges, want 1", got)
	}

	app, err := azidentity.NewClientSecretCredential(standin.TenantID, standin.ClientID,
		*secret.Value, &azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := app.GetToken(ctx, policy.TokenRequestOptions{
		Scopes: []string{standin.WorkPointAudience + "/.default"}})
	if err != nil {
		t.Fatalf("GetToken for WorkPoint: %v", err)
	}
	claims, err := s.Issuer.Verify(tk.Token)
	if err != nil {
		t.Fatal(err)
	}
	if roles, _ := claims["roles"].([]any); !slices.Contains(roles, any(standin.WorkPointRole)) {
		t.Errorf("got roles %v, want %s", claims["roles"], standin.WorkPointRole)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		"https://"+standin.WorkPointHost+"/api/BusinessModules", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tk.Token)
	req.Header.Set("WorkPoint365Url", standin.SolutionURL)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200: %s", resp.StatusCode, body)
	}
	for _, id := range []string{standin.CompaniesModuleID, standin.ProjectsModuleID} {
		if !strings.Contains(string(body), id) {
			t.Errorf("business modules %s lack %s", body, id)
		}
	}
}

// TestStack_FederatedCredential trades a token of the user-assigned identity
// for an app token, the secretless alternative to the Key Vault hop.
func TestStack_FederatedCredential(t *testing.T) {
	s := startStack(t, standin.Options{Dir: t.TempDir()})
	setEnv(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clientOptions := azcore.ClientOptions{
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}

	mi, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
		ID:            azidentity.ClientID(standin.UserAssignedClientID),
		ClientOptions: clientOptions,
	})
	if err != nil {
		t.Fatal(err)
	}
	assertion := func(ctx context.Context) (string, error) {
		tk, err := mi.GetToken(ctx, policy.TokenRequestOptions{
			Scopes: []string{"api://AzureADTokenExchange/.default"}})
		return tk.Token, err
	}
	app, err := azidentity.NewClientAssertionCredential(standin.TenantID, standin.ClientID,
		assertion, &azidentity.ClientAssertionCredentialOptions{ClientOptions: clientOptions})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := app.GetToken(ctx, policy.TokenRequestOptions{
		Scopes: []string{standin.WorkPointAudience + "/.default"}})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	claims, err := s.Issuer.Verify(tk.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got := claims["appid"]; got != standin.ClientID {
		t.Errorf("got appid %v, want %s", got, standin.ClientID)
	}
	if got := claims["appidacr"]; got != "2" {
		t.Errorf("got appidacr %v, want 2 (client assertion)", got)
	}
}

// TestStack_EnvServesAnotherProcess checks the environment handed to a
// child process: its proxy URL and CA file alone reach the stand-ins.
func TestStack_EnvServesAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	s := startStack(t, standin.Options{Dir: dir})
	env := map[string]string{}
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}

	wantEnv := map[string]string{
		"HTTPS_PROXY":       s.Proxy.URL(),
		"SSL_CERT_FILE":     filepath.Join(dir, standin.CAFileName),
		"IDENTITY_ENDPOINT": s.Identity.Endpoint(),
		"IDENTITY_HEADER":   s.Identity.Header(),
		"NO_PROXY":          "127.0.0.1,localhost",
		"AZURE_CLIENT_ID":   "",
		"MSI_ENDPOINT":      "",
	}
	for k, v := range wantEnv {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("got %s=%q (set %t), want %q", k, got, ok, v)
		}
	}

	pem, err := os.ReadFile(env["SSL_CERT_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CA file holds no certificate")
	}
	proxyURL, err := url.Parse(env["HTTPS_PROXY"])
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Proxy: http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Get(
		"https://" + standin.EntraHost + "/" + standin.TenantDomain +
			"/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	want := "https://login.microsoftonline.com/" + standin.TenantID + "/v2.0"
	if doc.Issuer != want {
		t.Errorf("got issuer %q, want %q", doc.Issuer, want)
	}
}

func TestStack_Settings(t *testing.T) {
	s := startStack(t, standin.Options{Dir: t.TempDir()})
	got := s.Settings()

	want := map[string]string{
		"WORKPOINT_TENANT_ID":          standin.TenantID,
		"WORKPOINT_CLIENT_ID":          standin.ClientID,
		"WORKPOINT_SOLUTION_URL":       standin.SolutionURL,
		"WORKPOINT_BUSINESS_MODULE_ID": standin.ProjectsModuleID,
		"WORKPOINT_PARENT":             "WorkPoint A/S",
		"KEY_VAULT_URL":                "https://projectsync-demo.vault.azure.net/",
		"KEY_VAULT_SECRET_NAME":        "workpoint-client-secret",
		"LOG_LEVEL":                    "debug",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("got %s=%q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "AZURE_") {
			t.Errorf("settings name the SDK's own variable %s", k)
		}
	}
}

func TestStack_CloseRemovesTemporaryCAFile(t *testing.T) {
	s, err := standin.Start(standin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.CAFile); err != nil {
		t.Fatalf("CA file: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.CAFile); !os.IsNotExist(err) {
		t.Errorf("got %v for the CA file after Close, want it removed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
