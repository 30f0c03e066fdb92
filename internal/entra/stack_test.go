package entra_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"projectsync/internal/entra"
	"projectsync/internal/keyvault"
	"projectsync/internal/standin"
)

// callTimeout bounds every call a test makes to the stand-ins.
const callTimeout = 30 * time.Second

// workPointScope is the scope of WorkPoint tokens in the demo world.
const workPointScope = standin.WorkPointAudience + "/.default"

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

// clientOptions sends through the stack's proxy and never retries.
func clientOptions(s *standin.Stack) azcore.ClientOptions {
	return azcore.ClientOptions{
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

// newSource returns the real Key Vault source of the demo secret, read
// with the system-assigned managed identity.
func newSource(t *testing.T, s *standin.Stack) *keyvault.Source {
	t.Helper()
	opts := clientOptions(s)
	mi, err := keyvault.NewManagedIdentity("", true, &opts)
	if err != nil {
		t.Fatalf("NewManagedIdentity: %v", err)
	}
	src, err := keyvault.NewSource(standin.VaultURL, standin.SecretName, mi, &keyvault.Options{
		ClientOptions: azsecrets.ClientOptions{ClientOptions: opts},
	})
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	return src
}

// demoExpectation is what a WorkPoint token of the demo app must carry.
func demoExpectation() *entra.Expectation {
	return &entra.Expectation{
		Audience: standin.WorkPointAudience,
		TenantID: standin.TenantID,
		Role:     standin.WorkPointRole,
	}
}

// newCredential returns the demo app registration's credential, checking
// tokens against x (none when nil).
func newCredential(s *standin.Stack, tenantID, clientID string, secrets entra.SecretSource,
	x *entra.Expectation) *entra.Credential {
	return entra.New(tenantID, clientID, secrets, &entra.Options{
		ClientOptions: clientOptions(s),
		Expect:        x,
	})
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

func tokenOptions(scope string) policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{scope}}
}

func workPointToken(ctx context.Context, c *entra.Credential) (azcore.AccessToken, error) {
	return c.GetToken(ctx, tokenOptions(workPointScope))
}

// assertNoLeak fails the test if text holds any of the values.
func assertNoLeak(t *testing.T, what, text string, values ...string) {
	t.Helper()
	for _, v := range values {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("%s holds the secret %q: %s", what, v, text)
		}
	}
}
