package e2e

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"projectsync/internal/ledger"
	"projectsync/internal/settings"
)

// The deployment template deploy/main.bicep and the handler must not drift
// apart: every app setting the handler reads in Azure is set by the template,
// and the template sets nothing the handler does not read but the platform
// settings it needs. No Bicep CLI is available here, so the tests below read
// the template with a small reader of Bicep's declaration syntax (see
// parseBicep) and the handler's setting names straight from the Go source of
// the settings and ledger packages (see goEnvConstants).

const (
	bicepFilePath     = "../deploy/main.bicep"
	bicepParamsPath   = "../deploy/main.parameters.example.json"
	funcignorePath    = "../.funcignore"
	exampleUAMIClient = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// Handler settings the template leaves out on purpose, with the reason.
var handlerOnlySettings = map[string]string{
	settings.EnvPort:         "set by the Functions host for each start of the handler",
	settings.EnvPortLegacy:   "set by the Functions host for each start of the handler",
	settings.EnvRuntimeStats: "GET /debug/runtime is for local load tests only",
	ledger.EnvStorage:        "the template connects to storage by identity, not with a key",
	ledger.EnvStorageTableServiceURI: "__accountName names the table service in the " +
		"public cloud; set this one by hand in a sovereign cloud",
}

// Platform settings the template sets that no Env constant names.
var platformSettings = map[string]string{
	"APPLICATIONINSIGHTS_CONNECTION_STRING": "the host sends its telemetry there",
}

// Settings the template must never set: Flex Consumption does not take the
// first three (the runtime is declared in functionAppConfig), a key-based
// storage connection would bring back shared keys, and the Azure SDK reads
// the AZURE_* names as its own credentials.
var forbiddenSettings = []string{
	"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE",
	"AzureWebJobsStorage", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET",
}

// Values Azure fills in at deployment, keyed by the exact expression text
// the template uses, for TestDeployTemplate_SettingsLoad. An expression not
// listed here fails that test: add it with a value of the same form.
var bicepDeployTimeValues = map[string]string{
	"storage.name":                    "stprojectsyncexample01",
	"appIdentity.properties.clientId": exampleUAMIClient,
	"vault.properties.vaultUri":       "https://kv-example.vault.azure.net/",

	"environment().authentication.loginEndpoint": "https://login.microsoftonline.com/",

	"handlerUsesUserAssigned ? appIdentity.properties.clientId : ''": exampleUAMIClient,

	"appInsights.properties.ConnectionString": "InstrumentationKey=" +
		"0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f;" +
		"IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
}

// Well-known role definitions the template must assign, and the resource
// types the tests look for.
const (
	roleKeyVaultSecretsUser         = "4633458b-17de-408a-b874-0445c86b69e6"
	roleStorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
	roleStorageBlobDataOwner        = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
	bicepTypeRoleAssignment         = "Microsoft.Authorization/roleAssignments"
	bicepTypeSite                   = "Microsoft.Web/sites"
	bicepTypePlan                   = "Microsoft.Web/serverfarms"
	bicepTypeVault                  = "Microsoft.KeyVault/vaults"
	bicepTypeStorage                = "Microsoft.Storage/storageAccounts"
	bicepTypeUserAssignedIdentity   = "Microsoft.ManagedIdentity/userAssignedIdentities"
)

// The app settings of the template are exactly the handler's settings that
// apply in Azure, plus the platform's.
func TestDeployTemplate_AppSettings(t *testing.T) {
	tpl := mustReadBicep(t)
	got := bicepAppSettings(t, tpl)

	envs := goEnvConstants(t, "../internal/settings/settings.go")
	for k, v := range goEnvConstants(t, "../internal/ledger/storage.go") {
		envs[k] = v
	}
	want := map[string]bool{}
	for _, name := range envs {
		if _, skip := handlerOnlySettings[name]; !skip {
			want[name] = true
		}
	}
	for name := range platformSettings {
		want[name] = true
	}

	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("app setting %s: missing from the template", name)
		}
	}
	for name := range got {
		if !want[name] {
			t.Errorf("app setting %s: set by the template, but the handler does not read it "+
				"and it is not a platform setting", name)
		}
	}
	for _, name := range forbiddenSettings {
		if _, ok := got[name]; ok {
			t.Errorf("app setting %s: must not be set", name)
		}
	}
	// The lists of exceptions name real settings, or they would hide drift.
	values := map[string]bool{}
	for _, v := range envs {
		values[v] = true
	}
	for name := range handlerOnlySettings {
		if !values[name] {
			t.Errorf("handlerOnlySettings lists %s, which no Env constant names", name)
		}
	}
	if len(envs) < 30 {
		t.Errorf("got %d Env constants from the Go source, want the whole list", len(envs))
	}
}

