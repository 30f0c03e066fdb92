package mapping

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const customersModule = "33333333-3333-3333-3333-333333333333"

// example is the mapping of the package documentation.
const example = `{"timeZone": "Europe/Copenhagen",
 "fields": {
   "ProjectManager": {"field": "wpManager", "type": "person"},
   "Customer": {"field": "wpCustomer", "type": "lookup",
                "module": "33333333-3333-3333-3333-333333333333"},
   "StartDate": {"type": "date", "dateOnly": true},
   "Budget": {"type": "number", "required": true},
   "Status": {"type": "choice", "choices": ["Active", "Closed"], "default": "Active"},
   "TeamMembers": {"type": "person", "multi": true}}}`

func TestParse_Valid(t *testing.T) {
	m, err := Parse(example)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := m.TimeZone(); got != "Europe/Copenhagen" {
		t.Errorf("got time zone %q, want Europe/Copenhagen", got)
	}

	want := []Column{
		{Name: "Budget", Field: "Budget", Type: Number, Required: true},
		{Name: "Customer", Field: "wpCustomer", Type: Lookup, Module: customersModule},
		{Name: "ProjectManager", Field: "wpManager", Type: Person},
		{Name: "StartDate", Field: "StartDate", Type: Date, DateOnly: true},
		{Name: "Status", Field: "Status", Type: Choice, Choices: []string{"Active", "Closed"},
			Default: []byte(`"Active"`)},
		{Name: "TeamMembers", Field: "TeamMembers", Type: Person, Multi: true},
	}
	got := m.Columns()
	for i := range got {
		got[i].def = nil // checked by the conversion tests
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got columns\n%+v\nwant\n%+v", got, want)
	}

	c, ok := m.Column("Customer")
	if !ok || c.Field != "wpCustomer" {
		t.Errorf("Column(Customer): got %+v, %t; want field wpCustomer", c, ok)
	}
	if _, ok := m.Column("Title"); ok {
		t.Error("Column(Title): got a rule for an unmapped column")
	}
}

