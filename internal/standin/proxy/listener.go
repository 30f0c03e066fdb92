package proxy

import (
	"net"
	"sync"
)

// chanListener is a net.Listener whose connections are handed to it by the
// proxy, one per CONNECT tunnel, rather than accepted from the network. It
// lets a plain net/http server speak HTTP/1.1, keep-alive included, over
// hijacked tunnels.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept waits for the next tunnel or for the listener to close.
func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// deliver hands c to the server. If the listener is closed first, c is
// closed and false is returned.
func (l *chanListener) deliver(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		c.Close()
		return false
	}
}

// Close stops Accept. It is safe to call more than once.
func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr returns the proxy's own address; tunnels have no listening address.
func (l *chanListener) Addr() net.Addr { return l.addr }
