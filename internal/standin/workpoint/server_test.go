package workpoint

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

const (
	companiesJSON = `{"Id":"11111111-1111-1111-1111-111111111111","Title":"Companies",` +
		`"EntityName":"Company","ListUrl":"Lists/Companies","Parent":null,` +
		`"ParentRelationName":null,"SitesEnabled":true}`
	projectsJSON = `{"Id":"22222222-2222-2222-2222-222222222222","Title":"Projects",` +
		`"EntityName":"Project","ListUrl":"Lists/Projects",` +
		`"Parent":"11111111-1111-1111-1111-111111111111","ParentRelationName":"wpCompany",` +
		`"SitesEnabled":true}`
)

func TestServer_ReadRoutes(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		want   string
	}{
		{name: "list modules", method: "GET", path: "/api/BusinessModules", status: 200,
			want: "[" + companiesJSON + "," + projectsJSON + "]"},
		{name: "route is case-insensitive", method: "GET", path: "/API/businessmodules/",
			status: 200, want: "[" + companiesJSON + "," + projectsJSON + "]"},
		{name: "one module", method: "GET", path: "/api/BusinessModules/" + ProjectsModuleID,
			status: 200, want: projectsJSON},
		{name: "one module in braces and upper case", method: "GET",
			path:   "/api/BusinessModules/{" + strings.ToUpper(CompaniesModuleID) + "}",
			status: 200, want: companiesJSON},
		{name: "unknown module", method: "GET", path: "/api/BusinessModules/" + unknownGUID,
			status: 404, want: `{"Message":"Business module '` + unknownGUID +
				`' does not exist."}`},
		{name: "schema", method: "GET",
			path: "/api/Entity/" + CompaniesModuleID + "/GetEntityFieldSchema", status: 200,
			want: `{"jsonItems":{"type":"object","properties":{"Title":{"type":"string",` +
				`"x-ms-summary":"Title"}},"required":["Title"]}}`},
		{name: "schema of unknown module", method: "GET",
			path: "/api/Entity/" + unknownGUID + "/GetEntityFieldSchema", status: 404,
			want: `{"Message":"Business module '` + unknownGUID + `' does not exist."}`},
		{name: "read one item", method: "GET",
			path: "/api/List/" + CompaniesModuleID + "/Item/2", status: 200},
		{name: "unknown item", method: "GET", path: "/api/List/" + CompaniesModuleID +
			"/Item/999", status: 404, want: `{"Message":"Item does not exist. It may have ` +
			`been deleted by another user."}`},
		{name: "item in unknown list", method: "GET", path: "/api/List/" + unknownGUID +
			"/Item/1", status: 404, want: `{"Message":"Business module '` + unknownGUID +
			`' does not exist."}`},
		{name: "item id not a number", method: "GET",
			path: "/api/List/" + CompaniesModuleID + "/Item/abc", status: 400},
		{name: "query", method: "POST", path: companiesURL,
			body: `{"CamlQuery":"","ViewFields":["ID","Title"]}`, status: 200},
		{name: "exists", method: "POST", path: "/api/ListItem/Exists",
			body: `{"ListName":"Companies","IdentifierFieldValues":[{"InternalFieldName":` +
				`"Title","Value":"Contoso Ltd"}]}`, status: 200, want: "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			api.do(t, tt.method, tt.path, tt.body).check(t, tt.status, tt.want)
		})
	}
}

func TestServer_SchemaOfProjects(t *testing.T) {
	api := newTestAPI(t)

	got := api.do(t, "GET", "/api/Entity/"+ProjectsModuleID+"/GetEntityFieldSchema", "")
	got.check(t, 200, "")

	var schema struct {
		JSONItems struct {
			Type       string
			Properties map[string]struct {
				Type   string `json:"type"`
				Format string `json:"format"`
			} `json:"properties"`
			Required []string `json:"required"`
		} `json:"jsonItems"`
	}
	if err := json.Unmarshal([]byte(got.body), &schema); err != nil {
		t.Fatalf("decode schema %s: %v", got.body, err)
	}
	want := map[string]string{"Title": "string", "wpCompany": "integer", "Description": "string",
		"Budget": "number", "Probability": "number", "StartDate": "string",
		"Status": "string", "ProjectManager": "string", "TeamMembers": "array",
		"Customer": "string", "Tags": "array", "ProjectSyncKey": "string"}
	if len(schema.JSONItems.Properties) != len(want) {
		t.Errorf("properties: got %d, want %d", len(schema.JSONItems.Properties), len(want))
	}
	for name, typ := range want {
		if got := schema.JSONItems.Properties[name].Type; got != typ {
			t.Errorf("type of %s: got %q, want %q", name, got, typ)
		}
	}
	if got := strings.Join(schema.JSONItems.Required, ","); got != "Title" {
		t.Errorf("required: got %q, want Title", got)
	}
	if !strings.Contains(got.body, `"properties":{"Title":`) {
		t.Errorf("properties: got %s, want Title first, in schema order", got.body)
	}
}

