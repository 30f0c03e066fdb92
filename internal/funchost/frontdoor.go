package funchost

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// route is one function's entry in the front door's routing table.
type route struct {
	fn       Function
	template *routeTemplate
}

// routeTable holds the routes in the order they are tried.
type routeTable []route

// newRouteTable parses every function's route under the app's prefix and
// orders them by precedence, most specific first.
func newRouteTable(app *App) (routeTable, error) {
	var table routeTable
	for _, fn := range app.Functions {
		if err := checkRoute(fn.Route); err != nil {
			return nil, fmt.Errorf("funchost: start: function %s: %w", fn.Name, err)
		}
		t, err := parseRoute(app.RoutePrefix, fn.Route)
		if err != nil {
			return nil, fmt.Errorf("funchost: start: function %s: %w", fn.Name, err)
		}
		table = append(table, route{fn: fn, template: t})
	}
	slices.SortStableFunc(table, func(a, b route) int {
		return slices.Compare(a.template.precedence(), b.template.precedence())
	})
	return table, nil
}

// match returns the first function whose route matches the path segments
// and whose methods include method, or nil.
func (t routeTable) match(segs []string, method string) *Function {
	method = strings.ToLower(method)
	for i := range t {
		r := &t[i]
		if !r.template.match(segs) {
			continue
		}
		if len(r.fn.Methods) == 0 || slices.Contains(r.fn.Methods, method) {
			return &r.fn
		}
	}
	return nil
}

// handleRequest is the front door: the checks the host makes before an
// invocation, then the invocation itself.
func (h *Host) handleRequest(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > h.bodyLimit {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}

	segs := splitPath(r.URL.Path)
	if len(segs) > 0 && (strings.EqualFold(segs[0], "admin") ||
		strings.EqualFold(segs[0], "runtime")) {
		// The host's own APIs; never forwarded to the handler.
		http.NotFound(w, r)
		return
	}

	fn := h.routes.match(segs, r.Method)
	switch {
	case fn == nil && len(segs) == 0:
		h.serveHomepage(w, r)
		return
	case fn == nil || fn.Disabled:
		http.NotFound(w, r)
		return
	case h.opts.Auth && fn.AuthLevel != AuthAnonymous && !h.keyAccepted(r):
		w.WriteHeader(http.StatusUnauthorized)
		return
	}

	p, err := h.awaitHandler(r.Context())
	if err != nil {
		if r.Context().Err() == nil {
			h.book.hostf(LevelError, "function %s: %v", fn.Name, err)
		}
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.invoke(w, r, fn, p)
}

// keyAccepted reports whether the request carries one of the function
// keys. As for the host, the x-functions-key header wins over the code
// query parameter when both are present.
func (h *Host) keyAccepted(r *http.Request) bool {
	key := r.Header.Get("X-Functions-Key")
	if key == "" {
		for _, p := range parseQuery(r.URL.RawQuery) {
			if strings.EqualFold(p.key, "code") {
				key = p.value
				break
			}
		}
	}
	if key == "" {
		return false
	}
	accepted := false
	for _, k := range h.opts.Keys {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			accepted = true
		}
	}
	return accepted
}

// serveHomepage answers the root path when no function claims it.
func (h *Host) serveHomepage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.NotFound(w, r)
		return
	}
	if !h.homepage {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Functions host</title></head>"+
		"<body><p>Your Functions 4.0 app is up and running.</p></body></html>\n")
}

var (
	errHostDown    = errors.New("the host has shut down")
	errNotReady    = errors.New("the handler did not become ready in time")
	errHostClosing = errors.New("the host is closing")
)

// awaitHandler returns the handler process to forward to, waiting while it
// starts, as the host's dispatcher does, for up to four start attempts.
// After an exit with code 0 it still returns the dead process, so that the
// invocation fails on the closed port as it does under the host.
func (h *Host) awaitHandler(ctx context.Context) (*process, error) {
	limit := time.NewTimer((maxFailures + 1) * h.opts.ReadyTimeout)
	defer limit.Stop()
	for {
		h.mu.Lock()
		state, p, changed := h.state, h.current, h.changed
		h.mu.Unlock()

		switch state {
		case stateReady, stateStopped:
			return p, nil
		case stateShutdown:
			return nil, errHostDown
		case stateClosed:
			return nil, errHostClosing
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-limit.C:
			return nil, errNotReady
		}
	}
}
