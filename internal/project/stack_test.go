package project_test

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/project"
	"projectsync/internal/standin"
	"projectsync/internal/workpoint"
)

// callTimeout bounds every call a test makes to the stand-ins.
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

// newService returns a Service that creates through a real WorkPoint
// client of the demo solution.
func newService(t *testing.T, s *standin.Stack, cfg project.Config) *project.Service {
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
	return project.NewService(wp, cfg)
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}
