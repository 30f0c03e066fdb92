package keyvault

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/standin/tokens"
)

const (
	testTenant    = "72f988bf-0000-4000-8000-000000000001"
	otherTenant   = "0b1c2d3e-0000-4000-8000-000000000002"
	testPrincipal = "5f0e1d2c-0000-4000-8000-000000000003"
	testAppID     = "9a8b7c6d-0000-4000-8000-000000000004"
	demoVault     = "projectsync-kv"
)

var signingKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("generate test key: %v", err))
	}
	return k
})

// rsaVerifier checks RS256 tokens signed with one key, as the stand-in
// token issuer does.
type rsaVerifier struct{ key *rsa.PublicKey }

func (v rsaVerifier) Verify(token string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) {
		return v.key, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired())
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	return claims, nil
}

// vaultClaims returns the claims of a managed identity token for Key Vault.
func vaultClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"aud":   "https://vault.azure.net",
		"iss":   "https://sts.windows.net/" + testTenant + "/",
		"tid":   testTenant,
		"oid":   testPrincipal,
		"appid": testAppID,
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
	}
}

func mint(t *testing.T, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign token: %v", err)
	}
	return s
}

// staticCredential hands out one token and records what it was asked for.
type staticCredential struct {
	token string

	mu   sync.Mutex
	asks []policy.TokenRequestOptions
}

func (c *staticCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (
	azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asks = append(c.asks, o)
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func (c *staticCredential) requests() []policy.TokenRequestOptions {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]policy.TokenRequestOptions(nil), c.asks...)
}

// seenRequest is what the test server saw of one request.
type seenRequest struct {
	method, path, host string
	authorized         bool
}

// testVault is a Key Vault stand-in served over TLS with a record of the
// requests it received.
type testVault struct {
	*Server
	srv *httptest.Server

	mu   sync.Mutex
	seen []seenRequest
}

func newTestVault(t *testing.T) *testVault {
	t.Helper()
	return newTestVaultWith(t, rsaVerifier{&signingKey().PublicKey})
}

func newTestVaultWith(t *testing.T, v Verifier) *testVault {
	t.Helper()
	tv := &testVault{Server: New(testTenant, v)}
	tv.AddVault(demoVault)
	tv.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		tv.mu.Lock()
		tv.seen = append(tv.seen, seenRequest{r.Method, r.URL.Path, r.Host,
			r.Header.Get("Authorization") != ""})
		tv.mu.Unlock()
		tv.ServeHTTP(w, r)
	}))
	t.Cleanup(tv.srv.Close)
	return tv
}

func (tv *testVault) requests() []seenRequest {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	return append([]seenRequest(nil), tv.seen...)
}

// httpClient returns a client that reaches the test server for any host
// name, so requests keep the production vault host in their URL and Host.
func (tv *testVault) httpClient() *http.Client {
	tr := tv.srv.Client().Transport.(*http.Transport).Clone()
	addr := tv.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig.ServerName = "example.com" // a name in httptest's certificate
	return &http.Client{Transport: tr}
}

// client returns an azsecrets client for the named vault that presents
// token. Retries are quick so fault tests stay fast.
func (tv *testVault) client(t *testing.T, vaultName, token string) (*azsecrets.Client,
	*staticCredential) {
	t.Helper()
	cred := &staticCredential{token: token}
	c, err := azsecrets.NewClient("https://"+vaultName+".vault.azure.net", cred,
		&azsecrets.ClientOptions{ClientOptions: azcore.ClientOptions{
			Transport: tv.httpClient(),
			Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond,
				MaxRetryDelay: 10 * time.Millisecond},
		}})
	if err != nil {
		t.Fatalf("new azsecrets client: %v", err)
	}
	return c, cred
}

// The stand-in token issuer must fit the server's Verifier.
var _ Verifier = (*tokens.Issuer)(nil)
