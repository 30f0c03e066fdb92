package keyvault

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault describes how a secret read fails. The steps run in order: wait
// Delay, then drop the connection if Drop is set, else answer Status if it is
// not zero. A fault with only a Delay slows the read down and then serves it
// normally.
type Fault struct {
	// Status is the answer's HTTP status; zero means no error answer.
	Status int
	// Body is the answer's JSON body. If empty, a Key Vault error body that
	// fits Status is sent.
	Body string
	// RetryAfter, if not empty, is sent as the Retry-After header.
	RetryAfter string
	// Delay holds the answer back. The wait ends early, with no answer, if
	// the client gives up.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
}

// InjectFault makes the next n secret reads that carry a valid token fail as
// f describes. Faults injected earlier are used up first.
func (s *Server) InjectFault(n int, f Fault) {
	s.faults.Add(n, f)
}

// applyFault carries out a pending fault and reports whether the request
// should still be served.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request) bool {
	f, ok := s.faults.Next()
	if !ok {
		return true
	}

	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		}
	}

	switch {
	case f.Drop:
		dropConnection(w)
		return false
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.Body == "" {
			writeError(w, r, f.Status, faultCode(f.Status), faultMessage(f.Status), "")
			return false
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.Status)
		w.Write([]byte(f.Body))
		return false
	}
	return true
}

func faultCode(status int) string {
	if status == http.StatusTooManyRequests {
		return "Throttled"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

func faultMessage(status int) string {
	if status == http.StatusTooManyRequests {
		return "Request was not processed because too many requests were received. " +
			"Reason: VaultRequestTypeLimitReached"
	}
	return "The stand-in was told to fail this request with status " + strconv.Itoa(status) + "."
}

// dropConnection closes the client's connection without an answer. It
// resets the TCP connection where it can, so the client sees a broken
// connection rather than a clean end of stream. A connection that cannot be
// taken over (HTTP/2) gets a 500 instead.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Only HTTP/1 connections can be taken over; the stand-ins serve no
		// other kind, so this answer is a signpost, not a behaviour to rely on.
		http.Error(w, "the stand-in cannot drop this connection (HTTP/2)",
			http.StatusInternalServerError)
		return
	}
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = nc.NetConn()
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}
