package workpoint

import (
	"net/http"
	"strings"
)

// route is one Web API route. Literal segments of pattern match
// case-insensitively, as in ASP.NET; a segment in braces captures a value.
type route struct {
	name    string
	method  string
	pattern []string
	handle  func(s *Server, w http.ResponseWriter, c *call)
}

// call is what a route's handler gets: the caller's solution, the values of
// the route's braced segments and the request body.
type call struct {
	sol    *Solution
	params map[string]string
	body   []byte
}

var routes = []route{
	{RouteModules, http.MethodGet, split("api/BusinessModules"), (*Server).handleModules},
	{RouteModules, http.MethodGet, split("api/BusinessModules/{id}"), (*Server).handleModule},
	{RouteSchema, http.MethodGet, split("api/Entity/{bm}/GetEntityFieldSchema"),
		(*Server).handleSchema},
	{RouteQuery, http.MethodPost, split("api/List/{listId}/Items"), (*Server).handleQuery},
	{RouteExists, http.MethodPost, split("api/ListItem/Exists"), (*Server).handleExists},
	{RouteCreate, http.MethodPost, split("api/Entity/{bm}/Create/{createSite}"),
		(*Server).handleCreateConnector},
	{RouteCreate, http.MethodPost,
		split("api/BusinessModules/{bm}/Entities/Create/{siteCreationBehaviour}"),
		(*Server).handleCreate},
	{RouteItem, http.MethodGet, split("api/List/{listId}/Item/{itemId}"), (*Server).handleItem},
}

func split(path string) []string {
	return strings.Split(strings.Trim(path, "/"), "/")
}

// match finds the request's route. If the path matches only routes of other
// methods, it returns no route and those methods, for a 405 answer.
func match(r *http.Request) (*route, map[string]string, string) {
	segs := split(r.URL.Path)
	var allowed []string
	for i := range routes {
		rt := &routes[i]
		params, ok := matchPattern(rt.pattern, segs)
		if !ok {
			continue
		}
		if rt.method == r.Method {
			return rt, params, ""
		}
		allowed = append(allowed, rt.method)
	}
	return nil, nil, strings.Join(allowed, ", ")
}

func matchPattern(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// noRoute answers 404 as Web API does for a URI that no route matches.
func noRoute(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if host == "" {
		host = "api.workpoint365.com"
	}
	uri := "https://" + host + r.URL.RequestURI()
	writeJSON(w, http.StatusNotFound, apiError{
		Message: "No HTTP resource was found that matches the request URI '" + uri + "'.",
		MessageDetail: "No route providing a controller name was found to match request URI '" +
			uri + "'",
	})
}
