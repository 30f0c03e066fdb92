package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"projectsync/internal/settings"
	"projectsync/internal/standin"
)

// The callers under samples/ are run here as their engine would run them:
// each sample's HTTP action is evaluated for the item of case B1 (see
// wdlScope for the expression forms imitated), and exactly the request it
// builds is sent to the built handler behind the host imitation. The
// answers then go through the sample's own Condition, so that the branch
// that reads entityId, code and fix is checked against real answers.

const (
	samplePowerAutomate = "../samples/power-automate/ProjectSync-flow.json"
	sampleLogicAppMI    = "../samples/logic-app/projectsync-managed-identity.json"
	sampleLogicAppKey   = "../samples/logic-app/projectsync-function-key.json"

	// sampleAudience is the App ID URI of the app registration App Service
	// Authentication accepts tokens for, in the managed identity sample.
	sampleAudience = "api://projectsync-example"

	// The Logic App's system-assigned identity: its object (principal) id,
	// which the template outputs and ALLOWED_CALLERS lists, and its
	// application id. Another identity of the tenant that is not allowed.
	logicAppPrincipalID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
	logicAppClientID    = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
	otherPrincipalID    = "0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e"
	otherClientID       = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
)

// Power Automate: the flow posts the item with the function key from an
// environment variable, and branches on the answer.
func TestSample_PowerAutomate(t *testing.T) {
	w := loadPowerAutomate(t, samplePowerAutomate, map[string]any{
		"ProjectSync function key (ps_ProjectSyncFunctionKey)": functionKey,
	})
	c := startChain(t, nil)
	w.runCalls(t, c, nil)
}

// Logic App with the function key read from Key Vault by the Get secret
// action.
func TestSample_LogicAppFunctionKey(t *testing.T) {
	w := loadLogicApp(t, sampleLogicAppKey, map[string]any{"keyVaultName": "kv-example"})

	// What Get secret reads, and what the Key Vault connector answers.
	get := w.action(t, "Get_secret")
	path, err := w.scope(nil).value(sampleMember(get, "inputs", "path"))
	if err != nil {
		t.Fatalf("Get_secret path: %v", err)
	}
	if path != "/secrets/projectsync-function-key/value" {
		t.Errorf("Get_secret path: got %v, want /secrets/projectsync-function-key/value", path)
	}
	w.outputs["Get_secret"] = map[string]any{
		"statusCode": json.Number("200"),
		"body": map[string]any{"value": functionKey, "name": "projectsync-function-key",
			"version": "3c2b1a0f9e8d4c7b6a5f4e3d2c1b0a9f", "contentType": nil,
			"isEnabled": true},
	}

	c := startChain(t, nil)
	w.runCalls(t, c, nil)
}

// Logic App with its managed identity through App Service Authentication:
// no function key; the platform validates the token and injects the
// caller's principal, which the handler checks against ALLOWED_CALLERS.
func TestSample_LogicAppManagedIdentity(t *testing.T) {
	w := loadLogicApp(t, sampleLogicAppMI, map[string]any{"projectSyncAudience": sampleAudience})

	auth, err := w.scope(nil).value(sampleMember(w.action(t, "HTTP"), "inputs",
		"authentication"))
	if err != nil {
		t.Fatalf("authentication: %v", err)
	}
	want := map[string]any{"type": "ManagedServiceIdentity", "audience": sampleAudience}
	if fmt.Sprint(auth) != fmt.Sprint(want) {
		t.Fatalf("authentication: got %v, want %v", auth, want)
	}

	// WEBSITE_AUTH_ENABLED is what the platform sets while App Service
	// Authentication is on.
	c := startChainIn(t, easyAuthApp(t), nil,
		withSetting(settings.EnvCallerAuth, settings.CallerAuthEasyAuth),
		withSetting(settings.EnvAllowedCallers, logicAppPrincipalID),
		withSetting("WEBSITE_AUTH_ENABLED", "True"))
	w.runCalls(t, c, easyAuthHeaders(t, logicAppPrincipalID, logicAppClientID))
	for _, l := range c.handlerLines() {
		if strings.Contains(l, "WEBSITE_AUTH_ENABLED") {
			t.Errorf("handler doubts App Service Authentication: %s", l)
		}
	}

	item := sampleItem(t)
	item["ID"], item["{Identifier}"] = json.Number("2"), "Lists%252fProjects%252f2_.000"
	t.Run("another identity", func(t *testing.T) {
		a, _ := w.send(t, c, item, easyAuthHeaders(t, otherPrincipalID, otherClientID))
		wantProblem(t, a, http.StatusForbidden, "caller_not_allowed", false)
	})
	t.Run("no identity", func(t *testing.T) {
		a, _ := w.send(t, c, item, nil)
		wantProblem(t, a, http.StatusUnauthorized, "caller_not_authenticated", false)
	})
}

