package workpoint

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	createConnector = "/api/Entity/" + ProjectsModuleID + "/Create/false"
	createNew       = "/api/BusinessModules/" + ProjectsModuleID + "/Entities/Create/0"
)

func invalid(reason string) string {
	return `{"Message":"The request is invalid.","ExceptionMessage":"` + reason + `"}`
}

func TestServer_CreateValidation(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the 400 body
	}{
		{name: "missing title", body: `{"wpCompany":1}`,
			want: invalid("Field 'Title' is required.")},
		{name: "empty title", body: `{"Title":"  "}`,
			want: invalid("Field 'Title' is required.")},
		{name: "null title", body: `{"Title":null}`,
			want: invalid("Field 'Title' is required.")},
		{name: "array body", body: `[{"Title":"x"}]`,
			want: invalid("The request body must be a JSON object of field values.")},
		{name: "null body", body: `null`,
			want: invalid("The request body must be a JSON object of field values.")},
		{name: "empty body", body: ``,
			want: invalid("The request body must be a JSON object of field values.")},
		{name: "unknown field", body: `{"Title":"x","Colour":"red"}`,
			want: invalid("Field 'Colour' does not exist in business module 'Projects'.")},
		{name: "lookup by title", body: `{"Title":"x","wpCompany":"WorkPoint A/S"}`,
			want: invalid(`Field 'wpCompany' is a lookup to 'Companies' and needs the ` +
				`integer id of an item; got \"WorkPoint A/S\".`)},
		{name: "lookup not integral", body: `{"Title":"x","wpCompany":1.5}`,
			want: invalid(`Field 'wpCompany' is a lookup to 'Companies' and needs the ` +
				`integer id of an item; got 1.5.`)},
		{name: "lookup to missing item", body: `{"Title":"x","wpCompany":99}`,
			want: invalid("Field 'wpCompany' refers to item 99, which does not exist in " +
				"'Companies'.")},
		{name: "number as word", body: `{"Title":"x","Budget":"lots"}`,
			want: invalid(`Field 'Budget' of type number needs a number; got \"lots\".`)},
		{name: "number as bool", body: `{"Title":"x","Probability":true}`,
			want: invalid(`Field 'Probability' of type number needs a number; got true.`)},
		{name: "bad date", body: `{"Title":"x","StartDate":"next Monday"}`,
			want: invalid(`Field 'StartDate' of type date needs an ISO 8601 date string; ` +
				`got \"next Monday\".`)},
		{name: "date as number", body: `{"Title":"x","StartDate":20250301}`,
			want: invalid(`Field 'StartDate' of type date needs an ISO 8601 date string; ` +
				`got 20250301.`)},
		{name: "note as object", body: `{"Title":"x","Description":{"a":1}}`,
			want: invalid(`Field 'Description' of type note needs a string; got {\"a\":1}.`)},
		{name: "choice as number", body: `{"Title":"x","Status":3}`,
			want: invalid(`Field 'Status' of type choice needs a string; got 3.`)},
		{name: "user as array", body: `{"Title":"x","ProjectManager":["a@contoso.com"]}`,
			want: invalid(`Field 'ProjectManager' of type user needs a string; ` +
				`got [\"a@contoso.com\"].`)},
		{name: "usermulti as string", body: `{"Title":"x","TeamMembers":"a@contoso.com"}`,
			want: invalid(`Field 'TeamMembers' of type usermulti needs an array of strings; ` +
				`got \"a@contoso.com\".`)},
		{name: "multichoice with number", body: `{"Title":"x","Tags":["web",2]}`,
			want: invalid(`Field 'Tags' of type multichoice needs an array of strings; ` +
				`got [\"web\",2].`)},
		{name: "title as number", body: `{"Title":42}`,
			want: invalid(`Field 'Title' of type text needs a string; got 42.`)},
	}
	for routeName, route := range map[string]string{"connector": createConnector,
		"new": createNew} {
		for _, tt := range tests {
			t.Run(routeName+"/"+tt.name, func(t *testing.T) {
				api := newTestAPI(t)

				api.do(t, "POST", route, tt.body).check(t, 400, tt.want)

				if n := len(api.sol.Entities(ProjectsModuleID)); n != 0 {
					t.Errorf("projects: got %d, want 0 after a refused create", n)
				}
			})
		}
	}
}

