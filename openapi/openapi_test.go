package openapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/spec"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/validate"

	"projectsync/internal/health"
	"projectsync/internal/problem"
	"projectsync/internal/project"
	"projectsync/openapi"
)

// maxImportBytes is the largest file the custom connector import takes.
const maxImportBytes = 1 << 20

// load returns the document, analyzed and with every $ref expanded.
func load(t *testing.T) (*loads.Document, *loads.Document) {
	t.Helper()
	doc, err := loads.Analyzed(json.RawMessage(openapi.Document()), "")
	if err != nil {
		t.Fatalf("load %s: %v", openapi.FileName, err)
	}
	expanded, err := doc.Expanded()
	if err != nil {
		t.Fatalf("expand %s: %v", openapi.FileName, err)
	}
	return doc, expanded
}

// TestDocument_Valid validates the document against the Swagger 2.0
// schema and rules, without errors or warnings.
func TestDocument_Valid(t *testing.T) {
	doc, _ := load(t)
	errs, warnings := validate.NewSpecValidator(doc.Schema(), strfmt.Default).Validate(doc)
	for _, e := range errs.Errors {
		t.Errorf("error: %v", e)
	}
	for _, w := range warnings.Errors {
		t.Errorf("warning: %v", w)
	}

	if got := doc.Version(); got != "2.0" {
		t.Errorf("got swagger %q, want 2.0: the import takes OpenAPI 2.0 only", got)
	}
	if n := len(openapi.Document()); n >= maxImportBytes {
		t.Errorf("got %d bytes, want less than %d", n, maxImportBytes)
	}
	disk, err := os.ReadFile(openapi.FileName)
	if err != nil || !bytes.Equal(disk, openapi.Document()) {
		t.Errorf("the embedded document differs from %s (%v)", openapi.FileName, err)
	}
}

