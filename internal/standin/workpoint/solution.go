package workpoint

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// FieldType is the SharePoint type of a business module field. It decides
// which JSON values a create accepts for the field.
type FieldType string

// The field types. The JSON each accepts on create is given in brackets.
const (
	FieldText        FieldType = "text"        // [string]
	FieldNote        FieldType = "note"        // [string]
	FieldNumber      FieldType = "number"      // [number, or a string holding one]
	FieldBoolean     FieldType = "boolean"     // [true or false]
	FieldDate        FieldType = "date"        // [ISO 8601 string]
	FieldChoice      FieldType = "choice"      // [string]
	FieldUser        FieldType = "user"        // [login or e-mail string]
	FieldUserMulti   FieldType = "usermulti"   // [array of strings]
	FieldLookup      FieldType = "lookup"      // [id of an entity of the target module]
	FieldMultiChoice FieldType = "multichoice" // [array of strings]
)

// Field is one field of a business module's schema.
type Field struct {
	// Name is the SharePoint internal name, the key in create bodies.
	Name string
	// DisplayName is shown in read-back items; if empty, Name is used.
	DisplayName string
	// Type decides which values a create accepts for the field.
	Type FieldType
	// Required fields must be present, not null and, for strings, not
	// blank.
	Required bool
	// LookupModuleID is the id of the module a FieldLookup field points to.
	LookupModuleID string
}

// Module is a business module: a SharePoint list whose items are entities.
type Module struct {
	// ID is the module's GUID, also used as the list id of the List routes.
	ID string
	// Title is the plural display title, e.g. "Projects".
	Title string
	// EntityName is the singular name, e.g. "Project".
	EntityName string
	// ListURL is the web-relative list URL, e.g. "Lists/Projects".
	ListURL string
	// ParentID is the id of the parent module; empty for none.
	ParentID string
	// ParentRelationName is the internal name of the lookup field that
	// points to the parent entity.
	ParentRelationName string
	// SitesEnabled gives the module's entities a SharePoint site when the
	// create asks for one.
	SitesEnabled bool
	// Fields is the module's schema, in display order.
	Fields []Field
}

// Entity is one entity of a business module, as stored.
type Entity struct {
	// ID is the list item id, counted per module from 1.
	ID int
	// UniqueID is the list item's GUID.
	UniqueID string
	// Title is the value of the Title field.
	Title string
	// Values holds the field values by internal name, Title included, as
	// Go values: string (text, note, choice, user), float64 (number), bool,
	// time.Time (date), int (lookup) and []string (usermulti, multichoice).
	Values map[string]any
	// SiteCreation is the route's site segment as sent ("true", "false",
	// "0", a name); empty for entities added with [Solution.AddEntity].
	SiteCreation string
	// Created is when the entity was stored, in UTC.
	Created time.Time
}

// Solution is one WorkPoint solution: its business modules and entities.
// It is safe for concurrent use.
type Solution struct {
	url string

	mu      sync.Mutex
	modules []*moduleState // in the order added
	creates int
}

type moduleState struct {
	Module
	entities []Entity // by ascending id
	nextID   int
}

func newSolution(url string) *Solution {
	return &Solution{url: url}
}

// URL returns the solution's site URL without a trailing slash.
func (s *Solution) URL() string { return s.url }