// Every sample retries the way ProjectSync's answers want, and gives up
// before the callers' own 120 s, after the handler's deadline.
func TestSample_RetryAndTimeout(t *testing.T) {
	tpl := mustReadBicep(t)
	deadline, err := time.ParseDuration(mustBicepString(t, tpl.params["requestTimeout"].def))
	if err != nil {
		t.Fatalf("requestTimeout default of the template: %v", err)
	}
	for _, w := range allSamples(t) {
		t.Run(w.name, func(t *testing.T) {
			act := w.action(t, "HTTP")
			p := sampleObject(t, act, "inputs", "retryPolicy")
			if p["type"] != "exponential" {
				t.Errorf("retry type: got %v, want exponential", p["type"])
			}
			if n, err := strconv.Atoi(fmt.Sprint(p["count"])); err != nil || n < 1 || n > 90 {
				t.Errorf("retry count: got %v, want 1 to 90", p["count"])
			}
			interval := isoDuration(t, p["interval"])
			lo, hi := isoDuration(t, p["minimumInterval"]), isoDuration(t, p["maximumInterval"])
			if lo < 5*time.Second || lo > interval || interval > hi {
				t.Errorf("retry intervals: got min %s, interval %s, max %s; want "+
					"5s <= min <= interval <= max", lo, interval, hi)
			}

			timeout := isoDuration(t, sampleMember(act, "limit", "timeout"))
			if timeout > 120*time.Second || timeout <= deadline ||
				timeout <= settings.DefaultRequestTimeout {
				t.Errorf("timeout: got %s, want above the handler's deadline (%s) and at "+
					"most 120s", timeout, deadline)
			}
		})
	}
}

// A function key never sits in a sample as a literal: it comes from a
// parameter or from Key Vault, with the action's inputs secured; the
// managed identity sample sends none.
func TestSample_NoLiteralKey(t *testing.T) {
	for _, w := range allSamples(t) {
		t.Run(w.name, func(t *testing.T) {
			act := w.action(t, "HTTP")
			inputs := sampleObject(t, act, "inputs")
			uri, _ := inputs["uri"].(string)
			headers, _ := inputs["headers"].(map[string]any)
			key, hasKey := headers["x-functions-key"]
			if strings.Contains(strings.ToLower(uri), "code=") {
				t.Errorf("uri %q carries a key", uri)
			}
			_, hasAuth := inputs["authentication"]
			switch {
			case hasAuth && hasKey:
				t.Errorf("both authentication and x-functions-key: want one")
			case hasAuth:
				return
			case !hasKey:
				t.Fatalf("neither authentication nor x-functions-key")
			}
			s, _ := key.(string)
			if !strings.HasPrefix(s, "@") || strings.HasPrefix(s, "@@") {
				t.Errorf("x-functions-key: got %q, want an expression", s)
			}
			if !sampleSecured(act, "inputs") {
				t.Errorf("HTTP: inputs not secured, and they hold the key")
			}
			if get, ok := w.actions()["Get_secret"]; ok && !sampleSecured(get, "outputs") {
				t.Errorf("Get_secret: outputs not secured")
			}
		})
	}
}