// TestDocument_Connector checks what the import turns into the connector:
// the target URL, the function key as the API key, and the operations.
func TestDocument_Connector(t *testing.T) {
	doc, _ := load(t)
	sw := doc.Spec()

	if !regexp.MustCompile(`^[a-z0-9-]+\.azurewebsites\.net$`).MatchString(sw.Host) {
		t.Errorf("got host %q, want an example Function App host name", sw.Host)
	}
	if sw.BasePath != "/api" {
		t.Errorf("got basePath %q, want /api", sw.BasePath)
	}
	if !slices.Equal(sw.Schemes, []string{"https"}) {
		t.Errorf("got schemes %v, want [https]", sw.Schemes)
	}

	// The connector uses the first security definition only.
	first, err := firstMember(openapi.Document(), "securityDefinitions")
	if err != nil {
		t.Fatal(err)
	}
	key := sw.SecurityDefinitions[first]
	if key == nil || key.Type != "apiKey" || key.In != "header" || key.Name != "x-functions-key" {
		t.Errorf("got first security definition %q %+v, want an apiKey x-functions-key in "+
			"the header", first, key)
	}
	if len(sw.Security) != 1 || sw.Security[0][first] == nil {
		t.Errorf("got security %v, want %q required", sw.Security, first)
	}

	want := map[string]string{"POST /ProjectSync": "CreateProject", "GET /Health": "GetHealth"}
	got := map[string]string{}
	pascal := regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)
	for path, item := range sw.Paths.Paths {
		for method, op := range operations(item) {
			got[method+" "+path] = op.ID
			if !pascal.MatchString(op.ID) {
				t.Errorf("%s %s: got operationId %q, want PascalCase", method, path, op.ID)
			}
			if op.Summary == "" || op.Description == "" {
				t.Errorf("%s %s: want a summary and a description", method, path)
			}
			if len(op.Summary) > 80 {
				t.Errorf("%s %s: got a summary of %d characters, want at most 80", method, path,
					len(op.Summary))
			}
			if _, ok := op.Responses.StatusCodeResponses[http.StatusOK]; !ok {
				t.Errorf("%s %s: want a 200 response", method, path)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got operations %v, want %v", got, want)
	}
}

// TestDocument_Summaries checks that the connector has a title for every
// parameter and every property, and only visibilities it knows.
func TestDocument_Summaries(t *testing.T) {
	doc, _ := load(t)
	sw := doc.Spec()
	visibilities := []string{"important", "advanced", "internal"}

	checkVisibility := func(where string, ext spec.Extensions, required bool, def any) {
		v, ok := ext.GetString("x-ms-visibility")
		if _, present := ext["x-ms-visibility"]; present && !ok || ok &&
			!slices.Contains(visibilities, v) {
			t.Errorf("%s: got x-ms-visibility %v, want one of %v", where, ext["x-ms-visibility"],
				visibilities)
		}
		if v == "internal" && required && def == nil {
			t.Errorf("%s: internal and required needs a default", where)
		}
	}

	for path, item := range sw.Paths.Paths {
		for method, op := range operations(item) {
			checkVisibility(method+" "+path, op.Extensions, false, nil)
			for _, p := range op.Parameters {
				where := fmt.Sprintf("%s %s parameter %s", method, path, p.Name)
				if s, _ := p.Extensions.GetString("x-ms-summary"); s == "" {
					t.Errorf("%s: no x-ms-summary", where)
				}
				checkVisibility(where, p.Extensions, p.Required, p.Default)
			}
		}
	}

	properties := 0
	for name, s := range sw.Definitions {
		walkProperties(name, s, func(where string, prop spec.Schema, required bool) {
			properties++
			if s, _ := prop.Extensions.GetString("x-ms-summary"); s == "" {
				t.Errorf("%s: no x-ms-summary", where)
			}
			if prop.Description == "" {
				t.Errorf("%s: no description", where)
			}
			checkVisibility(where, prop.Extensions, required, prop.Default)
		})
	}
	if properties < 30 {
		t.Errorf("walked %d properties, want every property of the definitions", properties)
	}
}

// TestDocument_Codes checks that the code enums are exactly the problem
// codes of the catalogue.
func TestDocument_Codes(t *testing.T) {
	doc, _ := load(t)
	var want []string
	for _, c := range problem.Codes() {
		want = append(want, string(c))
	}
	sort.Strings(want)

	for _, def := range []string{"Problem", "HealthCheck"} {
		var got []string
		for _, v := range doc.Spec().Definitions[def].Properties["code"].Enum {
			s, _ := v.(string)
			got = append(got, s)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s.code: got enum %v,\nwant problem.Codes() %v", def, got, want)
		}
	}
}

// TestDocument_Fields checks that each schema has the JSON members of the
// Go type it describes, and requires those that are always sent.
func TestDocument_Fields(t *testing.T) {
	doc, _ := load(t)
	defs := doc.Spec().Definitions
	tests := []struct {
		name   string
		schema spec.Schema
		typ    reflect.Type
	}{
		{"ProjectResult", defs["ProjectResult"], reflect.TypeFor[project.Result]()},
		{"Problem", defs["Problem"], reflect.TypeFor[problem.Problem]()},
		{"Problem.upstream", defs["Problem"].Properties["upstream"],
			reflect.TypeFor[problem.Upstream]()},
		{"HealthReport", defs["HealthReport"], reflect.TypeFor[health.Report]()},
		{"HealthCheck", defs["HealthCheck"], reflect.TypeFor[health.Check]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all, always := jsonFields(tt.typ)
			if got := keys(tt.schema.Properties); !slices.Equal(got, all) {
				t.Errorf("got properties %v, want the JSON fields %v", got, all)
			}
			got := slices.Sorted(slices.Values(tt.schema.Required))
			if !slices.Equal(got, always) {
				t.Errorf("got required %v, want the fields without omitempty %v", got, always)
			}
		})
	}

	req := defs["ProjectRequest"]
	if got, want := keys(req.Properties), []string{"fields", "parent", "sourceId",
		"title"}; !slices.Equal(got, want) {
		t.Errorf("ProjectRequest: got properties %v, want the composed members %v", got, want)
	}
	if req.AdditionalProperties == nil || !req.AdditionalProperties.Allows {
		t.Error("ProjectRequest: want additionalProperties, for the SharePoint item's columns")
	}
	if len(req.Required) != 0 {
		t.Errorf("ProjectRequest: got required %v, want none: an item sends Title", req.Required)
	}
}