func TestServer_CreateBooleanField(t *testing.T) {
	api := newTestAPI(t)
	const moduleID = "44444444-4444-4444-4444-444444444444"
	err := api.sol.AddModule(Module{ID: moduleID, Title: "Tasks", EntityName: "Task",
		ListURL: "Lists/Tasks", Fields: []Field{
			{Name: "Title", Type: FieldText, Required: true},
			{Name: "Done", Type: FieldBoolean},
		}})
	if err != nil {
		t.Fatalf("add module: %v", err)
	}
	route := "/api/Entity/" + moduleID + "/Create/false"

	api.do(t, "POST", route, `{"Title":"a","Done":"yes"}`).check(t, 400,
		invalid(`Field 'Done' of type boolean needs true or false; got \"yes\".`))
	api.do(t, "POST", route, `{"Title":"a","Done":true}`).check(t, 200, "1")

	item := api.do(t, "GET", "/api/List/"+moduleID+"/Item/1", "")
	if !strings.Contains(item.body, `{"InternalFieldName":"Done","DisplayFieldName":"Done",`+
		`"Value":"True","TextValue":"True"}`) {
		t.Errorf("read back: got %s, want Done as True", item.body)
	}
}

func TestServer_CreateRoutes(t *testing.T) {
	const notBound = `The parameters dictionary contains a null entry for parameter `
	tests := []struct {
		name       string
		path       string
		status     int
		wantDetail string // for 400: the start of MessageDetail
		wantSite   string // for 200: the stored site segment
	}{
		{name: "connector false", path: "/api/Entity/" + ProjectsModuleID + "/Create/false",
			status: 200, wantSite: "false"},
		{name: "connector TRUE", path: "/api/Entity/" + ProjectsModuleID + "/Create/TRUE",
			status: 200, wantSite: "true"},
		{name: "connector not a bool", path: "/api/Entity/" + ProjectsModuleID + "/Create/yes",
			status: 400, wantDetail: notBound + "'createSite' of non-nullable type " +
				"'System.Boolean'"},
		{name: "behaviour 0", path: "/api/BusinessModules/" + ProjectsModuleID +
			"/Entities/Create/0", status: 200, wantSite: "0"},
		{name: "behaviour 2 with model", path: "/api/BusinessModules/" + ProjectsModuleID +
			"/Entities/Create/2?modelId=&stageId=", status: 200, wantSite: "2"},
		{name: "behaviour by configured name", path: "/api/BusinessModules/" +
			ProjectsModuleID + "/Entities/Create/createsite", status: 200,
			wantSite: "createsite"},
		{name: "behaviour 3", path: "/api/BusinessModules/" + ProjectsModuleID +
			"/Entities/Create/3", status: 400, wantDetail: notBound +
			"'siteCreationBehaviour' of non-nullable type " +
			"'WorkPoint.Integration.Common.SiteCreationBehaviourEnum'"},
		{name: "behaviour bogus", path: "/api/BusinessModules/" + ProjectsModuleID +
			"/Entities/Create/Bogus", status: 400, wantDetail: notBound +
			"'siteCreationBehaviour' of non-nullable type " +
			"'WorkPoint.Integration.Common.SiteCreationBehaviourEnum'"},
		{name: "module not a GUID", path: "/api/Entity/projects/Create/false", status: 400,
			wantDetail: notBound + "'businessModuleId' of non-nullable type 'System.Guid'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			api.AcceptSiteCreationNames("CreateSite", "NoSite")

			got := api.do(t, "POST", tt.path, `{"Title":"Website relaunch","wpCompany":1}`)

			got.check(t, tt.status, "")
			if tt.status != 200 {
				var e apiError
				if err := json.Unmarshal([]byte(got.body), &e); err != nil {
					t.Fatalf("decode %s: %v", got.body, err)
				}
				if e.Message != "The request is invalid." ||
					!strings.HasPrefix(e.MessageDetail, tt.wantDetail) {
					t.Errorf("body: got %s, want MessageDetail starting %q", got.body,
						tt.wantDetail)
				}
				return
			}
			if got.body != "1" {
				t.Errorf("body: got %s, want the bare id 1", got.body)
			}
			e, ok := api.sol.Entity(ProjectsModuleID, 1)
			if !ok || e.SiteCreation != tt.wantSite || e.Title != "Website relaunch" {
				t.Errorf("entity: got %+v (found %t), want site segment %q", e, ok, tt.wantSite)
			}
		})
	}
}

