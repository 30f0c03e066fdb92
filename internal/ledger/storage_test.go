package ledger

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
)

// testKey is an account key made up for these tests.
const testKey = "c2VjcmV0IGtleSBvZiB0aGUgY29udG9zbyBhY2NvdW50"

// env returns a getenv that reads the settings in vars.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestParseStorage(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		endpoint string
		key      string
		identity bool
		clientID string
	}{
		{name: "nothing set", vars: nil},
		{name: "blank connection string", vars: map[string]string{EnvStorage: "  "}},
		{
			name:     "development storage",
			vars:     map[string]string{EnvStorage: "UseDevelopmentStorage=true"},
			endpoint: "http://127.0.0.1:10002/devstoreaccount1",
			key:      azuriteKey,
		},
		{
			name:     "development storage, other case",
			vars:     map[string]string{EnvStorage: "usedevelopmentstorage=True;"},
			endpoint: DevelopmentTableURL,
			key:      azuriteKey,
		},
		{
			name: "account key",
			vars: map[string]string{EnvStorage: "DefaultEndpointsProtocol=https;" +
				"AccountName=contoso;AccountKey=" + testKey + ";EndpointSuffix=core.windows.net"},
			endpoint: "https://contoso.table.core.windows.net",
			key:      testKey,
		},
		{
			name: "account key, defaults, spaces",
			vars: map[string]string{
				EnvStorage: " AccountName = contoso ; AccountKey=" + testKey},
			endpoint: "https://contoso.table.core.windows.net",
			key:      testKey,
		},
		{
			name: "other cloud",
			vars: map[string]string{EnvStorage: "AccountName=contoso;AccountKey=" + testKey +
				";EndpointSuffix=core.chinacloudapi.cn"},
			endpoint: "https://contoso.table.core.chinacloudapi.cn",
			key:      testKey,
		},
		{
			name: "table endpoint",
			vars: map[string]string{EnvStorage: "DefaultEndpointsProtocol=http;" +
				"AccountName=devstoreaccount1;AccountKey=" + testKey +
				";TableEndpoint=http://127.0.0.1:10102/devstoreaccount1/;" +
				"BlobEndpoint=http://127.0.0.1:10100/devstoreaccount1"},
			endpoint: "http://127.0.0.1:10102/devstoreaccount1",
			key:      testKey,
		},
		{
			name: "connection string before identity",
			vars: map[string]string{EnvStorage: "UseDevelopmentStorage=true",
				EnvStorageAccountName: "contoso"},
			endpoint: DevelopmentTableURL,
			key:      azuriteKey,
		},
		{
			name: "account name",
			vars: map[string]string{EnvStorageAccountName: "contoso",
				EnvStorageCredential: "managedidentity"},
			endpoint: "https://contoso.table.core.windows.net",
			identity: true,
		},
		{
			name: "account name, user-assigned identity",
			vars: map[string]string{EnvStorageAccountName: "contoso",
				EnvStorageCredential: "ManagedIdentity",
				EnvStorageClientID:   "8b1f2c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d"},
			endpoint: "https://contoso.table.core.windows.net",
			identity: true,
			clientID: "8b1f2c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d",
		},
		{
			name: "table service URI before account name",
			vars: map[string]string{EnvStorageAccountName: "contoso",
				EnvStorageTableServiceURI: "https://fabrikam.table.core.windows.net/"},
			endpoint: "https://fabrikam.table.core.windows.net",
			identity: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseStorage(env(tt.vars))
			if err != nil {
				t.Fatalf("ParseStorage: %v", err)
			}
			if got, want := c.Configured(), tt.endpoint != ""; got != want {
				t.Errorf("Configured: got %v, want %v", got, want)
			}
			if got := c.TableURL(); got != tt.endpoint {
				t.Errorf("TableURL: got %q, want %q", got, tt.endpoint)
			}
			if got := c.AccountKey(); got != tt.key {
				t.Errorf("AccountKey: got %q, want %q", got, tt.key)
			}
			if got := c.ManagedIdentity(); got != tt.identity {
				t.Errorf("ManagedIdentity: got %v, want %v", got, tt.identity)
			}
			if got := c.ClientID(); got != tt.clientID {
				t.Errorf("ClientID: got %q, want %q", got, tt.clientID)
			}

			shown := fmt.Sprintf("%s|%v|%+v|%#v", c.Describe(), c, c, c)
			if tt.key != "" && strings.Contains(shown, tt.key) {
				t.Errorf("the key is shown: %s", shown)
			}
			if !strings.Contains(c.Describe(), tt.endpoint) {
				t.Errorf("Describe: got %q, want it to name %q", c.Describe(), tt.endpoint)
			}
		})
	}
}