// Every expression in the samples is one the evaluator can read, so that
// a typo in a sample fails here rather than in a tenant.
func TestSample_ExpressionsParse(t *testing.T) {
	for _, w := range allSamples(t) {
		t.Run(w.name, func(t *testing.T) {
			n := 0
			err := wdlWalkStrings(w.definition, func(s string) error {
				exprs, err := wdlExpressions(s)
				n += len(exprs)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if n < 10 {
				t.Errorf("got %d expressions, want the whole definition read", n)
			}
		})
	}
}

// The evaluator imitates the engine for the forms it knows, and refuses the
// others.
func TestWDL_Evaluator(t *testing.T) {
	s := &wdlScope{
		triggerBody: map[string]any{"Title": "Project Gold", "ID": json.Number("1"),
			"Empty": nil},
		param: func(name string) (any, error) {
			if name == "p" {
				return "a b/c", nil
			}
			return nil, fmt.Errorf("no parameter %s", name)
		},
		outputs: map[string]map[string]any{"HTTP": {"body": map[string]any{"code": "x"}}},
	}
	tests := []struct {
		in   any
		want any
		err  string
	}{
		{"@triggerBody()?['Title']", "Project Gold", ""},
		{"@triggerBody()?['ID']", json.Number("1"), ""},
		{"Item @{triggerBody()?['ID']}: @{triggerBody()?['Title']}", "Item 1: Project Gold", ""},
		{"@{triggerBody()?['Missing']}", "", ""},
		{"@triggerBody()?['Empty']?['Value']", nil, ""},
		{"@triggerBody()['Missing']", nil, "no member"},
		{"@@triggerBody()", "@triggerBody()", ""},
		{"@parameters('p')", "a b/c", ""},
		{"@{encodeURIComponent(encodeURIComponent(parameters('p')))}", "a%2520b%252Fc", ""},
		{"@body('HTTP')?['code']", "x", ""},
		{"@outputs('HTTP')?['body']?['code']", "x", ""},
		{"@body('Other')?['code']", nil, "no outputs"},
		{"@triggerOutputs()?['body/value']", nil, "slash"},
		{"@coalesce(triggerBody()?['Title'], 'x')", nil, "unsupported function"},
		{"@triggerBody().Title", nil, "unexpected"},
		{"@{triggerBody()?['Title']", nil, "want '}'"},
		{"@{triggerBody()}", nil, "as text"},
		{map[string]any{"t": "@triggerBody()?['Title']"}, map[string]any{"t": "Project Gold"}, ""},
	}
	for _, tt := range tests {
		got, err := s.value(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%v: got error %v, want one that says %q", tt.in, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("%v: %v", tt.in, err)
		case tt.err == "" && fmt.Sprint(got) != fmt.Sprint(tt.want):
			t.Errorf("%v: got %#v, want %#v", tt.in, got, tt.want)
		}
	}

	cond := map[string]any{"or": []any{
		map[string]any{"equals": []any{"@outputs('HTTP')?['statusCode']", json.Number("201")}},
		map[string]any{"equals": []any{"@outputs('HTTP')?['statusCode']", json.Number("200")}},
	}}
	for status, want := range map[string]bool{"201": true, "200": true, "400": false} {
		s.outputs["HTTP"]["statusCode"] = json.Number(status)
		if got, err := s.condition(cond); err != nil || got != want {
			t.Errorf("condition for %s: got %v %v, want %v", status, got, err, want)
		}
	}
	if _, err := s.condition(map[string]any{"contains": []any{"a", "b"}}); err == nil {
		t.Errorf("condition contains: got no error, want unsupported")
	}
}

// ---------------------------------------------------------------------------
// Running a sample
// ---------------------------------------------------------------------------

// sampleWorkflow is the workflow definition of one sample, with the values
// its parameters have when it runs and the outputs of its actions so far.
type sampleWorkflow struct {
	name       string
	definition map[string]any
	params     map[string]func() (any, error)
	outputs    map[string]map[string]any
}

// runCalls runs the sample's HTTP action three times, as three runs of the
// workflow would: for the item of case B1 (201, the entity created), for the
// same item again (200, the same entity), and for the item with a blank
// title (400). Each answer goes through the sample's Condition. extra are
// headers the platform adds in front of the function.
func (w *sampleWorkflow) runCalls(t *testing.T, c *chain, extra http.Header) {
	t.Helper()

	a, out := w.send(t, c, sampleItem(t), extra)
	if a.Status != http.StatusCreated {
		t.Fatalf("B1: got %d %.300s, want 201", a.Status, a.Body)
	}
	id := a.num("entityId")
	if id <= 0 || a.str("title") != "Project Gold" {
		t.Fatalf("B1: answer %s", a.Body)
	}
	c.wantEntity(id, "Project Gold", 1)
	w.wantBranch(t, out, a)

	again, out := w.send(t, c, sampleItem(t), extra)
	if again.Status != http.StatusOK || again.num("entityId") != id {
		t.Fatalf("B1 again: got %d %.300s, want 200 with entity %d", again.Status, again.Body, id)
	}
	w.wantBranch(t, out, again)

	blank := sampleItem(t)
	blank["Title"], blank["ID"] = "  ", json.Number("3")
	bad, out := w.send(t, c, blank, extra)
	wantProblem(t, bad, http.StatusBadRequest, "invalid_field", false)
	w.wantBranch(t, out, bad)
}

// send evaluates the HTTP action for one trigger item and sends exactly the
// request it describes, plus the headers the engine adds and extra. It
// returns the answer and the action's outputs as the engine keeps them.
func (w *sampleWorkflow) send(t *testing.T, c *chain, item map[string]any,
	extra http.Header) (answer, map[string]any) {
	t.Helper()
	s := w.scope(item)
	inputs, err := s.value(sampleMember(w.action(t, "HTTP"), "inputs"))
	if err != nil {
		t.Fatalf("HTTP inputs: %v", err)
	}
	in := sampleObject(t, inputs)

	method, _ := in["method"].(string)
	raw, _ := in["uri"].(string)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Host, ".azurewebsites.net") {
		t.Fatalf("uri: got %q, want https://<app>.azurewebsites.net/...", raw)
	}
	if u.Path != "/api/ProjectSync" {
		t.Fatalf("uri path: got %q, want /api/ProjectSync", u.Path)
	}

	h := sampleEngineHeaders(w.name)
	headers, _ := in["headers"].(map[string]any)
	for k, v := range headers {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("header %s: got %T, want text", k, v)
		}
		h.Set(k, s)
	}
	for k, v := range extra {
		h[k] = v
	}
	body, err := json.Marshal(in["body"])
	if err != nil {
		t.Fatalf("body: %v", err)
	}

	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	a := c.do(strings.ToUpper(method), path, body, h)
	return a, sampleOutputs(t, a)
}

