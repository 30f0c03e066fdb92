package workpoint

import (
	"encoding/json"
	"slices"
	"testing"
)

// seedQueryData adds a company with an ampersand and three projects.
func seedQueryData(t *testing.T, sol *Solution) {
	t.Helper()
	seeds := []struct {
		module string
		values map[string]any
	}{
		{CompaniesModuleID, map[string]any{"Title": "A&B"}},                             // 3
		{ProjectsModuleID, map[string]any{"Title": "Website relaunch", "wpCompany": 1}}, // 1
		{ProjectsModuleID, map[string]any{"Title": "Website relaunch", "wpCompany": 2}}, // 2
		{ProjectsModuleID, map[string]any{"Title": "Intranet", "wpCompany": 3,
			"Budget": 5000, "StartDate": "2025-03-01T09:30:00Z", "Tags": []string{"web"}}}, // 3
	}
	for _, s := range seeds {
		if _, err := sol.AddEntity(s.module, s.values); err != nil {
			t.Fatalf("seed %v: %v", s.values, err)
		}
	}
}

func TestServer_QueryCAML(t *testing.T) {
	lookupID := func(id string) string {
		return "<Eq><FieldRef Name='wpCompany' LookupId='TRUE'/><Value Type='Lookup'>" + id +
			"</Value></Eq>"
	}
	tests := []struct {
		name    string
		list    string
		query   string
		extra   string // more members of the body
		wantIDs []int
		paging  string // the expected PagingInfo; "" for null
	}{
		{name: "title in a full view", list: companiesURL,
			query: caml(titleEq("WorkPoint A/S"), 2), wantIDs: []int{1}},
		{name: "bare where", list: companiesURL,
			query: "<Where>" + titleEq("Contoso Ltd") + "</Where>", wantIDs: []int{2}},
		{name: "query without view", list: companiesURL,
			query:   "<Query><Where>" + titleEq("Contoso Ltd") + "</Where></Query>",
			wantIDs: []int{2}},
		{name: "title ignores case", list: companiesURL,
			query: caml(titleEq("workpoint a/s"), 2), wantIDs: []int{1}},
		{name: "escaped ampersand", list: companiesURL, query: caml(titleEq("A&amp;B"), 2),
			wantIDs: []int{3}},
		{name: "ampersand in CDATA", list: companiesURL,
			query: caml(titleEq("<![CDATA[A&B]]>"), 2), wantIDs: []int{3}},
		{name: "no match", list: companiesURL, query: caml(titleEq("Nobody"), 2),
			wantIDs: []int{}},
		{name: "title and parent id", list: projectsURL,
			query:   caml("<And>"+titleEq("Website relaunch")+lookupID("2")+"</And>", 2),
			wantIDs: []int{2}},
		{name: "parent by title", list: projectsURL,
			query: caml("<Eq><FieldRef Name='wpCompany'/><Value Type='Lookup'>A&amp;B"+
				"</Value></Eq>", 5), wantIDs: []int{3}},
		{name: "id does not match a title", list: projectsURL,
			query: caml("<Eq><FieldRef Name='wpCompany'/><Value Type='Lookup'>3"+
				"</Value></Eq>", 5), wantIDs: []int{}},
		{name: "or and neq", list: projectsURL, query: caml("<Or>"+lookupID("3")+
			"<Neq><FieldRef Name='Title'/><Value Type='Text'>Website relaunch</Value></Neq>"+
			"</Or>", 5), wantIDs: []int{3}},
		{name: "number", list: projectsURL, query: caml("<Eq><FieldRef Name='Budget'/>"+
			"<Value Type='Number'>5000.0</Value></Eq>", 5), wantIDs: []int{3}},
		{name: "date by day", list: projectsURL, query: caml("<Eq><FieldRef Name='StartDate'/>"+
			"<Value Type='DateTime'>2025-03-01</Value></Eq>", 5), wantIDs: []int{3}},
		{name: "multichoice", list: projectsURL, query: caml("<Eq><FieldRef Name='Tags'/>"+
			"<Value Type='MultiChoice'>WEB</Value></Eq>", 5), wantIDs: []int{3}},
		{name: "by ID", list: projectsURL, query: caml("<Eq><FieldRef Name='ID'/>"+
			"<Value Type='Counter'>2</Value></Eq>", 5), wantIDs: []int{2}},
		{name: "empty query returns all", list: companiesURL, query: "",
			wantIDs: []int{1, 2, 3}},
		{name: "row limit pages", list: companiesURL, query: caml(`<Neq><FieldRef Name='ID'/>`+
			`<Value Type='Counter'>0</Value></Neq>`, 2), wantIDs: []int{1, 2},
			paging: "Paged=TRUE&p_ID=2"},
		{name: "page size pages", list: companiesURL, query: "", extra: `,"PageSize":1`,
			wantIDs: []int{1}, paging: "Paged=TRUE&p_ID=1"},
		{name: "next page", list: companiesURL, query: "",
			extra: `,"PageSize":2,"PagingInfo":"Paged=TRUE&p_ID=2"`, wantIDs: []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			seedQueryData(t, api.sol)

			got := api.do(t, "POST", tt.list, queryBody(t, tt.query, tt.extra))

			got.check(t, 200, "")
			var result struct {
				Items      []listItem
				PagingInfo *string
			}
			if err := json.Unmarshal([]byte(got.body), &result); err != nil {
				t.Fatalf("decode %s: %v", got.body, err)
			}
			ids := []int{}
			for _, item := range result.Items {
				ids = append(ids, item.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids: got %v, want %v", ids, tt.wantIDs)
			}
			paging := ""
			if result.PagingInfo != nil {
				paging = *result.PagingInfo
			}
			if paging != tt.paging {
				t.Errorf("PagingInfo: got %q, want %q", paging, tt.paging)
			}
		})
	}
}