func TestParseStorage_Errors(t *testing.T) {
	sas := "sv=2022-11-02&ss=t&srt=sco&sp=rwdlacu&sig=" + testKey
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no key", map[string]string{EnvStorage: "AccountName=contoso"}, "no AccountKey"},
		{"no name", map[string]string{EnvStorage: "AccountKey=" + testKey}, "no AccountName"},
		{"not name=value", map[string]string{EnvStorage: testKey + ";AccountName=contoso"},
			"part 1 is not name=value"},
		{"key not base64", map[string]string{EnvStorage: "AccountName=contoso;AccountKey=" +
			testKey + "!"}, "AccountKey is not base64"},
		{"development storage false", map[string]string{EnvStorage: "UseDevelopmentStorage=false"},
			"UseDevelopmentStorage must be true"},
		{"development storage proxy", map[string]string{EnvStorage: "UseDevelopmentStorage=true;" +
			"DevelopmentStorageProxyUri=http://127.0.0.1:1"}, "DevelopmentStorageProxyUri"},
		{"shared access signature", map[string]string{EnvStorage: "TableEndpoint=" +
			"https://contoso.table.core.windows.net;SharedAccessSignature=" + sas},
			"shared access signatures are not supported"},
		{"protocol", map[string]string{EnvStorage: "DefaultEndpointsProtocol=ftp;" +
			"AccountName=contoso;AccountKey=" + testKey}, "DefaultEndpointsProtocol"},
		{"account name", map[string]string{EnvStorage: "AccountName=Contoso_1;AccountKey=" +
			testKey}, "AccountName"},
		{"table endpoint not a URL", map[string]string{EnvStorage: "AccountName=contoso;" +
			"AccountKey=" + testKey + ";TableEndpoint=127.0.0.1:10002"}, "TableEndpoint"},
		{"table endpoint with query", map[string]string{EnvStorage: "AccountName=contoso;" +
			"AccountKey=" + testKey + ";TableEndpoint=https://h.example/?sig=" + testKey},
			"TableEndpoint: want no user, query or fragment"},
		{"credential", map[string]string{EnvStorageAccountName: "contoso",
			EnvStorageCredential: "clientsecret"}, EnvStorageCredential},
		{"identity account name", map[string]string{EnvStorageAccountName: "contoso.blob"},
			EnvStorageAccountName},
		{"identity over http", map[string]string{
			EnvStorageTableServiceURI: "http://contoso.table.core.windows.net"},
			EnvStorageTableServiceURI + `: scheme "http": want https`},
		{"key vault reference", map[string]string{EnvStorage: "@Microsoft.KeyVault(" +
			"SecretUri=https://contoso.vault.azure.net/secrets/storage/)"},
			"unresolved Key Vault reference"},
		{"table endpoint with empty query", map[string]string{EnvStorage: "AccountName=a1b;" +
			"AccountKey=" + testKey + ";TableEndpoint=https://h.example/?"}, "TableEndpoint"},
		{"client id alone", map[string]string{EnvStorageClientID: "8b1f2c3d"},
			"neither " + EnvStorageAccountName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseStorage(env(tt.vars))
			if err == nil {
				t.Fatalf("got %v, nil error; want an error", c)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "ledger: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("got error %q, want one starting with %q and naming %q",
					msg, "ledger: ", tt.want)
			}
			if strings.Contains(msg, testKey) {
				t.Errorf("the key is in the error: %s", msg)
			}
			if c.Configured() {
				t.Errorf("got a configured result with the error")
			}
		})
	}
}

func TestStorageConfig_NewTableClient(t *testing.T) {
	cred := &fakeCredential{}
	tests := []struct {
		name    string
		vars    map[string]string
		cred    azcore.TokenCredential
		wantErr string
	}{
		{"not configured", nil, nil, "storage is not configured"},
		{"identity without credential", map[string]string{EnvStorageAccountName: "contoso"}, nil,
			"needs a credential"},
		{"identity", map[string]string{EnvStorageAccountName: "contoso"}, cred, ""},
		{"shared key", map[string]string{EnvStorage: "UseDevelopmentStorage=true"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseStorage(env(tt.vars))
			if err != nil {
				t.Fatalf("ParseStorage: %v", err)
			}
			client, err := c.NewTableClient(tt.cred, nil)
			switch {
			case tt.wantErr == "" && (err != nil || client == nil):
				t.Errorf("got %v, %v; want a client", client, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got error %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

// fakeCredential is a managed identity credential that hands out a fixed
// token and records the scopes asked for.
type fakeCredential struct {
	mu     sync.Mutex
	scopes []string
}

func (f *fakeCredential) GetToken(
	ctx context.Context, opts policy.TokenRequestOptions,
) (azcore.AccessToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = append(f.scopes, opts.Scopes...)
	return azcore.AccessToken{Token: "storage-token"}, nil
}

// TestStorageConfig_IdentityAsksForStorageScope checks the token an
// identity-based client sends: one for Azure Storage.
func TestStorageConfig_IdentityAsksForStorageScope(t *testing.T) {
	var mu sync.Mutex
	var auth []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"TableName":"ProjectSyncLedger"}`)
	}))
	t.Cleanup(srv.Close)

	c, err := ParseStorage(env(map[string]string{EnvStorageTableServiceURI: srv.URL}))
	if err != nil {
		t.Fatalf("ParseStorage: %v", err)
	}
	cred := &fakeCredential{}
	opts := &aztables.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: srv.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}}
	client, err := c.NewTableClient(cred, opts)
	if err != nil {
		t.Fatalf("NewTableClient: %v", err)
	}
	if err := NewTable(client, "", nil).ensure(context.Background()); err != nil {
		t.Fatalf("create table: %v", err)
	}

	cred.mu.Lock()
	defer cred.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	if want := "https://storage.azure.com/.default"; len(cred.scopes) != 1 ||
		cred.scopes[0] != want {
		t.Errorf("got scopes %v, want [%s]", cred.scopes, want)
	}
	if len(auth) != 1 || auth[0] != "Bearer storage-token" {
		t.Errorf("got Authorization %q, want [Bearer storage-token]", auth)
	}
}