// With the example parameters and the values Azure fills in, the template's
// app settings are settings the handler starts with, and storage settings
// the ledger reads as an identity-based connection.
func TestDeployTemplate_SettingsLoad(t *testing.T) {
	tpl := mustReadBicep(t)
	example := readBicepParameters(t)
	values := map[string]string{}
	for name, expr := range bicepAppSettings(t, tpl) {
		v, err := bicepResolve(tpl, example, expr)
		if err != nil {
			t.Fatalf("app setting %s: %v", name, err)
		}
		values[name] = v
	}
	getenv := func(k string) string { return values[k] }

	s, err := settings.Load(getenv)
	if err != nil {
		t.Fatalf("settings.Load: %v", err)
	}
	if s.Ledger != settings.LedgerTable {
		t.Errorf("IDEMPOTENCY_STORE: got %q, want %q", s.Ledger, settings.LedgerTable)
	}
	if s.ManagedIdentityClientID != exampleUAMIClient {
		t.Errorf("MANAGED_IDENTITY_CLIENT_ID: got %q, want the user-assigned identity",
			s.ManagedIdentityClientID)
	}

	storage, err := ledger.ParseStorage(getenv)
	if err != nil {
		t.Fatalf("ledger.ParseStorage: %v", err)
	}
	if !storage.Configured() || !storage.ManagedIdentity() ||
		storage.ClientID() != exampleUAMIClient {
		t.Errorf("storage: got %s, want identity-based with client %s",
			storage.Describe(), exampleUAMIClient)
	}
	if storage.AccountKey() != "" {
		t.Errorf("storage: the template's connection carries an account key")
	}
}

// A setting fed straight from a parameter is described by a sentence that
// starts with the setting's name, so that an admin finds it.
func TestDeployTemplate_ParamsDescribeSettings(t *testing.T) {
	tpl := mustReadBicep(t)
	for name, expr := range bicepAppSettings(t, tpl) {
		p, ok := tpl.params[expr]
		if !ok {
			continue
		}
		if !strings.HasPrefix(p.description, name+":") {
			t.Errorf("param %s (setting %s): description %q does not start with %q",
				expr, name, p.description, name+":")
		}
	}
}

// Both role assignments the handler needs exist, for the right identity on
// the right scope, and so does the one Flex Consumption deployments need.
func TestDeployTemplate_RoleAssignments(t *testing.T) {
	tpl := mustReadBicep(t)
	appSettings := bicepAppSettings(t, tpl)

	// The identity of the storage connection (host, ledger, deployment).
	storageClient := appSettings[ledger.EnvStorageClientID]
	uami, ok := strings.CutSuffix(storageClient, ".properties.clientId")
	if !ok || tpl.resources[uami].typ != bicepTypeUserAssignedIdentity {
		t.Fatalf("%s: got %q, want <user-assigned identity>.properties.clientId",
			ledger.EnvStorageClientID, storageClient)
	}
	uamiPrincipal := uami + ".properties.principalId"

	// The identity the handler reads the secret with: the same condition
	// picks the client id of the setting and the principal of the role.
	miRE := regexp.MustCompile(`^(\w+) \? ` + uami + `\.properties\.clientId : ''$`)
	m := miRE.FindStringSubmatch(appSettings[settings.EnvManagedIdentity])
	if m == nil {
		t.Fatalf("%s: got %q, want <condition> ? %s.properties.clientId : ''",
			settings.EnvManagedIdentity, appSettings[settings.EnvManagedIdentity], uami)
	}
	site := bicepOnly(t, tpl, bicepTypeSite)
	handlerPrincipal := fmt.Sprintf("%s ? %s : %s.identity.principalId", m[1], uamiPrincipal, site)

	tests := []struct {
		name, role, scopeType, principal string
	}{
		{"Key Vault Secrets User on the vault", roleKeyVaultSecretsUser, bicepTypeVault,
			handlerPrincipal},
		{"Storage Table Data Contributor for the ledger", roleStorageTableDataContributor,
			bicepTypeStorage, uamiPrincipal},
		{"Storage Blob Data Owner for host and deployment", roleStorageBlobDataOwner,
			bicepTypeStorage, uamiPrincipal},
	}
	assignments := bicepRoleAssignments(t, tpl)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var found []bicepRoleAssignment
			for _, a := range assignments {
				if a.role == tt.role {
					found = append(found, a)
				}
			}
			if len(found) != 1 {
				t.Fatalf("got %d assignments of role %s, want 1", len(found), tt.role)
			}
			a := found[0]
			if got := tpl.resources[a.scope].typ; got != tt.scopeType {
				t.Errorf("scope %s: got type %q, want %q", a.scope, got, tt.scopeType)
			}
			if a.principal != tt.principal {
				t.Errorf("principalId: got %q, want %q", a.principal, tt.principal)
			}
			if a.principalType != "'ServicePrincipal'" {
				t.Errorf("principalType: got %s, want 'ServicePrincipal'", a.principalType)
			}
		})
	}

	// Flex Consumption reads the package with the same identity.
	auth := bicepPath(t, tpl.resources[site].body, "properties", "functionAppConfig",
		"deployment", "storage", "authentication")
	if got := bicepField(t, auth, "userAssignedIdentityResourceId"); got != uami+".id" {
		t.Errorf("deployment storage identity: got %q, want %s.id", got, uami)
	}
}

