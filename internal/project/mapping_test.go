package project_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"projectsync/internal/mapping"
	"projectsync/internal/project"
	"projectsync/internal/standin"
	swp "projectsync/internal/standin/workpoint"
)

// Business modules the tests add to the demo solution: Customers, and
// Mapped projects, a child of Companies with lookups to both.
const (
	customersModule      = "33333333-3333-3333-3333-333333333333"
	mappedProjectsModule = "55555555-5555-5555-5555-555555555555"
)

// mappedProjectsMapping maps the columns of case B10 and more to the
// Mapped projects module.
const mappedProjectsMapping = `{"timeZone": "Europe/Copenhagen", "fields": {
	"ProjectManager": {"field": "wpManager", "type": "person"},
	"TeamMembers": {"type": "person", "multi": true},
	"Customer": {"field": "wpCustomer", "type": "lookup", "module": "` + customersModule + `"},
	"Status": {"type": "choice", "choices": ["Active", "Closed"], "default": "Active"},
	"StartDate": {"type": "date", "dateOnly": true},
	"Budget": {"type": "number"}}}`

// addMappedProjects adds the Customers and Mapped projects modules, and
// the customer Northwind Traders A/S (id 1).
func addMappedProjects(t *testing.T, s *standin.Stack) {
	t.Helper()
	modules := []swp.Module{
		{ID: customersModule, Title: "Customers", ListURL: "Lists/Customers",
			Fields: []swp.Field{{Name: "Title", Type: swp.FieldText, Required: true}}},
		{ID: mappedProjectsModule, Title: "Mapped projects", ListURL: "Lists/MappedProjects",
			ParentID: standin.CompaniesModuleID, ParentRelationName: "wpCompany",
			Fields: []swp.Field{
				{Name: "Title", Type: swp.FieldText, Required: true},
				{Name: "wpCompany", Type: swp.FieldLookup,
					LookupModuleID: standin.CompaniesModuleID},
				{Name: "wpCustomer", Type: swp.FieldLookup, LookupModuleID: customersModule},
				{Name: "wpManager", Type: swp.FieldUser},
				{Name: "TeamMembers", Type: swp.FieldUserMulti},
				{Name: "Status", Type: swp.FieldChoice},
				{Name: "StartDate", Type: swp.FieldDate},
				{Name: "Budget", Type: swp.FieldNumber},
				{Name: "Note", Type: swp.FieldText},
			}},
	}
	for _, m := range modules {
		if err := s.Solution.AddModule(m); err != nil {
			t.Fatalf("add module: %v", err)
		}
	}
	if _, err := s.Solution.AddEntity(customersModule,
		map[string]any{"Title": "Northwind Traders A/S"}); err != nil {
		t.Fatalf("add customer: %v", err)
	}
}

func mustParse(t *testing.T, raw string) *mapping.Map {
	t.Helper()
	m, err := mapping.Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func decode(t *testing.T, body string) project.Request {
	t.Helper()
	req, err := project.Decode("application/json", []byte(body))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return req
}

func readCase(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../../shared/cases/inputs", name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no case file %s: shared/ is expected beside the repository", name)
	}
	if err != nil {
		t.Fatalf("read case: %v", err)
	}
	return string(b)
}

// TestService_Sync_Mapping checks what WorkPoint receives for an item and
// for composed bodies under a mapping.
func TestService_Sync_Mapping(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string]any
	}{
		{name: "B10 item", body: "person-choice-lookup.json", want: map[string]any{
			"wpManager": "pm@contoso.example",
			"TeamMembers": []any{"a@contoso.example",
				"ext_user_fabrikam.example#ext#@contoso.onmicrosoft.com"},
			"wpCustomer": float64(1),
			"Status":     "Active",
		}},
		{name: "B10 person as text", body: "person-as-string.json", want: map[string]any{
			"wpManager": "pm@contoso.example", "Status": "Active",
		}},
		{name: "item, unmapped columns not sent", body: `{"ID": 3, "Title": "Pier",
			"Note": "not mapped", "Budget": "1250000", "StartDate": "2025-03-31T22:00:00Z"}`,
			want: map[string]any{"Budget": float64(1250000), "Status": "Active",
				"StartDate": "2025-04-01T00:00:00Z"}},
		{name: "composed, mapped and unmapped fields", body: `{"title": "Pier",
			"fields": {"ProjectManager": {"Email": "pm@contoso.example"}, "Note": "as is",
			"Customer": "Northwind Traders A/S", "Status": "closed"}}`,
			want: map[string]any{"wpManager": "pm@contoso.example", "Note": "as is",
				"wpCustomer": float64(1), "Status": "Closed"}},
		{name: "composed, WorkPoint field named directly", body: `{"title": "Pier",
			"fields": {"wpManager": "pm@contoso.example", "Status": "Active"}}`,
			want: map[string]any{"wpManager": "pm@contoso.example", "Status": "Active"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			addMappedProjects(t, s)
			svc := newService(t, s, project.Config{ModuleID: mappedProjectsModule,
				DefaultParent: standin.ParentCompany, Mapping: mustParse(t, mappedProjectsMapping)})
			body := tt.body
			if strings.HasSuffix(body, ".json") {
				body = readCase(t, body)
			}

			res, err := svc.Sync(testContext(t), decode(t, body))
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			e, ok := s.Entity(mappedProjectsModule, res.EntityID)
			if !ok {
				t.Fatalf("entity %d was not stored", res.EntityID)
			}
			if !reflect.DeepEqual(e.Fields, tt.want) {
				t.Errorf("got fields %#v\nwant %#v", e.Fields, tt.want)
			}
			if e.ParentID != workPointAS {
				t.Errorf("got parent %d, want %d", e.ParentID, workPointAS)
			}
		})
	}
}

