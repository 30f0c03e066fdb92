package funchost

import (
	"errors"
	"fmt"
	"strings"
)

// routeTemplate is a parsed ASP.NET Core route template, the syntax of
// function.json routes: literal segments and parameters such as {id},
// {id:int}, {id?}, {id=7} and {*rest}. Each segment is matched against
// one path segment, case-insensitively.
type routeTemplate struct {
	segments []routeSegment
}

type routeSegment struct {
	literal     string // the text of a literal segment
	param       string // the parameter name; "" for a literal segment
	optional    bool   // {name?} or {name=default}: the segment may be absent
	catchAll    bool   // {*name}: matches the rest of the path, even nothing
	constraints []constraint
}

// parseRoute parses prefix and route joined by a slash.
func parseRoute(prefix, route string) (*routeTemplate, error) {
	full := strings.Trim(prefix, "/")
	if r := strings.Trim(route, "/"); r != "" {
		if full != "" {
			full += "/"
		}
		full += r
	}

	t := &routeTemplate{}
	if full == "" {
		return t, nil
	}
	seen := map[string]bool{}
	for _, text := range strings.Split(full, "/") {
		seg, err := parseSegment(text)
		if err != nil {
			return nil, err
		}
		if seg.param != "" {
			key := strings.ToLower(seg.param)
			if seen[key] {
				return nil, fmt.Errorf("parameter %q appears twice", seg.param)
			}
			seen[key] = true
		}
		t.segments = append(t.segments, seg)
	}
	return t, t.checkOrder()
}

// checkOrder accepts a catch-all only last, and optional segments only at
// the end of the template.
func (t *routeTemplate) checkOrder() error {
	optionalSeen := false
	for i, s := range t.segments {
		if s.catchAll && i != len(t.segments)-1 {
			return errors.New("a catch-all parameter must be the last segment")
		}
		if optionalSeen && !s.optional && !s.catchAll {
			return errors.New("an optional parameter must be followed only by optional ones")
		}
		optionalSeen = optionalSeen || s.optional
	}
	return nil
}

// parseSegment parses one segment: a literal, or a parameter that fills the
// whole segment.
func parseSegment(text string) (routeSegment, error) {
	if text == "" {
		return routeSegment{}, errors.New("empty segment")
	}
	if !strings.ContainsAny(text, "{}") {
		return routeSegment{literal: text}, nil
	}
	if text[0] != '{' || text[len(text)-1] != '}' || strings.Count(text, "{") != 1 {
		return routeSegment{}, fmt.Errorf("segment %q mixes text and parameters; "+
			"the imitation supports one parameter per segment", text)
	}

	body := text[1 : len(text)-1]
	var seg routeSegment
	if strings.HasPrefix(body, "*") {
		seg.catchAll = true
		body = strings.TrimLeft(body, "*")
	}
	if i := strings.IndexByte(body, '='); i >= 0 {
		seg.optional = true
		body = body[:i]
	}
	if strings.HasSuffix(body, "?") {
		seg.optional = true
		body = strings.TrimSuffix(body, "?")
	}

	name, rest, _ := strings.Cut(body, ":")
	if name == "" {
		return routeSegment{}, fmt.Errorf("segment %q has no parameter name", text)
	}
	seg.param = name
	for rest != "" {
		var spec string
		spec, rest = cutConstraint(rest)
		c, err := parseConstraint(spec)
		if err != nil {
			return routeSegment{}, fmt.Errorf("segment %q: %w", text, err)
		}
		seg.constraints = append(seg.constraints, c)
	}
	return seg, nil
}

// cutConstraint splits "int:min(1)" into "int" and "min(1)", keeping colons
// inside parentheses, as in a regex constraint, with their constraint.
func cutConstraint(s string) (spec, rest string) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ':':
			if depth == 0 {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

// match reports whether the path segments match the template.
func (t *routeTemplate) match(segs []string) bool {
	i := 0
	for _, s := range t.segments {
		if s.catchAll {
			return s.accepts(strings.Join(segs[i:], "/"))
		}
		if i == len(segs) {
			if s.optional {
				continue
			}
			return false
		}
		if s.param == "" {
			if !strings.EqualFold(segs[i], s.literal) {
				return false
			}
		} else if segs[i] == "" || !s.accepts(segs[i]) {
			return false
		}
		i++
	}
	return i == len(segs)
}

// accepts applies the segment's constraints to a parameter value.
func (s routeSegment) accepts(v string) bool {
	if v == "" {
		return len(s.constraints) == 0
	}
	for _, c := range s.constraints {
		if !c(v) {
			return false
		}
	}
	return true
}

// precedence ranks the template's segments: lower ranks are tried first,
// so literals beat constrained parameters, which beat plain, optional and
// catch-all parameters, as in ASP.NET Core routing.
func (t *routeTemplate) precedence() []int {
	ranks := make([]int, len(t.segments))
	for i, s := range t.segments {
		switch {
		case s.param == "":
			ranks[i] = 0
		case s.catchAll:
			ranks[i] = 4
		case s.optional:
			ranks[i] = 3
		case len(s.constraints) > 0:
			ranks[i] = 1
		default:
			ranks[i] = 2
		}
	}
	return ranks
}

// splitPath turns a decoded URL path into segments, tolerating one trailing
// slash: "/api/x/" and "/api/x" both give ["api", "x"], "/" gives none.
func splitPath(path string) []string {
	path = strings.TrimPrefix(path, "/")
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}
