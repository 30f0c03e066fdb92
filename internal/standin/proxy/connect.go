package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"
)

// established is the proxy's answer to an accepted CONNECT.
const established = "HTTP/1.1 200 Connection established\r\n\r\n"

// handleConnect answers a client's request to the proxy itself. Only CONNECT
// to port 443 of a served host opens a tunnel.
func (p *Proxy) handleConnect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		w.Header().Set("Allow", http.MethodConnect)
		http.Error(w, "proxy: the stand-in proxy only answers CONNECT requests",
			http.StatusMethodNotAllowed)
		return
	}

	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, fmt.Sprintf("proxy: CONNECT target %q is not host:port", r.Host),
			http.StatusBadRequest)
		return
	}
	h := p.handler(host)
	if h == nil || port != tunnelPort {
		msg := fmt.Sprintf("proxy: %s is not served by the ProjectSync local stand-ins; "+
			"they answer only for their own hosts on port %s", r.Host, tunnelPort)
		http.Error(w, msg, http.StatusBadGateway)
		return
	}

	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "proxy: cannot take over the connection", http.StatusInternalServerError)
		return
	}
	conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(established)); err != nil {
		conn.Close()
		p.forget(conn)
		return
	}
	conn.SetWriteDeadline(time.Time{})

	p.mu.Lock()
	p.tunnels++
	p.mu.Unlock()

	tc := &tunnelConn{Conn: conn, r: rw.Reader, handler: h, proxy: p}
	p.tunnel.deliver(tls.Server(tc, p.ca.TLSConfig()))
}

// tunnelConn is the client connection after CONNECT. Reads drain whatever
// the CONNECT request's reader had already buffered, and Close forgets the
// connection in the proxy.
type tunnelConn struct {
	net.Conn
	r       *bufio.Reader
	handler http.Handler
	proxy   *Proxy
}

// Read reads from the buffered reader left over from the CONNECT request.
func (c *tunnelConn) Read(b []byte) (int, error) {
	return c.r.Read(b)
}

// Close closes the underlying connection.
func (c *tunnelConn) Close() error {
	c.proxy.forget(c.Conn)
	return c.Conn.Close()
}

// tunnelKey is the context key under which a tunnel's handler travels.
type tunnelKey struct{}

// tunnelContext passes the handler of the tunnel that carries a connection to
// the requests read from it.
func tunnelContext(ctx context.Context, c net.Conn) context.Context {
	if tlsConn, ok := c.(*tls.Conn); ok {
		if tc, ok := tlsConn.NetConn().(*tunnelConn); ok {
			return context.WithValue(ctx, tunnelKey{}, tc.handler)
		}
	}
	return ctx
}

// serveTunnel serves a request that arrived through a tunnel with the
// handler registered for the tunnel's host.
func serveTunnel(w http.ResponseWriter, r *http.Request) {
	h, ok := r.Context().Value(tunnelKey{}).(http.Handler)
	if !ok {
		http.Error(w, "proxy: request arrived outside a tunnel", http.StatusBadGateway)
		return
	}
	h.ServeHTTP(w, r)
}
