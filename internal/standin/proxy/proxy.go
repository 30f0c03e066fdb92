// Package proxy is the HTTPS proxy through which clients reach the local
// stand-ins under their production host names.
//
// A client configured with HTTPS_PROXY sends "CONNECT host:443" for every
// https URL. For a host that has a handler, the proxy accepts the tunnel,
// terminates TLS on it with a certificate from the stand-in CA for that host,
// and serves HTTP/1.1 requests over it with the handler. Every other host is
// refused, so nothing reaches the internet through the proxy.
package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"projectsync/internal/standin/ca"
)

// tunnelPort is the only port the proxy opens tunnels to.
const tunnelPort = "443"

// Proxy is an HTTP CONNECT proxy that serves a fixed set of host names itself.
// Register handlers with [Proxy.Handle], then call [Proxy.Start]. It is safe
// for concurrent use.
type Proxy struct {
	// ErrorLog receives the servers' connection errors, such as failed TLS
	// handshakes. If nil, they are discarded. Set it before Start.
	// Addr is the loopback address to listen on. Empty means a free port
	// on 127.0.0.1.
	Addr string

	ErrorLog *log.Logger

	ca *ca.CA

	mu      sync.Mutex
	exact   map[string]http.Handler
	suffix  map[string]http.Handler
	started bool
	closed  bool
	url     string
	open    map[net.Conn]struct{} // client connections, tunnels included
	tunnels int
	client  *http.Client

	outer  *http.Server
	inner  *http.Server
	tunnel *chanListener
	cancel context.CancelFunc
	serve  sync.WaitGroup // the two Serve loops
	conns  sync.WaitGroup // per-connection goroutines of both servers
}

// New returns a proxy that presents certificates from c. It does not listen
// until [Proxy.Start].
func New(c *ca.CA) *Proxy {
	return &Proxy{
		ca:     c,
		exact:  map[string]http.Handler{},
		suffix: map[string]http.Handler{},
		open:   map[net.Conn]struct{}{},
	}
}

// Handle serves h for the hosts that match pattern: either an exact host name
// such as "login.microsoftonline.com", or "*." followed by a domain, such as
// "*.vault.azure.net", which matches every name below that domain. Matching
// ignores case. A later registration for the same pattern replaces the
// earlier one.
func (p *Proxy) Handle(pattern string, h http.Handler) {
	pattern = strings.ToLower(pattern)

	p.mu.Lock()
	defer p.mu.Unlock()

	if domain, ok := strings.CutPrefix(pattern, "*."); ok {
		p.suffix["."+domain] = h
		return
	}
	p.exact[pattern] = h
}

// handler returns the handler for host, or nil.
func (p *Proxy) handler(host string) http.Handler {
	host = strings.ToLower(host)

	p.mu.Lock()
	defer p.mu.Unlock()

	if h, ok := p.exact[host]; ok {
		return h
	}
	for domain, h := range p.suffix {
		if strings.HasSuffix(host, domain) && len(host) > len(domain) {
			return h
		}
	}
	return nil
}

// Start listens on a free loopback port and serves in the background. It
// returns the listening address (host:port).
func (p *Proxy) Start() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.started || p.closed {
		return "", errors.New("proxy: start: already started or closed")
	}
	addr := p.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("proxy: start: listen: %w", err)
	}

	errorLog := p.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	base, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.tunnel = newChanListener(ln.Addr())
	p.outer = &http.Server{
		Handler:           http.HandlerFunc(p.handleConnect),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          errorLog,
		ConnState:         p.trackClientConn,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	p.inner = &http.Server{
		Handler:           http.HandlerFunc(serveTunnel),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          errorLog,
		ConnState:         p.trackTunnelConn,
		ConnContext:       tunnelContext,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	p.started = true
	p.url = "http://" + ln.Addr().String()

	p.serve.Add(2)
	go func() {
		defer p.serve.Done()
		p.outer.Serve(ln)
	}()
	go func() {
		defer p.serve.Done()
		p.inner.Serve(p.tunnel)
	}()
	return ln.Addr().String(), nil
}

// URL returns the proxy's URL, "http://127.0.0.1:port", for HTTPS_PROXY. It
// is empty before [Proxy.Start].
func (p *Proxy) URL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.url
}

// Tunnels returns how many CONNECT tunnels the proxy has opened so far. A
// client that keeps its connections alive opens one per host.
func (p *Proxy) Tunnels() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tunnels
}

// Client returns an HTTP client that sends https requests through the proxy
// and trusts the stand-in CA; requests to loopback addresses go direct. The
// same client is returned on every call. Use it after [Proxy.Start].
func (p *Proxy) Client() *http.Client {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.client == nil {
		p.client = &http.Client{
			Timeout: 2 * time.Minute,
			Transport: &http.Transport{
				Proxy:               p.proxyFor,
				TLSClientConfig:     &tls.Config{RootCAs: p.ca.Pool()},
				TLSHandshakeTimeout: 10 * time.Second,
				MaxIdleConnsPerHost: 16,
				IdleConnTimeout:     90 * time.Second,
			},
		}
	}
	return p.client
}

// proxyFor routes every request but those to loopback addresses through the
// proxy, the way NO_PROXY=127.0.0.1,localhost does for ProxyFromEnvironment.
func (p *Proxy) proxyFor(r *http.Request) (*url.URL, error) {
	switch r.URL.Hostname() {
	case "127.0.0.1", "::1", "localhost":
		return nil, nil
	}
	raw := p.URL()
	if raw == "" {
		return nil, errors.New("proxy: client used before Start")
	}
	return url.Parse(raw)
}

// Close stops the proxy: it closes the listener, every client connection and
// every tunnel, and waits for the goroutines serving them to finish. Requests
// in progress see their context canceled.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	started, client := p.started, p.client
	p.mu.Unlock()

	if client != nil {
		client.CloseIdleConnections()
	}
	if !started {
		return nil
	}

	err := p.outer.Close()
	p.inner.Close()
	p.mu.Lock()
	for c := range p.open {
		c.Close()
	}
	p.mu.Unlock()

	// Connections are closed first, so that a handler that returns when its
	// context ends cannot answer any more.
	p.cancel()
	p.serve.Wait()
	p.conns.Wait()

	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("proxy: close: %w", err)
	}
	return nil
}

// trackClientConn records the connections clients open to the proxy so that
// Close can end them, hijacked tunnels included.
func (p *Proxy) trackClientConn(c net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		p.conns.Add(1)
		p.mu.Lock()
		closed := p.closed
		if !closed {
			p.open[c] = struct{}{}
		}
		p.mu.Unlock()
		if closed {
			c.Close()
		}
	case http.StateHijacked:
		// The connection lives on as a tunnel; it leaves p.open when the
		// tunnel closes it (see tunnelConn.Close).
		p.conns.Done()
	case http.StateClosed:
		p.forget(c)
		p.conns.Done()
	}
}

// trackTunnelConn counts the goroutines that serve tunnels.
func (p *Proxy) trackTunnelConn(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		p.conns.Add(1)
	case http.StateHijacked, http.StateClosed:
		p.conns.Done()
	}
}

// forget removes c from the set of open connections.
func (p *Proxy) forget(c net.Conn) {
	p.mu.Lock()
	delete(p.open, c)
	p.mu.Unlock()
}
