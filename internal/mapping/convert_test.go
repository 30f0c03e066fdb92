package mapping

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// SharePoint shapes used across the tests.
const (
	pat = `{"@odata.type": "#Microsoft.Azure.Connectors.SharePoint.SPListExpandedUser", ` +
		`"Claims": "i:0#.f|membership|pat@contoso.example", "DisplayName": "Pat", ` +
		`"Email": "pat@contoso.example"}`
	guest = `{"Claims": "i:0#.f|membership|guest_fabrikam.example#ext#@contoso.example", ` +
		`"Email": null}`
	northwind = `{"@odata.type": ` +
		`"#Microsoft.Azure.Connectors.SharePoint.SPListExpandedReference", ` +
		`"Id": 42, "Value": "Northwind Traders A/S"}`
	link = `{"Description": "Site", "Url": "https://contoso.example/"}`
)

// mustParse parses a mapping the test knows to be valid.
func mustParse(t *testing.T, raw string) *Map {
	t.Helper()
	m, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// applyColumn maps the value of one column "C" by rule, with no resolver.
func applyColumn(t *testing.T, rule, value string) (any, error) {
	t.Helper()
	m := mustParse(t, `{"timeZone": "Europe/Copenhagen", "fields": {"C": `+rule+`}}`)
	in := Input{Columns: map[string]json.RawMessage{}}
	if value != "" {
		in.Columns["C"] = json.RawMessage(value)
	}
	fields, err := m.Apply(context.Background(), in, nil)
	if err != nil {
		return nil, err
	}
	return fields["F"], nil
}

func TestApply_Types(t *testing.T) {
	const (
		text     = `{"field": "F", "type": "text"}`
		number   = `{"field": "F", "type": "number"}`
		date     = `{"field": "F", "type": "date"}`
		dateOnly = `{"field": "F", "type": "date", "dateOnly": true}`
		boolean  = `{"field": "F", "type": "boolean"}`
		choice   = `{"field": "F", "type": "choice"}`
		allowed  = `{"field": "F", "type": "choice", "choices": ["Active", "Closed"]}`
		choices  = `{"field": "F", "type": "choice", "multi": true}`
		person   = `{"field": "F", "type": "person"}`
		persons  = `{"field": "F", "type": "person", "multi": true}`
		lookup   = `{"field": "F", "type": "lookup", "module": "` + customersModule + `"}`
	)
	tests := []struct {
		name, rule, value string
		want              any    // nil: nothing sent
		got               string // the FieldError's Got, when it fails
	}{
		{"text", text, `"PRJ-0187"`, "PRJ-0187", ""},
		{"text kept as sent", text, `"  a  "`, "  a  ", ""},
		{"text of a whole number", text, `150000.0`, "150000", ""},
		{"text of a fraction", text, `1250000.5`, "1250000.5", ""},
		{"text of a lookup", text, northwind, "Northwind Traders A/S", ""},
		{"text of a person", text, pat, "pat@contoso.example", ""},
		{"text of a yes/no", text, `true`, nil, "a yes/no value (true)"},
		{"text of a hyperlink", text, link, nil, "an object with members Description, Url"},
		{"text of an array", text, `["a", "b"]`, nil, `an array of 2 values, the first text`},

		{"number", number, `150000.0`, int64(150000), ""},
		{"number fraction", number, `1250000.5`, 1250000.5, ""},
		{"number exact", number, `9007199254740993`, int64(9007199254740993), ""},
		{"number as text", number, `" 1250000 "`, int64(1250000), ""},
		{"number as text fraction", number, `"-2.5e1"`, int64(-25), ""},
		{"number text not a number", number, `"1,250,000"`, nil, `text ("1,250,000")`},
		{"number hex text", number, `"0x10"`, nil, `text ("0x10")`},
		{"number infinite text", number, `"Inf"`, nil, `text ("Inf")`},
		{"number out of range", number, `1e400`, nil, "a number (1e400)"},
		{"number of a lookup", number, northwind, nil, "a choice or lookup whose Value is text"},
		{"number of a yes/no", number, `false`, nil, "a yes/no value (false)"},

		{"date instant", date, `"2025-03-31T22:00:00Z"`, "2025-03-31T22:00:00Z", ""},
		{"date offset", date, `"2025-04-01T00:00:00+02:00"`, "2025-03-31T22:00:00Z", ""},
		{"date fraction", date, `"2025-03-14T09:21:07.250Z"`, "2025-03-14T09:21:07.25Z", ""},
		{"date local time", date, `"2025-04-01T10:00:00"`, "2025-04-01T08:00:00Z", ""},
		{"date alone", date, `"2025-04-01"`, "2025-03-31T22:00:00Z", ""},
		{"date-only instant", dateOnly, `"2025-03-31T22:00:00Z"`, "2025-04-01", ""},
		{"date-only date", dateOnly, `"2025-04-01"`, "2025-04-01", ""},
		{"date not ISO", date, `"01/04/2025"`, nil, `text ("01/04/2025")`},
		{"date number", date, `20250401`, nil, "a number (20250401)"},

		{"boolean true", boolean, `true`, true, ""},
		{"boolean false", boolean, `false`, false, ""},
		{"boolean yes", boolean, `"Yes"`, true, ""},
		{"boolean no", boolean, `" no "`, false, ""},
		{"boolean text true", boolean, `"TRUE"`, true, ""},
		{"boolean text 0", boolean, `"0"`, false, ""},
		{"boolean number 1", boolean, `1`, true, ""},
		{"boolean number 2", boolean, `2`, nil, "a number (2)"},
		{"boolean maybe", boolean, `"maybe"`, nil, `text ("maybe")`},

		{"choice object", choice, `{"Id": 1, "Value": "Active"}`, "Active", ""},
		{"choice text", choice, `"Active"`, "Active", ""},
		{"choice allowed, other case", allowed, `"closed"`, "Closed", ""},
		{"choice not allowed", allowed, `"Paused"`, nil, `text ("Paused")`},
		{"choice object not allowed", allowed, `{"Value": "Paused"}`, nil,
			`a choice or lookup whose Value is text ("Paused")`},
		{"choice with null Value", choice, `{"Id": 1, "Value": null}`, nil,
			"a choice or lookup whose Value is null"},
		{"choice of a person", choice, pat, nil, "a person"},
		{"choice array for one", choice, `[{"Value": "A"}]`, nil, "an array of one value"},
		{"choices", choices, `[{"Value": "A"}, {"Value": "B"}]`, []string{"A", "B"}, ""},
		{"choices one value", choices, `"A"`, []string{"A"}, ""},
		{"choices with empties", choices, `[null, "", "A"]`, []string{"A"}, ""},
		{"choices nested", choices, `[["A"]]`, nil, "an array of one value, an array"},

		{"person", person, pat, "pat@contoso.example", ""},
		{"person guest", person, guest, "guest_fabrikam.example#ext#@contoso.example", ""},
		{"person as text", person, `"pm@contoso.example"`, "pm@contoso.example", ""},
		{"person empty", person, `{"Claims": "", "Email": ""}`, nil, "a person"},
		{"person as lookup", person, northwind, nil, "a choice or lookup whose Value"},
		{"person number", person, `7`, nil, "a number (7)"},
		{"person array for one", person, "[" + pat + "]", nil, "an array of one value, a person"},
		{"persons", persons, "[" + pat + ", " + guest + "]",
			[]string{"pat@contoso.example", "guest_fabrikam.example#ext#@contoso.example"}, ""},
		{"persons one", persons, pat, []string{"pat@contoso.example"}, ""},
		{"persons bad element", persons, "[" + pat + ", " + link + "]", nil,
			"an array whose element 2 is an object with members Description, Url"},

		{"lookup id", lookup, `42`, 42, ""},
		{"lookup id as float", lookup, `42.0`, 42, ""},
		{"lookup id zero", lookup, `0`, nil, "a number (0)"},
		{"lookup id fraction", lookup, `4.5`, nil, "a number (4.5)"},
		{"lookup id too large", lookup, `4294967296`, nil, "a number (4294967296)"},
		{"lookup array", lookup, "[" + northwind + "]", nil, "an array of one value"},
		{"lookup of a person", lookup, pat, nil, "a person"},

		{"null", text, `null`, nil, ""},
		{"blank", text, `"  "`, nil, ""},
		{"empty array", persons, `[]`, nil, ""},
		{"array of nulls", persons, `[null]`, nil, ""},
		{"absent", number, ``, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyColumn(t, tt.rule, tt.value)
			if tt.got != "" {
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("got %#v, %v; want a *FieldError", got, err)
				}
				if fe.Column != "C" || fe.Field != "F" || !strings.Contains(fe.Got, tt.got) ||
					fe.Want == "" {
					t.Errorf("got %+v, want column C, field F and Got containing %q", *fe,
						tt.got)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want %#v", err, tt.want)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

// TestApply_NeedsResolver checks that a lookup title without a resolver is
// an error, not a value sent as text.
func TestApply_NeedsResolver(t *testing.T) {
	rule := `{"field": "F", "type": "lookup", "module": "` + customersModule + `"}`
	_, err := applyColumn(t, rule, northwind)
	if !errors.Is(err, ErrNoResolver) {
		t.Errorf("got %v, want ErrNoResolver", err)
	}
}
