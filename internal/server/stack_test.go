package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"projectsync/internal/problem"
	"projectsync/internal/project"
	"projectsync/internal/server"
	"projectsync/internal/standin"
	"projectsync/internal/workpoint"
)

// callTimeout bounds every request a test sends.
const callTimeout = 30 * time.Second

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
	return s
}

// mintCredential hands out WorkPoint tokens signed by the stand-ins' own
// issuer, which the WorkPoint stand-in verifies as it would Entra's.
type mintCredential struct{ s *standin.Stack }

func (c mintCredential) GetToken(context.Context, policy.TokenRequestOptions) (
	azcore.AccessToken, error) {
	now := time.Now()
	exp := now.Add(time.Hour)
	tok, err := c.s.Issuer.Mint(jwt.MapClaims{
		"aud":   standin.WorkPointAudience,
		"iss":   "https://sts.windows.net/" + standin.TenantID + "/",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   exp.Unix(),
		"appid": standin.ClientID,
		"oid":   standin.AppPrincipalID,
		"tid":   standin.TenantID,
		"roles": []string{standin.WorkPointRole},
	})
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: exp}, nil
}

// newHandler returns the edge over a project service that creates
// projects under the demo company, and the buffer its log goes to.
func newHandler(t *testing.T, s *standin.Stack, opts server.Options) (*server.Server,
	*logBuffer) {
	t.Helper()
	wp, err := workpoint.NewClient("https://"+standin.WorkPointHost, standin.SolutionURL,
		mintCredential{s}, standin.WorkPointAudience+"/.default", &workpoint.ClientOptions{
			ClientOptions: azcore.ClientOptions{
				Transport: s.Client(),
				Retry:     policy.RetryOptions{MaxRetries: -1},
			},
		})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	svc := project.NewService(wp, project.Config{ModuleID: standin.ProjectsModuleID,
		DefaultParent: standin.ParentCompany})
	logs := &logBuffer{}
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	return server.New(svc, log, opts), logs
}

// serve runs h on a loopback test server and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// logBuffer collects log lines; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines decodes every log line.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		out = append(out, m)
	}
	return out
}

// send sends one request and returns the answer with its body read.
func send(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), callTimeout)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return resp, body
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// decodeProblem reads a problem document, checking its media type.
func decodeProblem(t *testing.T, resp *http.Response, body []byte) problem.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != problem.ContentType {
		t.Errorf("got Content-Type %q, want %s", ct, problem.ContentType)
	}
	var p problem.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("answer is not a problem document: %v: %s", err, body)
	}
	if p.Status != resp.StatusCode {
		t.Errorf("problem status %d differs from the answer's %d", p.Status, resp.StatusCode)
	}
	return p
}