// TestService_Sync_MappingRefuses checks that bad values and lookups that
// resolve to nothing create nothing.
func TestService_Sync_MappingRefuses(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		field string // the InputError's field, or "" for a LookupError
		found int    // the LookupError's count
	}{
		{name: "bad number", body: `{"Title": "Pier", "Budget": "lots"}`, field: "Budget"},
		{name: "persons for one person", body: `{"Title": "Pier", "ProjectManager": ` +
			`[{"Email": "a@contoso.example"}, {"Email": "b@contoso.example"}]}`,
			field: "ProjectManager"},
		{name: "composed bad choice", body: `{"title": "Pier", "fields": {"Status": "Paused"}}`,
			field: "fields.Status"},
		{name: "composed column and its field", body: `{"title": "Pier", ` +
			`"fields": {"ProjectManager": "a@contoso.example", "wpManager": "b@contoso.example"}}`,
			field: "fields.ProjectManager"},
		{name: "customer not found", body: `{"Title": "Pier", "Customer": {"Id": 9, ` +
			`"Value": "Nobody Inc"}}`, found: 0},
		{name: "customer ambiguous", body: `{"Title": "Pier", "Customer": "Twin Co"}`, found: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			addMappedProjects(t, s)
			for range 2 {
				if _, err := s.Solution.AddEntity(customersModule,
					map[string]any{"Title": "Twin Co"}); err != nil {
					t.Fatal(err)
				}
			}
			svc := newService(t, s, project.Config{ModuleID: mappedProjectsModule,
				Mapping: mustParse(t, mappedProjectsMapping)})

			_, err := svc.Sync(testContext(t), decode(t, tt.body))
			if tt.field != "" {
				var ie *project.InputError
				if !errors.As(err, &ie) || ie.Kind != project.KindField || ie.Field != tt.field {
					t.Fatalf("got %v, want an *InputError for field %s", err, tt.field)
				}
				if !strings.Contains(ie.Want, "field mapping") {
					t.Errorf("got Want %q, want it to name the field mapping", ie.Want)
				}
				if n := s.WorkPoint.Calls(""); n != 0 {
					t.Errorf("got %d WorkPoint calls for bad input, want 0", n)
				}
				return
			}
			var le *mapping.LookupError
			if !errors.As(err, &le) || le.Found != tt.found || le.Column != "Customer" {
				t.Fatalf("got %v, want a *LookupError for Customer with %d found", err, tt.found)
			}
			if n := s.Solution.CreateCount(); n != 0 {
				t.Errorf("got %d creates, want 0", n)
			}
		})
	}
}

// TestService_Sync_DecodeColumns checks that a request read by
// DecodeColumns ignores an unmapped column of any shape under a mapping,
// and is read by Decode's rules without one.
func TestService_Sync_DecodeColumns(t *testing.T) {
	const body = `{"ID": 4, "Title": "Pier", "Budget": 5,
		"Site": {"Description": "Site", "Url": "https://contoso.example/"}}`
	req, err := project.DecodeColumns("application/json", []byte(body))
	if err != nil {
		t.Fatalf("DecodeColumns: %v", err)
	}
	if len(req.Fields) != 0 || len(req.Columns) != 4 {
		t.Errorf("got fields %v and %d columns, want no fields and 4 columns", req.Fields,
			len(req.Columns))
	}

	t.Run("mapped", func(t *testing.T) {
		s := startStack(t)
		addMappedProjects(t, s)
		svc := newService(t, s, project.Config{ModuleID: mappedProjectsModule,
			Mapping: mustParse(t, `{"fields": {"Budget": {"type": "number"}}}`)})
		res, err := svc.Sync(testContext(t), req)
		if err != nil {
			t.Fatalf("Sync: %v", err)
		}
		e, _ := s.Entity(mappedProjectsModule, res.EntityID)
		if want := map[string]any{"Budget": float64(5)}; !reflect.DeepEqual(e.Fields, want) {
			t.Errorf("got fields %#v, want %#v", e.Fields, want)
		}
	})
	t.Run("default rules", func(t *testing.T) {
		s := startStack(t)
		svc := newService(t, s, project.Config{ModuleID: standin.ProjectsModuleID})
		_, err := svc.Sync(testContext(t), req)
		var ie *project.InputError
		if !errors.As(err, &ie) || ie.Field != "Site" {
			t.Fatalf("got %v, want an *InputError for field Site", err)
		}
		if n := s.WorkPoint.Calls(""); n != 0 {
			t.Errorf("got %d WorkPoint calls for bad input, want 0", n)
		}
	})
}
