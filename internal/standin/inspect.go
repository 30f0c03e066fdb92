package standin

import (
	"encoding/json"

	"projectsync/internal/standin/workpoint"
)

// EntityView is an entity of the demo solution as a reader sees it: its
// parent resolved to an id and a title, and its field values as JSON
// values (numbers as float64, dates as RFC 3339 strings).
type EntityView struct {
	ID       int            `json:"id"`
	Title    string         `json:"title"`
	ParentID int            `json:"parentId,omitempty"`
	Parent   string         `json:"parent,omitempty"`
	Fields   map[string]any `json:"fields"`
}

// Entity returns entity id of the business module moduleID of the demo
// solution, and whether it exists.
func (s *Stack) Entity(moduleID string, id int) (EntityView, bool) {
	e, ok := s.Solution.Entity(moduleID, id)
	if !ok {
		return EntityView{}, false
	}
	v := EntityView{ID: e.ID, Title: e.Title, Fields: map[string]any{}}
	if b, err := json.Marshal(e.Values); err == nil {
		_ = json.Unmarshal(b, &v.Fields)
	}
	delete(v.Fields, "Title")

	for _, m := range s.Solution.Modules() {
		if m.ID != moduleID || m.ParentRelationName == "" {
			continue
		}
		pid, _ := e.Values[m.ParentRelationName].(int)
		delete(v.Fields, m.ParentRelationName)
		if p, ok := s.Solution.Entity(m.ParentID, pid); ok {
			v.ParentID, v.Parent = pid, p.Title
		}
	}
	return v, true
}

// Entities returns every entity of the business module moduleID.
func (s *Stack) Entities(moduleID string) []workpoint.Entity {
	return s.Solution.Entities(moduleID)
}

// Plant records a value that must never appear in a log line or an
// answer, such as a client secret a test stores in the vault.
func (s *Stack) Plant(values ...string) {
	s.plantedMu.Lock()
	defer s.plantedMu.Unlock()
	s.planted = append(s.planted, values...)
}

// Planted returns the values that must never appear in a log line or an
// answer: the client secret, every value planted with [Stack.Plant], every
// token the stand-ins signed, and the managed identity header.
func (s *Stack) Planted() []string {
	s.plantedMu.Lock()
	out := append([]string{ClientSecret}, s.planted...)
	s.plantedMu.Unlock()
	if s.Identity != nil {
		out = append(out, s.Identity.Header())
	}
	if s.Issuer != nil {
		out = append(out, s.Issuer.Minted()...)
	}
	return out
}
