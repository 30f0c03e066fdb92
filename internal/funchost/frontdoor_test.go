package funchost

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	keyed := startHost(t, appDir, Options{Auth: true, Keys: []string{"key-one", "key-two"}}, nil)
	open := startHost(t, appDir, Options{}, nil)

	tests := []struct {
		name       string
		host       *Host
		path       string
		header     string
		wantStatus int
	}{
		{"no key", keyed, "/api/echo/a", "", http.StatusUnauthorized},
		{"key in header", keyed, "/api/echo/a", "key-one", http.StatusOK},
		{"key in code", keyed, "/api/echo/a?code=key-two", "", http.StatusOK},
		{"wrong key in header", keyed, "/api/echo/a", "nope", http.StatusUnauthorized},
		{"wrong key in code", keyed, "/api/echo/a?code=nope", "", http.StatusUnauthorized},
		{"header wins over code", keyed, "/api/echo/a?code=key-one", "nope",
			http.StatusUnauthorized},
		{"anonymous function", keyed, "/api/anon", "", http.StatusOK},
		{"no checks without Auth", open, "/api/echo/a", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodGet, tt.host.URL()+tt.path, nil)
			if tt.header != "" {
				req.Header.Set("x-functions-key", tt.header)
			}
			if got := call(t, req); got.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", got.status, tt.wantStatus)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	h := startHost(t, appDir, Options{}, nil)
	all := startHost(t, catchAllDir, Options{}, nil)

	tests := []struct {
		name       string
		host       *Host
		method     string
		path       string
		wantStatus int
		wantEcho   bool
	}{
		{"route is case-insensitive", h, "GET", "/API/ANON", 200, true},
		{"trailing slash is tolerated", h, "GET", "/api/anon/", 200, true},
		{"method not listed", h, "DELETE", "/api/anon", 404, false},
		{"constraint holds", h, "GET", "/api/items/42", 200, true},
		{"constraint fails", h, "GET", "/api/items/abc", 404, false},
		{"upper-case methods in function.json", h, "POST", "/api/items/42", 404, false},
		{"no such function", h, "GET", "/api/nothing", 404, false},
		{"prefix is required", h, "GET", "/anon", 404, false},
		{"disabled function", h, "GET", "/api/off", 404, false},
		{"catch-all takes any path", all, "PATCH", "/v1/items/7", 200, true},
		{"admin is not forwarded", all, "GET", "/admin/host/status", 404, false},
		{"admin in any case", all, "GET", "/Admin/functions", 404, false},
		{"runtime is not forwarded", all, "POST", "/runtime/webhooks/x", 404, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(t, newRequest(t, tt.method, tt.host.URL()+tt.path, nil))
			if got.status != tt.wantStatus {
				t.Fatalf("status: got %d, want %d (body %q)", got.status, tt.wantStatus, got.body)
			}
			isEcho := strings.Contains(got.body, `"requestURI"`)
			if isEcho != tt.wantEcho {
				t.Errorf("reached the handler: got %t, want %t", isEcho, tt.wantEcho)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	env := []string{bodyLimitSetting + "=8"}
	h := startHost(t, appDir, Options{Env: env}, nil)

	tests := []struct {
		body       string
		wantStatus int
	}{
		{"12345678", http.StatusOK},
		{"123456789", http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(len(tt.body))+" bytes", func(t *testing.T) {
			req := newRequest(t, http.MethodPost, h.URL()+"/api/anon", strings.NewReader(tt.body))
			if got := call(t, req); got.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", got.status, tt.wantStatus)
			}
		})
	}
}
