package workpoint

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// condition reports whether an entity matches a query. It runs with the
// solution's lock held.
type condition func(Entity) bool

func always(Entity) bool { return true }

// lookupMatch says what a lookup field's value is compared with.
type lookupMatch int

const (
	lookupByTitle     lookupMatch = iota // CAML without LookupId='TRUE'
	lookupByID                           // CAML with LookupId='TRUE'
	lookupByIDOrTitle                    // identifier values of ListItem/Exists
)

// camlError is a query that SharePoint refuses, with the answer it gets.
type camlError struct {
	status int
	body   apiError
}

func (e *camlError) Error() string { return e.body.ExceptionMessage }

// SharePoint's answers to a query it cannot run, as Web API passes them on.
var (
	errCAMLMalformed = &camlError{http.StatusInternalServerError, apiError{
		Message:          "An error has occurred.",
		ExceptionMessage: "Cannot complete this action.\n\nPlease try again.",
		ExceptionType:    "Microsoft.SharePoint.Client.ServerException",
	}}
	errFieldNotInstalled = &camlError{http.StatusInternalServerError, apiError{
		Message: "An error has occurred.",
		ExceptionMessage: "One or more field types are not installed properly. Go to the " +
			"list settings page to delete these fields.",
		ExceptionType: "Microsoft.SharePoint.Client.ServerException",
	}}
)

// errCAMLUnsupported is a valid query that the stand-in cannot run.
func errCAMLUnsupported(format string, args ...any) error {
	return &camlError{http.StatusBadRequest, apiError{Message: msgInvalid,
		ExceptionMessage: "The WorkPoint stand-in cannot run this CAML query: " +
			fmt.Sprintf(format, args...)}}
}

// camlAnswer returns the status and body of the answer to a query that
// failed with err.
func camlAnswer(err error) (int, any) {
	var ce *camlError
	if errors.As(err, &ce) {
		return ce.status, ce.body
	}
	return http.StatusBadRequest, apiError{Message: msgInvalid, ExceptionMessage: err.Error()}
}

// compileCAML turns a CAML query into a condition and its RowLimit (0 for
// none). It accepts a whole <View>, a <Query>, or a bare <Where>; an empty
// query matches everything. Conditions may use Eq and Neq on one FieldRef
// (with LookupId='TRUE' to compare a lookup's id), combined with And and Or.
// s.mu must be held.
func compileCAML(s *Solution, m *moduleState, query string) (condition, int, error) {
	if strings.TrimSpace(query) == "" {
		return always, 0, nil
	}
	var root camlNode
	if err := xml.Unmarshal([]byte("<caml>"+query+"</caml>"), &root); err != nil {
		return nil, 0, errCAMLMalformed
	}

	rowLimit := 0
	if rl := root.find("RowLimit"); rl != nil {
		n, err := strconv.Atoi(strings.TrimSpace(rl.Text))
		if err != nil || n < 0 {
			return nil, 0, errCAMLMalformed
		}
		rowLimit = n
	}

	where := root.find("Where")
	if where == nil {
		return always, rowLimit, nil
	}
	if len(where.Nodes) != 1 {
		return nil, 0, errCAMLUnsupported("Where must hold exactly one condition.")
	}
	cond, err := compileNode(s, m, &where.Nodes[0])
	return cond, rowLimit, err
}

func compileNode(s *Solution, m *moduleState, n *camlNode) (condition, error) {
	switch n.XMLName.Local {
	case "And", "Or":
		if len(n.Nodes) != 2 {
			return nil, errCAMLUnsupported("%s must hold exactly two conditions.", n.XMLName.Local)
		}
		a, err := compileNode(s, m, &n.Nodes[0])
		if err != nil {
			return nil, err
		}
		b, err := compileNode(s, m, &n.Nodes[1])
		if err != nil {
			return nil, err
		}
		if n.XMLName.Local == "And" {
			return func(e Entity) bool { return a(e) && b(e) }, nil
		}
		return func(e Entity) bool { return a(e) || b(e) }, nil

	case "Eq", "Neq":
		ref, val := n.find("FieldRef"), n.find("Value")
		if ref == nil || val == nil {
			return nil, errCAMLMalformed
		}
		match := lookupByTitle
		if strings.EqualFold(ref.attr("LookupId"), "TRUE") {
			match = lookupByID
		}
		cond, err := eqCondition(s, m, ref.attr("Name"), strings.TrimSpace(val.Text), match)
		if err != nil || n.XMLName.Local == "Eq" {
			return cond, err
		}
		return func(e Entity) bool { return !cond(e) }, nil
	}
	return nil, errCAMLUnsupported("element <%s> is not supported; use Eq, Neq, And or Or.",
		n.XMLName.Local)
}

// eqCondition matches entities whose field equals want, compared as the
// field's type: text case-insensitively, numbers by value, dates by day.
// s.mu must be held while the condition runs.
func eqCondition(s *Solution, m *moduleState, name, want string, lm lookupMatch) (
	condition, error) {
	if strings.EqualFold(name, "ID") {
		id, err := strconv.Atoi(want)
		return func(e Entity) bool { return err == nil && e.ID == id }, nil
	}
	f, ok := m.field(name)
	if !ok {
		return nil, errFieldNotInstalled
	}
	return func(e Entity) bool {
		v, ok := e.Values[f.Name]
		return ok && s.valueEqualsLocked(f, v, want, lm)
	}, nil
}

// valueEqualsLocked compares a stored value with a query value. s.mu must
// be held.
func (s *Solution) valueEqualsLocked(f Field, v any, want string, lm lookupMatch) bool {
	switch v := v.(type) {
	case string:
		return strings.EqualFold(v, want)
	case float64:
		n, err := strconv.ParseFloat(want, 64)
		return err == nil && n == v
	case bool:
		switch strings.ToLower(want) {
		case "1", "true":
			return v
		case "0", "false":
			return !v
		}
		return false
	case time.Time:
		d, ok := parseDate(want)
		return ok && d.Format(time.DateOnly) == v.Format(time.DateOnly)
	case []string:
		for _, item := range v {
			if strings.EqualFold(item, want) {
				return true
			}
		}
		return false
	case int:
		if lm != lookupByTitle && strconv.Itoa(v) == want {
			return true
		}
		if lm == lookupByID {
			return false
		}
		_, title := s.formatLocked(f, v)
		return strings.EqualFold(title, want)
	}
	return false
}
