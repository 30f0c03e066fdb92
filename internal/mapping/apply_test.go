package mapping

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// casesDir holds the request bodies of /work/shared/cases, beside the
// repository's clone.
const casesDir = "../../../shared/cases/inputs"

// caseColumns reads a case file as an item's columns.
func caseColumns(t *testing.T, name string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(casesDir, name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no case file %s: shared/ is expected beside the repository", name)
	}
	if err != nil {
		t.Fatalf("read case: %v", err)
	}
	var cols map[string]json.RawMessage
	if err := json.Unmarshal(b, &cols); err != nil {
		t.Fatalf("decode case %s: %v", name, err)
	}
	return cols
}

// b10Mapping maps the columns of case B10 to the demo Projects module.
const b10Mapping = `{"fields": {
	"Customer": {"type": "text"},
	"Status": {"type": "choice", "choices": ["Active", "Closed"]},
	"ProjectManager": {"type": "person"},
	"TeamMembers": {"type": "person", "multi": true},
	"Tags": {"type": "choice", "multi": true}}}`

// TestApply_B10 maps each shape of case B10 (object, array of objects,
// empty array, plain string) by its rule: nothing is dropped silently.
func TestApply_B10(t *testing.T) {
	tests := []struct {
		file string
		want map[string]any
	}{
		{"person-choice-lookup.json", map[string]any{
			"Customer":       "Northwind Traders A/S",
			"Status":         "Active",
			"ProjectManager": "pm@contoso.example",
			"TeamMembers": []string{"a@contoso.example",
				"ext_user_fabrikam.example#ext#@contoso.onmicrosoft.com"},
			// Tags is an empty array: an empty column, left out.
		}},
		{"person-as-string.json", map[string]any{
			"ProjectManager": "pm@contoso.example",
			"Status":         "Active",
		}},
	}
	m := mustParse(t, b10Mapping)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in := Input{Columns: caseColumns(t, tt.file)}
			got, err := m.Apply(context.Background(), in, nil)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestApply_B10Refused maps the B10 shapes by rules they do not fit: each
// is refused with an error naming the column.
func TestApply_B10Refused(t *testing.T) {
	tests := []struct {
		name, file, rule, column string
		got, want                string
	}{
		{"array of persons for one person", "person-choice-lookup.json",
			`"TeamMembers": {"field": "wpLead", "type": "person"}`, "TeamMembers",
			"an array of 2 values, the first a person", `set "multi": true`},
		{"person object as a number", "person-choice-lookup.json",
			`"ProjectManager": {"type": "number"}`, "ProjectManager", "a person", "a number"},
		{"lookup object as a yes/no", "person-choice-lookup.json",
			`"Customer": {"type": "boolean"}`, "Customer",
			`a choice or lookup whose Value is text ("Northwind Traders A/S")`, "yes/no"},
		{"empty array required", "person-choice-lookup.json",
			`"Tags": {"type": "choice", "multi": true, "required": true}`, "Tags",
			"an empty array", "required"},
		{"choice not allowed", "person-as-string.json",
			`"Status": {"type": "choice", "choices": ["Open", "Closed"]}`, "Status",
			`text ("Active")`, "one of Open, Closed"},
		{"plain string as a date", "person-as-string.json",
			`"ProjectManager": {"type": "date"}`, "ProjectManager",
			`text ("pm@contoso.example")`, "ISO 8601"},
		{"absent column required", "person-as-string.json",
			`"TeamMembers": {"type": "person", "multi": true, "required": true}`, "TeamMembers",
			"missing", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, `{"fields": {`+tt.rule+`}}`)
			_, err := m.Apply(context.Background(), Input{Columns: caseColumns(t, tt.file)}, nil)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			if fe.Column != tt.column || !strings.Contains(fe.Got, tt.got) ||
				!strings.Contains(fe.Want, tt.want) {
				t.Errorf("got %+v, want column %s, Got containing %q, Want containing %q",
					*fe, tt.column, tt.got, tt.want)
			}
			if !strings.Contains(err.Error(), "column "+tt.column+" ") {
				t.Errorf("got message %q, want it to name column %s", err, tt.column)
			}
		})
	}
}

