package funchost

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeApp writes an app folder with host.json, an empty "handler" file
// and one function.json per entry of functions, and returns its path.
func writeApp(t *testing.T, hostJSON string, functions map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{"host.json": hostJSON, "handler": ""}
	for name, fj := range functions {
		files[filepath.Join(name, "function.json")] = fj
	}
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("make %s: %v", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
	}
	return root
}

const (
	minimalHost = `{"version": "2.0", "customHandler": {
		"description": {"defaultExecutablePath": "handler"},
		"enableForwardingHttpRequest": true}}`
	minimalFunction = `{"bindings": [
		{"type": "httpTrigger", "direction": "in", "name": "req"},
		{"type": "http", "direction": "out", "name": "res"}]}`
)

// functionWith returns a function.json whose trigger has the given extra
// properties, written as JSON members.
func functionWith(members string) string {
	return `{"bindings": [
		{"type": "httpTrigger", "direction": "in", "name": "req", ` + members + `},
		{"type": "http", "direction": "out", "name": "res"}]}`
}

func TestLoad_Defaults(t *testing.T) {
	root := writeApp(t, minimalHost, map[string]string{"Hello": minimalFunction})
	if err := os.Mkdir(filepath.Join(root, "assets"), 0o755); err != nil { // no function.json
		t.Fatalf("make assets: %v", err)
	}

	app, err := Load(root)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &App{
		Root:            root,
		Executable:      filepath.Join(root, "handler"),
		WorkingDir:      root,
		Forwarding:      true,
		RoutePrefix:     "api",
		FunctionTimeout: 30 * time.Minute,
		Functions:       []Function{{Name: "Hello", Route: "Hello", AuthLevel: AuthFunction}},
	}
	if !reflect.DeepEqual(app, want) {
		t.Errorf("Load:\ngot  %+v\nwant %+v", app, want)
	}
}

func TestLoad_Settings(t *testing.T) {
	t.Setenv("FUNCHOST_TEST_GREETING", "hi")
	host := `{
		"version": "2.0",
		"httpWorker": {"description": {
			"defaultExecutablePath": "handler",
			"arguments": ["--greet", "%FUNCHOST_TEST_GREETING%", "%FUNCHOST_TEST_UNSET%",
				"\"two words\""],
			"workingDirectory": "work"}},
		"extensions": {"http": {"routePrefix": "/", "customHeaders": {"X-A": "b"}}},
		"functionTimeout": "01:02:03"
	}`
	root := writeApp(t, host, map[string]string{
		"Items": functionWith(`"authLevel": "Anonymous", "methods": ["GET", "Post"],
			"route": "items/{id:int?}"`),
	})

	app, err := Load(root)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &App{
		Root:            root,
		Executable:      filepath.Join(root, "handler"),
		Args:            []string{"--greet", "hi", "two words"},
		WorkingDir:      filepath.Join(root, "work"),
		Forwarding:      true, // implied by httpWorker
		RoutePrefix:     "",
		FunctionTimeout: time.Hour + 2*time.Minute + 3*time.Second,
		CustomHeaders:   map[string]string{"X-A": "b"},
		Functions: []Function{{Name: "Items", Route: "items/{id:int?}", AuthLevel: AuthAnonymous,
			Methods: []string{"get", "post"}}},
	}
	if !reflect.DeepEqual(app, want) {
		t.Errorf("Load:\ngot  %+v\nwant %+v", app, want)
	}
}

func TestLoad_Rejects(t *testing.T) {
	hostWith := func(version, handler string) string {
		return `{` + version + `"customHandler": {` + handler + `}}`
	}
	exe := `"description": {"defaultExecutablePath": "handler"}`
	tests := []struct {
		name     string
		host     string
		function string
		want     string
	}{
		{"no version", hostWith("", exe), minimalFunction, `missing the required "version"`},
		{"version 3.0", hostWith(`"version": "3.0",`, exe), minimalFunction, `want "2.0"`},
		{"numeric version", hostWith(`"version": 2.0,`, exe), minimalFunction, `want "2.0"`},
		{"no customHandler", `{"version": "2.0"}`, minimalFunction, "no customHandler"},
		{"empty executable path", hostWith(`"version": "2.0",`,
			`"description": {"defaultExecutablePath": ""}`), minimalFunction, "cannot be empty"},
		{"missing executable", hostWith(`"version": "2.0",`,
			`"description": {"defaultExecutablePath": "bin/missing"}`), minimalFunction,
			"no such file"},
		{"bad functionTimeout", `{"version": "2.0", "functionTimeout": "5 minutes",
			"customHandler": {` + exe + `}}`, minimalFunction, "functionTimeout"},
		{"admin route", minimalHost, functionWith(`"route": "admin/x"`), "built-in"},
		{"admin prefix test", minimalHost, functionWith(`"route": "Administrators"`),
			"built-in"},
		{"runtime route", minimalHost, functionWith(`"route": "runtime"`), "built-in"},
		{"bad authLevel", minimalHost, functionWith(`"authLevel": "user"`), "authLevel"},
		{"unsupported constraint", minimalHost, functionWith(`"route": "a/{b:file}"`),
			"not supported"},
		{"complex segment", minimalHost, functionWith(`"route": "a/{b}.{c}"`), "mixes"},
		{"catch-all not last", minimalHost, functionWith(`"route": "{*a}/b"`), "catch-all"},
		{"extra output binding", minimalHost, `{"bindings": [
			{"type": "httpTrigger", "direction": "in", "name": "req"},
			{"type": "http", "direction": "out", "name": "res"},
			{"type": "queue", "direction": "out", "name": "msg"}]}`, "payload mode"},
		{"no http output", minimalHost, `{"bindings": [
			{"type": "httpTrigger", "direction": "in", "name": "req"}]}`, "payload mode"},
		{"two triggers", minimalHost, `{"bindings": [
			{"type": "httpTrigger", "direction": "in", "name": "a"},
			{"type": "httpTrigger", "direction": "in", "name": "b"},
			{"type": "http", "direction": "out", "name": "res"}]}`, "payload mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeApp(t, tt.host, map[string]string{"Fn": tt.function})
			_, err := Load(root)
			if err == nil {
				t.Fatalf("Load: got no error, want one mentioning %q", tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "funchost: ") {
				t.Errorf("Load: got %q, want a funchost error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLoad_TestdataApp(t *testing.T) {
	app, err := Load(appDir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var names []string
	for _, fn := range app.Functions {
		names = append(names, fn.Name)
	}
	want := []string{"Anon", "Control", "Disabled", "Echo", "Items"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("functions: got %q, want %q", names, want)
	}
}
