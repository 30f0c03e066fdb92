package entra_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const login = "https://login.microsoftonline.com/"

// getJSON sends a GET through the proxy and decodes the JSON answer.
func (w *world) getJSON(t *testing.T, rawURL string) (int, map[string]any) {
	t.Helper()
	resp, err := w.proxy.Client().Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp)
}

func decode(t *testing.T, resp *http.Response) (int, map[string]any) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return resp.StatusCode, v
}

func TestServer_OpenIDConfiguration(t *testing.T) {
	w := newWorld(t)

	tests := []struct {
		name       string
		tenant     string
		wantIssuer string
		wantToken  string
	}{
		{"by id", tenantID, login + tenantID + "/v2.0",
			login + tenantID + "/oauth2/v2.0/token"},
		{"by domain", tenantDomain, login + tenantID + "/v2.0",
			login + tenantID + "/oauth2/v2.0/token"},
		{"common", "common", login + "{tenantid}/v2.0", login + "common/oauth2/v2.0/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, doc := w.getJSON(t, login+tt.tenant+"/v2.0/.well-known/openid-configuration")
			if status != http.StatusOK {
				t.Fatalf("got status %d, want 200", status)
			}
			if got := doc["issuer"]; got != tt.wantIssuer {
				t.Errorf("got issuer %v, want %s", got, tt.wantIssuer)
			}
			if got := doc["token_endpoint"]; got != tt.wantToken {
				t.Errorf("got token_endpoint %v, want %s", got, tt.wantToken)
			}
			if got, _ := doc["authorization_endpoint"].(string); got == "" {
				t.Error("authorization_endpoint missing")
			}
		})
	}
}

func TestServer_InstanceDiscoveryAndKeys(t *testing.T) {
	w := newWorld(t)

	authorize := url.QueryEscape(login + tenantID + "/oauth2/v2.0/authorize")
	status, doc := w.getJSON(t, login+"common/discovery/instance?api-version=1.1"+
		"&authorization_endpoint="+authorize)
	if status != http.StatusOK {
		t.Fatalf("got status %d, want 200", status)
	}
	want := login + tenantID + "/v2.0/.well-known/openid-configuration"
	if got := doc["tenant_discovery_endpoint"]; got != want {
		t.Errorf("got tenant_discovery_endpoint %v, want %s", got, want)
	}
	metadata, _ := doc["metadata"].([]any)
	if len(metadata) != 1 {
		t.Fatalf("got metadata %v, want one entry", doc["metadata"])
	}
	aliases, _ := metadata[0].(map[string]any)["aliases"].([]any)
	if !slices.Contains(aliases, any("login.microsoftonline.com")) {
		t.Errorf("got aliases %v, want login.microsoftonline.com among them", aliases)
	}
	if got := w.entra.InstanceDiscoveryRequests(); got != 1 {
		t.Errorf("got %d instance discovery requests, want 1", got)
	}

	status, jwks := w.getJSON(t, login+tenantID+"/discovery/v2.0/keys")
	keys, _ := jwks["keys"].([]any)
	if status != http.StatusOK || len(keys) != 1 {
		t.Fatalf("got status %d and keys %v, want 200 and one key", status, jwks)
	}
	if got := keys[0].(map[string]any)["kid"]; got != w.issuer.KeyID() {
		t.Errorf("got kid %v, want %s", got, w.issuer.KeyID())
	}
}

func TestServer_TokenRequestErrors(t *testing.T) {
	w := newWorld(t)

	// form returns a valid token request changed by key, value pairs; an
	// empty value removes the key.
	form := func(pairs ...string) url.Values {
		f := url.Values{
			"grant_type":    {"client_credentials"},
			"client_id":     {appID},
			"client_secret": {secret},
			"scope":         {wpAudience + "/.default openid offline_access profile"},
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] == "" {
				f.Del(pairs[i])
			} else {
				f.Set(pairs[i], pairs[i+1])
			}
		}
		return f
	}

	tests := []struct {
		name       string
		method     string
		tenant     string
		form       url.Values
		wantStatus int
		wantCode   float64
	}{
		{"valid", http.MethodPost, tenantID, form(), 200, 0},
		{"cae claims ignored", http.MethodPost, tenantID,
			form("claims", `{"access_token":{"xms_cc":{"values":["CP1"]}}}`), 200, 0},
		{"get", http.MethodGet, tenantID, nil, 400, 900561},
		{"unknown tenant", http.MethodPost, "fabrikam.com", form(), 400, 90002},
		{"common", http.MethodPost, "common", form(), 400, 50194},
		{"no grant type", http.MethodPost, tenantID, form("grant_type", ""), 400, 900144},
		{"password grant", http.MethodPost, tenantID, form("grant_type", "password"), 400,
			70003},
		{"no credential", http.MethodPost, tenantID, form("client_secret", ""), 401, 7000218},
		{"two resources", http.MethodPost, tenantID,
			form("scope", wpAudience+"/.default https://vault.azure.net/.default"), 400, 70011},
		{"no scope", http.MethodPost, tenantID, form("scope", ""), 400, 900144},
		{"assertion of another type", http.MethodPost, tenantID, form("client_secret", "",
			"client_assertion", "x.y.z", "client_assertion_type", "urn:other"), 400, 900144},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, login+tt.tenant+"/oauth2/v2.0/token",
				strings.NewReader(tt.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := w.proxy.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			status, body := decode(t, resp)
			if status != tt.wantStatus {
				t.Fatalf("got status %d, want %d: %v", status, tt.wantStatus, body)
			}
			if tt.wantStatus == 200 {
				for _, k := range []string{"token_type", "expires_in", "ext_expires_in",
					"access_token"} {
					if _, ok := body[k]; !ok {
						t.Errorf("answer lacks %s", k)
					}
				}
				return
			}
			codes, _ := body["error_codes"].([]any)
			if len(codes) != 1 || codes[0] != tt.wantCode {
				t.Errorf("got error_codes %v, want [%v]", codes, tt.wantCode)
			}
		})
	}
}