// wantBranch runs the sample's Condition on the action's outputs: success
// answers take the branch that reads entityId, problems the one that reads
// code and fix.
func (w *sampleWorkflow) wantBranch(t *testing.T, out map[string]any, a answer) {
	t.Helper()
	w.outputs["HTTP"] = out
	defer delete(w.outputs, "HTTP")
	s := w.scope(nil)

	cond := w.action(t, "Condition_created")
	after, _ := sampleMember(cond, "runAfter", "HTTP").([]any)
	for _, st := range []any{"Succeeded", "Failed", "TimedOut"} {
		if !slices.Contains(after, st) {
			t.Errorf("Condition runAfter HTTP: got %v, want %v among them", after, st)
		}
	}
	ok, err := s.condition(cond["expression"])
	if err != nil {
		t.Fatalf("condition: %v", err)
	}
	success := a.Status == http.StatusOK || a.Status == http.StatusCreated
	if ok != success {
		t.Fatalf("condition for %d: got %v, want %v", a.Status, ok, success)
	}

	if success {
		step := sampleObject(t, cond, "actions", "WorkPoint_entity_id")
		got, err := s.value(step["inputs"])
		if err != nil || fmt.Sprint(got) != strconv.Itoa(a.num("entityId")) {
			t.Errorf("entity id step: got %v %v, want %d", got, err, a.num("entityId"))
		}
		return
	}
	step := sampleObject(t, cond, "else", "actions", "Fail_with_the_fix")
	got, err := s.value(step["inputs"])
	if err != nil {
		t.Fatalf("failure step: %v", err)
	}
	runError := sampleObject(t, got, "runError")
	msg, _ := runError["message"].(string)
	if runError["code"] != a.str("code") || !strings.Contains(msg, a.str("fix")) ||
		!strings.Contains(msg, a.str("invocationId")) {
		t.Errorf("failure step: got %v, want code %q and the fix and invocation id",
			runError, a.str("code"))
	}
}

// scope returns the expression scope of one run for a trigger item.
func (w *sampleWorkflow) scope(item map[string]any) *wdlScope {
	var body any
	if item != nil {
		body = item
	}
	return &wdlScope{triggerBody: body, outputs: w.outputs,
		param: func(name string) (any, error) {
			p, ok := w.params[name]
			if !ok {
				return nil, fmt.Errorf("no parameter %q in the definition", name)
			}
			return p()
		}}
}

func (w *sampleWorkflow) actions() map[string]map[string]any {
	out := map[string]map[string]any{}
	all, _ := w.definition["actions"].(map[string]any)
	for name, a := range all {
		out[name], _ = a.(map[string]any)
	}
	return out
}

// action returns the top-level action name, failing the test if it is
// missing.
func (w *sampleWorkflow) action(t *testing.T, name string) map[string]any {
	t.Helper()
	a, ok := w.actions()[name]
	if !ok || a == nil {
		t.Fatalf("%s: no action %s", w.name, name)
	}
	return a
}

// sampleOutputs is what the engine keeps of an HTTP answer: the status, the
// headers, and the body, parsed when its media type is JSON.
//
// NOTE: whether the engine parses application/problem+json (the type of
// every ProjectSync problem) as it parses application/json is not
// documented. This imitation treats every application/*+json type as JSON;
// samples/README.md says how a flow reads the body if a tenant does not.
func sampleOutputs(t *testing.T, a answer) map[string]any {
	t.Helper()
	headers := map[string]any{}
	for k := range a.Header {
		headers[k] = a.Header.Get(k)
	}
	var body any = string(a.Body)
	mt, _, _ := mime.ParseMediaType(a.Header.Get("Content-Type"))
	if mt == "application/json" || strings.HasPrefix(mt, "application/") &&
		strings.HasSuffix(mt, "+json") {
		v, err := sampleDecode(a.Body)
		if err != nil {
			t.Fatalf("answer of type %s is not JSON: %v", mt, err)
		}
		body = v
	}
	return map[string]any{"statusCode": json.Number(strconv.Itoa(a.Status)),
		"headers": headers, "body": body}
}

// sampleEngineHeaders are headers the Logic Apps engine adds to an HTTP
// action's request, whatever the maker set.
func sampleEngineHeaders(workflow string) http.Header {
	h := http.Header{}
	h.Set("User-Agent", "azure-logic-apps/1.0 (workflow 3f0c2a9e8b7d4c1e9a6f5b4c3d2e1f00; "+
		"version 08584712345678901234)")
	h.Set("x-ms-workflow-name", workflow)
	h.Set("x-ms-workflow-run-id", "08584712345612345678901234567CU12")
	h.Set("x-ms-client-tracking-id", "08584712345612345678901234567CU12")
	h.Set("x-ms-correlation-id", "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d")
	h.Set("x-ms-action-tracking-id", "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e")
	return h
}