// The plan runs custom handlers: Flex Consumption, Linux, runtime custom 1.0,
// with both identities on the Function App.
func TestDeployTemplate_FlexConsumption(t *testing.T) {
	tpl := mustReadBicep(t)
	plan := bicepOnly(t, tpl, bicepTypePlan)
	site := bicepOnly(t, tpl, bicepTypeSite)
	p, s := tpl.resources[plan].body, tpl.resources[site].body

	checks := []struct {
		what, got, want string
	}{
		{"plan sku tier", bicepField(t, bicepPath(t, p, "sku"), "tier"), "'FlexConsumption'"},
		{"plan sku name", bicepField(t, bicepPath(t, p, "sku"), "name"), "'FC1'"},
		{"plan reserved (Linux)", bicepField(t, bicepPath(t, p, "properties"), "reserved"), "true"},
		{"site kind", bicepField(t, s, "kind"), "'functionapp,linux'"},
		{"site plan", bicepField(t, bicepPath(t, s, "properties"), "serverFarmId"), plan + ".id"},
		{"identities", bicepField(t, bicepPath(t, s, "identity"), "type"),
			"'SystemAssigned, UserAssigned'"},
		{"runtime name", bicepField(t, bicepPath(t, s, "properties", "functionAppConfig",
			"runtime"), "name"), "'custom'"},
		{"runtime version", bicepField(t, bicepPath(t, s, "properties", "functionAppConfig",
			"runtime"), "version"), "'1.0'"},
		{"deployment storage", bicepField(t, bicepPath(t, s, "properties", "functionAppConfig",
			"deployment", "storage"), "type"), "'blobContainer'"},
		{"https only", bicepField(t, bicepPath(t, s, "properties"), "httpsOnly"), "true"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.what, c.got, c.want)
		}
	}

	vault := tpl.resources[bicepOnly(t, tpl, bicepTypeVault)].body
	got := bicepField(t, bicepPath(t, vault, "properties"), "enableRbacAuthorization")
	if got != "true" {
		t.Errorf("vault enableRbacAuthorization: got %s, want true", got)
	}
	st := tpl.resources[bicepOnly(t, tpl, bicepTypeStorage)].body
	got = bicepField(t, bicepPath(t, st, "properties"), "allowSharedKeyAccess")
	if got != "false" {
		t.Errorf("storage allowSharedKeyAccess: got %s, want false", got)
	}
}

// The outputs name the app, its host name, both identities and the vault.
func TestDeployTemplate_Outputs(t *testing.T) {
	tpl := mustReadBicep(t)
	site := bicepOnly(t, tpl, bicepTypeSite)
	uami := bicepOnly(t, tpl, bicepTypeUserAssignedIdentity)
	vault := bicepOnly(t, tpl, bicepTypeVault)
	want := map[string]string{
		"functionAppName":           site + ".name",
		"functionAppHostName":       site + ".properties.defaultHostName",
		"systemAssignedPrincipalId": site + ".identity.principalId",
		"userAssignedPrincipalId":   uami + ".properties.principalId",
		"userAssignedClientId":      uami + ".properties.clientId",
		"keyVaultUri":               vault + ".properties.vaultUri",
	}
	for name, expr := range want {
		o, ok := tpl.outputs[name]
		switch {
		case !ok:
			t.Errorf("output %s: missing", name)
		case o.expr != expr || o.typ != "string":
			t.Errorf("output %s: got %s = %s, want string = %s", name, o.typ, o.expr, expr)
		}
	}
}

