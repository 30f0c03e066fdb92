// Package workpoint is a local stand-in for the WorkPoint 365 Web API
// (api.workpoint365.com): the routes a client needs to find business modules,
// look entities up, create one and read it back.
//
// A [Server] is an http.Handler. Every call goes through the checks the real
// API makes, in this order, and fails with the ASP.NET Web API 2 error bodies
// a client would see:
//
//  1. the route must exist (404 "No HTTP resource was found ...", or 405);
//  2. the bearer token must verify, be meant for one of the configured
//     audiences and come from the configured tenant (401), and carry the
//     configured app role (403);
//  3. the WorkPoint365Url header must name a known solution (400, 404);
//  4. switches for tests: throttling (429), injected faults, latency;
//  5. the route's own checks: business module, body, field schema (400, 404).
//
// The routes, all under https://api.workpoint365.com/api/:
//
//	GET  BusinessModules                               modules of the solution
//	GET  BusinessModules/{id}                          one module
//	GET  Entity/{bm}/GetEntityFieldSchema              {"jsonItems": JSON schema}
//	POST List/{listId}/Items                           CAML query -> {Items, PagingInfo}
//	POST ListItem/Exists                               bare true or false
//	POST Entity/{bm}/Create/{true|false}               bare new id
//	POST BusinessModules/{bm}/Entities/Create/{0|1|2}  bare new id
//	GET  List/{listId}/Item/{itemId}                   one ListItem
//
// CAML queries may be a whole <View>, a <Query> or a bare <Where>; they may
// use Eq and Neq on one FieldRef (LookupId='TRUE' compares a lookup's id,
// otherwise its title), combined with And and Or, and a RowLimit.
//
// Each solution ([Solution]) holds business modules ([Module]) with a field
// schema and their entities ([Entity]). [DemoSolution] seeds the Companies
// and Projects modules used throughout the project's examples. Counters
// ([Server.Calls], [Solution.CreateCount]) show what a client really did.
//
// Where the real API's behaviour is not published (the names of the site
// creation behaviours, the schema's exact shape, the answers for an unknown
// solution or a missing app role), the stand-in gives a plausible answer,
// and the code that gives it says so.
package workpoint

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Verifier checks a bearer token's signature and lifetime and returns its
// claims. The stand-in token issuer satisfies it.
type Verifier interface {
	Verify(token string) (jwt.MapClaims, error)
}

// DefaultAudience is the App ID URI of the WorkPoint365.WebAPI application,
// the audience of tokens for the production API.
const DefaultAudience = "https://workpoint365.dk/WorkPoint365.WebAPI"

// DefaultRole is the app role an app-only token must carry.
const DefaultRole = "ApplicationAccess"

// Config is what a [Server] expects of bearer tokens.
type Config struct {
	// TenantID is the Entra tenant whose tokens are accepted (the tid
	// claim). If empty, tokens from any tenant are accepted.
	TenantID string
	// Audiences lists the accepted aud claims. If empty, only
	// [DefaultAudience] is accepted.
	Audiences []string
	// Role is the app role the roles claim must contain. If empty,
	// [DefaultRole] is required.
	Role string
}

// Route names for [Server.InjectFault], [Server.SetLatency] and
// [Server.Calls].
const (
	RouteModules = "modules" // GET /api/BusinessModules and /api/BusinessModules/{id}
	RouteSchema  = "schema"  // GET /api/Entity/{bm}/GetEntityFieldSchema
	RouteQuery   = "query"   // POST /api/List/{listId}/Items
	RouteExists  = "exists"  // POST /api/ListItem/Exists
	RouteCreate  = "create"  // both create routes
	RouteItem    = "item"    // GET /api/List/{listId}/Item/{itemId}
)

// Server is the WorkPoint Web API stand-in. Create it with [New]; it is safe
// for concurrent use, and its setters may be called while it serves.
type Server struct {
	cfg      Config
	verifier Verifier

	mu        sync.Mutex
	solutions map[string]*Solution // by normalized URL
	siteNames map[string]bool      // lower-case site creation behaviour names
	calls     map[string]int
	faults    []*pendingFault
	latency   map[string]time.Duration
	throttle  throttle
}