// easyAuthHeaders are the headers App Service Authentication passes on for
// a Logic App that called with a managed identity token: the token itself,
// and the principal it validated (claims as Entra ID issues them to a
// managed identity, with the platform's default claim mapping).
func easyAuthHeaders(t *testing.T, objectID, appID string) http.Header {
	t.Helper()
	issuer := "https://sts.windows.net/" + standin.TenantID + "/"
	claims := []map[string]string{
		{"typ": "aud", "val": sampleAudience},
		{"typ": "iss", "val": issuer},
		{"typ": "appid", "val": appID},
		{"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": objectID},
		{"typ": "http://schemas.microsoft.com/identity/claims/tenantid", "val": standin.TenantID},
		{"typ": "idtyp", "val": "app"},
	}
	principal, err := json.Marshal(map[string]any{
		"auth_typ": "aad", "claims": claims,
		"name_typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
		"role_typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
	})
	if err != nil {
		t.Fatal(err)
	}

	// A token of the managed identity's form; nobody verifies its signature
	// behind Easy Auth, and it must appear in no log line or answer.
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(map[string]any{"aud": sampleAudience, "iss": issuer,
		"appid": appID, "oid": objectID, "tid": standin.TenantID, "idtyp": "app",
		"exp": time.Now().Add(time.Hour).Unix()})
	token := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"sample"}`)) + "." +
		enc.EncodeToString(payload) + "." + enc.EncodeToString([]byte("sample-signature-"+objectID))
	remember([]string{token})

	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	h.Set("X-MS-CLIENT-PRINCIPAL", base64.StdEncoding.EncodeToString(principal))
	h.Set("X-MS-CLIENT-PRINCIPAL-ID", objectID)
	h.Set("X-MS-CLIENT-PRINCIPAL-NAME", appID)
	h.Set("X-MS-CLIENT-PRINCIPAL-IDP", "aad")
	return h
}

// easyAuthApp lays out a copy of the app in which ProjectSync has authLevel
// anonymous. Behind App Service Authentication the Functions host must not
// ask for a function key as well: a Logic App calling with its managed
// identity has none, and the host would answer 401 before the handler.
func easyAuthApp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"host.json", "Health/function.json", "ProjectSync/function.json"} {
		b, err := os.ReadFile(filepath.Join(appRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "ProjectSync/function.json" {
			b = anonymousFunction(t, b)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	handler := filepath.Join(appRoot, "handler")
	if err := os.Link(handler, filepath.Join(dir, "handler")); err != nil {
		b, rerr := os.ReadFile(handler)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if err := os.WriteFile(filepath.Join(dir, "handler"), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// anonymousFunction sets authLevel anonymous on the httpTrigger binding of
// a function.json.
func anonymousFunction(t *testing.T, b []byte) []byte {
	t.Helper()
	var fn map[string]any
	if err := json.Unmarshal(b, &fn); err != nil {
		t.Fatal(err)
	}
	bindings, _ := fn["bindings"].([]any)
	n := 0
	for _, b := range bindings {
		if m, ok := b.(map[string]any); ok && m["type"] == "httpTrigger" {
			m["authLevel"] = "anonymous"
			n++
		}
	}
	if n != 1 {
		t.Fatalf("function.json: got %d httpTrigger bindings, want 1", n)
	}
	out, err := json.Marshal(fn)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ---------------------------------------------------------------------------
// Loading the samples
// ---------------------------------------------------------------------------

// allSamples loads the three samples with the parameter values a tenant
// would give them.
func allSamples(t *testing.T) []*sampleWorkflow {
	t.Helper()
	return []*sampleWorkflow{
		loadPowerAutomate(t, samplePowerAutomate, map[string]any{
			"ProjectSync function key (ps_ProjectSyncFunctionKey)": functionKey}),
		loadLogicApp(t, sampleLogicAppKey, map[string]any{"keyVaultName": "kv-example"}),
		loadLogicApp(t, sampleLogicAppMI, map[string]any{"projectSyncAudience": sampleAudience}),
	}
}

// loadPowerAutomate reads a solution export's workflow (the clientdata of a
// cloud flow). Its parameters take the values of env, the environment
// variables of the environment it runs in, else their defaults.
func loadPowerAutomate(t *testing.T, path string, env map[string]any) *sampleWorkflow {
	t.Helper()
	doc := sampleRead(t, path)
	def := sampleObject(t, doc, "properties", "definition")
	w := &sampleWorkflow{name: filepath.Base(path), definition: def,
		params: map[string]func() (any, error){}, outputs: map[string]map[string]any{}}
	declared, _ := def["parameters"].(map[string]any)
	for name, p := range declared {
		v, given := env[name]
		if !given {
			v = sampleMember(p, "defaultValue")
		}
		w.params[name] = func() (any, error) { return v, nil }
	}
	for name := range env {
		if _, ok := declared[name]; !ok {
			t.Fatalf("%s: no parameter %q to set", path, name)
		}
	}
	return w
}

var armParameterRE = regexp.MustCompile(`^\[parameters\('([^']+)'\)\]$`)