// TestDocument_Statuses checks that CreateProject documents the status of
// every problem code with the Problem schema, and no status without one.
func TestDocument_Statuses(t *testing.T) {
	doc, _ := load(t)
	op := doc.Spec().Paths.Paths["/ProjectSync"].Post
	if op == nil {
		t.Fatal("no POST /ProjectSync")
	}
	statuses := map[int][]problem.Code{}
	retryable := map[int]bool{}
	for _, c := range problem.Codes() {
		statuses[c.Status()] = append(statuses[c.Status()], c)
		if problem.New(c, "").Retryable {
			retryable[c.Status()] = true
		}
	}

	for status, codes := range statuses {
		resp, ok := op.Responses.StatusCodeResponses[status]
		if !ok {
			t.Errorf("no %d response for %v", status, codes)
			continue
		}
		if resp.Schema == nil || resp.Schema.Ref.String() != "#/definitions/Problem" {
			t.Errorf("%d: want the Problem schema", status)
		}
		if _, ok := resp.Headers["Retry-After"]; ok != retryable[status] {
			t.Errorf("%d: got a Retry-After header %v, want %v", status, ok, retryable[status])
		}
	}
	for status := range op.Responses.StatusCodeResponses {
		if status >= 400 && len(statuses[status]) == 0 {
			t.Errorf("%d is documented but no problem code has it", status)
		}
	}
}