// The example parameters file names only parameters of the template, every
// parameter without a default, and no secret.
func TestDeployTemplate_ParametersExample(t *testing.T) {
	tpl := mustReadBicep(t)
	example := readBicepParameters(t)
	for name := range example {
		if _, ok := tpl.params[name]; !ok {
			t.Errorf("example parameter %s: not a parameter of the template", name)
		}
	}
	for name, p := range tpl.params {
		if p.def == "" {
			if _, ok := example[name]; !ok {
				t.Errorf("parameter %s has no default and is missing from the example", name)
			}
		}
		if p.secure && example[name] != "" {
			t.Errorf("example parameter %s: a secure parameter holds a value", name)
		}
	}
}

// The package the func CLI uploads leaves out the template and the samples,
// and keeps what the host runs.
func TestFuncignore_DeployAndSamples(t *testing.T) {
	b, err := os.ReadFile(funcignorePath)
	if err != nil {
		t.Fatal(err)
	}
	patterns, err := parseFuncignore(string(b))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		ignored bool
	}{
		{"deploy/main.bicep", true},
		{"deploy/main.parameters.example.json", true},
		{"samples/power-automate/ProjectSync-flow.json", true},
		{"samples/logic-app/projectsync-function-key.json", true},
		{"host.json", false},
		{"handler", false},
		{"ProjectSync/function.json", false},
		{"Health/function.json", false},
	}
	for _, tt := range tests {
		if got := funcignoreMatch(patterns, tt.path); got != tt.ignored {
			t.Errorf("%s: ignored %v, want %v", tt.path, got, tt.ignored)
		}
	}
}

// The reader refuses what it cannot read instead of skipping it, so that a
// setting written in another form fails the tests above.
func TestBicepReader_Refuses(t *testing.T) {
	tests := []struct {
		name, src, errPart string
	}{
		{"unknown statement", "module m 'x.bicep' = {\n}\n", "unrecognised statement"},
		{"unterminated string", "param a string = 'x\n", "string"},
		{"multi-line string", "var a = '''\nx\n'''\n", "multi-line"},
		{"duplicate param", "param a string\nparam a string\n", "twice"},
		{"single-line object", "resource r 'A.B/c@2020-01-01' = {\n  p: {\n    q: [\n" +
			"      { name: 'x', value: 'y' }\n    ]\n  }\n}\n", ""},
		{"unbalanced", "resource r 'A.B/c@2020-01-01' = {\n  p: (\n}\n", "unbalanced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := parseBicep(tt.src)
			if tt.errPart == "" {
				// Parsed, but the object is an expression the appSettings
				// reader refuses.
				if err != nil {
					t.Fatalf("parseBicep: %v", err)
				}
				items := bicepLookup(tpl.resources["r"].body, "p", "q")
				if items == nil || len(items.items) != 1 || items.items[0].kind != bicepExpr {
					t.Fatalf("got %+v, want one expression item", items)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Fatalf("got error %v, want one that says %q", err, tt.errPart)
			}
		})
	}

	// Comments are not settings.
	tpl, err := parseBicep("// param gone string\n/* var gone = 1 */\nparam kept string // x\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.params) != 1 || len(tpl.vars) != 0 {
		t.Errorf("got params %v vars %v, want only kept", tpl.params, tpl.vars)
	}
}

// ---------------------------------------------------------------------------
// Reading the template
// ---------------------------------------------------------------------------

// bicepTemplate is what parseBicep reads from a Bicep file: its top-level
// declarations. It understands exactly this subset of Bicep:
//
//   - comments (// and /* */) and blank lines;
//   - decorators (@name(...)) before a param; @description and @secure are
//     kept;
//   - param NAME TYPE [= EXPR], var NAME = EXPR, output NAME TYPE = EXPR;
//   - resource NAME 'TYPE@VERSION' = [if (COND)] { BODY }, where BODY is an
//     object literal written one property per line; nested objects and
//     arrays opened at the end of a line are read as such, anything else
//     (expressions, single-line objects) is kept as its source text;
//   - single-quoted strings with escapes and ${} interpolation.
//
// Anything else, such as modules, loops or multi-line strings, is an
// error, so that the tests fail instead of overlooking part of the file.
type bicepTemplate struct {
	params    map[string]bicepParam
	vars      map[string]string
	resources map[string]bicepResource
	outputs   map[string]bicepOutput
}

type bicepParam struct {
	typ, def, description string
	secure                bool
}