// loadLogicApp reads an ARM template holding one Logic App (Consumption).
// The workflow's parameters take their values from the template's
// properties.parameters, where only [parameters('name')] is resolved: to
// args[name], else the template parameter's default. Any other ARM
// expression is an error when a run reads it.
func loadLogicApp(t *testing.T, path string, args map[string]any) *sampleWorkflow {
	t.Helper()
	doc := sampleRead(t, path)
	templateParams, _ := doc["parameters"].(map[string]any)
	resources, _ := doc["resources"].([]any)
	var workflow map[string]any
	for _, r := range resources {
		if m, _ := r.(map[string]any); m["type"] == "Microsoft.Logic/workflows" {
			if workflow != nil {
				t.Fatalf("%s: more than one workflow", path)
			}
			workflow = m
		}
	}
	def := sampleObject(t, workflow, "properties", "definition")
	for name := range args {
		if _, ok := templateParams[name]; !ok {
			t.Fatalf("%s: no template parameter %q to set", path, name)
		}
	}

	w := &sampleWorkflow{name: filepath.Base(path), definition: def,
		params: map[string]func() (any, error){}, outputs: map[string]map[string]any{}}
	values, _ := sampleMember(workflow, "properties", "parameters").(map[string]any)
	declared, _ := def["parameters"].(map[string]any)
	for name := range declared {
		expr := values[name]
		w.params[name] = func() (any, error) {
			s, _ := sampleMember(expr, "value").(string)
			m := armParameterRE.FindStringSubmatch(s)
			if m == nil {
				return nil, fmt.Errorf("workflow parameter %s: %.60v is not imitated", name, expr)
			}
			if v, ok := args[m[1]]; ok {
				return v, nil
			}
			p, _ := templateParams[m[1]].(map[string]any)
			v, ok := p["defaultValue"].(string)
			if !ok || strings.HasPrefix(v, "[") {
				return nil, fmt.Errorf("template parameter %s: no plain default", m[1])
			}
			return v, nil
		}
	}
	return w
}

// sampleItem returns the item of case B1 as the trigger hands it.
func sampleItem(t *testing.T) map[string]any {
	t.Helper()
	v, err := sampleDecode(caseFile(t, "project-gold.sharepoint-item.json"))
	if err != nil {
		t.Fatal(err)
	}
	return sampleObject(t, v)
}

func sampleRead(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sampleDecode(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: not a JSON object", path)
	}
	return m
}

// sampleDecode decodes JSON keeping numbers as written, as the engine
// passes them on (150000.0 stays 150000.0). The order of members is not
// kept; ProjectSync reads them by name.
func sampleDecode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// sampleMember follows object members; a missing one is nil.
func sampleMember(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// sampleObject follows object members to an object, failing the test if
// there is none.
func sampleObject(t *testing.T, v any, keys ...string) map[string]any {
	t.Helper()
	m, ok := sampleMember(v, keys...).(map[string]any)
	if !ok {
		t.Fatalf("%s: not an object", strings.Join(keys, "."))
	}
	return m
}

// sampleSecured reports whether an action's run history hides what.
func sampleSecured(action map[string]any, what string) bool {
	rc, _ := action["runtimeConfiguration"].(map[string]any)
	sd, _ := rc["secureData"].(map[string]any)
	props, _ := sd["properties"].([]any)
	return slices.Contains(props, any(what))
}

var isoDurationRE = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// isoDuration reads an ISO 8601 duration of days, hours, minutes and
// seconds, such as PT15S or PT5M.
func isoDuration(t *testing.T, v any) time.Duration {
	t.Helper()
	s, _ := v.(string)
	m := isoDurationRE.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		t.Fatalf("duration %v: want ISO 8601 such as PT15S", v)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	return d
}

func mustBicepString(t *testing.T, expr string) string {
	t.Helper()
	s, ok := bicepString(expr)
	if !ok {
		t.Fatalf("%s: not a string literal", expr)
	}
	return s
}

// ---------------------------------------------------------------------------
// The expression evaluator
// ---------------------------------------------------------------------------

// wdlScope evaluates Workflow Definition Language, the expression language
// of Logic Apps and Power Automate definitions, for exactly the forms the
// samples use, as the engine does:
//
//   - a string that starts with "@" (but not "@{" or "@@") is one
//     expression, and its value keeps its type: "@triggerBody()" is the
//     item object, "@triggerBody()?['ID']" the number 1;
//   - any other string may hold "@{expression}" parts, replaced by their
//     value as text (a string as it is, a number as written, null as
//     nothing); the result is a string;
//   - "@@" at the start of a string stands for a literal "@";
//   - an expression is a string literal (in quotes, a quote
//     doubled), a number, true, false,
//     null, or a call of triggerBody(), triggerOutputs(), parameters(name),
//     body(action), outputs(action) or encodeURIComponent(text), followed
//     by ['member'] or ?['member'] accessors: on a missing member or a null
//     value the ? form gives null and the plain form is an error, as in the
//     engine;
//   - conditions of an If action: and, or, equals (of numbers or text).
//
// Anything else is an error, so that a sample written in a form this
// imitation does not know fails the tests instead of being guessed at:
// other functions, '.' member access, Power Automate's slash paths
// (['body/value']) and text forms of booleans and objects.
type wdlScope struct {
	triggerBody any
	param       func(name string) (any, error)
	outputs     map[string]map[string]any
}

// value evaluates every expression in v: strings, and the members and items
// of objects and arrays.
func (s *wdlScope) value(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return s.text(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, m := range v {
			e, err := s.value(m)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = e
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, m := range v {
			e, err := s.value(m)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = e
		}
		return out, nil
	}
	return v, nil
}

// text evaluates one string of a definition.
func (s *wdlScope) text(str string) (any, error) {
	switch {
	case strings.HasPrefix(str, "@@"):
		return str[1:], nil
	case strings.HasPrefix(str, "@") && !strings.HasPrefix(str, "@{"):
		e, err := wdlParse(str[1:])
		if err != nil {
			return nil, err
		}
		return s.eval(e)
	}

	var b strings.Builder
	for {
		i := strings.Index(str, "@{")
		if i < 0 {
			b.WriteString(str)
			return b.String(), nil
		}
		b.WriteString(str[:i])
		p := &wdlParser{s: str[i+2:]}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '}' {
			return nil, fmt.Errorf("wdl: %.40q: want '}'", str[i:])
		}
		v, err := s.eval(e)
		if err != nil {
			return nil, err
		}
		t, err := wdlString(v)
		if err != nil {
			return nil, err
		}
		b.WriteString(t)
		str = p.s[p.i+1:]
	}
}

// wdlString is a value as text inside "@{...}".
func wdlString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	}
	return "", fmt.Errorf("wdl: a %T as text is not imitated", v)
}

