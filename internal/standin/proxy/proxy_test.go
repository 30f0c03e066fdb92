package proxy_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"projectsync/internal/standin/ca"
	"projectsync/internal/standin/proxy"
)

// echo answers with the name of the handler, the Host header and whether
// the request came over TLS.
func echo(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s tls=%t", name, r.Host, r.TLS != nil)
	})
}

// startProxy starts a proxy that serves Entra's and Key Vault's hosts.
func startProxy(t *testing.T) (*ca.CA, *proxy.Proxy) {
	t.Helper()
	c, err := ca.New()
	if err != nil {
		t.Fatal(err)
	}
	p := proxy.New(c)
	p.Handle("login.microsoftonline.com", echo("entra"))
	p.Handle("*.vault.azure.net", echo("vault"))
	if _, err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c, p
}

// poolClient is a client that uses the proxy and trusts only the CA's pool.
func poolClient(t *testing.T, c *ca.CA, p *proxy.Proxy) *http.Client {
	t.Helper()
	u, err := url.Parse(p.URL())
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{
		Proxy:           http.ProxyURL(u),
		TLSClientConfig: &tls.Config{RootCAs: c.Pool()},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func get(t *testing.T, client *http.Client, rawURL string) (*http.Response, string) {
	t.Helper()
	resp, err := client.Get(rawURL)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", rawURL, err)
	}
	return resp, string(b)
}

func TestProxy_ServesKnownHostsOverVerifiedTLS(t *testing.T) {
	c, p := startProxy(t)
	client := poolClient(t, c, p)

	tests := []struct {
		name string
		url  string
		host string
		want string
	}{
		{"exact", "https://login.microsoftonline.com/common/discovery/instance",
			"login.microsoftonline.com", "entra login.microsoftonline.com tls=true"},
		{"suffix", "https://projectsync-demo.vault.azure.net/secrets/x/",
			"projectsync-demo.vault.azure.net", "vault projectsync-demo.vault.azure.net tls=true"},
		{"case", "https://LOGIN.microsoftonline.com/x",
			"login.microsoftonline.com", "entra LOGIN.microsoftonline.com tls=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, client, tt.url)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if body != tt.want {
				t.Errorf("got body %q, want %q", body, tt.want)
			}
			if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
				t.Fatal("response came without TLS")
			}
			names := resp.TLS.PeerCertificates[0].DNSNames
			if len(names) != 1 || names[0] != tt.host {
				t.Errorf("got certificate names %v, want [%s]", names, tt.host)
			}
		})
	}
}

func TestProxy_RefusesUnknownTargets(t *testing.T) {
	_, p := startProxy(t)

	tests := []struct {
		name   string
		target string
	}{
		{"unknown host", "example.com:443"},
		{"bare suffix", "vault.azure.net:443"},
		{"known host on another port", "login.microsoftonline.com:8443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := connect(t, p, tt.target)
			if resp.StatusCode != http.StatusBadGateway {
				t.Fatalf("got status %d, want 502", resp.StatusCode)
			}
			want := tt.target + " is not served by the ProjectSync local stand-ins"
			if !strings.Contains(body, want) {
				t.Errorf("got body %q, want it to contain %q", body, want)
			}
		})
	}
}

// connect sends one CONNECT request to the proxy and reads the answer.
func connect(t *testing.T, p *proxy.Proxy, target string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))

	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read CONNECT answer: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestProxy_UnknownHostFailsClient(t *testing.T) {
	_, p := startProxy(t)

	_, err := p.Client().Get("https://example.com/")
	if err == nil {
		t.Fatal("GET https://example.com/ through the proxy succeeded")
	}
	if !strings.Contains(err.Error(), "Bad Gateway") {
		t.Errorf("got error %v, want it to mention Bad Gateway", err)
	}
}

func TestProxy_RejectsPlainRequests(t *testing.T) {
	_, p := startProxy(t)

	resp, err := http.Get(p.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("got status %d, want 405", resp.StatusCode)
	}
	if got := resp.Header.Get("Allow"); got != http.MethodConnect {
		t.Errorf("got Allow %q, want CONNECT", got)
	}
}

func TestProxy_KeepsTunnelsAlive(t *testing.T) {
	_, p := startProxy(t)
	client := p.Client()

	const n = 10
	reused := 0
	for i := range n {
		var info httptrace.GotConnInfo
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { info = i },
		})
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			"https://login.microsoftonline.com/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if info.Reused {
			reused++
		}
	}

	if reused != n-1 {
		t.Errorf("got %d requests on a reused connection, want %d", reused, n-1)
	}
	if got := p.Tunnels(); got != 1 {
		t.Errorf("got %d tunnels, want 1", got)
	}
}

func TestProxy_ClientGoesDirectToLoopback(t *testing.T) {
	_, p := startProxy(t)

	srv := &http.Server{Handler: echo("direct")}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	_, body := get(t, p.Client(), "http://"+ln.Addr().String()+"/")
	if !strings.HasPrefix(body, "direct ") {
		t.Errorf("got body %q, want the loopback server's answer", body)
	}
	if got := p.Tunnels(); got != 0 {
		t.Errorf("got %d tunnels, want 0", got)
	}
}

func TestProxy_CloseEndsTunnelsAndRequests(t *testing.T) {
	c, err := ca.New()
	if err != nil {
		t.Fatal(err)
	}
	p := proxy.New(c)
	entered := make(chan struct{})
	canceled := make(chan struct{})
	p.Handle("api.workpoint365.com", http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		close(entered)
		<-r.Context().Done()
		close(canceled)
	}))
	if _, err := p.Start(); err != nil {
		t.Fatal(err)
	}

	failed := make(chan error, 1)
	go func() {
		resp, err := p.Client().Get("https://api.workpoint365.com/api/BusinessModules")
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	<-entered

	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}

	<-canceled
	if err := <-failed; err == nil {
		t.Error("request in flight during Close succeeded")
	}
	if _, err := http.Get(p.URL()); err == nil {
		t.Error("proxy still accepts connections after Close")
	}
}

func TestProxy_CloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()

	c, err := ca.New()
	if err != nil {
		t.Fatal(err)
	}
	p := proxy.New(c)
	p.Handle("login.microsoftonline.com", echo("entra"))
	p.Handle("*.vault.azure.net", echo("vault"))
	if _, err := p.Start(); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://login.microsoftonline.com/a",
		"https://one.vault.azure.net/b", "https://two.vault.azure.net/c"} {
		get(t, p.Client(), u)
	}
	connect(t, p, "example.com:443")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	// Goroutines end shortly after their connections close; wait for that,
	// with a bound, rather than for a fixed time.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		n := runtime.Stack(buf, true)
		t.Errorf("got %d goroutines after Close, want at most %d:\n%s", after, before, buf[:n])
	}
}