type bicepResource struct {
	typ, apiVersion, condition string
	body                       *bicepNode
}

type bicepOutput struct {
	typ, expr string
}

// Kinds of bicepNode.
const (
	bicepObject = iota
	bicepArray
	bicepExpr
)

// bicepNode is a value in a resource body: an object with fields, an array
// with items, or an expression kept as its source text.
type bicepNode struct {
	kind   int
	fields map[string]*bicepNode
	items  []*bicepNode
	expr   string
}

var (
	bicepParamRE = regexp.MustCompile(
		`^param (\w+) (string|int|bool|object|array)(?: = ([\s\S]+))?$`)
	bicepVarRE    = regexp.MustCompile(`^var (\w+) = ([\s\S]+)$`)
	bicepOutputRE = regexp.MustCompile(
		`^output (\w+) (string|int|bool|object|array) = ([\s\S]+)$`)
	bicepResourceRE = regexp.MustCompile(`^resource (\w+) '([\w.]+(?:/\w+)+)@([\w-]+)' = ` +
		`(?:if \(([\s\S]+?)\) )?(\{[\s\S]*\})$`)
	bicepDecoratorRE = regexp.MustCompile(`^@(\w+)\(([\s\S]*)\)$`)
	bicepStringRE    = regexp.MustCompile(`^'((?:[^'\\$]|\\.|\$[^{])*)'$`)
)

func mustReadBicep(t *testing.T) *bicepTemplate {
	t.Helper()
	b, err := os.ReadFile(bicepFilePath)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := parseBicep(string(b))
	if err != nil {
		t.Fatalf("%s: %v", bicepFilePath, err)
	}
	return tpl
}

// parseBicep reads src; see bicepTemplate for what it accepts.
func parseBicep(src string) (*bicepTemplate, error) {
	src, err := bicepStripComments(src)
	if err != nil {
		return nil, err
	}
	tpl := &bicepTemplate{params: map[string]bicepParam{}, vars: map[string]string{},
		resources: map[string]bicepResource{}, outputs: map[string]bicepOutput{}}
	names := map[string]bool{}
	declare := func(name string) error {
		if names[name] {
			return fmt.Errorf("bicep: %s is declared twice", name)
		}
		names[name] = true
		return nil
	}

	var decorators []string
	for i := 0; i < len(src); {
		if c := src[i]; c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			i++
			continue
		}
		end, err := bicepLineEnd(src, i)
		if err != nil {
			return nil, err
		}
		stmt := strings.TrimSpace(src[i:end])
		i = end
		if m := bicepDecoratorRE.FindStringSubmatch(stmt); m != nil {
			decorators = append(decorators, stmt)
			continue
		}
		if err := tpl.add(stmt, decorators, declare); err != nil {
			return nil, err
		}
		decorators = nil
	}
	if len(decorators) > 0 {
		return nil, fmt.Errorf("bicep: decorators at the end of the file: %v", decorators)
	}
	return tpl, nil
}

// add reads one top-level statement.
func (tpl *bicepTemplate) add(stmt string, decorators []string, declare func(string) error) error {
	if m := bicepParamRE.FindStringSubmatch(stmt); m != nil {
		p := bicepParam{typ: m[2], def: strings.TrimSpace(m[3])}
		for _, d := range decorators {
			dm := bicepDecoratorRE.FindStringSubmatch(d)
			switch dm[1] {
			case "description":
				s, ok := bicepString(dm[2])
				if !ok {
					return fmt.Errorf("bicep: param %s: description is not a plain string", m[1])
				}
				p.description = s
			case "secure":
				p.secure = true
			}
		}
		tpl.params[m[1]] = p
		return declare(m[1])
	}
	if len(decorators) > 0 {
		return fmt.Errorf("bicep: decorators before %.40q, which is not a param", stmt)
	}
	if m := bicepVarRE.FindStringSubmatch(stmt); m != nil {
		tpl.vars[m[1]] = strings.TrimSpace(m[2])
		return declare(m[1])
	}
	if m := bicepOutputRE.FindStringSubmatch(stmt); m != nil {
		tpl.outputs[m[1]] = bicepOutput{typ: m[2], expr: strings.TrimSpace(m[3])}
		return nil
	}
	if m := bicepResourceRE.FindStringSubmatch(stmt); m != nil {
		r := &bicepReader{s: m[5]}
		body, err := r.value()
		if err != nil {
			return fmt.Errorf("bicep: resource %s: %w", m[1], err)
		}
		if body.kind != bicepObject || strings.TrimSpace(r.s[r.i:]) != "" {
			return fmt.Errorf("bicep: resource %s: the body is not one object", m[1])
		}
		tpl.resources[m[1]] = bicepResource{typ: m[2], apiVersion: m[3], condition: m[4],
			body: body}
		return declare(m[1])
	}
	return fmt.Errorf("bicep: unrecognised statement %.60q", stmt)
}