func TestServer_QueryAnswers(t *testing.T) {
	tests := []struct {
		name   string
		list   string
		body   string
		status int
		want   string
	}{
		{name: "no match", list: companiesURL, status: 200,
			body: `{"CamlQuery":"<View><Query><Where><Eq><FieldRef Name='Title'/><Value ` +
				`Type='Text'>Acme A/S</Value></Eq></Where></Query><RowLimit>2</RowLimit>` +
				`</View>","PageSize":2,"ViewFields":["ID","Title"]}`,
			want: `{"Items":[],"PagingInfo":null}`},
		{name: "view fields", list: companiesURL, status: 200,
			body: `{"CamlQuery":"<Where><Eq><FieldRef Name='Title'/><Value Type='Text'>` +
				`Contoso Ltd</Value></Eq></Where>","ViewFields":["ID","Title"]}`},
		{name: "unknown list", list: "/api/List/" + unknownGUID + "/Items", status: 404,
			body: `{"CamlQuery":""}`,
			want: `{"Message":"Business module '` + unknownGUID + `' does not exist."}`},
		{name: "malformed CAML", list: companiesURL, status: 500,
			body: `{"CamlQuery":"<View><Query><Where><Eq>"}`,
			want: `{"Message":"An error has occurred.","ExceptionMessage":"Cannot complete ` +
				`this action.\n\nPlease try again.","ExceptionType":` +
				`"Microsoft.SharePoint.Client.ServerException"}`},
		{name: "unknown field", list: companiesURL, status: 500,
			body: `{"CamlQuery":"<Where><Eq><FieldRef Name='Colour'/><Value Type='Text'>red` +
				`</Value></Eq></Where>"}`,
			want: `{"Message":"An error has occurred.","ExceptionMessage":"One or more field ` +
				`types are not installed properly. Go to the list settings page to delete ` +
				`these fields.","ExceptionType":"Microsoft.SharePoint.Client.ServerException"}`},
		{name: "unsupported element", list: companiesURL, status: 400,
			body: `{"CamlQuery":"<Where><Contains><FieldRef Name='Title'/><Value Type='Text'>` +
				`Ltd</Value></Contains></Where>"}`,
			want: invalid("The WorkPoint stand-in cannot run this CAML query: element " +
				"<Contains> is not supported; use Eq, Neq, And or Or.")},
		{name: "body not JSON", list: companiesURL, status: 400, body: `<xml/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			got := api.do(t, "POST", tt.list, tt.body)
			got.check(t, tt.status, tt.want)
		})
	}
}

func TestServer_QueryViewFields(t *testing.T) {
	api := newTestAPI(t)
	seedQueryData(t, api.sol)

	got := api.do(t, "POST", projectsURL, queryBody(t, caml(titleEq("Intranet"), 1),
		`,"ViewFields":["ID","Title"]`))

	var result struct{ Items []listItem }
	if err := json.Unmarshal([]byte(got.body), &result); err != nil {
		t.Fatalf("decode %s: %v", got.body, err)
	}
	if len(result.Items) != 1 {
		t.Fatalf("items: got %d, want 1", len(result.Items))
	}
	want := []fieldValue{{"Title", "Title", "Intranet", "Intranet"}}
	if fv := result.Items[0].FieldValues; !slices.Equal(fv, want) {
		t.Errorf("field values: got %+v, want %+v", fv, want)
	}
}

func TestServer_Exists(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{name: "title exists", status: 200, want: "true",
			body: `{"ListName":"Projects","IdentifierFieldValues":[{"InternalFieldName":` +
				`"Title","Value":"website RELAUNCH"}]}`},
		{name: "title missing", status: 200, want: "false",
			body: `{"ListName":"Projects","IdentifierFieldValues":[{"InternalFieldName":` +
				`"Title","Value":"Nothing"}]}`},
		{name: "composite key with parent id", status: 200, want: "true",
			body: `{"ListName":"Lists/Projects","IdentifierFieldValues":[` +
				`{"InternalFieldName":"Title","Value":"Intranet"},` +
				`{"InternalFieldName":"wpCompany","Value":3}]}`},
		{name: "composite key with parent title", status: 200, want: "false",
			body: `{"ListName":"Projects","IdentifierFieldValues":[` +
				`{"InternalFieldName":"Title","Value":"Intranet"},` +
				`{"InternalFieldName":"wpCompany","Value":"Contoso Ltd"}]}`},
		{name: "by item id", status: 200, want: "true",
			body: `{"ListName":"Companies","ListItemID":3}`},
		{name: "unknown item id", status: 200, want: "false",
			body: `{"ListName":"Companies","ListItemID":30}`},
		{name: "unknown list", status: 404,
			body: `{"ListName":"Invoices","ListItemID":1}`,
			want: `{"Message":"List 'Invoices' does not exist at site with URL '` +
				solutionURL + `'."}`},
		{name: "no key", status: 400, body: `{"ListName":"Companies"}`,
			want: invalid("Either ListItemID or IdentifierFieldValues must be given.")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			seedQueryData(t, api.sol)
			api.do(t, "POST", "/api/ListItem/Exists", tt.body).check(t, tt.status, tt.want)
		})
	}
}
