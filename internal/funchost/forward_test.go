package funchost

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestForwardHeaders(t *testing.T) {
	in := http.Header{
		"Accept":                         {"application/json"},
		"Authorization":                  {"Bearer t"},
		"Content-Type":                   {"application/json"},
		"Content-Length":                 {"12"},
		"Content-Md5":                    {"x"},
		"Expires":                        {"0"},
		"Cookie":                         {"a=1", "b=2"},
		"X-Azure-Functions-Invocationid": {"forged"},
	}
	out := forwardHeaders(in, "id-1")

	tests := []struct {
		name string
		want []string
	}{
		{"Accept", []string{"application/json"}},
		{"Authorization", []string{"Bearer t"}},
		{"Content-Type", nil},
		{"Content-Length", nil},
		{"Content-Md5", nil},
		{"Expires", nil},
		{"Cookie", []string{"a=1; b=2"}},
		{"User-Agent", []string{"Azure-Functions-Host/" + HostVersion}},
		{"X-Azure-Functions-Hostversion", []string{HostVersion}},
		{"X-Azure-Functions-Invocationid", []string{"forged, id-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := out.Values(tt.name); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestNewGUID(t *testing.T) {
	a, b := newGUID(), newGUID()
	if !guidText.MatchString(a) {
		t.Errorf("newGUID: got %q, want a version 4 GUID", a)
	}
	if a == b {
		t.Errorf("newGUID: got %q twice, want two different GUIDs", a)
	}
}

func TestForward(t *testing.T) {
	t.Parallel()
	h := startHost(t, appDir, Options{}, nil)
	frontHost := strings.TrimPrefix(h.URL(), "http://")

	tests := []struct {
		name   string
		method string
		path   string
		body   string
		header http.Header
		host   string
		check  func(t *testing.T, e echo)
	}{{
		name: "repeated query keys are merged",
		path: "/api/echo/q?a=1&a=2",
		check: func(t *testing.T, e echo) {
			if e.RawQuery != "a=1%2C2" {
				t.Errorf("query: got %q, want %q", e.RawQuery, "a=1%2C2")
			}
		},
	}, {
		name: "query is re-encoded in first-seen order",
		path: "/api/echo/q?b=x+y&flag&A=1&b=z&a=2",
		check: func(t *testing.T, e echo) {
			want := "b=x%20y%2Cz&flag=&A=1%2C2"
			if e.RawQuery != want {
				t.Errorf("query: got %q, want %q", e.RawQuery, want)
			}
		},
	}, {
		name: "code reaches the handler",
		path: "/api/echo/k?code=secret-key&x=1",
		check: func(t *testing.T, e echo) {
			if e.RawQuery != "code=secret-key&x=1" {
				t.Errorf("query: got %q, want %q", e.RawQuery, "code=secret-key&x=1")
			}
		},
	}, {
		name: "original path with prefix, case and trailing slash",
		path: "/API/Echo/Some%20Thing/",
		check: func(t *testing.T, e echo) {
			if e.RequestURI != "/API/Echo/Some%20Thing/" {
				t.Errorf("path: got %q, want %q", e.RequestURI, "/API/Echo/Some%20Thing/")
			}
		},
	}, {
		name: "Host is the caller's host",
		path: "/api/echo/h",
		check: func(t *testing.T, e echo) {
			if e.Host != frontHost {
				t.Errorf("Host: got %q, want %q", e.Host, frontHost)
			}
		},
	}, {
		name: "a Host the caller chose is kept",
		path: "/api/echo/h",
		host: "localhost:7071",
		check: func(t *testing.T, e echo) {
			if e.Host != "localhost:7071" {
				t.Errorf("Host: got %q, want %q", e.Host, "localhost:7071")
			}
		},
	}, {
		name:   "POST with Content-Length delivers the body",
		method: http.MethodPost,
		path:   "/api/echo/b",
		body:   `{"title":"Alpha"}`,
		header: http.Header{"Content-Type": {"application/json"}},
		check: func(t *testing.T, e echo) {
			if e.Body != `{"title":"Alpha"}` || e.ContentLength != 17 {
				t.Errorf("body: got %q (%d bytes), want the posted 17 bytes", e.Body,
					e.ContentLength)
			}
			if got := e.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type: got %q, want application/json", got)
			}
		},
	}, {
		name:   "content headers other than type and length are dropped",
		method: http.MethodPost,
		path:   "/api/echo/gz",
		body:   "payload",
		header: http.Header{
			"Content-Encoding": {"gzip"},
			"Content-Language": {"da"},
			"Content-Type":     {"text/plain"},
		},
		check: func(t *testing.T, e echo) {
			for _, name := range []string{"Content-Encoding", "Content-Language"} {
				if v, ok := e.Header[name]; ok {
					t.Errorf("%s: got %q, want it dropped", name, v)
				}
			}
			if got := e.Header.Get("Content-Type"); got != "text/plain" {
				t.Errorf("Content-Type: got %q, want text/plain", got)
			}
		},
	}, {
		name:   "without a body Content-Type is dropped",
		path:   "/api/echo/nobody",
		header: http.Header{"Content-Type": {"application/json"}},
		check: func(t *testing.T, e echo) {
			if v, ok := e.Header["Content-Type"]; ok {
				t.Errorf("Content-Type: got %q, want none", v)
			}
		},
	}, {
		name:   "host headers are added",
		path:   "/api/echo/ua",
		header: http.Header{"User-Agent": {"azure-logic-apps/1.0"}},
		check: func(t *testing.T, e echo) {
			wantUA := "azure-logic-apps/1.0 Azure-Functions-Host/" + HostVersion
			if got := e.Header.Get("User-Agent"); got != wantUA {
				t.Errorf("User-Agent: got %q, want %q", got, wantUA)
			}
			if got := e.Header.Get("X-Azure-Functions-HostVersion"); got != HostVersion {
				t.Errorf("X-Azure-Functions-HostVersion: got %q, want %q", got, HostVersion)
			}
			if got := e.Header.Get("X-Azure-Functions-InvocationId"); !guidText.MatchString(got) {
				t.Errorf("X-Azure-Functions-InvocationId: got %q, want a GUID", got)
			}
		},
	}, {
		name:   "repeated headers travel as one line",
		path:   "/api/echo/multi",
		header: http.Header{"X-Multi": {"a", "b"}, "X-Functions-Key": {"k"}},
		check: func(t *testing.T, e echo) {
			if got := e.Header["X-Multi"]; !slices.Equal(got, []string{"a, b"}) {
				t.Errorf("X-Multi: got %q, want [\"a, b\"]", got)
			}
			if got := e.Header.Get("X-Functions-Key"); got != "k" {
				t.Errorf("X-Functions-Key: got %q, want it passed through", got)
			}
		},
	}, {
		name: "environment, arguments and working directory",
		path: "/api/echo/env",
		check: func(t *testing.T, e echo) {
			port := e.Env["FUNCTIONS_CUSTOMHANDLER_PORT"]
			if h.HandlerURL() != "http://127.0.0.1:"+port ||
				e.Env["FUNCTIONS_HTTPWORKER_PORT"] != port {
				t.Errorf("ports: got %q and %q, want the port of %s", port,
					e.Env["FUNCTIONS_HTTPWORKER_PORT"], h.HandlerURL())
			}
			id := e.Env["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"]
			if !guidText.MatchString(id) || e.Env["FUNCTIONS_HTTPWORKER_ID"] != id {
				t.Errorf("worker IDs: got %q and %q, want one GUID twice", id,
					e.Env["FUNCTIONS_HTTPWORKER_ID"])
			}
			if e.Env["FUNCTIONS_APP_ROOT_PATH"] != appDir || e.Dir != appDir {
				t.Errorf("app root, dir: got %q, %q, want %q", e.Env["FUNCTIONS_APP_ROOT_PATH"],
					e.Dir, appDir)
			}
			if e.Env["ECHO_SETTING"] != "from-options" {
				t.Errorf("ECHO_SETTING: got %q, want from-options", e.Env["ECHO_SETTING"])
			}
			if want := []string{"--name", "two words"}; !slices.Equal(e.Args, want) {
				t.Errorf("args: got %q, want %q", e.Args, want)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := newRequest(t, method, h.URL()+tt.path, body)
			for k, vv := range tt.header {
				req.Header[k] = vv
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			e := decodeEcho(t, call(t, req))
			if e.Method != method {
				t.Errorf("method: got %s, want %s", e.Method, method)
			}
			tt.check(t, e)
		})
	}
}

func TestForward_ChunkedRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode       string
		wantStatus int
	}{
		{mode: "", wantStatus: http.StatusInternalServerError},
		{mode: ChunkedFail, wantStatus: http.StatusInternalServerError},
		{mode: ChunkedEmpty, wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run("mode "+strconv.Quote(tt.mode), func(t *testing.T) {
			t.Parallel()
			h := startHost(t, appDir, Options{ChunkedRequests: tt.mode}, nil)

			req := newRequest(t, http.MethodPost, h.URL()+"/api/echo/chunked",
				io.NopCloser(strings.NewReader("streamed")))
			req.ContentLength = -1 // sent chunked
			got := call(t, req)
			if got.status != tt.wantStatus {
				t.Fatalf("status: got %d, want %d (body %q)", got.status, tt.wantStatus, got.body)
			}
			if tt.wantStatus != http.StatusOK {
				if got.body != "" {
					t.Errorf("body: got %q, want empty", got.body)
				}
				return
			}
			e := decodeEcho(t, got)
			if e.Body != "" || len(e.TransferEncoding) != 0 {
				t.Errorf("handler got body %q, transfer encoding %q; want neither", e.Body,
					e.TransferEncoding)
			}
		})
	}
}

func TestForward_Response(t *testing.T) {
	t.Parallel()
	h := startHost(t, appDir, Options{}, nil)

	t.Run("redirect reaches the caller unchanged", func(t *testing.T) {
		got := get(t, h.URL(), "/api/control/redirect")
		if got.status != http.StatusFound || got.header.Get("Location") != "/api/anon" ||
			got.body != "moved" {
			t.Errorf("got %d Location %q body %q, want 302 /api/anon \"moved\"", got.status,
				got.header.Get("Location"), got.body)
		}
	})
	t.Run("two Set-Cookie headers survive", func(t *testing.T) {
		got := get(t, h.URL(), "/api/control/cookies")
		want := []string{"first=1; Path=/", "second=2; Path=/"}
		if !slices.Equal(got.header.Values("Set-Cookie"), want) {
			t.Errorf("Set-Cookie: got %q, want %q", got.header.Values("Set-Cookie"), want)
		}
	})
	t.Run("custom headers from host.json are added", func(t *testing.T) {
		got := get(t, h.URL(), "/api/anon")
		if v := got.header.Get("X-Host-Header"); v != "added" {
			t.Errorf("X-Host-Header: got %q, want added", v)
		}
		if v := got.header.Get("Content-Length"); v != strconv.Itoa(len(got.body)) {
			t.Errorf("Content-Length: got %q, want %d", v, len(got.body))
		}
	})
}
