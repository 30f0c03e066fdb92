package workpoint

// Ids of the demo business modules.
const (
	CompaniesModuleID = "11111111-1111-1111-1111-111111111111"
	ProjectsModuleID  = "22222222-2222-2222-2222-222222222222"
)

// DemoSolution seeds s with the Companies and Projects business modules, a
// project being a child of a company through its wpCompany lookup, and two
// companies: "WorkPoint A/S" (id 1) and "Contoso Ltd" (id 2). It is meant
// for an empty solution; what s already holds is left as it is.
func DemoSolution(s *Solution) {
	// The modules below are valid, so AddModule fails only for a module that
	// exists already, which is then kept.
	_ = s.AddModule(Module{
		ID:           CompaniesModuleID,
		Title:        "Companies",
		EntityName:   "Company",
		ListURL:      "Lists/Companies",
		SitesEnabled: true,
		Fields:       []Field{{Name: "Title", Type: FieldText, Required: true}},
	})
	_ = s.AddModule(Module{
		ID:                 ProjectsModuleID,
		Title:              "Projects",
		EntityName:         "Project",
		ListURL:            "Lists/Projects",
		ParentID:           CompaniesModuleID,
		ParentRelationName: "wpCompany",
		SitesEnabled:       true,
		Fields: []Field{
			{Name: "Title", Type: FieldText, Required: true},
			{Name: "wpCompany", DisplayName: "Company", Type: FieldLookup,
				LookupModuleID: CompaniesModuleID},
			{Name: "Description", Type: FieldNote},
			{Name: "Budget", Type: FieldNumber},
			{Name: "Probability", Type: FieldNumber},
			{Name: "StartDate", DisplayName: "Start Date", Type: FieldDate},
			{Name: "Status", Type: FieldChoice},
			{Name: "ProjectManager", DisplayName: "Project Manager", Type: FieldUser},
			{Name: "TeamMembers", DisplayName: "Team Members", Type: FieldUserMulti},
			{Name: "Customer", Type: FieldText},
			{Name: "Tags", Type: FieldMultiChoice},
			// ProjectSyncKey receives ProjectSync's idempotency key
			// (WORKPOINT_SOURCE_FIELD), as an admin would add it.
			{Name: "ProjectSyncKey", DisplayName: "ProjectSync key", Type: FieldText},
		},
	})
	if len(s.Entities(CompaniesModuleID)) == 0 {
		_, _ = s.AddEntity(CompaniesModuleID, map[string]any{"Title": "WorkPoint A/S"})
		_, _ = s.AddEntity(CompaniesModuleID, map[string]any{"Title": "Contoso Ltd"})
	}
}
