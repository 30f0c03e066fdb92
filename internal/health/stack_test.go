package health_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"projectsync/internal/entra"
	"projectsync/internal/health"
	"projectsync/internal/keyvault"
	"projectsync/internal/settings"
	"projectsync/internal/standin"
	"projectsync/internal/workpoint"
)

// callTimeout bounds every check run of a test.
const callTimeout = 30 * time.Second

// startStack starts the stand-ins and points the managed identity
// credential at their identity endpoint (IDENTITY_ENDPOINT and
// IDENTITY_HEADER, which MSAL reads from the process environment).
func startStack(t *testing.T) *standin.Stack {
	t.Helper()
	s, err := standin.Start(standin.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start stand-ins: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close stand-ins: %v", err)
		}
	})
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE":
			continue // the tests use the stack's own client
		}
		t.Setenv(k, v)
	}
	return s
}

// demoSettings returns the handler's settings for the demo world, changed
// by edit when it is not nil.
func demoSettings(t *testing.T, s *standin.Stack, edit func(*settings.Settings)) settings.Settings {
	t.Helper()
	values := s.Settings()
	st, err := settings.Load(func(name string) string { return values[name] })
	if err != nil {
		t.Fatalf("load settings: %v", err)
	}
	if edit != nil {
		edit(&st)
	}
	return st
}

// newChecker wires the checker as the handler does, with every client
// sending through the stack's proxy and without retries.
func newChecker(t *testing.T, s *standin.Stack, st settings.Settings) *health.Checker {
	t.Helper()
	opts := azcore.ClientOptions{
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
	mi, err := keyvault.NewManagedIdentity(st.ManagedIdentityClientID, true, &opts)
	if err != nil {
		t.Fatalf("NewManagedIdentity: %v", err)
	}
	secrets, err := keyvault.NewSource(st.KeyVaultURL, st.SecretName, mi, &keyvault.Options{
		Version:       st.SecretVersion,
		ClientOptions: azsecrets.ClientOptions{ClientOptions: opts},
	})
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	token := entra.New(st.TenantID, st.ClientID, secrets, &entra.Options{
		AuthorityHost: st.AuthorityHost,
		ClientOptions: opts,
		Expect: &entra.Expectation{Audience: st.Audience, TenantID: st.TenantID,
			Role: st.AppRole},
	})
	wp, err := workpoint.NewClient(st.APIURL, st.SolutionURL, token, st.Scope(),
		&workpoint.ClientOptions{ClientOptions: opts, SiteCreation: st.SiteCreation})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return &health.Checker{Settings: st, Secrets: secrets, Token: token, WorkPoint: wp}
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// assertNoPlanted fails the test if text holds a secret, a token or the
// identity header of the stack.
func assertNoPlanted(t *testing.T, what, text string, s *standin.Stack) {
	t.Helper()
	for i, v := range s.Planted() {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("%s holds planted value #%d:\n%s", what, i, text)
		}
	}
}