// bicepStripComments blanks out comments, keeping line breaks and strings.
func bicepStripComments(src string) (string, error) {
	b := []byte(src)
	for i := 0; i < len(b); {
		switch {
		case b[i] == '\'':
			end, err := bicepStringEnd(src, i)
			if err != nil {
				return "", err
			}
			i = end
		case strings.HasPrefix(src[i:], "//"):
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return "", fmt.Errorf("bicep: unterminated /* comment")
			}
			for j := i; j < i+2+end+2; j++ {
				if b[j] != '\n' {
					b[j] = ' '
				}
			}
			i += 2 + end + 2
		default:
			i++
		}
	}
	return string(b), nil
}

// bicepStringEnd returns the index after the string literal starting at
// src[i], a quote. Interpolations may hold strings of their own.
func bicepStringEnd(src string, i int) (int, error) {
	if strings.HasPrefix(src[i:], "'''") {
		return 0, fmt.Errorf("bicep: multi-line strings are not read")
	}
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '\n':
			return 0, fmt.Errorf("bicep: unterminated string at offset %d", i)
		case '\'':
			return j + 1, nil
		case '$':
			if j+1 < len(src) && src[j+1] == '{' {
				end, err := bicepBalancedEnd(src, j+1)
				if err != nil {
					return 0, err
				}
				j = end - 1
			}
		}
	}
	return 0, fmt.Errorf("bicep: unterminated string at offset %d", i)
}

