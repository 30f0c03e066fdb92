package project_test

import (
	"errors"
	"strings"
	"testing"

	"projectsync/internal/project"
	"projectsync/internal/standin"
)

// TestService_Sync_ParentColumn checks the parent named by an item column
// of the demo Projects module, whose parent module is Companies.
func TestService_Sync_ParentColumn(t *testing.T) {
	tests := []struct {
		name      string
		column    string // the Company column's JSON value; "" leaves it out
		wantID    int
		wantTitle string // Result.ParentTitle
		// columnsOnly marks a shape that Decode's default rules refuse, so
		// only a request from DecodeColumns reaches Sync with it.
		columnsOnly bool
	}{
		{name: "title", column: `"Contoso Ltd"`, wantID: contosoLtd, wantTitle: "Contoso Ltd"},
		{name: "title trimmed", column: `" Contoso Ltd "`, wantID: contosoLtd,
			wantTitle: "Contoso Ltd"},
		{name: "id", column: `2`, wantID: contosoLtd},
		{name: "id as float", column: `2.0`, wantID: contosoLtd},
		{name: "lookup takes its Value", column: `{"@odata.type": "#X.SPListExpandedReference", ` +
			`"Id": 99, "Value": "Contoso Ltd"}`, wantID: contosoLtd, wantTitle: "Contoso Ltd"},
		{name: "lookup without Value takes its Id", column: `{"Id": 2, "Value": null}`,
			wantID: contosoLtd, columnsOnly: true},
		{name: "null is the default", column: `null`, wantID: workPointAS,
			wantTitle: standin.ParentCompany},
		{name: "absent is the default", wantID: workPointAS, wantTitle: standin.ParentCompany},
		{name: "blank is the default", column: `"  "`, wantID: workPointAS,
			wantTitle: standin.ParentCompany},
		{name: "empty array is the default", column: `[]`, wantID: workPointAS,
			wantTitle: standin.ParentCompany},
	}
	decoders := map[string]func(string, []byte) (project.Request, error){
		"Decode": project.Decode, "DecodeColumns": project.DecodeColumns,
	}
	for _, tt := range tests {
		for name, decode := range decoders {
			if tt.columnsOnly && name == "Decode" {
				continue
			}
			t.Run(tt.name+" "+name, func(t *testing.T) {
				s := startStack(t)
				svc := newService(t, s, project.Config{ModuleID: standin.ProjectsModuleID,
					DefaultParent: standin.ParentCompany, ParentColumn: "Company"})
				body := `{"ID": 7, "Title": "Harbour bridge", "Budget": 10`
				if tt.column != "" {
					body += `, "Company": ` + tt.column
				}
				req, err := decode("application/json", []byte(body+"}"))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}

				// Company is no field of Projects: WorkPoint would refuse it
				// if it were sent.
				res, err := svc.Sync(testContext(t), req)
				if err != nil {
					t.Fatalf("Sync: %v", err)
				}
				if res.ParentID != tt.wantID || res.ParentTitle != tt.wantTitle {
					t.Errorf("got parent %d %q, want %d %q", res.ParentID, res.ParentTitle,
						tt.wantID, tt.wantTitle)
				}
				e, _ := s.Entity(standin.ProjectsModuleID, res.EntityID)
				if e.ParentID != tt.wantID || e.Fields["Budget"] != float64(10) {
					t.Errorf("stored parent %d and fields %v, want parent %d and Budget 10",
						e.ParentID, e.Fields, tt.wantID)
				}
			})
		}
	}
}

func TestService_Sync_ParentColumnRefused(t *testing.T) {
	tests := []struct {
		name, column, got string
	}{
		{"two lookups", `[{"Value": "A"}, {"Value": "B"}]`, "an array"},
		{"hyperlink", `{"Url": "https://contoso.example/"}`, "an object with members Url"},
		{"fraction", `1.5`, "a number (1.5)"},
		{"zero", `0`, "a number (0)"},
		{"yes/no", `true`, "a yes/no value"},
		{"title too long", `"` + strings.Repeat("a", 256) + `"`, "256 UTF-16 units long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			svc := newService(t, s, project.Config{ModuleID: standin.ProjectsModuleID,
				DefaultParent: standin.ParentCompany, ParentColumn: "Company"})
			body := `{"Title": "Harbour bridge", "Company": ` + tt.column + `}`
			req, err := project.DecodeColumns("application/json", []byte(body))
			if err != nil {
				t.Fatalf("DecodeColumns: %v", err)
			}
			_, err = svc.Sync(testContext(t), req)
			var ie *project.InputError
			if !errors.As(err, &ie) || ie.Field != "Company" || !strings.Contains(ie.Got, tt.got) {
				t.Fatalf("got %v, want an *InputError for Company that is %s", err, tt.got)
			}
			if n := s.WorkPoint.Calls(""); n != 0 {
				t.Errorf("got %d WorkPoint calls, want 0", n)
			}
		})
	}
}

