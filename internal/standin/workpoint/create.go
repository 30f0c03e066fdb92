package workpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxBody caps what the stand-in reads of a request body.
const maxBody = 1 << 20

// invalidError is a create body that WorkPoint refuses with 400 "The request
// is invalid."; its text goes into ExceptionMessage.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }

func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// handleCreate answers POST /api/BusinessModules/{bm}/Entities/Create/
// {siteCreationBehaviour}: the segment is 0, 1, 2 or a configured name.
func (s *Server) handleCreate(w http.ResponseWriter, c *call) {
	bm, ok := parseGUID(c.params["bm"])
	if !ok {
		writeNullEntry(w, "businessModuleId", "System.Guid", methodCreate, controllerModules)
		return
	}
	behaviour := c.params["siteCreationBehaviour"]
	switch {
	case behaviour == "0", behaviour == "1", behaviour == "2":
	case s.acceptsSiteName(behaviour):
	default:
		writeNullEntry(w, "siteCreationBehaviour",
			"WorkPoint.Integration.Common.SiteCreationBehaviourEnum", methodCreate,
			controllerModules)
		return
	}
	s.create(w, c, bm, behaviour)
}

// handleCreateConnector answers POST /api/Entity/{bm}/Create/{createSite},
// the certified connector's route, where the segment is a boolean.
func (s *Server) handleCreateConnector(w http.ResponseWriter, c *call) {
	bm, ok := parseGUID(c.params["bm"])
	if !ok {
		writeNullEntry(w, "businessModuleId", "System.Guid", methodCreateSite, controllerEntity)
		return
	}
	createSite := strings.TrimSpace(c.params["createSite"])
	if !strings.EqualFold(createSite, "true") && !strings.EqualFold(createSite, "false") {
		writeNullEntry(w, "createSite", "System.Boolean", methodCreateSite, controllerEntity)
		return
	}
	s.create(w, c, bm, strings.ToLower(createSite))
}

// create checks the body against the module's schema, stores the entity and
// answers its id as a bare JSON integer.
func (s *Server) create(w http.ResponseWriter, c *call, bm, siteCreation string) {
	sol := c.sol
	sol.mu.Lock()
	m := sol.moduleLocked(bm)
	if m == nil {
		sol.mu.Unlock()
		writeModuleNotFound(w, bm)
		return
	}
	id, err := sol.createLocked(m, c.body, siteCreation)
	if err == nil {
		sol.creates++
	}
	sol.mu.Unlock()

	if err != nil {
		writeInvalid(w, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, id)
}

// createLocked checks a create body and stores the entity. Checks run in
// this order: the body is a JSON object; every key is a field of the
// module (keys in sorted order); then, in schema order, required fields are
// present and every value fits its field. s.mu must be held.
func (s *Solution) createLocked(m *moduleState, body []byte, siteCreation string) (int, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return 0, invalidf("The request body must be a JSON object of field values.")
	}

	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if _, ok := m.field(name); !ok {
			return 0, invalidf("Field '%s' does not exist in business module '%s'.",
				name, m.Title)
		}
	}

	values := map[string]any{}
	for _, f := range m.Fields {
		v, present := raw[f.Name]
		if !present || isNull(v) || (f.Required && isEmptyString(v)) {
			if f.Required {
				return 0, invalidf("Field '%s' is required.", f.Name)
			}
			continue
		}
		val, err := s.convertLocked(f, v)
		if err != nil {
			return 0, err
		}
		values[f.Name] = val
	}

	id := m.nextID
	m.nextID++
	title, _ := values["Title"].(string)
	m.entities = append(m.entities, Entity{ID: id, UniqueID: newGUID(), Title: title,
		Values: values, SiteCreation: siteCreation, Created: time.Now().UTC()})
	return id, nil
}

// convertLocked turns one JSON value into the Go value stored for field f,
// or explains why the value does not fit. s.mu must be held.
func (s *Solution) convertLocked(f Field, v json.RawMessage) (any, error) {
	switch f.Type {
	case FieldNumber:
		if n, ok := number(v); ok {
			return n, nil
		}
		return nil, wrongType(f, "a number", v)
	case FieldBoolean:
		var b bool
		if json.Unmarshal(v, &b) == nil {
			return b, nil
		}
		return nil, wrongType(f, "true or false", v)
	case FieldDate:
		var str string
		if json.Unmarshal(v, &str) == nil {
			if t, ok := parseDate(str); ok {
				return t, nil
			}
		}
		return nil, wrongType(f, "an ISO 8601 date string", v)
	case FieldUserMulti, FieldMultiChoice:
		var list []string
		if json.Unmarshal(v, &list) == nil && list != nil {
			return list, nil
		}
		return nil, wrongType(f, "an array of strings", v)
	case FieldLookup:
		return s.lookupLocked(f, v)
	default: // text, note, choice, user
		var str string
		if json.Unmarshal(v, &str) == nil {
			return str, nil
		}
		return nil, wrongType(f, "a string", v)
	}
}

// lookupLocked checks that v is the id of an entity of the lookup's target
// module. s.mu must be held.
func (s *Solution) lookupLocked(f Field, v json.RawMessage) (any, error) {
	target := s.moduleLocked(f.LookupModuleID)
	targetTitle := f.LookupModuleID
	if target != nil {
		targetTitle = target.Title
	}
	n, ok := number(v)
	if !ok || n != math.Trunc(n) || n < 1 || n > math.MaxInt32 {
		return nil, invalidf("Field '%s' is a lookup to '%s' and needs the integer id of an "+
			"item; got %s.", f.Name, targetTitle, shorten(v))
	}
	id := int(n)
	if target == nil {
		return nil, invalidf("Field '%s' refers to item %d, which does not exist in '%s'.",
			f.Name, id, targetTitle)
	}
	if _, ok := target.entityLocked(id); !ok {
		return nil, invalidf("Field '%s' refers to item %d, which does not exist in '%s'.",
			f.Name, id, targetTitle)
	}
	return id, nil
}

func wrongType(f Field, want string, v json.RawMessage) error {
	return invalidf("Field '%s' of type %s needs %s; got %s.", f.Name, f.Type, want, shorten(v))
}

// number reads a JSON number or a string holding one, as Web API's model
// binding converts it.
func number(v json.RawMessage) (float64, bool) {
	var n float64
	if json.Unmarshal(v, &n) == nil {
		return n, true
	}
	var str string
	if json.Unmarshal(v, &str) != nil {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(str), 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, false
	}
	return n, true
}

// dateLayouts are the ISO 8601 forms a date field accepts.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseDate(s string) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func isNull(v json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

func isEmptyString(v json.RawMessage) bool {
	var str string
	return json.Unmarshal(v, &str) == nil && strings.TrimSpace(str) == ""
}

// shorten quotes a JSON value for an error message, cut to a readable size.
func shorten(v json.RawMessage) string {
	const max = 60
	s := string(bytes.TrimSpace(v))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