// eval evaluates a parsed expression.
func (s *wdlScope) eval(e *wdlExpr) (any, error) {
	var v any
	args := make([]any, len(e.args))
	for i, a := range e.args {
		var err error
		if args[i], err = s.eval(a); err != nil {
			return nil, err
		}
	}
	name := func() (string, error) {
		n, ok := args[0].(string)
		if !ok {
			return "", fmt.Errorf("wdl: %s wants a name, got %v", e.call, args[0])
		}
		return n, nil
	}

	switch e.call {
	case "":
		v = e.lit
	case "triggerBody":
		v = s.triggerBody
	case "triggerOutputs":
		v = map[string]any{"body": s.triggerBody}
	case "parameters":
		n, err := name()
		if err != nil {
			return nil, err
		}
		if v, err = s.param(n); err != nil {
			return nil, err
		}
	case "body", "outputs":
		n, err := name()
		if err != nil {
			return nil, err
		}
		out, ok := s.outputs[n]
		if !ok {
			return nil, fmt.Errorf("wdl: action %s has no outputs yet", n)
		}
		v = map[string]any(out)
		if e.call == "body" {
			v = out["body"]
		}
	case "encodeURIComponent":
		t, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("wdl: encodeURIComponent of %T", args[0])
		}
		v = wdlEncodeURIComponent(t)
	default:
		return nil, fmt.Errorf("wdl: unsupported function %s", e.call)
	}

	for _, a := range e.access {
		key, err := s.eval(a.key)
		if err != nil {
			return nil, err
		}
		if v, err = wdlMember(v, key, a.optional); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// wdlMember is v[key], or v?[key] when optional.
func wdlMember(v, key any, optional bool) (any, error) {
	k, ok := key.(string)
	if !ok {
		return nil, fmt.Errorf("wdl: member %v: only text member names are imitated", key)
	}
	if strings.Contains(k, "/") {
		return nil, fmt.Errorf("wdl: member %q: slash paths are not imitated", k)
	}
	if v == nil {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("wdl: member %q of null", k)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("wdl: member %q of a %T", k, v)
	}
	out, ok := m[k]
	if !ok && !optional {
		return nil, fmt.Errorf("wdl: no member %q", k)
	}
	return out, nil
}

// wdlEncodeURIComponent escapes as JavaScript's encodeURIComponent does.
func wdlEncodeURIComponent(s string) string {
	const keep = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(keep, s[i]) >= 0 {
			b.WriteByte(s[i])
		} else {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
	}
	return b.String()
}

// condition evaluates the expression object of an If action.
func (s *wdlScope) condition(c any) (bool, error) {
	m, ok := c.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("wdl: condition %v: want one operator", c)
	}
	for op, arg := range m {
		list, ok := arg.([]any)
		if !ok {
			return false, fmt.Errorf("wdl: condition %s: want a list", op)
		}
		switch op {
		case "and", "or":
			for _, sub := range list {
				v, err := s.condition(sub)
				if err != nil {
					return false, err
				}
				if op == "or" && v {
					return true, nil
				}
				if op == "and" && !v {
					return false, nil
				}
			}
			return op == "and", nil
		case "equals":
			if len(list) != 2 {
				return false, fmt.Errorf("wdl: equals wants 2 values")
			}
			a, err := s.value(list[0])
			if err != nil {
				return false, err
			}
			b, err := s.value(list[1])
			if err != nil {
				return false, err
			}
			return wdlEquals(a, b)
		}
		return false, fmt.Errorf("wdl: condition %s is not imitated", op)
	}
	return false, nil
}

// wdlEquals compares numbers by value and text as it is; values of
// different kinds differ. Other kinds are not imitated.
func wdlEquals(a, b any) (bool, error) {
	known := func(v any) bool {
		switch v.(type) {
		case nil, json.Number, string:
			return true
		}
		return false
	}
	if !known(a) || !known(b) {
		return false, fmt.Errorf("wdl: equals of %T and %T is not imitated", a, b)
	}
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		x, err1 := an.Float64()
		y, err2 := bn.Float64()
		return err1 == nil && err2 == nil && x == y, nil
	}
	return a == b, nil
}

// wdlExpr is a parsed expression: a literal, or a call with its arguments,
// followed by member accessors.
type wdlExpr struct {
	lit    any
	call   string
	args   []*wdlExpr
	access []wdlAccess
}