// TestDocument_Examples validates real bodies against the schemas: the
// inputs of the stand-ins' cases, results, a problem of every code, and a
// health report. Wrong bodies must fail, so the validation is in force.
func TestDocument_Examples(t *testing.T) {
	_, expanded := load(t)
	defs := expanded.Spec().Definitions

	inputs, err := filepath.Glob(filepath.Join("..", "cmd", "standins", "cases", "*.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("got case inputs %v (%v), want some", inputs, err)
	}
	type example struct {
		name   string
		schema string
		body   any
		valid  bool
	}
	var examples []example
	for _, path := range inputs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		examples = append(examples, example{filepath.Base(path), "ProjectRequest",
			decode(t, b), true})
	}
	examples = append(examples,
		example{"composed body", "ProjectRequest", decode(t, []byte(`{"title": "Project Gold",
			"parent": "WorkPoint A/S", "sourceId": "projects-list:1",
			"fields": {"Budget": 150000, "Status": "Active"}}`)), true},
		example{"fields as text", "ProjectRequest", decode(t, []byte(`{"title": "A",
			"fields": "Budget=5"}`)), false},
		example{"full result", "ProjectResult", marshal(t, project.Result{EntityID: 7,
			Title: "Project Gold", BusinessModuleID: "22222222-2222-2222-2222-222222222222",
			ParentID: 1, ParentTitle: "WorkPoint A/S", SourceID: "projects-list:1",
			Created: true}), true},
		example{"repeat result", "ProjectResult", marshal(t, project.Result{EntityID: 7,
			Title: "Demo", BusinessModuleID: "22222222-2222-2222-2222-222222222222"}), true},
		example{"result without id", "ProjectResult", decode(t, []byte(`{"title": "Demo",
			"businessModuleId": "x", "created": true}`)), false},
		example{"report", "HealthReport", marshal(t, health.Report{Status: "unhealthy",
			CheckedAt: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), Checks: []health.Check{
				{Name: "settings", Status: health.Pass, Detail: "ok", DurationMS: 1},
				{Name: "key vault secret", Status: health.Fail, Detail: "denied",
					Code: problem.KeyVaultAccessDenied, Fix: "grant", DurationMS: 35},
				{Name: "workpoint token", Status: health.Skip, Detail: "skipped"},
			}}), true},
		example{"report with an unknown outcome", "HealthReport", decode(t, []byte(`{
			"status": "healthy", "checkedAt": "2026-05-01T08:00:00Z",
			"checks": [{"name": "x", "status": "maybe", "detail": "", "durationMs": 0}]}`)),
			false},
		example{"problem with an unknown code", "Problem", decode(t, []byte(`{
			"type": "urn:projectsync:problem:x", "title": "x", "status": 500, "detail": "x",
			"code": "no_such_code", "fix": "x", "retryable": false}`)), false},
	)
	for _, c := range problem.Codes() {
		p := problem.New(c, "Detail of "+string(c)+".")
		p.InvocationID = "43db2afa-095f-4fc6-89d7-71b73ede7340"
		p.Field = "Title"
		p.Upstream = &problem.Upstream{Service: "keyvault", Status: 403, Code: "Forbidden",
			Message: "denied", TraceID: "t", CorrelationID: "c"}
		examples = append(examples, example{"problem " + string(c), "Problem", marshal(t, p),
			true})
	}

	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			schema, ok := defs[ex.schema]
			if !ok {
				t.Fatalf("no definition %s", ex.schema)
			}
			err := validate.AgainstSchema(&schema, ex.body, strfmt.Default)
			if ex.valid && err != nil {
				t.Errorf("got %v, want the body valid against %s", err, ex.schema)
			}
			if !ex.valid && err == nil {
				t.Errorf("got the body valid against %s, want it refused", ex.schema)
			}
		})
	}
}

// operations returns the operations of a path by method.
func operations(item spec.PathItem) map[string]*spec.Operation {
	out := map[string]*spec.Operation{}
	for method, op := range map[string]*spec.Operation{
		http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
		http.MethodPatch: item.Patch, http.MethodDelete: item.Delete, http.MethodHead: item.Head,
		http.MethodOptions: item.Options,
	} {
		if op != nil {
			out[method] = op
		}
	}
	return out
}

// walkProperties calls fn for every property of s, at any depth: nested
// objects and array items included.
func walkProperties(where string, s spec.Schema, fn func(string, spec.Schema, bool)) {
	for _, name := range keys(s.Properties) {
		prop := s.Properties[name]
		at := where + "." + name
		fn(at, prop, slices.Contains(s.Required, name))
		walkProperties(at, prop, fn)
	}
	if s.Items != nil && s.Items.Schema != nil {
		walkProperties(where+"[]", *s.Items.Schema, fn)
	}
}

// jsonFields returns the JSON member names of a struct type, and those
// without omitempty, each sorted.
func jsonFields(typ reflect.Type) (all, always []string) {
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		all = append(all, name)
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			always = append(always, name)
		}
	}
	sort.Strings(all)
	sort.Strings(always)
	return all, always
}

func keys(m spec.SchemaProperties) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// firstMember returns the name of the first member of the object member
// of doc's top level, in the order of the file.
func firstMember(doc []byte, member string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil { // {
		return "", err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		if tok != member {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", err
			}
			continue
		}
		if _, err := dec.Token(); err != nil { // {
			return "", err
		}
		name, err := dec.Token()
		if err != nil {
			return "", err
		}
		s, _ := name.(string)
		return s, nil
	}
	return "", fmt.Errorf("no member %s", strconv.Quote(member))
}

// decode reads a JSON body as the validator takes it.
func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode example: %v", err)
	}
	return v
}

// marshal returns v as it goes over the wire, decoded again.
func marshal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}
