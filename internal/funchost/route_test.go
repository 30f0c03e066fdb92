package funchost

import "testing"

func TestRouteTemplate_Match(t *testing.T) {
	tests := []struct {
		prefix, route, path string
		want                bool
	}{
		{"api", "ProjectSync", "/api/ProjectSync", true},
		{"api", "ProjectSync", "/API/projectsync/", true},
		{"api", "ProjectSync", "/api/ProjectSync/extra", false},
		{"api", "ProjectSync", "/ProjectSync", false},
		{"", "ProjectSync", "/ProjectSync", true},
		{"v1/api", "hello", "/v1/api/hello", true},
		{"api", "items/{id}", "/api/items/7", true},
		{"api", "items/{id}", "/api/items", false},
		{"api", "items/{id?}", "/api/items", true},
		{"api", "items/{id=5}", "/api/items", true},
		{"api", "items/{id:int}", "/api/items/7", true},
		{"api", "items/{id:int}", "/api/items/seven", false},
		{"api", "items/{id:int}", "/api/items/99999999999", false},
		{"api", "items/{id:long}", "/api/items/99999999999", true},
		{"api", "items/{id:int:min(10)}", "/api/items/7", false},
		{"api", "items/{id:range(1,9)}", "/api/items/7", true},
		{"api", "items/{id:guid}", "/api/items/0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"api", "items/{id:guid}", "/api/items/nope", false},
		{"api", "items/{name:alpha:maxlength(3)}", "/api/items/abc", true},
		{"api", "items/{name:alpha:maxlength(3)}", "/api/items/abcd", false},
		{"api", "items/{name:regex(^a.c$)}", "/api/items/AbC", true},
		{"api", "items/{flag:bool}", "/api/items/True", true},
		{"api", "files/{*path}", "/api/files", true},
		{"api", "files/{*path}", "/api/files/a/b/c", true},
		{"", "{*path}", "/", true},
		{"", "{*path}", "/anything/at/all", true},
	}
	for _, tt := range tests {
		t.Run(tt.prefix+"|"+tt.route+"|"+tt.path, func(t *testing.T) {
			tmpl, err := parseRoute(tt.prefix, tt.route)
			if err != nil {
				t.Fatalf("parseRoute: %v", err)
			}
			if got := tmpl.match(splitPath(tt.path)); got != tt.want {
				t.Errorf("match: got %t, want %t", got, tt.want)
			}
		})
	}
}

func TestRouteTable_Precedence(t *testing.T) {
	app := &App{RoutePrefix: "api", Functions: []Function{
		{Name: "CatchAll", Route: "items/{*rest}"},
		{Name: "ById", Route: "items/{id}"},
		{Name: "ByNumber", Route: "items/{id:int}"},
		{Name: "New", Route: "items/new"},
		{Name: "PostOnly", Route: "items/post", Methods: []string{"post"}},
	}}
	table, err := newRouteTable(app)
	if err != nil {
		t.Fatalf("newRouteTable: %v", err)
	}

	tests := []struct {
		method, path, want string
	}{
		{"GET", "/api/items/new", "New"},
		{"GET", "/api/items/42", "ByNumber"},
		{"GET", "/api/items/abc", "ById"},
		{"GET", "/api/items/a/b", "CatchAll"},
		{"POST", "/api/items/post", "PostOnly"},
		{"GET", "/api/items/post", "ById"},
		{"GET", "/api/other", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			got := ""
			if fn := table.match(splitPath(tt.path), tt.method); fn != nil {
				got = fn.Name
			}
			if got != tt.want {
				t.Errorf("match: got %q, want %q", got, tt.want)
			}
		})
	}
}