func TestServer_CreateIDsPerModule(t *testing.T) {
	api := newTestAPI(t)

	api.do(t, "POST", createConnector, `{"Title":"P1","wpCompany":1}`).check(t, 200, "1")
	api.do(t, "POST", createNew, `{"Title":"P2","wpCompany":"2"}`).check(t, 200, "2")
	api.do(t, "POST", "/api/Entity/"+CompaniesModuleID+"/Create/false",
		`{"Title":"Fabrikam"}`).check(t, 200, "3")
	api.do(t, "POST", "/api/Entity/"+unknownGUID+"/Create/false", `{"Title":"x"}`).check(t,
		404, `{"Message":"Business module '`+unknownGUID+`' does not exist."}`)

	if got := api.sol.CreateCount(); got != 3 {
		t.Errorf("create count: got %d, want 3", got)
	}
	if got := api.Calls(RouteCreate); got != 4 {
		t.Errorf("create calls: got %d, want 4", got)
	}
}

func TestServer_ReadBack(t *testing.T) {
	api := newTestAPI(t)
	body := `{"Title":"Website relaunch","wpCompany":1,"Description":"New site",` +
		`"Budget":"125000.50","Probability":0.8,"StartDate":"2025-03-01",` +
		`"Status":"Active","ProjectManager":"anna@contoso.com",` +
		`"TeamMembers":["bo@contoso.com","cy@contoso.com"],"Customer":"Contoso",` +
		`"Tags":["web","b2b"]}`
	api.do(t, "POST", "/api/Entity/"+ProjectsModuleID+"/Create/true", body).check(t, 200, "1")

	got := api.do(t, "GET", "/api/List/"+ProjectsModuleID+"/Item/1", "")
	got.check(t, 200, "")

	var item listItem
	if err := json.Unmarshal([]byte(got.body), &item); err != nil {
		t.Fatalf("decode item %s: %v", got.body, err)
	}
	if item.ID != 1 || item.Title != "Website relaunch" || !item.IsEntity ||
		item.ContentType != "Project" || item.ParentListID != ProjectsModuleID {
		t.Errorf("item: got %+v, want project 1", item)
	}
	wantSite := solutionURL + "/Projects/1"
	if item.Site == nil || *item.Site != wantSite {
		t.Errorf("site: got %v, want %s", item.Site, wantSite)
	}
	want := []fieldValue{
		{"Title", "Title", "Website relaunch", "Website relaunch"},
		{"wpCompany", "Company", "1", "WorkPoint A/S"},
		{"Description", "Description", "New site", "New site"},
		{"Budget", "Budget", "125000.5", "125000.5"},
		{"Probability", "Probability", "0.8", "0.8"},
		{"StartDate", "Start Date", "2025-03-01T00:00:00Z", "2025-03-01T00:00:00Z"},
		{"Status", "Status", "Active", "Active"},
		{"ProjectManager", "Project Manager", "anna@contoso.com", "anna@contoso.com"},
		{"TeamMembers", "Team Members", "bo@contoso.com;#cy@contoso.com",
			"bo@contoso.com; cy@contoso.com"},
		{"Customer", "Customer", "Contoso", "Contoso"},
		{"Tags", "Tags", "web;#b2b", "web; b2b"},
		{"wpSite", "Site", wantSite, wantSite},
	}
	if !slices.Equal(item.FieldValues, want) {
		t.Errorf("field values:\n got %+v\nwant %+v", item.FieldValues, want)
	}

	e, ok := api.sol.Entity(ProjectsModuleID, 1)
	if !ok {
		t.Fatalf("entity 1: not found")
	}
	wantStart := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if got := e.Values["StartDate"]; got != wantStart {
		t.Errorf("stored StartDate: got %v, want %v", got, wantStart)
	}
	if got := e.Values["wpCompany"]; got != 1 {
		t.Errorf("stored wpCompany: got %v, want 1", got)
	}
}

func TestServer_ConcurrentCreates(t *testing.T) {
	api := newTestAPI(t)
	const n = 20

	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got, err := api.send(t, "POST", createConnector,
				`{"Title":"Project `+strconv.Itoa(i)+`","wpCompany":1}`)
			if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
			ids <- got.body
		})
	}
	wg.Wait()
	close(ids)

	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %s: given twice", id)
		}
		seen[id] = true
	}
	for i := 1; i <= n; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Errorf("ids: got %v, want 1 to %d", seen, n)
			break
		}
	}
	if got := api.sol.CreateCount(); got != n {
		t.Errorf("create count: got %d, want %d", got, n)
	}
}
