package settings

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func valid() map[string]string {
	return map[string]string{
		EnvPort:           "7001",
		EnvTenantID:       "8f4a3b4e-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
		EnvClientID:       "0b9f5a1e-2c3d-4e5f-8a9b-1c2d3e4f5a6b",
		EnvSolutionURL:    "https://contoso.sharepoint.com/sites/workpoint",
		EnvBusinessModule: "22222222-2222-2222-2222-222222222222",
		EnvKeyVaultURL:    "https://projectsync-demo.vault.azure.net/",
		EnvSecretName:     "workpoint-client-secret",
	}
}

func TestLoad_Defaults(t *testing.T) {
	s, err := Load(env(valid()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"Audience", s.Audience, DefaultAudience},
		{"APIURL", s.APIURL, DefaultAPIURL},
		{"AuthorityHost", s.AuthorityHost, DefaultAuthorityHost},
		{"SiteCreation", s.SiteCreation, "false"},
		{"AppRole", s.AppRole, "ApplicationAccess"},
		{"Scope", s.Scope(), DefaultAudience + "/.default"},
		{"Port", s.Port, "7001"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if s.LogLevel != zerolog.InfoLevel {
		t.Errorf("LogLevel: got %v, want info", s.LogLevel)
	}
	if s.RequestTimeout != DefaultRequestTimeout || s.SecretCacheTTL != time.Hour {
		t.Errorf("durations: got %v and %v", s.RequestTimeout, s.SecretCacheTTL)
	}
}

func TestLoad_PortFallsBack(t *testing.T) {
	m := valid()
	delete(m, EnvPort)
	m[EnvPortLegacy] = "7002"
	s, err := Load(env(m))
	if err != nil || s.Port != "7002" {
		t.Fatalf("got port %q, err %v; want 7002", s.Port, err)
	}
	delete(m, EnvPortLegacy)
	if s, _ := Load(env(m)); s.Port != DefaultPort {
		t.Errorf("got port %q, want %q", s.Port, DefaultPort)
	}
}

// Every problem is reported at once, each naming its setting.
func TestLoad_ReportsEveryProblem(t *testing.T) {
	m := map[string]string{
		EnvClientID:       "not-a-guid",
		EnvKeyVaultURL:    "http://vault.example",
		EnvSiteCreation:   "sometimes",
		EnvLogLevel:       "loud",
		EnvRequestTimeout: "5m",
		EnvSecretName:     "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/x)",
	}
	_, err := Load(env(m))
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want *Error", err)
	}
	for _, want := range []string{
		EnvTenantID + " is required",
		EnvSolutionURL + " is required",
		EnvBusinessModule + " is required",
		EnvClientID + ` is "not-a-guid"`,
		EnvKeyVaultURL + ` is "http://vault.example"`,
		EnvSiteCreation + ` is "sometimes"`,
		EnvLogLevel + ` is "loud"`,
		EnvRequestTimeout + " is 5m0s",
		EnvSecretName + " is an unresolved Key Vault reference",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), EnvSecretName+" is required") {
		t.Errorf("an unresolved reference is reported twice: %v", err)
	}
}

func TestLoad_Values(t *testing.T) {
	tests := []struct {
		name, key, value string
		ok               bool
	}{
		{"site creation true", EnvSiteCreation, "true", true},
		{"site creation enum", EnvSiteCreation, "enum:0", true},
		{"site creation enum name", EnvSiteCreation, "enum:CreateSite", true},
		{"site creation enum empty", EnvSiteCreation, "enum:", false},
		{"timeout seconds", EnvRequestTimeout, "90", true},
		{"timeout too long", EnvRequestTimeout, "111s", false},
		{"timeout negative", EnvRequestTimeout, "-1s", false},
		{"body bytes", EnvMaxBodyBytes, "2048", true},
		{"body bytes zero", EnvMaxBodyBytes, "0", false},
		{"tenant domain", EnvTenantID, "contoso.onmicrosoft.com", true},
		{"tenant with slash", EnvTenantID, "contoso/x", false},
		{"user-assigned id", EnvManagedIdentity, "6e0c2f7a-1b2c-4d3e-9f4a-5b6c7d8e9f0a", true},
		{"user-assigned name", EnvManagedIdentity, "my-identity", false},
		{"solution URL with query", EnvSolutionURL, "https://x.sharepoint.com/sites/a?x=1", false},
		{"log level warning", EnvLogLevel, "WARNING", true},
		{"parent module", EnvParentModule, "11111111-1111-1111-1111-111111111111", true},
		{"port", EnvPort, "70000", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			m[tt.key] = tt.value
			_, err := Load(env(m))
			if (err == nil) != tt.ok {
				t.Fatalf("%s=%q: got err %v, want ok=%v", tt.key, tt.value, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error does not name %s: %v", tt.key, err)
			}
		})
	}
}
