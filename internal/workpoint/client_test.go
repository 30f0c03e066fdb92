package workpoint_test

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"

	"projectsync/internal/standin"
	"projectsync/internal/workpoint"
)

func TestClient_BusinessModules(t *testing.T) {
	s := startStack(t)
	c := newClient(t, s, clientSetup{})

	ms, err := c.BusinessModules(testContext(t))
	if err != nil {
		t.Fatalf("BusinessModules: %v", err)
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	want := []string{standin.CompaniesModuleID, standin.ProjectsModuleID}
	if !slices.Equal(ids, want) {
		t.Errorf("got modules %v, want %v", ids, want)
	}
}

func TestClient_BusinessModule(t *testing.T) {
	s := startStack(t)
	c := newClient(t, s, clientSetup{})

	m, err := c.BusinessModule(testContext(t), standin.ProjectsModuleID)
	if err != nil {
		t.Fatalf("BusinessModule: %v", err)
	}
	want := workpoint.BusinessModule{
		ID:                 standin.ProjectsModuleID,
		Title:              "Projects",
		EntityName:         "Project",
		ListURL:            "Lists/Projects",
		Parent:             standin.CompaniesModuleID,
		ParentRelationName: "wpCompany",
		SitesEnabled:       true,
	}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
}

func TestClient_FindByTitle(t *testing.T) {
	s := startStack(t)
	const odd = `Smith & Sons <Ltd> "quoted"`
	oddID := addCompany(t, s, odd)
	twin1, twin2 := addCompany(t, s, "Twin Co"), addCompany(t, s, "Twin Co")
	c := newClient(t, s, clientSetup{})

	tests := []struct {
		title string
		limit int
		want  []int
	}{
		{standin.ParentCompany, 2, []int{1}},
		{odd, 2, []int{oddID}},
		{"Smith", 2, nil},
		{"Twin Co", 2, []int{twin1, twin2}},
		{"Twin Co", 1, []int{twin1}},
		{"Nobody Inc", 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			items, err := c.FindByTitle(testContext(t), standin.CompaniesModuleID, tt.title,
				tt.limit)
			if err != nil {
				t.Fatalf("FindByTitle: %v", err)
			}
			var got []int
			for _, it := range items {
				got = append(got, it.ID)
				if it.Title != tt.title {
					t.Errorf("item %d has title %q, want %q", it.ID, it.Title, tt.title)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got ids %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClient_Create(t *testing.T) {
	tests := []struct {
		siteCreation string
		stored       string // the site segment WorkPoint received
	}{
		{"", "false"}, // the default: the connector route without a site
		{"false", "false"},
		{"true", "true"},
		{"enum:0", "0"},
		{"enum:2", "2"},
	}
	for _, tt := range tests {
		t.Run("site creation "+cmp.Or(tt.siteCreation, "default"), func(t *testing.T) {
			s := startStack(t)
			c := newClient(t, s, clientSetup{
				opts: workpoint.ClientOptions{SiteCreation: tt.siteCreation},
			})
			ctx := testContext(t)
			fields := map[string]any{
				"Title":     "Harbour bridge & <tunnel>",
				"wpCompany": 1,
				"Customer":  "Fabrikam",
				"Budget":    125000.5,
			}

			id, err := c.Create(ctx, standin.ProjectsModuleID, fields)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			e, ok := s.Solution.Entity(standin.ProjectsModuleID, id)
			if !ok {
				t.Fatalf("entity %d was not stored", id)
			}
			if e.SiteCreation != tt.stored {
				t.Errorf("got site segment %q, want %q", e.SiteCreation, tt.stored)
			}

			it, err := c.Entity(ctx, standin.ProjectsModuleID, id)
			if err != nil {
				t.Fatalf("Entity: %v", err)
			}
			if it.ID != id || it.Title != fields["Title"] || !it.IsEntity {
				t.Errorf("read back %+v, want entity %d titled %q", it, id, fields["Title"])
			}
			if !strings.EqualFold(it.ParentListID, standin.ProjectsModuleID) {
				t.Errorf("got list %q, want %s", it.ParentListID, standin.ProjectsModuleID)
			}
			if f, ok := it.Field("Customer"); !ok || f.Value != "Fabrikam" {
				t.Errorf("got Customer %+v (present %v), want Fabrikam", f, ok)
			}
			if _, ok := it.Field("NoSuchField"); ok {
				t.Error("Field found a field the item does not have")
			}
		})
	}
}

func TestClient_Create_SiteCreationRejected(t *testing.T) {
	s := startStack(t)
	c := newClient(t, s, clientSetup{opts: workpoint.ClientOptions{SiteCreation: "enum:Bogus"}})

	_, err := c.Create(testContext(t), standin.ProjectsModuleID,
		map[string]any{"Title": "Refused"})
	var e *workpoint.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want *workpoint.Error", err, err)
	}
	if e.Status != 400 || e.Kind() != workpoint.KindSiteCreation {
		t.Errorf("got status %d kind %q, want 400 %q", e.Status, e.Kind(),
			workpoint.KindSiteCreation)
	}
	if e.Step != workpoint.StepCreate || !strings.HasSuffix(e.Path, "/Entities/Create/Bogus") {
		t.Errorf("got step %q path %q, want the create route with Bogus", e.Step, e.Path)
	}
	if got := s.Solution.CreateCount(); got != 0 {
		t.Errorf("got %d creates, want 0", got)
	}
}

// addCompany adds a company to the demo solution and returns its id.
func addCompany(t *testing.T, s *standin.Stack, title string) int {
	t.Helper()
	id, err := s.Solution.AddEntity(standin.CompaniesModuleID, map[string]any{"Title": title})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