func TestService_Sync_ParentColumnNotFound(t *testing.T) {
	s := startStack(t)
	svc := newService(t, s, project.Config{ModuleID: standin.ProjectsModuleID,
		DefaultParent: standin.ParentCompany, ParentColumn: "Company"})
	_, err := svc.Sync(testContext(t), decode(t, `{"Title": "X", "Company": "Nobody Inc"}`))
	var pe *project.ParentError
	if !errors.As(err, &pe) || pe.Found != 0 || pe.Parent.Title != "Nobody Inc" {
		t.Fatalf("got %v, want a *ParentError for Nobody Inc", err)
	}
}

// TestService_Sync_ParentPrecedence checks which parent wins when several
// name one.
func TestService_Sync_ParentPrecedence(t *testing.T) {
	const companyLookup = `"Company": {"field": "wpCompany", "type": "lookup", ` +
		`"module": "` + standin.CompaniesModuleID + `"}`
	tests := []struct {
		name         string
		parentColumn string
		mapping      string
		body         string
		wantID       int
		wantFields   map[string]any
	}{
		{name: "composed body ignores the parent column", parentColumn: "Customer",
			body:   `{"title": "X", "fields": {"Customer": "Contoso Ltd"}}`,
			wantID: workPointAS, wantFields: map[string]any{"Customer": "Contoso Ltd"}},
		{name: "composed parent", parentColumn: "Customer",
			body:   `{"title": "X", "parent": 2}`,
			wantID: contosoLtd, wantFields: map[string]any{}},
		{name: "parent column also mapped", parentColumn: "Customer",
			mapping: `{"fields": {"Customer": {"type": "text"}}}`,
			body:    `{"Title": "X", "Customer": {"Id": 5, "Value": "Contoso Ltd"}}`,
			wantID:  contosoLtd, wantFields: map[string]any{"Customer": "Contoso Ltd"}},
		{name: "mapped relation wins over the default",
			mapping: `{"fields": {` + companyLookup + `}}`,
			body:    `{"Title": "X", "Company": "Contoso Ltd"}`,
			wantID:  contosoLtd, wantFields: map[string]any{}},
		{name: "default when the mapped relation is empty",
			mapping: `{"fields": {` + companyLookup + `}}`,
			body:    `{"Title": "X", "Company": null}`,
			wantID:  workPointAS, wantFields: map[string]any{}},
		{name: "parent column wins over the mapped relation", parentColumn: "Owner",
			mapping: `{"fields": {` + companyLookup + `}}`,
			body:    `{"Title": "X", "Company": "Contoso Ltd", "Owner": "WorkPoint A/S"}`,
			wantID:  workPointAS, wantFields: map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			cfg := project.Config{ModuleID: standin.ProjectsModuleID,
				DefaultParent: standin.ParentCompany, ParentColumn: tt.parentColumn}
			if tt.mapping != "" {
				cfg.Mapping = mustParse(t, tt.mapping)
			}
			svc := newService(t, s, cfg)

			res, err := svc.Sync(testContext(t), decode(t, tt.body))
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			e, _ := s.Entity(standin.ProjectsModuleID, res.EntityID)
			if res.ParentID != tt.wantID || e.ParentID != tt.wantID {
				t.Errorf("got parent %d, stored %d; want %d", res.ParentID, e.ParentID, tt.wantID)
			}
			if len(e.Fields) != len(tt.wantFields) {
				t.Errorf("got fields %v, want %v", e.Fields, tt.wantFields)
			}
			for k, v := range tt.wantFields {
				if e.Fields[k] != v {
					t.Errorf("field %s: got %#v, want %#v", k, e.Fields[k], v)
				}
			}
		})
	}
}
