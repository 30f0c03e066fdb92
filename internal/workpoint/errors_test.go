package workpoint_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"projectsync/internal/standin"
	swp "projectsync/internal/standin/workpoint"
	"projectsync/internal/workpoint"
)

// unknownModuleID is a business module the demo solution does not have.
const unknownModuleID = "33333333-3333-4333-8333-333333333333"

func listModules(ctx context.Context, c *workpoint.Client) error {
	_, err := c.BusinessModules(ctx)
	return err
}

func TestError_Kind(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*standin.Stack) clientSetup
		call  func(context.Context, *workpoint.Client) error
		// status and kind are the classification wanted.
		status     int
		kind       workpoint.Kind
		retryAfter time.Duration
	}{
		{
			name: "token for another audience",
			setup: func(s *standin.Stack) clientSetup {
				cred := demoCredential(s)
				cred.aud = "https://other.example/api"
				return clientSetup{cred: cred}
			},
			call:   listModules,
			status: 401, kind: workpoint.KindUnauthorized,
		},
		{
			name: "token without the role",
			setup: func(s *standin.Stack) clientSetup {
				cred := demoCredential(s)
				cred.roles = nil
				return clientSetup{cred: cred}
			},
			call:   listModules,
			status: 403, kind: workpoint.KindForbidden,
		},
		{
			name: "wrong solution URL",
			setup: func(*standin.Stack) clientSetup {
				return clientSetup{solutionURL: "https://contoso.sharepoint.com/sites/other"}
			},
			call:   listModules,
			status: 404, kind: workpoint.KindSolution,
		},
		{
			name: "blank solution URL",
			setup: func(*standin.Stack) clientSetup {
				return clientSetup{solutionURL: " "}
			},
			call:   listModules,
			status: 400, kind: workpoint.KindSolutionMissing,
		},
		{
			name: "unknown business module",
			call: func(ctx context.Context, c *workpoint.Client) error {
				_, err := c.BusinessModule(ctx, unknownModuleID)
				return err
			},
			status: 404, kind: workpoint.KindModule,
		},
		{
			name: "create in unknown business module",
			call: func(ctx context.Context, c *workpoint.Client) error {
				_, err := c.Create(ctx, unknownModuleID, map[string]any{"Title": "x"})
				return err
			},
			status: 404, kind: workpoint.KindModule,
		},
		{
			name: "unknown entity",
			call: func(ctx context.Context, c *workpoint.Client) error {
				_, err := c.Entity(ctx, standin.ProjectsModuleID, 999)
				return err
			},
			status: 404, kind: workpoint.KindEntity,
		},
		{
			name: "bad API base path",
			setup: func(*standin.Stack) clientSetup {
				return clientSetup{apiURL: "https://" + standin.WorkPointHost + "/v2"}
			},
			call:   listModules,
			status: 404, kind: workpoint.KindRoute,
		},
		{
			name: "unknown field",
			call: func(ctx context.Context, c *workpoint.Client) error {
				_, err := c.Create(ctx, standin.ProjectsModuleID,
					map[string]any{"Title": "x", "NoSuchField": 1})
				return err
			},
			status: 400, kind: workpoint.KindFields,
		},
		{
			name: "throttled",
			setup: func(s *standin.Stack) clientSetup {
				s.WorkPoint.SetThrottle("7", 1)
				return clientSetup{}
			},
			call:   listModules,
			status: 429, kind: workpoint.KindThrottled, retryAfter: 7 * time.Second,
		},
		{
			name: "server error",
			setup: func(s *standin.Stack) clientSetup {
				s.WorkPoint.InjectFault(1, swp.Fault{Status: 500})
				return clientSetup{}
			},
			call:   listModules,
			status: 500, kind: workpoint.KindUnavailable,
		},
		{
			name: "dropped connection",
			setup: func(s *standin.Stack) clientSetup {
				s.WorkPoint.InjectFault(1, swp.Fault{Drop: true})
				return clientSetup{}
			},
			call:   listModules,
			status: 0, kind: workpoint.KindUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			var cs clientSetup
			if tt.setup != nil {
				cs = tt.setup(s)
			}
			c := newClient(t, s, cs)

			err := tt.call(testContext(t), c)
			var e *workpoint.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v, want *workpoint.Error", err, err)
			}
			if e.Status != tt.status || e.Kind() != tt.kind {
				t.Errorf("got status %d kind %q (%v), want %d %q", e.Status, e.Kind(), err,
					tt.status, tt.kind)
			}
			if e.RetryAfter != tt.retryAfter {
				t.Errorf("got Retry-After %v, want %v", e.RetryAfter, tt.retryAfter)
			}
			if strings.Contains(e.Path, "?") || !strings.HasPrefix(e.Path, "/") {
				t.Errorf("got path %q, want a route without query", e.Path)
			}
			for _, tok := range s.Issuer.Minted() {
				if strings.Contains(err.Error(), tok) {
					t.Errorf("error holds a token: %v", err)
				}
			}
			if got := s.Solution.CreateCount(); got != 0 {
				t.Errorf("got %d creates, want 0", got)
			}
		})
	}
}

// TestClient_Create_LostAnswerNotResent has WorkPoint carry a create out
// and lose the answer: the client, with its default retry policy, must not
// send the create again.
func TestClient_Create_LostAnswerNotResent(t *testing.T) {
	s := startStack(t)
	s.WorkPoint.InjectFault(1, swp.Fault{Route: swp.RouteCreate, ApplyThenDrop: true})
	c := newClient(t, s, clientSetup{defaultRetry: true})

	_, err := c.Create(testContext(t), standin.ProjectsModuleID,
		map[string]any{"Title": "Sent once"})
	var e *workpoint.Error
	if !errors.As(err, &e) || e.Status != 0 {
		t.Fatalf("got %v, want a *workpoint.Error with no answer", err)
	}
	if !workpoint.IsTransient(err) {
		t.Errorf("IsTransient(%v) = false, want true", err)
	}
	if got := s.Solution.CreateCount(); got != 1 {
		t.Errorf("got %d creates, want 1", got)
	}
	if got := s.WorkPoint.Calls(swp.RouteCreate); got != 1 {
		t.Errorf("got %d create calls, want 1", got)
	}
}

// TestClient_Get_RetriedAfterUnavailable checks that reads, unlike creates,
// are retried by the client's default policy.
func TestClient_Get_RetriedAfterUnavailable(t *testing.T) {
	s := startStack(t)
	s.WorkPoint.InjectFault(1, swp.Fault{Route: swp.RouteModules, Status: 503})
	c := newClient(t, s, clientSetup{defaultRetry: true})

	if _, err := c.BusinessModules(testContext(t)); err != nil {
		t.Fatalf("BusinessModules: %v", err)
	}
	if got := s.WorkPoint.Calls(swp.RouteModules); got != 2 {
		t.Errorf("got %d module calls, want 2 (one retry)", got)
	}
}

func TestIsTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&workpoint.Error{Status: 0}, true},
		{&workpoint.Error{Status: 429}, true},
		{&workpoint.Error{Status: 503}, true},
		{&workpoint.Error{Status: 400}, false},
		{&workpoint.Error{Status: 404}, false},
		{errors.New("not a WorkPoint error"), false},
	}
	for _, tt := range tests {
		if got := workpoint.IsTransient(tt.err); got != tt.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