// TestApply_DefaultsAndRequired checks when a default fills a column and
// when a required column is refused.
func TestApply_DefaultsAndRequired(t *testing.T) {
	const mapping = `{"timeZone": "Europe/Copenhagen", "fields": {
		"Status": {"type": "choice", "choices": ["Active", "Closed"], "default": "active"},
		"Team": {"type": "person", "multi": true, "default": "pmo@contoso.example"},
		"Start": {"type": "date", "dateOnly": true, "default": "2025-03-31T22:00:00Z"},
		"Budget": {"type": "number", "required": true}}}`
	tests := []struct {
		name    string
		columns string
		prefix  string
		given   map[string]bool
		want    map[string]any
		err     string // the FieldError's column and Got, when it fails
	}{
		{name: "defaults when absent", columns: `{"Budget": 5}`,
			want: map[string]any{"Status": "Active", "Team": []string{"pmo@contoso.example"},
				"Start": "2025-04-01", "Budget": int64(5)}},
		{name: "defaults when null or empty",
			columns: `{"Budget": 5, "Status": null, "Team": [], "Start": " "}`,
			want: map[string]any{"Status": "Active", "Team": []string{"pmo@contoso.example"},
				"Start": "2025-04-01", "Budget": int64(5)}},
		{name: "values win over defaults",
			columns: `{"Budget": "7.5", "Status": {"Value": "Closed"}, "Team": "a@b.example", ` +
				`"Start": "2025-01-14T23:00:00Z"}`,
			want: map[string]any{"Status": "Closed", "Team": []string{"a@b.example"},
				"Start": "2025-01-15", "Budget": 7.5}},
		{name: "required missing", columns: `{}`, err: "Budget missing"},
		{name: "required null", columns: `{"Budget": null}`, err: "Budget null"},
		{name: "required blank", columns: `{"Budget": ""}`, err: "Budget blank text"},
		{name: "prefix", columns: `{}`, prefix: "fields.", err: "fields.Budget missing"},
		{name: "required given as a field", columns: `{}`, given: map[string]bool{"Budget": true},
			want: map[string]any{"Status": "Active", "Team": []string{"pmo@contoso.example"},
				"Start": "2025-04-01"}},
		{name: "default not applied to a given field", columns: `{"Budget": 1}`,
			given: map[string]bool{"Status": true},
			want: map[string]any{"Team": []string{"pmo@contoso.example"},
				"Start": "2025-04-01", "Budget": int64(1)}},
		{name: "column and field both given", columns: `{"Budget": 1, "Status": "Active"}`,
			given: map[string]bool{"Status": true}, err: "Status given as well as field Status"},
		{name: "unmapped columns ignored",
			columns: `{"Budget": 1, "Site": {"Url": "https://x.example/"}, "Title": 5}`,
			want: map[string]any{"Status": "Active", "Team": []string{"pmo@contoso.example"},
				"Start": "2025-04-01", "Budget": int64(1)}},
	}
	m := mustParse(t, mapping)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cols map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.columns), &cols); err != nil {
				t.Fatal(err)
			}
			in := Input{Columns: cols, Given: tt.given, Prefix: tt.prefix}
			got, err := m.Apply(context.Background(), in, nil)
			if tt.err != "" {
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("got %#v, %v; want a *FieldError", got, err)
				}
				if s := fe.Column + " " + fe.Got; s != tt.err {
					t.Errorf("got %q, want %q", s, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestApply_DefaultIsCopied checks that changing one answer's default list
// does not change the next.
func TestApply_DefaultIsCopied(t *testing.T) {
	m := mustParse(t, `{"fields": {"Team": {"type": "person", "multi": true, "default": ["a"]}}}`)
	first, err := m.Apply(context.Background(), Input{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	first["Team"].([]string)[0] = "changed"
	second, err := m.Apply(context.Background(), Input{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := second["Team"].([]string)[0]; got != "a" {
		t.Errorf("got default %q, want %q", got, "a")
	}
}