// AddModule adds a business module; ids are stored as lower-case GUIDs
// without braces, as the API returns them. It fails if the id is not a GUID or is
// taken, the title is empty, or a field is unnamed, repeated, of an unknown
// type, or a lookup without a target.
func (s *Solution) AddModule(m Module) error {
	if err := checkModule(m); err != nil {
		return err
	}
	m.ID, _ = parseGUID(m.ID)
	if g, ok := parseGUID(m.ParentID); ok {
		m.ParentID = g
	}
	m.Fields = slices.Clone(m.Fields)
	for i, f := range m.Fields {
		if g, ok := parseGUID(f.LookupModuleID); ok {
			m.Fields[i].LookupModuleID = g
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.moduleLocked(m.ID) != nil {
		return fmt.Errorf("workpoint: add module %s: id already used", m.ID)
	}
	s.modules = append(s.modules, &moduleState{Module: m, nextID: 1})
	return nil
}

func checkModule(m Module) error {
	if _, ok := parseGUID(m.ID); !ok {
		return fmt.Errorf("workpoint: add module %q: id is not a GUID", m.ID)
	}
	if m.Title == "" {
		return fmt.Errorf("workpoint: add module %s: title is empty", m.ID)
	}
	seen := map[string]bool{}
	for _, f := range m.Fields {
		switch {
		case f.Name == "":
			return fmt.Errorf("workpoint: add module %s: a field has no name", m.Title)
		case seen[f.Name]:
			return fmt.Errorf("workpoint: add module %s: field %s repeated", m.Title, f.Name)
		case !knownType(f.Type):
			return fmt.Errorf("workpoint: add module %s: field %s has unknown type %q",
				m.Title, f.Name, f.Type)
		case f.Type == FieldLookup && f.LookupModuleID == "":
			return fmt.Errorf("workpoint: add module %s: lookup %s has no target module",
				m.Title, f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// AddEntity adds an entity to a module, checked as a create through the API
// is, and returns its id. Values are Go values that encode to the JSON a
// create would carry (string, number, bool, []string ...). It does not count
// as a create in [Solution.CreateCount].
func (s *Solution) AddEntity(moduleID string, values map[string]any) (int, error) {
	body, err := json.Marshal(values)
	if err != nil {
		return 0, fmt.Errorf("workpoint: add entity: encode values: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.moduleLocked(moduleID)
	if m == nil {
		return 0, fmt.Errorf("workpoint: add entity: business module %s does not exist",
			moduleID)
	}
	id, err := s.createLocked(m, body, "")
	if err != nil {
		return 0, fmt.Errorf("workpoint: add entity to %s: %w", m.Title, err)
	}
	return id, nil
}

// Modules returns the solution's business modules in the order added.
func (s *Solution) Modules() []Module {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Module, len(s.modules))
	for i, m := range s.modules {
		out[i] = m.Module
		out[i].Fields = slices.Clone(m.Fields)
	}
	return out
}

// Entities returns copies of a module's entities by ascending id, or nil if
// the module does not exist.
func (s *Solution) Entities(moduleID string) []Entity {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.moduleLocked(moduleID)
	if m == nil {
		return nil
	}
	out := make([]Entity, len(m.entities))
	for i, e := range m.entities {
		out[i] = copyEntity(e)
	}
	return out
}

// Entity returns a copy of one entity and whether it exists.
func (s *Solution) Entity(moduleID string, id int) (Entity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.moduleLocked(moduleID)
	if m == nil {
		return Entity{}, false
	}
	e, ok := m.entityLocked(id)
	if !ok {
		return Entity{}, false
	}
	return copyEntity(e), true
}

// CreateCount returns how many entities the create routes have made, in
// all modules.
func (s *Solution) CreateCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// moduleLocked finds a module by id, case-insensitively and with or without
// braces. s.mu must be held.
func (s *Solution) moduleLocked(id string) *moduleState {
	want, ok := parseGUID(id)
	if !ok {
		return nil
	}
	for _, m := range s.modules {
		if got, _ := parseGUID(m.ID); got == want {
			return m
		}
	}
	return nil
}

// moduleByNameLocked finds a module by title, entity name, list URL (or its
// last segment) or id, as the ListName of ListItem calls may carry any of
// them. s.mu must be held.
func (s *Solution) moduleByNameLocked(name string) *moduleState {
	if m := s.moduleLocked(name); m != nil {
		return m
	}
	for _, m := range s.modules {
		lastSeg := m.ListURL[strings.LastIndex(m.ListURL, "/")+1:]
		for _, n := range []string{m.Title, m.EntityName, m.ListURL, lastSeg} {
			if n != "" && strings.EqualFold(n, name) {
				return m
			}
		}
	}
	return nil
}

func (m *moduleState) entityLocked(id int) (Entity, bool) {
	i, ok := slices.BinarySearchFunc(m.entities, id, func(e Entity, id int) int {
		return e.ID - id
	})
	if !ok {
		return Entity{}, false
	}
	return m.entities[i], true
}

func (m *moduleState) field(name string) (Field, bool) {
	for _, f := range m.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

func copyEntity(e Entity) Entity {
	e.Values = maps.Clone(e.Values)
	for k, v := range e.Values {
		if list, ok := v.([]string); ok {
			e.Values[k] = slices.Clone(list)
		}
	}
	return e
}

func knownType(t FieldType) bool {
	switch t {
	case FieldText, FieldNote, FieldNumber, FieldBoolean, FieldDate, FieldChoice, FieldUser,
		FieldUserMulti, FieldLookup, FieldMultiChoice:
		return true
	}
	return false
}

// parseGUID returns a GUID in lower case without braces, and whether s is
// one.
func parseGUID(s string) (string, bool) {
	g := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}"))
	if len(g) != 36 {
		return "", false
	}
	for i, c := range g {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", c) {
				return "", false
			}
		}
	}
	return g, true
}

func newGUID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails; see crypto/rand.Read
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
