package project_test

import (
	"errors"
	"testing"

	"projectsync/internal/project"
	"projectsync/internal/standin"
	swp "projectsync/internal/standin/workpoint"
)

// Ids of the demo companies.
const (
	workPointAS = 1 // standin.ParentCompany
	contosoLtd  = 2
)

func TestService_Sync_Parent(t *testing.T) {
	tests := []struct {
		name          string
		defaultParent string
		parent        *project.ParentRef
		override      bool // name the parent module and field in the settings
		wantID        int
		wantTitle     string // Result.ParentTitle
	}{
		{name: "no parent"},
		{name: "default by title", defaultParent: standin.ParentCompany,
			wantID: workPointAS, wantTitle: standin.ParentCompany},
		{name: "default by id", defaultParent: " 2 ", wantID: contosoLtd},
		{name: "request title overrides default", defaultParent: standin.ParentCompany,
			parent: &project.ParentRef{Title: "Contoso Ltd"},
			wantID: contosoLtd, wantTitle: "Contoso Ltd"},
		{name: "request id overrides default", defaultParent: "Contoso Ltd",
			parent: &project.ParentRef{ID: workPointAS}, wantID: workPointAS},
		{name: "parent module and field from settings", defaultParent: "Contoso Ltd",
			override: true, wantID: contosoLtd, wantTitle: "Contoso Ltd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			cfg := project.Config{ModuleID: standin.ProjectsModuleID,
				DefaultParent: tt.defaultParent}
			if tt.override {
				cfg.ParentModuleID, cfg.ParentField = standin.CompaniesModuleID, "wpCompany"
			}
			svc := newService(t, s, cfg)
			req := project.Request{
				Title:    "Harbour bridge",
				Parent:   tt.parent,
				Fields:   map[string]any{"Budget": 125000.0, "Customer": "Fabrikam"},
				SourceID: "item:7",
			}

			res, err := svc.Sync(testContext(t), req)
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if res.EntityID <= 0 || !res.Created || res.Title != req.Title ||
				res.BusinessModuleID != standin.ProjectsModuleID || res.SourceID != "item:7" {
				t.Errorf("got result %+v, want a new entity titled %q", res, req.Title)
			}
			if res.ParentID != tt.wantID || res.ParentTitle != tt.wantTitle {
				t.Errorf("got parent %d %q, want %d %q", res.ParentID, res.ParentTitle,
					tt.wantID, tt.wantTitle)
			}

			e, ok := s.Entity(standin.ProjectsModuleID, res.EntityID)
			if !ok {
				t.Fatalf("entity %d was not stored", res.EntityID)
			}
			if e.Title != req.Title || e.ParentID != tt.wantID {
				t.Errorf("stored %q under parent %d, want %q under %d", e.Title, e.ParentID,
					req.Title, tt.wantID)
			}
			if e.Fields["Budget"] != 125000.0 || e.Fields["Customer"] != "Fabrikam" {
				t.Errorf("stored fields %v, want the request's Budget and Customer", e.Fields)
			}
		})
	}
}

func TestService_Sync_ParentErrors(t *testing.T) {
	tests := []struct {
		name     string
		moduleID string
		parent   project.ParentRef
		want     project.ParentError
	}{
		{
			name:     "not found",
			moduleID: standin.ProjectsModuleID,
			parent:   project.ParentRef{Title: "Nobody Inc"},
			want: project.ParentError{Parent: project.ParentRef{Title: "Nobody Inc"},
				ModuleID: standin.CompaniesModuleID, Found: 0},
		},
		{
			name:     "ambiguous",
			moduleID: standin.ProjectsModuleID,
			parent:   project.ParentRef{Title: "Twin Co"},
			want: project.ParentError{Parent: project.ParentRef{Title: "Twin Co"},
				ModuleID: standin.CompaniesModuleID, Found: 2},
		},
		{
			name:     "module without parent module",
			moduleID: standin.CompaniesModuleID,
			parent:   project.ParentRef{Title: standin.ParentCompany},
			want: project.ParentError{Parent: project.ParentRef{Title: standin.ParentCompany},
				ModuleID: standin.CompaniesModuleID, NoParentModule: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			for range 2 {
				_, err := s.Solution.AddEntity(standin.CompaniesModuleID,
					map[string]any{"Title": "Twin Co"})
				if err != nil {
					t.Fatal(err)
				}
			}
			svc := newService(t, s, project.Config{ModuleID: tt.moduleID,
				DefaultParent: tt.parent.Title})

			_, err := svc.Sync(testContext(t), project.Request{Title: "Orphan"})
			var pe *project.ParentError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want *project.ParentError", err, err)
			}
			if *pe != tt.want {
				t.Errorf("got %+v, want %+v", *pe, tt.want)
			}
			if got := s.Solution.CreateCount(); got != 0 {
				t.Errorf("got %d creates, want 0", got)
			}
		})
	}
}

// TestService_Sync_CachesParent checks that the module definition and a
// parent found by title are looked up once for several requests.
func TestService_Sync_CachesParent(t *testing.T) {
	s := startStack(t)
	svc := newService(t, s, project.Config{ModuleID: standin.ProjectsModuleID,
		DefaultParent: standin.ParentCompany})
	ctx := testContext(t)

	for _, title := range []string{"First project", "Second project"} {
		res, err := svc.Sync(ctx, project.Request{Title: title})
		if err != nil {
			t.Fatalf("Sync %q: %v", title, err)
		}
		if res.ParentID != workPointAS {
			t.Errorf("Sync %q: got parent %d, want %d", title, res.ParentID, workPointAS)
		}
	}
	calls := map[string]int{swp.RouteQuery: 1, swp.RouteModules: 1, swp.RouteCreate: 2}
	for route, want := range calls {
		if got := s.WorkPoint.Calls(route); got != want {
			t.Errorf("got %d %s calls, want %d", got, route, want)
		}
	}
}
