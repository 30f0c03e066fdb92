package workpoint

import (
	"net"
	"net/http"
	"strconv"
	"time"
)

// Fault describes how a call fails. The steps run in order: wait Delay;
// then drop the connection if Drop is set; else carry the call out and drop
// the connection if ApplyThenDrop is set; else answer Status if it is not
// zero. A fault with only a Delay slows the call down and then serves it.
type Fault struct {
	// Route limits the fault to one route (a Route constant); empty matches
	// every route.
	Route string
	// Status is the answer's HTTP status; zero means no error answer.
	Status int
	// Body is the answer's JSON body. If empty, a Web API error body that
	// fits Status is sent.
	Body string
	// RetryAfter, if not empty, is sent as the Retry-After header.
	RetryAfter string
	// Delay holds the call back. The wait ends early, with no answer, if
	// the client gives up.
	Delay time.Duration
	// Drop closes the connection without an answer and without carrying
	// the call out.
	Drop bool
	// ApplyThenDrop carries the call out (a create stores its entity) and
	// then closes the connection without an answer: the lost answer case.
	ApplyThenDrop bool
}

type pendingFault struct {
	left  int
	fault Fault
}

// InjectFault makes the next n calls that f.Route matches fail as f
// describes. Only calls that pass the token and WorkPoint365Url checks count.
// Faults injected earlier are used up first.
func (s *Server) InjectFault(n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &pendingFault{left: n, fault: f})
}

// SetLatency makes every call to route that passes the token and
// WorkPoint365Url checks wait d before it is served. Route "" sets the
// latency of routes that have none of their own; d = 0 removes a latency.
// The wait ends early, with no answer, if the client gives up.
func (s *Server) SetLatency(route string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.latency, route)
		return
	}
	s.latency[route] = d
}

// SetThrottle makes the next n calls, on any route, that pass the token and
// WorkPoint365Url checks fail with 429 {"Message":"Too many requests."} and,
// if retryAfter is not empty, that Retry-After header. n = 0 ends
// throttling. Throttling comes before injected faults.
func (s *Server) SetThrottle(retryAfter string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = throttle{left: max(n, 0), retryAfter: retryAfter}
}

func (s *Server) latencyFor(route string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.latency[route]; ok {
		return d
	}
	return s.latency[""]
}

// throttled answers 429 if the throttle is on, and reports whether it did.
func (s *Server) throttled(w http.ResponseWriter) bool {
	s.mu.Lock()
	t := s.throttle
	if t.left > 0 {
		s.throttle.left--
	}
	s.mu.Unlock()

	if t.left == 0 {
		return false
	}
	if t.retryAfter != "" {
		w.Header().Set("Retry-After", t.retryAfter)
	}
	writeMessage(w, http.StatusTooManyRequests, "Too many requests.")
	return true
}

// nextFault takes one use of the oldest pending fault that matches route.
func (s *Server) nextFault(route string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.faults {
		if p.left == 0 || (p.fault.Route != "" && p.fault.Route != route) {
			continue
		}
		p.left--
		f := p.fault
		if p.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f, true
	}
	return Fault{}, false
}

// applyFault carries out a pending fault for the call and reports whether
// the call should still be served.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, rt *route, c *call) bool {
	f, ok := s.nextFault(rt.name)
	if !ok {
		return true
	}
	if !sleep(r, f.Delay) {
		return false
	}

	switch {
	case f.Drop:
		dropConnection(w)
		return false
	case f.ApplyThenDrop:
		rt.handle(s, discardWriter{http.Header{}}, c)
		dropConnection(w)
		return false
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.Body == "" {
			writeMessage(w, f.Status, faultMessage(f.Status))
			return false
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.Status)
		w.Write([]byte(f.Body))
		return false
	}
	return true
}

func faultMessage(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "Too many requests."
	case http.StatusInternalServerError:
		return "An error has occurred."
	}
	return "The stand-in was told to fail this call with status " + strconv.Itoa(status) + "."
}

// sleep waits d, or until the client gives up; it reports whether the wait
// ran its course.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// discardWriter takes an answer that nobody will receive.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

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