func TestServer_Authorization(t *testing.T) {
	const denied = `{"Message":"Authorization has been denied for this request."}`
	otherKey, err := rsaGenerate()
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := appClaims()
		edit(c)
		return c
	}

	tests := []struct {
		name          string
		authorization string // "" means no header; "mint" uses claims and key
		claims        jwt.MapClaims
		wrongKey      bool
		status        int
		want          string
	}{
		{name: "no header", status: 401, want: denied},
		{name: "not bearer", authorization: "Basic dXNlcjpwYXNz", status: 401, want: denied},
		{name: "garbage token", authorization: "Bearer expired-or-garbage", status: 401,
			want: denied},
		{name: "wrong signature", authorization: "mint", claims: appClaims(), wrongKey: true,
			status: 401, want: denied},
		{name: "expired", authorization: "mint", claims: claims(func(c jwt.MapClaims) {
			c["exp"] = time.Now().Add(-time.Minute).Unix()
		}), status: 401, want: denied},
		{name: "wrong audience", authorization: "mint", claims: claims(func(c jwt.MapClaims) {
			c["aud"] = "https://graph.microsoft.com"
		}), status: 401, want: denied},
		{name: "wrong tenant", authorization: "mint", claims: claims(func(c jwt.MapClaims) {
			c["tid"] = otherTenant
		}), status: 401, want: denied},
		{name: "no tenant", authorization: "mint", claims: claims(func(c jwt.MapClaims) {
			delete(c, "tid")
		}), status: 401, want: denied},
		{name: "no roles", authorization: "mint", claims: claims(func(c jwt.MapClaims) {
			delete(c, "roles")
		}), status: 403,
			want: `{"Message":"The application does not have the ApplicationAccess role."}`},
		{name: "other role", authorization: "mint", claims: claims(func(c jwt.MapClaims) {
			c["roles"] = []string{"Reader"}
		}), status: 403,
			want: `{"Message":"The application does not have the ApplicationAccess role."}`},
		{name: "good token", authorization: "mint", claims: appClaims(), status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			auth := tt.authorization
			if auth == "mint" {
				key := signingKey()
				if tt.wrongKey {
					key = otherKey
				}
				auth = "Bearer " + mint(t, key, tt.claims)
			}

			got := api.do(t, "GET", "/api/BusinessModules", "",
				withHeader("Authorization", auth))

			got.check(t, tt.status, tt.want)
			wantChallenge := ""
			if tt.status == 401 {
				wantChallenge = "Bearer"
			}
			if h := got.header.Get("WWW-Authenticate"); h != wantChallenge {
				t.Errorf("WWW-Authenticate: got %q, want %q", h, wantChallenge)
			}
		})
	}
}

func TestServer_ConfiguredAudienceAndRole(t *testing.T) {
	s := New(Config{TenantID: testTenant, Audiences: []string{"api://workpoint-local"},
		Role: "Projects.Write"}, rsaVerifier{&signingKey().PublicKey})
	DemoSolution(s.AddSolution(solutionURL))
	api := &testAPI{Server: s, srv: newTLS(t, s)}
	c := appClaims()
	c["aud"], c["roles"] = "api://workpoint-local", []string{"Projects.Write"}
	api.token = mint(t, signingKey(), c)

	api.do(t, "GET", "/api/BusinessModules", "").check(t, 200, "")

	api.token = mint(t, signingKey(), appClaims()) // default audience, default role
	api.do(t, "GET", "/api/BusinessModules", "").check(t, 401, "")
}

func TestServer_SolutionHeader(t *testing.T) {
	tests := []struct {
		name   string
		url    string
		status int
		want   string
	}{
		{name: "missing", url: "", status: 400,
			want: `{"Message":"The WorkPoint365Url header is required."}`},
		{name: "unknown", url: "https://contoso.sharepoint.com/sites/nope", status: 404,
			want: `{"Message":"WorkPoint solution not found for WorkPoint365Url ` +
				`'https://contoso.sharepoint.com/sites/nope'."}`},
		{name: "other case and trailing slash",
			url: "HTTPS://Contoso.SharePoint.com/sites/WP/", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			got := api.do(t, "GET", "/api/BusinessModules", "",
				withHeader("WorkPoint365Url", tt.url))
			got.check(t, tt.status, tt.want)
		})
	}
}

func TestServer_UnknownRouteAndMethod(t *testing.T) {
	api := newTestAPI(t)

	got := api.do(t, "GET", "/api/Nope?x=1", "")
	uri := "https://" + strings.TrimPrefix(api.srv.URL, "https://") + "/api/Nope?x=1"
	got.check(t, 404, `{"Message":"No HTTP resource was found that matches the request URI '`+
		uri+`'.","MessageDetail":"No route providing a controller name was found to match `+
		`request URI '`+uri+`'"}`)

	del := api.do(t, "DELETE", "/api/BusinessModules", "")
	del.check(t, 405, `{"Message":"The requested resource does not support http method `+
		`'DELETE'."}`)
	if got := del.header.Get("Allow"); got != http.MethodGet {
		t.Errorf("Allow: got %q, want GET", got)
	}
	if got := api.Calls(""); got != 0 {
		t.Errorf("calls: got %d, want 0 for requests that match no route", got)
	}
}