func TestParse_Others(t *testing.T) {
	tests := []struct {
		name, raw, zone string
		columns         int
	}{
		{name: "one text column", raw: `{"fields": {"Code": {"type": "text"}}}`,
			zone: "UTC", columns: 1},
		{name: "UTC date-only", zone: "UTC", columns: 1,
			raw: `{"timeZone": "UTC", "fields": {"D": {"type": "date", "dateOnly": true}}}`},
		{name: "every type", zone: "UTC", columns: 7, raw: `{"fields": {
			"A": {"type": "text", "default": "x"}, "B": {"type": "number", "default": "12"},
			"C": {"type": "date", "default": "2025-01-01"}, "D": {"type": "boolean",
			"default": "yes"}, "E": {"type": "choice", "multi": true, "default": ["a", "b"]},
			"F": {"type": "person", "default": "pm@contoso.example"},
			"G": {"type": "lookup", "module": "33333333-3333-3333-3333-333333333333",
			"default": 7, "required": false}}}`},
		{name: "null default is none", zone: "UTC", columns: 1,
			raw: `{"fields": {"A": {"type": "text", "default": null, "required": true}}}`},
		{name: "column named like a system member", zone: "UTC", columns: 1,
			raw: `{"fields": {"Author": {"field": "wpRequester", "type": "person"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.TimeZone() != tt.zone || len(m.Columns()) != tt.columns {
				t.Errorf("got zone %q and %d columns, want %q and %d", m.TimeZone(),
					len(m.Columns()), tt.zone, tt.columns)
			}
		})
	}
}

func TestParse_Empty(t *testing.T) {
	for _, raw := range []string{"", "  \n\t"} {
		m, err := Parse(raw)
		if m != nil || err != nil {
			t.Errorf("Parse(%q): got %v, %v; want no mapping and no error", raw, m, err)
		}
	}
}

func TestParse_Invalid(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string // one fragment of each problem
	}{
		{"not JSON", `{"fields": `, []string{"not a JSON object: it ends early"}},
		{"syntax", `{"fields": {"A": {"type": "text",}}}`, []string{"invalid JSON at byte"}},
		{"array", `[1]`, []string{"not a JSON object: it is an array"}},
		{"junk after", `{"fields": {"A": {"type": "text"}}} x`, []string{"more text after"}},
		{"fields missing", `{"timeZone": "UTC"}`, []string{`"fields" is missing`}},
		{"fields empty", `{"fields": {}}`, []string{`"fields" is empty`}},
		{"fields not an object", `{"fields": ["A"]}`,
			[]string{`"fields" is not a JSON object of columns`}},
		{"unknown top member", `{"field": {}, "fields": {"A": {"type": "text"}}}`,
			[]string{`unknown member "field"; want timeZone or fields`}},
		{"unknown type", `{"fields": {"Budget": {"type": "currency"}}}`,
			[]string{`column "Budget": type "currency" is unknown; want one of text, number`}},
		{"type missing", `{"fields": {"Budget": {"field": "B"}}}`,
			[]string{`column "Budget": "type" is missing`}},
		{"type not text", `{"fields": {"Budget": {"type": 5}}}`,
			[]string{`column "Budget": "type" is a number (5); want text`}},
		{"rule not an object", `{"fields": {"Budget": "number"}}`,
			[]string{`column "Budget": want an object such as {"type": "text"}; ` +
				`got text ("number")`}},
		{"lookup without module", `{"fields": {"Customer": {"type": "lookup"}}}`,
			[]string{`column "Customer": a lookup needs "module", the GUID`}},
		{"module not a GUID", `{"fields": {"Customer": {"type": "lookup", "module": "Cust"}}}`,
			[]string{`column "Customer": "module" is "Cust"; want the business module's GUID`}},
		{"module on text", `{"fields": {"C": {"type": "text", "module": "` +
			customersModule + `"}}}`,
			[]string{`column "C": "module" applies to lookup columns only, not text`}},
		{"bad time zone", `{"timeZone": "Europe/Copenhagn", "fields": {"A": {"type": "text"}}}`,
			[]string{`"timeZone" "Europe/Copenhagn" is not a known time zone`}},
		{"local time zone", `{"timeZone": "Local", "fields": {"A": {"type": "text"}}}`,
			[]string{`"timeZone" is "Local"`}},
		{"time zone not text", `{"timeZone": 1, "fields": {"A": {"type": "text"}}}`,
			[]string{`"timeZone" is a number (1)`}},
		{"date-only without time zone", `{"fields": {"D": {"type": "date", "dateOnly": true}}}`,
			[]string{`column "D": a date-only column needs "timeZone"`}},
		{"dateOnly on text", `{"fields": {"D": {"type": "text", "dateOnly": false}}}`,
			[]string{`column "D": "dateOnly" applies to date columns only`}},
		{"default of wrong type", `{"fields": {"Budget": {"type": "number", "default": "lots"}}}`,
			[]string{`column "Budget": "default" is text ("lots"); want a number`}},
		{"default not a choice", `{"fields": {"S": {"type": "choice", "choices": ["A"], ` +
			`"default": "B"}}}`, []string{`column "S": "default" is text ("B"); want ` +
			`a choice (an object with Value) or text, one of A`}},
		{"default empty", `{"fields": {"S": {"type": "text", "default": ""}}}`,
			[]string{`column "S": "default" is blank text; give a value`}},
		{"default date", `{"fields": {"D": {"type": "date", "default": "1 April"}}}`,
			[]string{`column "D": "default" is text ("1 April"); want a date`}},
		{"default array for one", `{"fields": {"P": {"type": "person", "default": ["a", "b"]}}}`,
			[]string{`column "P": "default" is an array of 2 values, the first text ("a"); ` +
				`want a person`}},
		{"choices without values", `{"fields": {"S": {"type": "choice", "choices": []}}}`,
			[]string{`column "S": "choices" is empty`}},
		{"choices not text", `{"fields": {"S": {"type": "choice", "choices": [1]}}}`,
			[]string{`column "S": "choices" is an array of one value, a number (1)`}},
		{"choice blank and twice", `{"fields": {"S": {"type": "choice", ` +
			`"choices": ["A", " ", "a"]}}}`,
			[]string{`column "S": choice 2 is blank`, `column "S": choice "a" is listed twice`}},
		{"choices on text", `{"fields": {"S": {"type": "text", "choices": ["A"]}}}`,
			[]string{`column "S": "choices" applies to choice columns only`}},
		{"multi on lookup", `{"fields": {"L": {"type": "lookup", "multi": true, "module": "` +
			customersModule + `"}}}`,
			[]string{`column "L": "multi" applies to person and choice columns only, not lookup`}},
		{"flag not a boolean", `{"fields": {"A": {"type": "text", "required": "yes"}}}`,
			[]string{`column "A": "required" is text ("yes"); want true or false`}},
		{"required and default", `{"fields": {"A": {"type": "text", "required": true, ` +
			`"default": "x"}}}`, []string{`column "A": "required" and "default" together`}},
		{"duplicate target field", `{"fields": {"PM": {"field": "wpManager", "type": "person"}, ` +
			`"Owner": {"field": "wpManager", "type": "person"}, "X": {"type": "text"}}}`,
			[]string{`columns "PM", "Owner" all map to field "wpManager"`}},
		{"target field defaulted", `{"fields": {"Budget": {"type": "number"}, ` +
			`"Cost": {"field": "Budget", "type": "number"}}}`,
			[]string{`columns "Budget", "Cost" all map to field "Budget"`}},
		{"title field", `{"fields": {"Name": {"field": "Title", "type": "text"}}}`,
			[]string{`column "Name": field "Title" is reserved`}},
		{"blank field", `{"fields": {"A": {"field": " ", "type": "text"}}}`,
			[]string{`column "A": "field" is blank text; want text that is not blank`}},
		{"column twice", `{"fields": {"A": {"type": "text"}, "A": {"type": "number"}}}`,
			[]string{`column "A" is mapped twice`}},
		{"member twice", `{"fields": {"A": {"type": "text", "type": "number"}}}`,
			[]string{`column "A": "type" appears twice`}},
		{"empty column name", `{"fields": {"": {"type": "text"}}}`,
			[]string{"a column has an empty name"}},
		{"unknown member", `{"fields": {"A": {"type": "text", "requried": true}}}`,
			[]string{`column "A": unknown member "requried"; want one of field, type, required`}},
		{"every problem at once", `{"timeZone": "Mars/Olympus", "fields": {
			"Customer": {"type": "lookup"}, "Budget": {"type": "currency"},
			"Status": {"type": "choice", "choices": [], "default": 3}}}`,
			[]string{`"timeZone" "Mars/Olympus"`, `column "Customer": a lookup needs "module"`,
				`column "Budget": type "currency" is unknown`,
				`column "Status": "choices" is empty`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.raw)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", m, err)
			}
			if m != nil {
				t.Errorf("got a mapping %+v with the error", m)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "mapping: ") {
				t.Errorf("got message %q, want it prefixed with mapping:", msg)
			}
			for _, w := range tt.want {
				if !containsProblem(pe.Problems, w) {
					t.Errorf("got problems %q, want one containing %q", pe.Problems, w)
				}
			}
			if len(pe.Problems) != len(tt.want) {
				t.Errorf("got %d problems %q, want %d", len(pe.Problems), pe.Problems,
					len(tt.want))
			}
		})
	}
}

func containsProblem(problems []string, fragment string) bool {
	for _, p := range problems {
		if strings.Contains(p, fragment) {
			return true
		}
	}
	return false
}
