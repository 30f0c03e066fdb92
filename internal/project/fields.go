package project

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"projectsync/internal/mapping"
)

// wantParentColumn describes what the parent column may hold.
const wantParentColumn = "the parent's title as text, its entity id as a whole number, " +
	"or a lookup; this is the column the settings name for the parent"

// fields returns what WorkPoint receives for req, other than Title and the
// parent relation. Without a field mapping, they are the request's fields
// by Decode's rules, less the parent column. With one, an item sends only
// its mapped columns; a composed body's fields that name a mapped column
// are read by the mapping, and the others are sent as they are.
func (s *Service) fields(ctx context.Context, req Request) (map[string]any, error) {
	m := s.cfg.Mapping
	switch {
	case m == nil:
		return s.defaultFields(req)
	case req.Shape == ShapeComposed:
		return s.composedFields(ctx, m, req)
	}
	out, err := m.Apply(ctx, mapping.Input{Columns: req.Columns}, s.lookups)
	return out, inputError(err)
}

// defaultFields copies the request's fields, reading the columns of a
// request from DecodeColumns first.
func (s *Service) defaultFields(req Request) (map[string]any, error) {
	parentColumn := ""
	if req.Shape == ShapeItem {
		parentColumn = s.cfg.ParentColumn
	}
	fields := make(map[string]any, len(req.Fields)+3)
	maps.Copy(fields, req.Fields)
	if req.deferred {
		var members []member
		for _, name := range slices.Sorted(maps.Keys(req.Columns)) {
			if name != parentColumn {
				members = append(members, member{name: name, raw: req.Columns[name]})
			}
		}
		if err := addColumns(fields, members); err != nil {
			return nil, err
		}
	}
	if parentColumn != "" {
		delete(fields, parentColumn)
	}
	return fields, nil
}

// composedFields maps the members of a composed body's fields that name a
// mapped column, and keeps the others as Decode read them.
func (s *Service) composedFields(ctx context.Context, m *mapping.Map, req Request) (
	map[string]any, error) {
	in := mapping.Input{
		Columns: make(map[string]json.RawMessage),
		Given:   make(map[string]bool),
		Prefix:  "fields.",
	}
	out := make(map[string]any, len(req.Fields)+3)
	for name, v := range req.Fields {
		if !m.Has(name) {
			out[name] = v
			in.Given[name] = true
		}
	}
	for name, raw := range req.Columns {
		if m.Has(name) {
			in.Columns[name] = raw
		}
	}

	mapped, err := m.Apply(ctx, in, s.lookups)
	if err != nil {
		return nil, inputError(err)
	}
	maps.Copy(out, mapped)
	return out, nil
}

// inputError turns a mapping's verdict on a value into an *InputError, so
// that it is answered as any bad field is.
func inputError(err error) error {
	var fe *mapping.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return &InputError{
		Kind: KindField, Field: fe.Column, Got: fe.Got,
		Want: fmt.Sprintf("%s (the field mapping sends this column to WorkPoint field %s as %s)",
			fe.Want, fe.Field, fe.Type),
	}
}

// columnParent reads the parent from the value of the item column name: a
// title, an entity id, or a lookup. A lookup's Value is taken as a title;
// its Id is the SharePoint item id of the looked-up item, which is an
// entity id only when the lookup points into the parent business module's
// own list, so it is used only when there is no Value. Nil means the
// column is absent or empty, and the default parent applies.
func columnParent(name string, raw json.RawMessage) (*ParentRef, error) {
	if raw == nil {
		return nil, nil
	}
	v, err := decodeValue(raw)
	if err != nil {
		return nil, err
	}
	if obj, ok := v.(map[string]any); ok {
		v = lookupParent(obj)
	}

	bad := &InputError{Kind: KindField, Field: fieldName("", name), Got: describe(v),
		Want: wantParentColumn}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		if isBlank(v) {
			return nil, nil
		}
		title, err := checkTitle(fieldName("", name), v)
		if err != nil {
			return nil, err
		}
		return &ParentRef{Title: title}, nil
	case json.Number:
		if n, ok := wholeNumber(string(v)); ok && n > 0 && n <= math.MaxInt32 {
			return &ParentRef{ID: int(n)}, nil
		}
	case []any:
		if len(v) == 0 {
			return nil, nil
		}
	}
	return nil, bad
}

// lookupParent returns what names the parent in a lookup object: its Value
// as text, else its Id; the object itself when it has neither.
func lookupParent(obj map[string]any) any {
	switch value := obj["Value"].(type) {
	case string:
		if !isBlank(value) {
			return value
		}
	case json.Number:
		return string(value)
	}
	if id, ok := obj["Id"].(json.Number); ok {
		return id
	}
	return obj
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }
