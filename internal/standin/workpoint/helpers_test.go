package workpoint

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/standin/tokens"
)

const (
	testTenant   = "3c4d5e6f-0000-4000-8000-000000000001"
	otherTenant  = "4d5e6f70-0000-4000-8000-000000000002"
	solutionURL  = "https://contoso.sharepoint.com/sites/wp"
	unknownGUID  = "33333333-3333-3333-3333-333333333333"
	companiesURL = "/api/List/" + CompaniesModuleID + "/Items"
	projectsURL  = "/api/List/" + ProjectsModuleID + "/Items"
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

var _ Verifier = rsaVerifier{}

// appClaims returns the claims of an app-only token for the WorkPoint API.
func appClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"aud":   DefaultAudience,
		"iss":   "https://sts.windows.net/" + testTenant + "/",
		"tid":   testTenant,
		"roles": []string{"ApplicationAccess"},
		"appid": "8e7d6c5b-0000-4000-8000-000000000003",
		"iat":   now.Unix(),
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

// testAPI is a WorkPoint stand-in with the demo solution, served over TLS.
type testAPI struct {
	*Server
	sol   *Solution
	srv   *httptest.Server
	token string
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	s := New(Config{TenantID: testTenant}, rsaVerifier{&signingKey().PublicKey})
	sol := s.AddSolution(solutionURL)
	DemoSolution(sol)
	return &testAPI{Server: s, sol: sol, srv: newTLS(t, s),
		token: mint(t, signingKey(), appClaims())}
}

func newTLS(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	// Concurrent tests leave spare connections mid-handshake when the
	// server closes; net/http would log each one.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func rsaGenerate() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
}

// answer is what a call got back.
type answer struct {
	status int
	header http.Header
	body   string
}

// request builds a call with the headers a client sends: the token, the
// solution URL and JSON content. Options may change them.
func (a *testAPI) request(t *testing.T, ctx context.Context, method, path, body string,
	opts ...func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, a.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("WorkPoint365Url", solutionURL)
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	return req
}

// do sends a call and returns the answer; it fails the test if there is
// none. It must run on the test's goroutine.
func (a *testAPI) do(t *testing.T, method, path, body string,
	opts ...func(*http.Request)) answer {
	t.Helper()
	got, err := a.send(t, method, path, body, opts...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return got
}

// send sends a call and returns the answer or the transport error.
func (a *testAPI) send(t *testing.T, method, path, body string,
	opts ...func(*http.Request)) (answer, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return a.sendContext(t, ctx, method, path, body, opts...)
}

func (a *testAPI) sendContext(t *testing.T, ctx context.Context, method, path, body string,
	opts ...func(*http.Request)) (answer, error) {
	t.Helper()
	resp, err := a.srv.Client().Do(a.request(t, ctx, method, path, body, opts...))
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("read body: %w", err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}, nil
}

func withHeader(name, value string) func(*http.Request) {
	return func(r *http.Request) {
		if value == "" {
			r.Header.Del(name)
			return
		}
		r.Header.Set(name, value)
	}
}

func (got answer) check(t *testing.T, status int, body string) {
	t.Helper()
	if got.status != status {
		t.Errorf("status: got %d, want %d (body %s)", got.status, status, got.body)
	}
	if body != "" && got.body != body {
		t.Errorf("body:\n got %s\nwant %s", got.body, body)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", ct)
	}
}

// caml wraps a Where condition in a full view, as clients send it.
func caml(where string, rowLimit int) string {
	return fmt.Sprintf("<View><Query><Where>%s</Where></Query><RowLimit>%d</RowLimit></View>",
		where, rowLimit)
}

func titleEq(title string) string {
	return "<Eq><FieldRef Name='Title'/><Value Type='Text'>" + title + "</Value></Eq>"
}

// queryBody encodes a ListQueryParameter.
func queryBody(t *testing.T, camlQuery string, extra string) string {
	t.Helper()
	q, err := jsonString(camlQuery)
	if err != nil {
		t.Fatalf("encode CAML: %v", err)
	}
	return `{"CamlQuery":` + q + extra + `}`
}

// The stand-in token issuer must fit the server's Verifier.
var _ Verifier = (*tokens.Issuer)(nil)
