package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"projectsync/internal/problem"
	"projectsync/internal/server"
)

const projectBody = `{"title": "Harbour bridge"}`

func TestServer_Readiness(t *testing.T) {
	s := startStack(t)
	h, _ := newHandler(t, s, server.Options{})
	url := serve(t, h)

	resp, body := send(t, newRequest(t, http.MethodGet, url+"/", nil))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("got status %d, want 200", resp.StatusCode)
	}
	if !strings.Contains(string(body), "ProjectSync is running") {
		t.Errorf("got body %q, want the readiness text", body)
	}
	if got := s.WorkPoint.Calls(""); got != 0 {
		t.Errorf("got %d WorkPoint calls, want 0", got)
	}
}

func TestServer_Routes(t *testing.T) {
	tests := []struct {
		method string
		path   string
		status int
		code   problem.Code // for a problem answer
	}{
		{http.MethodPost, "/api/ProjectSync", http.StatusCreated, ""},
		{http.MethodPost, "/api/projectsync", http.StatusCreated, ""},
		{http.MethodPost, "/API/PROJECTSYNC/", http.StatusCreated, ""},
		{http.MethodPost, "/api/ProjectSync/", http.StatusCreated, ""},
		{http.MethodGet, "/api/ProjectSync", http.StatusMethodNotAllowed, problem.MethodNotAllowed},
		{http.MethodPut, "/api/projectsync/", http.StatusMethodNotAllowed,
			problem.MethodNotAllowed},
		{http.MethodGet, "/api/Unknown", http.StatusNotFound, problem.NotFound},
		{http.MethodPost, "/api/ProjectSync/extra", http.StatusNotFound, problem.NotFound},
		{http.MethodGet, "/api/Health", http.StatusNotFound, problem.NotFound}, // no checker
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			s := startStack(t)
			h, _ := newHandler(t, s, server.Options{})
			url := serve(t, h)
			req := newRequest(t, tt.method, url+tt.path, strings.NewReader(projectBody))
			req.Header.Set(server.HeaderInvocationID, "inv-routes")

			resp, body := send(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("got status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.code == "" {
				if got := s.Solution.CreateCount(); got != 1 {
					t.Errorf("got %d creates, want 1", got)
				}
				return
			}
			p := decodeProblem(t, resp, body)
			if p.Code != tt.code {
				t.Errorf("got code %q, want %q", p.Code, tt.code)
			}
			if p.InvocationID != "inv-routes" {
				t.Errorf("got invocationId %q, want inv-routes", p.InvocationID)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "POST" {
				t.Errorf("got Allow %q, want POST", resp.Header.Get("Allow"))
			}
			if got := s.Solution.CreateCount(); got != 0 {
				t.Errorf("got %d creates, want 0", got)
			}
		})
	}
}

// TestServer_HealthRoute checks the routing of GET /api/Health to the
// health handler, whatever the case of the path.
func TestServer_HealthRoute(t *testing.T) {
	tests := []struct {
		method string
		path   string
		status int
	}{
		{http.MethodGet, "/api/Health", http.StatusTeapot},
		{http.MethodGet, "/API/health/", http.StatusTeapot},
		{http.MethodPost, "/api/Health", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			s := startStack(t)
			// A stand-in health handler with a status no other route uses.
			health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
			})
			h, _ := newHandler(t, s, server.Options{Health: health})
			url := serve(t, h)

			resp, body := send(t, newRequest(t, tt.method, url+tt.path, nil))
			if resp.StatusCode != tt.status {
				t.Fatalf("got status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET" {
				t.Errorf("got Allow %q, want GET", resp.Header.Get("Allow"))
			}
		})
	}
}

func TestServer_BodyTooLarge(t *testing.T) {
	const limit = 64
	body := func(n int) string { // a JSON body of n bytes
		return `{"title": "` + strings.Repeat("x", n-13) + `"}`
	}
	sized := func(n int) func() io.Reader {
		return func() io.Reader { return strings.NewReader(body(n)) }
	}
	// A reader of unknown length makes the client send chunks.
	chunked := func(n int) func() io.Reader {
		return func() io.Reader { return io.MultiReader(strings.NewReader(body(n))) }
	}
	tests := []struct {
		name string
		body func() io.Reader
		// chunked is whether the request goes without Content-Length.
		chunked bool
		status  int
	}{
		{"at the limit", sized(limit), false, http.StatusCreated},
		{"at the limit, chunked", chunked(limit), true, http.StatusCreated},
		{"one byte over", sized(limit + 1), false, http.StatusRequestEntityTooLarge},
		{"one byte over, chunked", chunked(limit + 1), true, http.StatusRequestEntityTooLarge},
		{"far over", sized(4 * limit), false, http.StatusRequestEntityTooLarge},
		{"far over, chunked", chunked(64 * limit), true, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			h, _ := newHandler(t, s, server.Options{MaxBodyBytes: limit})
			url := serve(t, h)
			req := newRequest(t, http.MethodPost, url+"/api/ProjectSync", tt.body())
			if chunked := req.ContentLength <= 0; chunked != tt.chunked {
				t.Fatalf("request has Content-Length %d, want chunked %v", req.ContentLength,
					tt.chunked)
			}

			resp, answer := send(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("got status %d, want %d: %s", resp.StatusCode, tt.status, answer)
			}
			if tt.status == http.StatusCreated {
				return
			}
			if p := decodeProblem(t, resp, answer); p.Code != problem.BodyTooLarge {
				t.Errorf("got code %q, want %q", p.Code, problem.BodyTooLarge)
			}
			if got := s.WorkPoint.Calls(""); got != 0 {
				t.Errorf("got %d WorkPoint calls, want 0", got)
			}
		})
	}
}

