package mapping

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ErrNoResolver means a lookup column had a title to resolve but
// [Map.Apply] was given no [Resolver].
var ErrNoResolver = errors.New("mapping: a lookup needs a resolver")

// FieldError reports a column whose value does not fit its rule, or a
// required column that is absent or empty.
type FieldError struct {
	// Column is the body member, such as "Budget", or "fields.Budget" in a
	// composed body.
	Column string
	// Field is the WorkPoint field the column fills, and Type its type.
	Field string
	Type  Type
	// Got describes the value, e.g. "an array of 2 values, the first a
	// person", or "missing".
	Got string
	// Want describes what the column accepts.
	Want string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("mapping: column %s (%s field %s) is %s; want %s",
		e.Column, e.Type, e.Field, e.Got, e.Want)
}

// Input is what [Map.Apply] converts.
type Input struct {
	// Columns are the request's values by column name, as JSON. Columns
	// the mapping does not name are ignored.
	Columns map[string]json.RawMessage
	// Given names WorkPoint fields the request sets itself, outside the
	// mapping, as a composed body may: a column whose field is given is
	// not defaulted and not required, and may not be given as well.
	Given map[string]bool
	// Prefix is put before a column's name in errors, e.g. "fields.".
	Prefix string
}

// Apply converts the mapped columns of in to WorkPoint field values by
// internal field name. The rules, by type:
//
//   - text: text as it is; a number as its text (150000.0 is "150000"); a
//     choice or lookup object as its Value; a person as for person.
//   - number: a number, or text holding one ("1250000.5"): int64 when
//     whole, else float64.
//   - date: ISO 8601 text. A value with a UTC offset or Z is an instant; one
//     without is a time of day in the mapping's time zone. A dateOnly column
//     sends the instant's calendar date in that time zone
//     (2025-03-31T22:00:00Z is 2025-04-01 in Europe/Copenhagen); any other
//     sends the instant in UTC, in RFC 3339 form.
//   - boolean: true or false; text "true", "false", "yes", "no", "1", "0"
//     in any case; the numbers 1 and 0.
//   - choice: a choice object's Value, or text, checked against choices
//     (ignoring case; sent in the spelling of the list).
//   - person: a person object's Email, or without one the login at the
//     end of its Claims; text as an e-mail or login.
//   - lookup: a lookup object's Value, or text, is a title, resolved with r
//     to the id of the one entity of the column's module with that title;
//     a whole number is taken as the entity id.
//
// A multi column takes an array of such values, or one value, and sends
// []string; any other column refuses an array. Null, blank text and arrays
// of them are empty: an empty or absent column gets its default, else is a
// [*FieldError] if required, else is left out. Every value is checked
// before any lookup is resolved, so bad input costs no WorkPoint call. A
// lookup that names no entity, or several, is a [*LookupError].
func (m *Map) Apply(ctx context.Context, in Input, r *Resolver) (map[string]any, error) {
	out := make(map[string]any, len(m.names))
	var lookups []*Column
	for _, name := range m.names {
		c := m.columns[name]
		v, err := m.value(c, in)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		out[c.Field] = v
		if _, ok := v.(lookupRef); ok {
			lookups = append(lookups, c)
		}
	}

	for _, c := range lookups {
		id, err := m.resolve(ctx, c, out[c.Field].(lookupRef), in.Prefix, r)
		if err != nil {
			return nil, err
		}
		out[c.Field] = id
	}
	return out, nil
}

// value converts one column of in, applying its default and required
// flag. It returns nil when nothing is sent.
func (m *Map) value(c *Column, in Input) (any, error) {
	fail := func(got, want string) error {
		return &FieldError{Column: in.Prefix + c.Name, Field: c.Field, Type: c.Type,
			Got: got, Want: want}
	}

	raw, present := in.Columns[c.Name]
	var v any
	if present {
		var err error
		if v, err = decode(raw); err != nil {
			return nil, fail("not valid JSON", c.want())
		}
	}
	out, verr := c.convert(v, m.location())
	if verr != nil {
		return nil, fail(verr.Got, verr.Want)
	}

	given := in.Given[c.Field]
	switch {
	case out != nil && given:
		return nil, fail("given as well as field "+c.Field,
			"the value once: as the column, or as the WorkPoint field")
	case out != nil, given:
		return out, nil
	case c.def != nil:
		if list, ok := c.def.([]string); ok {
			return slices.Clone(list), nil
		}
		return c.def, nil
	case c.Required && !present:
		return nil, fail("missing", "a value: the field mapping marks the column required")
	case c.Required:
		return nil, fail(describe(v), "a value: the field mapping marks the column required")
	}
	return nil, nil
}

// resolve turns a lookup value into an entity id.
func (m *Map) resolve(ctx context.Context, c *Column, ref lookupRef, prefix string,
	r *Resolver) (int, error) {
	if ref.id > 0 {
		return ref.id, nil
	}
	if r == nil {
		return 0, fmt.Errorf("mapping: look up column %s: %w", prefix+c.Name, ErrNoResolver)
	}
	id, err := r.Resolve(ctx, c.Module, ref.title)
	var le *LookupError
	if errors.As(err, &le) {
		le.Column, le.Field = prefix+c.Name, c.Field
	}
	return id, err
}
