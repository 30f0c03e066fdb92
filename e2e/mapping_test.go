package e2e

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"projectsync/internal/standin"
	swp "projectsync/internal/standin/workpoint"
)

// Business modules the mapping tests add to the demo solution: Customers,
// and Mapped projects, a child of Companies with a lookup to Customers.
const (
	customersModule      = "33333333-3333-3333-3333-333333333333"
	mappedProjectsModule = "55555555-5555-5555-5555-555555555555"
)

// b10Mapping maps case B10 onto the demo Projects module. Budget's default
// shows that the mapping, not the default rules, made the fields.
const b10Mapping = `{"fields": {
	"ProjectManager": {"type": "person"},
	"Customer": {"type": "text"},
	"Status": {"type": "choice", "choices": ["Active", "Closed"]},
	"TeamMembers": {"type": "person", "multi": true},
	"Tags": {"type": "choice", "multi": true},
	"Budget": {"type": "number", "default": 100000}}}`

// B10 under a field mapping: each shape (object, array of objects, empty
// array, plain string) maps by its rule, and WorkPoint receives exactly
// the mapped fields. It needs the mapping wired into the handler (see
// the wiring notes); until then the Budget default is missing.
func TestProjectSync_MappingB10(t *testing.T) {
	c := startChain(t, nil, withSetting("WORKPOINT_FIELD_MAP", b10Mapping))
	tests := []struct {
		file string
		want map[string]any
	}{
		{"person-choice-lookup.json", map[string]any{
			"ProjectManager": "pm@contoso.example",
			"Customer":       "Northwind Traders A/S",
			"Status":         "Active",
			"TeamMembers": []any{"a@contoso.example",
				"ext_user_fabrikam.example#ext#@contoso.onmicrosoft.com"},
			"Budget": float64(100000),
		}},
		{"person-as-string.json", map[string]any{
			"ProjectManager": "pm@contoso.example",
			"Status":         "Active",
			"Budget":         float64(100000),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := c.post(caseFile(t, tt.file))
			if a.Status != http.StatusCreated {
				t.Fatalf("got %d %.300s, want 201", a.Status, a.Body)
			}
			got := c.entityFields(a.num("entityId"))
			delete(got, "ProjectSyncKey") // WORKPOINT_SOURCE_FIELD
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("WorkPoint received %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// B10 under a mapping its shapes do not fit: a 400 naming the column, and
// nothing created.
func TestProjectSync_MappingB10Refused(t *testing.T) {
	c := startChain(t, nil, withSetting("WORKPOINT_FIELD_MAP",
		`{"fields": {"TeamMembers": {"field": "ProjectManager", "type": "person"}}}`))
	a := c.post(caseFile(t, "person-choice-lookup.json"))
	if a.Status != http.StatusBadRequest || a.str("code") != "invalid_field" ||
		a.str("field") != "TeamMembers" {
		t.Fatalf("got %d %.400s, want 400 invalid_field for TeamMembers", a.Status, a.Body)
	}
	if !strings.Contains(a.str("detail"), "TeamMembers") ||
		!strings.Contains(a.str("detail"), `"multi": true`) {
		t.Errorf("detail does not name the column and the fix: %s", a.str("detail"))
	}
	if n := c.stack.Solution.CreateCount(); n != 0 {
		t.Errorf("got %d creates, want 0", n)
	}
}

// addMappedProjects adds the Customers module with Northwind Traders A/S
// (id 1), and the Mapped projects module.
func addMappedProjects(t *testing.T) func(*standin.Stack) {
	return func(s *standin.Stack) {
		t.Helper()
		modules := []swp.Module{
			{ID: customersModule, Title: "Customers", ListURL: "Lists/Customers",
				Fields: []swp.Field{{Name: "Title", Type: swp.FieldText, Required: true}}},
			{ID: mappedProjectsModule, Title: "Mapped projects", ListURL: "Lists/MappedProjects",
				ParentID: standin.CompaniesModuleID, ParentRelationName: "wpCompany",
				Fields: []swp.Field{
					{Name: "Title", Type: swp.FieldText, Required: true},
					{Name: "wpCompany", Type: swp.FieldLookup,
						LookupModuleID: standin.CompaniesModuleID},
					{Name: "wpCustomer", Type: swp.FieldLookup, LookupModuleID: customersModule},
					{Name: "wpManager", Type: swp.FieldUser},
					{Name: "StartDate", Type: swp.FieldDate},
					{Name: "ProjectSyncKey", Type: swp.FieldText},
				}},
		}
		for _, m := range modules {
			if err := s.Solution.AddModule(m); err != nil {
				t.Fatalf("add module: %v", err)
			}
		}
		_, err := s.Solution.AddEntity(customersModule,
			map[string]any{"Title": "Northwind Traders A/S"})
		if err != nil {
			t.Fatalf("add customer: %v", err)
		}
	}
}

const lookupMapping = `{"timeZone": "Europe/Copenhagen", "fields": {
	"ProjectManager": {"field": "wpManager", "type": "person"},
	"Customer": {"field": "wpCustomer", "type": "lookup",
		"module": "` + customersModule + `"},
	"StartDate": {"type": "date", "dateOnly": true}}}`

// A lookup resolved by title in another business module, a date-only
// value read in the mapping's time zone, and the parent from a column.
// It needs the mapping and the parent column wired into the handler, and
// problem.FromError to know lookup errors.
func TestProjectSync_MappingLookupAndParentColumn(t *testing.T) {
	c := startChain(t, addMappedProjects(t),
		withSetting("WORKPOINT_BUSINESS_MODULE_ID", mappedProjectsModule),
		withSetting("WORKPOINT_FIELD_MAP", lookupMapping),
		withSetting("WORKPOINT_PARENT_COLUMN", "Company"))

	a := c.post([]byte(`{"ID": 501, "Title": "Quay Repair",
		"Company": {"Id": 7, "Value": "Contoso Ltd"}, "Company#Id": 7,
		"Customer": {"Id": 42, "Value": "Northwind Traders A/S"}, "Customer#Id": 42,
		"ProjectManager": {"Claims": "i:0#.f|membership|pm@contoso.example",
			"Email": "pm@contoso.example"},
		"StartDate": "2025-03-31T22:00:00Z", "Note": "not mapped, not sent"}`))
	if a.Status != http.StatusCreated {
		t.Fatalf("got %d %.400s, want 201", a.Status, a.Body)
	}
	e, ok := c.stack.Entity(mappedProjectsModule, a.num("entityId"))
	if !ok {
		t.Fatalf("WorkPoint holds no entity %d", a.num("entityId"))
	}
	if e.ParentID != 2 || e.Parent != "Contoso Ltd" {
		t.Errorf("got parent %d %q, want 2 Contoso Ltd", e.ParentID, e.Parent)
	}
	want := map[string]any{"wpCustomer": float64(1), "wpManager": "pm@contoso.example",
		"StartDate": "2025-04-01T00:00:00Z", "ProjectSyncKey": e.Fields["ProjectSyncKey"]}
	if !reflect.DeepEqual(e.Fields, want) {
		t.Errorf("WorkPoint received %#v\nwant %#v", e.Fields, want)
	}

	a = c.post([]byte(`{"ID": 502, "Title": "Quay Survey", "Customer": "Nobody Inc"}`))
	if a.Status != http.StatusUnprocessableEntity || a.str("code") != "lookup_not_found" ||
		a.str("field") != "Customer" {
		t.Errorf("got %d %.400s, want 422 lookup_not_found for Customer", a.Status, a.Body)
	}
}

// A field mapping with mistakes stops the handler at start-up, with a
// message that names the setting and every problem. It needs the mapping
// wired into the handler; until then the handler starts and the test
// fails when it does not stop.
func TestHandler_InvalidMappingStops(t *testing.T) {
	stack, err := standin.Start(standin.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start stand-ins: %v", err)
	}
	t.Cleanup(func() { stack.Close() })

	env := append(os.Environ(), stack.Env()...)
	for k, v := range stack.Settings() {
		env = append(env, k+"="+v)
	}
	env = append(env, "FUNCTIONS_CUSTOMHANDLER_PORT="+freePort(t),
		`WORKPOINT_FIELD_MAP={"timeZone": "Mars/Olympus", "fields": {
			"Customer": {"type": "lookup"}, "Budget": {"type": "currency"}}}`)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(appRoot, "handler"))
	cmd.Env = env
	out, err := cmd.Output()
	remember(stack.Planted(), string(out))

	var exit *exec.ExitError
	if ctx.Err() != nil || !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("got %v (context: %v), want the handler to exit with code 1; output:\n%s",
			err, ctx.Err(), out)
	}
	for _, want := range []string{"WORKPOINT_FIELD_MAP", "Mars/Olympus",
		"a lookup needs", "currency"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not hold %q:\n%s", want, out)
		}
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