type throttle struct {
	left       int
	retryAfter string
}

// New returns a server with no solutions that checks tokens with v against
// cfg.
func New(cfg Config, v Verifier) *Server {
	if len(cfg.Audiences) == 0 {
		cfg.Audiences = []string{DefaultAudience}
	}
	cfg.Audiences = append([]string(nil), cfg.Audiences...)
	if cfg.Role == "" {
		cfg.Role = DefaultRole
	}
	return &Server{
		cfg:       cfg,
		verifier:  v,
		solutions: map[string]*Solution{},
		siteNames: map[string]bool{},
		calls:     map[string]int{},
		latency:   map[string]time.Duration{},
	}
}

// AddSolution adds a WorkPoint solution, named by the absolute URL of the
// SharePoint site that hosts it, and returns it. Clients name it in the
// WorkPoint365Url header, matched case-insensitively and ignoring a trailing
// slash. Adding a solution that exists returns the existing one.
func (s *Server) AddSolution(url string) *Solution {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := normalizeURL(url)
	if sol, ok := s.solutions[key]; ok {
		return sol
	}
	sol := newSolution(strings.TrimRight(url, "/"))
	s.solutions[key] = sol
	return sol
}

// AcceptSiteCreationNames sets the names, besides the numbers 0, 1 and 2,
// that the create route's {siteCreationBehaviour} segment accepts
// (case-insensitively). The real enum's names are not published, so none are
// accepted until this is called; each call replaces the previous names.
func (s *Server) AcceptSiteCreationNames(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.siteNames = map[string]bool{}
	for _, n := range names {
		s.siteNames[strings.ToLower(n)] = true
	}
}

// Calls returns how many requests reached the route (one of the Route
// constants): every request whose path and method matched it, whether or
// not it then failed. Calls("") returns the total over all routes.
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if route != "" {
		return s.calls[route]
	}
	total := 0
	for _, n := range s.calls {
		total += n
	}
	return total
}

// solutionOf returns the solution that the request's WorkPoint365Url header
// names. If there is none, it has already answered 400 or 404.
func (s *Server) solutionOf(w http.ResponseWriter, r *http.Request) (*Solution, bool) {
	url := r.Header.Get("WorkPoint365Url")
	if strings.TrimSpace(url) == "" {
		writeMessage(w, http.StatusBadRequest, "The WorkPoint365Url header is required.")
		return nil, false
	}

	s.mu.Lock()
	sol, ok := s.solutions[normalizeURL(url)]
	s.mu.Unlock()

	if !ok {
		// The real API's answer is not published; this one names the value.
		writeMessage(w, http.StatusNotFound,
			"WorkPoint solution not found for WorkPoint365Url '"+url+"'.")
	}
	return sol, ok
}

func (s *Server) acceptsSiteName(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.siteNames[strings.ToLower(name)]
}

func normalizeURL(url string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(url), "/"))
}

// ServeHTTP answers one Web API call; see the package documentation for the
// order of checks.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, params, allowed := match(r)
	if rt == nil {
		if allowed != "" {
			w.Header().Set("Allow", allowed)
			writeMessage(w, http.StatusMethodNotAllowed,
				"The requested resource does not support http method '"+r.Method+"'.")
			return
		}
		noRoute(w, r)
		return
	}
	s.count(rt.name)

	// Read the body first: only then does net/http notice a client that
	// hangs up, which the waits below rely on.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeInvalid(w, "The request body could not be read.")
		return
	}

	if !s.authorize(w, r) {
		return
	}
	sol, ok := s.solutionOf(w, r)
	if !ok {
		return
	}

	if s.throttled(w) {
		return
	}
	c := &call{sol: sol, params: params, body: body}
	if !s.applyFault(w, r, rt, c) {
		return
	}
	if !sleep(r, s.latencyFor(rt.name)) {
		return
	}
	rt.handle(s, w, c)
}

func (s *Server) count(route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[route]++
}
