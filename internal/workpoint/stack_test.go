package workpoint_test

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/standin"
	"projectsync/internal/workpoint"
)

// callTimeout bounds every call a test makes to the stand-ins.
const callTimeout = 30 * time.Second

const workPointScope = standin.WorkPointAudience + "/.default"

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

// minter signs tokens; the stand-ins' issuer is one.
type minter interface {
	Mint(claims jwt.MapClaims) (string, error)
}

// mintCredential hands out app-only tokens signed by the stand-ins' own
// issuer, so the WorkPoint stand-in verifies them as it would Entra's. It
// lets a test choose the audience and roles without an Entra round trip.
type mintCredential struct {
	issuer minter
	aud    string
	roles  []string
}

// demoCredential returns tokens the demo WorkPoint accepts.
func demoCredential(s *standin.Stack) mintCredential {
	return mintCredential{issuer: s.Issuer, aud: standin.WorkPointAudience,
		roles: []string{standin.WorkPointRole}}
}

func (c mintCredential) GetToken(context.Context, policy.TokenRequestOptions) (
	azcore.AccessToken, error) {
	now := time.Now()
	exp := now.Add(time.Hour)
	claims := jwt.MapClaims{
		"aud":   c.aud,
		"iss":   "https://sts.windows.net/" + standin.TenantID + "/",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   exp.Unix(),
		"appid": standin.ClientID,
		"oid":   standin.AppPrincipalID,
		"tid":   standin.TenantID,
	}
	if len(c.roles) > 0 {
		claims["roles"] = c.roles
	}
	tok, err := c.issuer.Mint(claims)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: exp}, nil
}

// clientSetup describes a Client; the zero value is the demo solution
// reached with a valid token, without retries.
type clientSetup struct {
	apiURL      string
	solutionURL string
	cred        azcore.TokenCredential
	// opts.Transport is always the stack's client. A zero opts.Retry
	// means no retries; set defaultRetry to keep the client's default.
	opts         workpoint.ClientOptions
	defaultRetry bool
}

func newClient(t *testing.T, s *standin.Stack, cs clientSetup) *workpoint.Client {
	t.Helper()
	if cs.apiURL == "" {
		cs.apiURL = "https://" + standin.WorkPointHost
	}
	if cs.solutionURL == "" {
		cs.solutionURL = standin.SolutionURL
	}
	if cs.cred == nil {
		cs.cred = demoCredential(s)
	}
	cs.opts.Transport = s.Client()
	if !cs.defaultRetry && cs.opts.Retry.MaxRetries == 0 && cs.opts.Retry.RetryDelay == 0 {
		cs.opts.Retry = policy.RetryOptions{MaxRetries: -1}
	}
	c, err := workpoint.NewClient(cs.apiURL, cs.solutionURL, cs.cred, workPointScope, &cs.opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}
