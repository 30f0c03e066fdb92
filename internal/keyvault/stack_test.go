package keyvault_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"projectsync/internal/keyvault"
	"projectsync/internal/standin"
)

// callTimeout bounds every call a test makes to the stand-ins.
const callTimeout = 30 * time.Second

// startStack starts the stand-ins and points the managed identity
// credential at their identity endpoint through IDENTITY_ENDPOINT and
// IDENTITY_HEADER, which MSAL reads from the process environment. The
// proxy settings are left alone: the tests use the stack's own client.
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
			continue
		}
		t.Setenv(k, v)
	}
	return s
}

// clientOptions sends through the stack's proxy and never retries, so a
// failure shows at once.
func clientOptions(s *standin.Stack) azcore.ClientOptions {
	return azcore.ClientOptions{
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

// managedIdentity returns the managed identity credential for clientID
// (empty: system-assigned) that reaches the stack's identity endpoint.
func managedIdentity(t *testing.T, s *standin.Stack, clientID string) azcore.TokenCredential {
	t.Helper()
	opts := clientOptions(s)
	cred, err := keyvault.NewManagedIdentity(clientID, true, &opts)
	if err != nil {
		t.Fatalf("NewManagedIdentity: %v", err)
	}
	return cred
}

// newSource returns a Source for the secret name in the demo vault, read
// with cred. opts may be nil; its ClientOptions are replaced.
func newSource(t *testing.T, s *standin.Stack, name string, cred azcore.TokenCredential,
	opts *keyvault.Options) *keyvault.Source {
	t.Helper()
	var o keyvault.Options
	if opts != nil {
		o = *opts
	}
	o.ClientOptions = azsecrets.ClientOptions{ClientOptions: clientOptions(s)}
	src, err := keyvault.NewSource(standin.VaultURL, name, cred, &o)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	return src
}

// demoSource returns a Source for the demo secret, read with the
// system-assigned identity.
func demoSource(t *testing.T, s *standin.Stack, opts *keyvault.Options) *keyvault.Source {
	t.Helper()
	return newSource(t, s, standin.SecretName, managedIdentity(t, s, ""), opts)
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// assertNoLeak fails the test if text holds any of the values.
func assertNoLeak(t *testing.T, what, text string, values ...string) {
	t.Helper()
	for _, v := range values {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("%s holds the secret value %q: %s", what, v, text)
		}
	}
}

// clock is a settable time source for Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