// TestServer_RequestLogLine checks the one log line per request: its
// fields, and that the function key in the query never reaches the log.
func TestServer_RequestLogLine(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		code   problem.Code
	}{
		{"created", http.MethodPost, "/api/ProjectSync", projectBody, http.StatusCreated, ""},
		{"parent not found", http.MethodPost, "/api/ProjectSync",
			`{"title": "Orphan", "parent": "Nobody Inc"}`,
			http.StatusUnprocessableEntity, problem.ParentNotFound},
		{"method not allowed", http.MethodGet, "/api/ProjectSync", "",
			http.StatusMethodNotAllowed, problem.MethodNotAllowed},
		{"unknown path", http.MethodPost, "/api/Other", projectBody, http.StatusNotFound,
			problem.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			h, logs := newHandler(t, s, server.Options{})
			req := httptest.NewRequest(tt.method, tt.path+"?code=secretkey",
				strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(server.HeaderInvocationID, "inv-42")
			req.Header.Set(server.HeaderFlowRunID, "08585-run")
			rec := httptest.NewRecorder()

			h.ServeHTTP(rec, req) // returns after the log line is written
			if rec.Code != tt.status {
				t.Fatalf("got status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}

			var lines []map[string]any
			for _, l := range logs.lines(t) {
				if l["message"] == "request" {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 {
				t.Fatalf("got %d request lines, want 1:\n%s", len(lines), logs)
			}
			line := lines[0]
			want := map[string]any{
				"invocation_id": "inv-42",
				"flow_run_id":   "08585-run",
				"status":        float64(tt.status),
				"path":          tt.path,
			}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("got %s %v, want %v", k, line[k], v)
				}
			}
			if code, _ := line["code"].(string); code != string(tt.code) {
				t.Errorf("got code %q, want %q", code, tt.code)
			}
			if _, ok := line["duration_ms"].(float64); !ok {
				t.Errorf("got duration_ms %v, want a number", line["duration_ms"])
			}

			text := logs.String()
			if strings.Contains(text, "secretkey") {
				t.Errorf("the log holds the function key:\n%s", text)
			}
			if strings.Contains(rec.Body.String(), "secretkey") {
				t.Errorf("the answer holds the function key: %s", rec.Body)
			}
			for _, v := range s.Planted() {
				if strings.Contains(text, v) {
					t.Errorf("the log holds a planted secret or token:\n%s", text)
				}
			}
			if tt.code != "" {
				p := decodeProblem(t, rec.Result(), rec.Body.Bytes())
				if p.InvocationID != "inv-42" {
					t.Errorf("got invocationId %q, want inv-42", p.InvocationID)
				}
			}
		})
	}
}

// TestServer_RequestTimeout has WorkPoint answer far later than the
// request timeout: the edge must answer on its own, with a transient
// problem. Every route is slow, so the deadline strikes at the first
// WorkPoint call, whatever the service does before it creates.
func TestServer_RequestTimeout(t *testing.T) {
	s := startStack(t)
	s.WorkPoint.SetLatency("", time.Minute)
	h, _ := newHandler(t, s, server.Options{RequestTimeout: 300 * time.Millisecond})
	url := serve(t, h)
	req := newRequest(t, http.MethodPost, url+"/api/ProjectSync", strings.NewReader(projectBody))
	req.Header.Set(server.HeaderInvocationID, "inv-slow")

	resp, body := send(t, req)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got status %d, want 503: %s", resp.StatusCode, body)
	}
	p := decodeProblem(t, resp, body)
	codes := []problem.Code{problem.DeadlineExceeded, problem.WorkPointUnavailable}
	if !slices.Contains(codes, p.Code) {
		t.Errorf("got code %q, want one of %v", p.Code, codes)
	}
	if !p.Retryable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("got retryable %v Retry-After %q, want a retryable answer with Retry-After",
			p.Retryable, resp.Header.Get("Retry-After"))
	}
	if p.InvocationID != "inv-slow" {
		t.Errorf("got invocationId %q, want inv-slow", p.InvocationID)
	}
}
