// Package fault lets a stand-in fail its next requests on purpose: answer
// with a canned status and body, drop the connection, or answer late.
package fault

import (
	"net/http"
	"sync"
	"time"
)

// Fault describes how one request fails. Delay is applied first; then the
// connection is dropped if Drop is set, or Status and Body are sent if
// Status is set. A Fault with only a Delay slows the request down and then
// lets it be served normally.
type Fault struct {
	// Status is the HTTP status to answer with. Zero means no canned answer.
	Status int

	// Body is sent with Status. Its Content-Type is application/json unless
	// Header sets one.
	Body string

	// Header holds extra response headers sent with Status, such as
	// Retry-After.
	Header http.Header

	// Drop closes the connection without an answer.
	Drop bool

	// Delay is how long to wait before anything else. The wait ends early
	// when the request's context ends.
	Delay time.Duration
}

// Apply carries out f for the request. It reports whether it answered the
// request (or dropped it, or the client went away during the delay), in which
// case the caller must not answer it again.
func (f Fault) Apply(w http.ResponseWriter, r *http.Request) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	}

	if f.Drop {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, "fault: this connection cannot be dropped",
				http.StatusInternalServerError)
			return true
		}
		conn.Close()
		return true
	}

	if f.Status == 0 {
		return false
	}
	for k, vs := range f.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	w.Write([]byte(f.Body))
	return true
}

// Queue holds faults waiting for the next requests: values of F, a
// stand-in's own fault type (Fault for most). The zero value is an empty
// queue. It is safe for concurrent use.
type Queue[F any] struct {
	mu      sync.Mutex
	pending []pending[F]
}

type pending[F any] struct {
	fault F
	left  int
}

// Add makes the next n requests that call [Queue.Next] fail with f, after
// the faults already queued.
func (q *Queue[F]) Add(n int, f F) {
	if n <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, pending[F]{fault: f, left: n})
}

// Next takes the fault for the current request, if one is queued.
func (q *Queue[F]) Next() (F, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()

	if len(q.pending) == 0 {
		var none F
		return none, false
	}
	p := &q.pending[0]
	f := p.fault
	if p.left--; p.left == 0 {
		q.pending = q.pending[1:]
	}
	return f, true
}

// Clear drops every queued fault.
func (q *Queue[F]) Clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = nil
}
