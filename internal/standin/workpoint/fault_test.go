package workpoint

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestServer_FaultStatusOnOneRoute(t *testing.T) {
	api := newTestAPI(t)
	api.InjectFault(1, Fault{Route: RouteCreate, Status: 503, RetryAfter: "3"})

	api.do(t, "GET", "/api/BusinessModules", "").check(t, 200, "")
	got := api.do(t, "POST", createConnector, `{"Title":"P","wpCompany":1}`)
	got.check(t, 503, `{"Message":"The stand-in was told to fail this call with status 503."}`)
	if h := got.header.Get("Retry-After"); h != "3" {
		t.Errorf("Retry-After: got %q, want 3", h)
	}
	if n := api.sol.CreateCount(); n != 0 {
		t.Errorf("create count: got %d, want 0 after a refused create", n)
	}

	api.do(t, "POST", createConnector, `{"Title":"P","wpCompany":1}`).check(t, 200, "1")
}

func TestServer_FaultCustomBody(t *testing.T) {
	api := newTestAPI(t)
	const body = `{"Message":"An error has occurred.","ExceptionMessage":"Timeout"}`
	api.InjectFault(2, Fault{Status: 500, Body: body})

	api.do(t, "GET", "/api/BusinessModules", "").check(t, 500, body)
	api.do(t, "GET", "/api/BusinessModules", "").check(t, 500, body)
	api.do(t, "GET", "/api/BusinessModules", "").check(t, 200, "")
}

func TestServer_Throttle(t *testing.T) {
	api := newTestAPI(t)
	api.SetThrottle("2", 1)

	got := api.do(t, "GET", "/api/BusinessModules", "")
	got.check(t, 429, `{"Message":"Too many requests."}`)
	if h := got.header.Get("Retry-After"); h != "2" {
		t.Errorf("Retry-After: got %q, want 2", h)
	}
	api.do(t, "GET", "/api/BusinessModules", "").check(t, 200, "")
}

func TestServer_SlowCallsHonourTheClient(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*Server)
	}{
		{name: "fault delay", setup: func(s *Server) {
			s.InjectFault(1, Fault{Route: RouteQuery, Delay: time.Hour})
		}},
		{name: "latency", setup: func(s *Server) { s.SetLatency(RouteQuery, time.Hour) }},
		{name: "latency of every route", setup: func(s *Server) { s.SetLatency("", time.Hour) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			tt.setup(api.Server)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()

			_, err := api.sendContext(t, ctx, "POST", companiesURL, `{"CamlQuery":""}`)

			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("query: got %v, want context.DeadlineExceeded", err)
			}
		})
	}
}

func TestServer_ShortDelayThenServed(t *testing.T) {
	api := newTestAPI(t)
	api.InjectFault(1, Fault{Delay: time.Millisecond})
	api.SetLatency(RouteModules, time.Millisecond)

	api.do(t, "GET", "/api/BusinessModules", "").check(t, 200, "")
	api.SetLatency(RouteModules, 0)
	api.do(t, "GET", "/api/BusinessModules", "").check(t, 200, "")
}

func TestServer_DroppedCreate(t *testing.T) {
	tests := []struct {
		name        string
		fault       Fault
		wantCreated int
	}{
		{name: "drop", fault: Fault{Route: RouteCreate, Drop: true}, wantCreated: 0},
		{name: "apply then drop", fault: Fault{Route: RouteCreate, ApplyThenDrop: true},
			wantCreated: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			api.InjectFault(1, tt.fault)

			_, err := api.send(t, "POST", createConnector,
				`{"Title":"Lost answer","wpCompany":1}`)

			if err == nil {
				t.Fatalf("create: got an answer, want a broken connection")
			}
			if got := api.sol.CreateCount(); got != tt.wantCreated {
				t.Errorf("create count: got %d, want %d", got, tt.wantCreated)
			}
			if got := len(api.sol.Entities(ProjectsModuleID)); got != tt.wantCreated {
				t.Errorf("projects: got %d, want %d", got, tt.wantCreated)
			}
			wantExists := map[int]string{0: "false", 1: "true"}[tt.wantCreated]
			api.do(t, "POST", "/api/ListItem/Exists", `{"ListName":"Projects",`+
				`"IdentifierFieldValues":[{"InternalFieldName":"Title","Value":"Lost answer"}]}`,
			).check(t, 200, wantExists)
			if got := api.Calls(RouteCreate); got != 1 {
				t.Errorf("create calls: got %d, want 1", got)
			}
		})
	}
}
