package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"projectsync/internal/settings"
	"projectsync/internal/standin"
)

// local.settings.json.example carries every setting the handler reads,
// with values that work against the stand-ins started by standins serve.
func TestLocalSettingsExample(t *testing.T) {
	b, err := os.ReadFile("../local.settings.json.example")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Values map[string]string
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if f.Values["FUNCTIONS_WORKER_RUNTIME"] != "custom" {
		t.Errorf("FUNCTIONS_WORKER_RUNTIME: got %q", f.Values["FUNCTIONS_WORKER_RUNTIME"])
	}

	// Every Env* constant of the settings package is listed.
	for _, name := range settingNames() {
		if _, ok := f.Values[name]; !ok && !strings.HasPrefix(name, "FUNCTIONS_") {
			t.Errorf("setting %s is missing", name)
		}
	}
	// The stand-in world's values match.
	for k, v := range (&standin.Stack{}).Settings() {
		if k != settings.EnvLogLevel && f.Values[k] != v {
			t.Errorf("%s: got %q, want %q (the stand-ins' value)", k, f.Values[k], v)
		}
	}
	// And the whole file is valid settings.
	if _, err := settings.Load(func(k string) string { return f.Values[k] }); err != nil {
		t.Errorf("settings.Load: %v", err)
	}
}

// settingNames lists the app setting names the settings package declares.
func settingNames() []string {
	return []string{
		settings.EnvTenantID, settings.EnvClientID, settings.EnvAudience, settings.EnvAPIURL,
		settings.EnvSolutionURL, settings.EnvBusinessModule, settings.EnvSiteCreation,
		settings.EnvParent, settings.EnvParentModule, settings.EnvParentField, settings.EnvAppRole,
		settings.EnvKeyVaultURL, settings.EnvSecretName, settings.EnvSecretVersion,
		settings.EnvSecretCacheTTL, settings.EnvManagedIdentity, settings.EnvAuthorityHost,
		settings.EnvLogLevel, settings.EnvRequestTimeout, settings.EnvMaxBodyBytes,
		settings.EnvLogAzureSDK, settings.EnvLedger, settings.EnvLedgerTable,
		settings.EnvSourceField, settings.EnvSettleTime, settings.EnvRuntimeStats,
		settings.EnvFieldMap, settings.EnvParentColumn, settings.EnvCallerAuth,
		settings.EnvAllowedCallers, settings.EnvCredential, settings.EnvFederatedAud,
	}
}

// The functions are HTTP-in, HTTP-out with function keys, so the host
// forwards them; host.json runs handler in forwarding mode.
func TestFunctionDefinitions(t *testing.T) {
	var host struct {
		Version       string
		CustomHandler struct {
			Description                 struct{ DefaultExecutablePath string }
			EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
		}
	}
	readJSON(t, "../host.json", &host)
	if host.Version != "2.0" || host.CustomHandler.Description.DefaultExecutablePath != "handler" ||
		!host.CustomHandler.EnableForwardingHTTPRequest {
		t.Errorf("host.json: %+v", host)
	}

	for name, method := range map[string]string{"ProjectSync": "post", "Health": "get"} {
		var fn struct {
			Bindings []map[string]any
		}
		readJSON(t, filepath.Join("..", name, "function.json"), &fn)
		if len(fn.Bindings) != 2 {
			t.Fatalf("%s: %d bindings, want 2", name, len(fn.Bindings))
		}
		in, out := fn.Bindings[0], fn.Bindings[1]
		if in["type"] != "httpTrigger" || in["authLevel"] != "function" ||
			!reflect.DeepEqual(in["methods"], []any{method}) || out["type"] != "http" {
			t.Errorf("%s: bindings %v", name, fn.Bindings)
		}
	}
}

// The built handler links no stand-in package.
func TestHandlerBinary_NoStandIns(t *testing.T) {
	out, err := exec.Command("go", "tool", "nm", filepath.Join(appRoot, "handler")).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool nm: %v\n%.500s", err, out)
	}
	if !strings.Contains(string(out), "projectsync/internal/server") {
		t.Fatalf("nm shows no handler symbols; the check would prove nothing")
	}
	for _, pkg := range []string{"internal/standin", "internal/funchost"} {
		if strings.Contains(string(out), pkg) {
			t.Errorf("handler links %s", pkg)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