// bicepBalancedEnd returns the index after the bracket that closes the one
// at src[i].
func bicepBalancedEnd(src string, i int) (int, error) {
	depth := 0
	for j := i; j < len(src); j++ {
		switch src[j] {
		case '\'':
			end, err := bicepStringEnd(src, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("bicep: unbalanced brackets at offset %d", i)
}

// bicepLineEnd returns the index of the line break that ends the statement
// or expression starting at src[i]: the first one outside brackets and
// strings, or len(src).
func bicepLineEnd(src string, i int) (int, error) {
	depth := 0
	for j := i; j < len(src); j++ {
		switch src[j] {
		case '\'':
			end, err := bicepStringEnd(src, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				return j, nil // the closing bracket of an enclosing value
			}
		case '\n':
			if depth == 0 {
				return j, nil
			}
		}
	}
	if depth != 0 {
		return 0, fmt.Errorf("bicep: unbalanced brackets at offset %d", i)
	}
	return len(src), nil
}

// bicepReader reads values of a resource body.
type bicepReader struct {
	s string
	i int
}

var bicepKeyRE = regexp.MustCompile(`^(?:[A-Za-z_]\w*|'[^'\n]*')`)

// value reads an object or array opened at the end of a line, or else an
// expression up to the end of its line.
func (r *bicepReader) value() (*bicepNode, error) {
	r.skip(" \t")
	if r.i < len(r.s) && (r.s[r.i] == '{' || r.s[r.i] == '[') && r.opensBlock() {
		if r.s[r.i] == '{' {
			return r.object()
		}
		return r.array()
	}
	end, err := bicepLineEnd(r.s, r.i)
	if err != nil {
		return nil, err
	}
	expr := strings.TrimSpace(r.s[r.i:end])
	if expr == "" {
		return nil, fmt.Errorf("bicep: empty value at offset %d", r.i)
	}
	r.i = end
	return &bicepNode{kind: bicepExpr, expr: expr}, nil
}

// opensBlock reports whether nothing but blanks follows the bracket at r.i
// on its line.
func (r *bicepReader) opensBlock() bool {
	rest := r.s[r.i+1:]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	return strings.TrimSpace(rest) == ""
}

func (r *bicepReader) object() (*bicepNode, error) {
	n := &bicepNode{kind: bicepObject, fields: map[string]*bicepNode{}}
	r.i++
	for {
		r.skip(" \t\r\n")
		if r.i >= len(r.s) {
			return nil, fmt.Errorf("bicep: unbalanced brackets: object not closed")
		}
		if r.s[r.i] == '}' {
			r.i++
			return n, nil
		}
		key := bicepKeyRE.FindString(r.s[r.i:])
		if key == "" {
			return nil, fmt.Errorf("bicep: want a property name at %.30q", r.s[r.i:])
		}
		r.i += len(key)
		r.skip(" \t")
		if r.i >= len(r.s) || r.s[r.i] != ':' {
			return nil, fmt.Errorf("bicep: want ':' after %s", key)
		}
		r.i++
		v, err := r.value()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if _, dup := n.fields[key]; dup {
			return nil, fmt.Errorf("bicep: property %s is set twice", key)
		}
		n.fields[key] = v
		if err := r.endOfLine(); err != nil {
			return nil, err
		}
	}
}

func (r *bicepReader) array() (*bicepNode, error) {
	n := &bicepNode{kind: bicepArray}
	r.i++
	for {
		r.skip(" \t\r\n")
		if r.i >= len(r.s) {
			return nil, fmt.Errorf("bicep: unbalanced brackets: array not closed")
		}
		if r.s[r.i] == ']' {
			r.i++
			return n, nil
		}
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, v)
		if err := r.endOfLine(); err != nil {
			return nil, err
		}
	}
}

// endOfLine checks that a value is followed by a line break or by the
// bracket that closes its container.
func (r *bicepReader) endOfLine() error {
	r.skip(" \t\r")
	if r.i < len(r.s) && !strings.ContainsRune("\n}]", rune(r.s[r.i])) {
		return fmt.Errorf("bicep: unexpected %.30q after a value", r.s[r.i:])
	}
	return nil
}

func (r *bicepReader) skip(chars string) {
	for r.i < len(r.s) && strings.IndexByte(chars, r.s[r.i]) >= 0 {
		r.i++
	}
}

// bicepString returns the text of a plain string literal: no interpolation.
func bicepString(expr string) (string, bool) {
	m := bicepStringRE.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return "", false
	}
	r := strings.NewReplacer(`\'`, `'`, `\\`, `\`, `\n`, "\n", `\$`, "$")
	return r.Replace(m[1]), true
}

// bicepLookup follows object fields, or returns nil.
func bicepLookup(n *bicepNode, keys ...string) *bicepNode {
	for _, k := range keys {
		if n == nil || n.kind != bicepObject {
			return nil
		}
		n = n.fields[k]
	}
	return n
}

// bicepPath follows object fields and fails the test when one is missing.
func bicepPath(t *testing.T, n *bicepNode, keys ...string) *bicepNode {
	t.Helper()
	got := bicepLookup(n, keys...)
	if got == nil {
		t.Fatalf("no %s in the resource body", strings.Join(keys, "."))
	}
	return got
}

// bicepField returns the expression of one field of an object.
func bicepField(t *testing.T, n *bicepNode, key string) string {
	t.Helper()
	f := bicepLookup(n, key)
	if f == nil || f.kind != bicepExpr {
		t.Fatalf("field %s: missing or not an expression", key)
	}
	return f.expr
}

// bicepOnly returns the symbolic name of the one resource of type typ.
func bicepOnly(t *testing.T, tpl *bicepTemplate, typ string) string {
	t.Helper()
	var names []string
	for name, r := range tpl.resources {
		if r.typ == typ {
			names = append(names, name)
		}
	}
	if len(names) != 1 {
		t.Fatalf("got resources %v of type %s, want one", names, typ)
	}
	return names[0]
}

// bicepAppSettings returns the Function App's app settings, name to value
// expression. Every item must be an object of a literal name and a value.
func bicepAppSettings(t *testing.T, tpl *bicepTemplate) map[string]string {
	t.Helper()
	site := tpl.resources[bicepOnly(t, tpl, bicepTypeSite)]
	list := bicepPath(t, site.body, "properties", "siteConfig", "appSettings")
	if list.kind != bicepArray {
		t.Fatalf("appSettings: got %q, want an array literal", list.expr)
	}
	out := map[string]string{}
	for i, item := range list.items {
		if item.kind != bicepObject || len(item.fields) != 2 {
			t.Fatalf("appSettings[%d]: want an object of name and value on their own lines, "+
				"got %q", i, item.expr)
		}
		name, ok := bicepString(bicepField(t, item, "name"))
		if !ok {
			t.Fatalf("appSettings[%d]: name is not a plain string", i)
		}
		if _, dup := out[name]; dup {
			t.Errorf("app setting %s: set twice", name)
		}
		out[name] = bicepField(t, item, "value")
	}
	return out
}

// bicepRoleAssignment is one role assignment of the template.
type bicepRoleAssignment struct {
	name, role, scope, principal, principalType string
}

var bicepRoleDefRE = regexp.MustCompile(
	`^subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', (\w+)\)$`)

// bicepRoleAssignments returns the role assignments with their role GUID,
// resolved through the template's variables.
func bicepRoleAssignments(t *testing.T, tpl *bicepTemplate) []bicepRoleAssignment {
	t.Helper()
	var out []bicepRoleAssignment
	for name, r := range tpl.resources {
		if r.typ != bicepTypeRoleAssignment {
			continue
		}
		props := bicepPath(t, r.body, "properties")
		m := bicepRoleDefRE.FindStringSubmatch(bicepField(t, props, "roleDefinitionId"))
		if m == nil {
			t.Fatalf("%s: roleDefinitionId is not subscriptionResourceId(..., <var>)", name)
		}
		role, ok := bicepString(tpl.vars[m[1]])
		if !ok {
			t.Fatalf("%s: role variable %s is not a string literal", name, m[1])
		}
		out = append(out, bicepRoleAssignment{name: name, role: role,
			scope:         bicepField(t, r.body, "scope"),
			principal:     bicepField(t, props, "principalId"),
			principalType: bicepField(t, props, "principalType")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// readBicepParameters returns the values of the example parameters file.
func readBicepParameters(t *testing.T) map[string]string {
	t.Helper()
	var f struct {
		Parameters map[string]struct {
			Value any `json:"value"`
		} `json:"parameters"`
	}
	readJSON(t, bicepParamsPath, &f)
	out := map[string]string{}
	for name, p := range f.Parameters {
		s, ok := p.Value.(string)
		if !ok {
			t.Fatalf("example parameter %s: got %T, want a string", name, p.Value)
		}
		out[name] = s
	}
	return out
}

// bicepResolve gives the value an app setting would have: a string literal,
// a parameter (the example's value, else its literal default), or one of
// bicepDeployTimeValues.
func bicepResolve(tpl *bicepTemplate, example map[string]string, expr string) (string, error) {
	if s, ok := bicepString(expr); ok {
		return s, nil
	}
	if p, ok := tpl.params[expr]; ok {
		if v, ok := example[expr]; ok {
			return v, nil
		}
		if s, ok := bicepString(p.def); ok {
			return s, nil
		}
		return "", fmt.Errorf("param %s: no example value and no literal default", expr)
	}
	if v, ok := bicepDeployTimeValues[expr]; ok {
		return v, nil
	}
	return "", fmt.Errorf("expression %q: add it to bicepDeployTimeValues", expr)
}

// goEnvConstants returns the string constants named Env* declared in a Go
// file, name to value. A constant whose value is not a plain string literal
// fails the test.
func goEnvConstants(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Env") {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s: %s is not a string literal", path, name.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out[name.Name] = v
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no Env constants", path)
	}
	return out
}

// ---------------------------------------------------------------------------
// .funcignore
// ---------------------------------------------------------------------------

// funcignorePattern is one line of .funcignore.
type funcignorePattern struct {
	glob     string
	anchored bool // led by '/': matches from the app root only
}

// parseFuncignore reads .funcignore as the func CLI reads it, in the subset
// this repository uses: one glob per line, '#' comments, a leading '/' to
// anchor a pattern to the root. Negations ('!') are refused.
func parseFuncignore(src string) ([]funcignorePattern, error) {
	var out []funcignorePattern
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			return nil, fmt.Errorf(".funcignore: negated pattern %q is not read", line)
		}
		p := funcignorePattern{glob: strings.TrimSuffix(line, "/")}
		p.glob, p.anchored = strings.CutPrefix(p.glob, "/")
		if _, err := filepath.Match(p.glob, ""); err != nil {
			return nil, fmt.Errorf(".funcignore: %q: %w", line, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// funcignoreMatch reports whether a file of the app, by its slash-separated
// path, is left out: a pattern without a slash matches any file or folder
// name on the path; one with a slash, or anchored, matches from the root.
func funcignoreMatch(patterns []funcignorePattern, path string) bool {
	parts := strings.Split(path, "/")
	for _, p := range patterns {
		if p.anchored || strings.Contains(p.glob, "/") {
			depth := strings.Count(p.glob, "/") + 1
			if depth <= len(parts) {
				if ok, _ := filepath.Match(p.glob, strings.Join(parts[:depth], "/")); ok {
					return true
				}
			}
			continue
		}
		if slices.ContainsFunc(parts, func(part string) bool {
			ok, _ := filepath.Match(p.glob, part)
			return ok
		}) {
			return true
		}
	}
	return false
}