type wdlAccess struct {
	optional bool
	key      *wdlExpr
}

// wdlFunctions are the functions the evaluator knows, with their arity.
var wdlFunctions = map[string]int{
	"triggerBody": 0, "triggerOutputs": 0, "parameters": 1, "body": 1, "outputs": 1,
	"encodeURIComponent": 1,
}

// wdlParse parses a whole expression.
func wdlParse(s string) (*wdlExpr, error) {
	p := &wdlParser{s: s}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.space(); p.i != len(p.s) {
		return nil, fmt.Errorf("wdl: unexpected %.30q in %q", p.s[p.i:], s)
	}
	return e, nil
}

// wdlExpressions parses the expressions of one definition string.
func wdlExpressions(str string) ([]*wdlExpr, error) {
	switch {
	case strings.HasPrefix(str, "@@"):
		return nil, nil
	case strings.HasPrefix(str, "@") && !strings.HasPrefix(str, "@{"):
		e, err := wdlParse(str[1:])
		return []*wdlExpr{e}, err
	}
	var out []*wdlExpr
	for {
		i := strings.Index(str, "@{")
		if i < 0 {
			return out, nil
		}
		p := &wdlParser{s: str[i+2:]}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.space(); p.i >= len(p.s) || p.s[p.i] != '}' {
			return nil, fmt.Errorf("wdl: %.40q: want '}'", str[i:])
		}
		out = append(out, e)
		str = p.s[p.i+1:]
	}
}

// wdlWalkStrings calls f for every string value in a definition.
func wdlWalkStrings(v any, f func(string) error) error {
	switch v := v.(type) {
	case string:
		if err := f(v); err != nil {
			return fmt.Errorf("%q: %w", v, err)
		}
	case map[string]any:
		for _, m := range v {
			if err := wdlWalkStrings(m, f); err != nil {
				return err
			}
		}
	case []any:
		for _, m := range v {
			if err := wdlWalkStrings(m, f); err != nil {
				return err
			}
		}
	}
	return nil
}

type wdlParser struct {
	s string
	i int
}

var (
	wdlIdentRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)
	wdlNumberRE = regexp.MustCompile(`^-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?`)
)

func (p *wdlParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// expr parses a literal or a call, and its accessors.
func (p *wdlParser) expr() (*wdlExpr, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("wdl: unexpected end of %q", p.s)
	}
	var e *wdlExpr
	switch rest := p.s[p.i:]; {
	case rest[0] == '\'':
		s, err := p.stringLit()
		if err != nil {
			return nil, err
		}
		e = &wdlExpr{lit: s}
	case wdlNumberRE.MatchString(rest):
		n := wdlNumberRE.FindString(rest)
		p.i += len(n)
		e = &wdlExpr{lit: json.Number(n)}
	case wdlIdentRE.MatchString(rest):
		id := wdlIdentRE.FindString(rest)
		p.i += len(id)
		var err error
		if e, err = p.call(id); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("wdl: unexpected %.30q", rest)
	}

	for p.i < len(p.s) {
		optional := strings.HasPrefix(p.s[p.i:], "?[")
		if !optional && p.s[p.i] != '[' {
			if p.s[p.i] == '.' {
				return nil, fmt.Errorf("wdl: unexpected '.' member access in %q", p.s)
			}
			break
		}
		if optional {
			p.i++
		}
		p.i++
		key, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.space(); p.i >= len(p.s) || p.s[p.i] != ']' {
			return nil, fmt.Errorf("wdl: want ']' in %q", p.s)
		}
		p.i++
		e.access = append(e.access, wdlAccess{optional: optional, key: key})
	}
	return e, nil
}

// call parses the arguments of function id, or a keyword literal.
func (p *wdlParser) call(id string) (*wdlExpr, error) {
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		switch id {
		case "true", "false":
			return &wdlExpr{lit: id == "true"}, nil
		case "null":
			return &wdlExpr{}, nil
		}
		return nil, fmt.Errorf("wdl: unexpected name %s", id)
	}
	arity, known := wdlFunctions[id]
	if !known {
		return nil, fmt.Errorf("wdl: unsupported function %s", id)
	}
	p.i++
	e := &wdlExpr{call: id}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ')' && len(e.args) == 0 {
			p.i++
			break
		}
		arg, err := p.expr()
		if err != nil {
			return nil, err
		}
		e.args = append(e.args, arg)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			break
		}
		return nil, fmt.Errorf("wdl: want ',' or ')' in %q", p.s)
	}
	if len(e.args) != arity {
		return nil, fmt.Errorf("wdl: %s wants %d arguments, got %d", id, arity, len(e.args))
	}
	return e, nil
}

// stringLit parses a quoted text, in which a doubled quote stands for one.
func (p *wdlParser) stringLit() (string, error) {
	var b strings.Builder
	for j := p.i + 1; j < len(p.s); j++ {
		if p.s[j] != '\'' {
			b.WriteByte(p.s[j])
			continue
		}
		if j+1 < len(p.s) && p.s[j+1] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		p.i = j + 1
		return b.String(), nil
	}
	return "", fmt.Errorf("wdl: unterminated string in %q", p.s)
}
