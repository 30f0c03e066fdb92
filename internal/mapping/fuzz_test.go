package mapping

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse checks that no mapping makes Parse panic, and that it returns
// a mapping or a *ParseError with problems, never both.
func FuzzParse(f *testing.F) {
	for _, s := range []string{example, b10Mapping, `{"fields": {"A": {"type": "text"}}}`,
		`{"fields": {"A": {"type": "lookup", "default": [1]}}}`, `{"fields": {"": 1}}`,
		`{"timeZone": "UTC", "fields": {"D": {"type": "date", "dateOnly": true, ` +
			`"default": "2025-04-01"}}}`, `[`, `{"fields": {"A": {"type": "text"}}} {}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := Parse(raw)
		var pe *ParseError
		switch {
		case err == nil:
			if m != nil && len(m.Columns()) == 0 {
				t.Fatalf("got a mapping without columns for %q", raw)
			}
		case !errors.As(err, &pe) || len(pe.Problems) == 0 || m != nil:
			t.Fatalf("got %v, %v (%T); want a *ParseError with problems", m, err, err)
		}
	})
}

// FuzzApply checks that no column value makes Apply panic, and that a
// refused value is a *FieldError.
func FuzzApply(f *testing.F) {
	for _, s := range []string{`"x"`, `1.5`, `true`, `null`, `[]`, `[1, [2]]`, pat, guest,
		northwind, link, `"2025-03-31T22:00:00Z"`, `{"Value": {"Value": 1}}`, `1e400`} {
		f.Add(s)
	}
	m, err := Parse(`{"timeZone": "Europe/Copenhagen", "fields": {
		"T": {"type": "text"}, "N": {"type": "number"}, "D": {"type": "date"},
		"DO": {"type": "date", "dateOnly": true}, "B": {"type": "boolean"},
		"C": {"type": "choice", "choices": ["x", "Active"]}, "CM": {"type": "choice",
		"multi": true}, "P": {"type": "person"}, "PM": {"type": "person", "multi": true},
		"L": {"type": "lookup", "module": "33333333-3333-3333-3333-333333333333"}}}`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string) {
		if !json.Valid([]byte(value)) {
			return
		}
		for _, c := range m.Columns() {
			in := Input{Columns: map[string]json.RawMessage{c.Name: json.RawMessage(value)}}
			_, err := m.Apply(context.Background(), in, nil)
			var fe *FieldError
			if err != nil && !errors.As(err, &fe) && !errors.Is(err, ErrNoResolver) {
				t.Fatalf("column %s, value %s: got %v (%T)", c.Name, value, err, err)
			}
		}
	})
}
