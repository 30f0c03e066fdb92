package keyvault

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"projectsync/internal/standin/tokens"
)

// get sends one GET to the test vault, with the production host name.
func (tv *testVault) get(t *testing.T, url, token string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := tv.httpClient().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

func TestServer_ChallengeOnTheWire(t *testing.T) {
	tv := newTestVault(t)
	tv.SetSecret(demoVault, "wp-client-secret", "value", Attributes{})

	resp, body := tv.get(t,
		"https://"+demoVault+".vault.azure.net/secrets/wp-client-secret/?api-version=7.6", "")

	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status: got %d, want 401", resp.StatusCode)
	}
	wantChallenge := `Bearer authorization="https://login.microsoftonline.com/` + testTenant +
		`", resource="https://vault.azure.net"`
	if got := resp.Header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate: got %q, want %q", got, wantChallenge)
	}
	wantBody := `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a ` +
		`Bearer or PoP token."}}`
	if string(body) != wantBody {
		t.Errorf("body: got %s, want %s", body, wantBody)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", got)
	}
	if got := tv.Reads(); got != 0 {
		t.Errorf("reads: got %d, want 0 for an unauthenticated request", got)
	}
}

func TestServer_AudienceWithTrailingSlash(t *testing.T) {
	tv := newTestVault(t)
	tv.SetSecret(demoVault, "wp-client-secret", "value", Attributes{})
	tv.GrantSecretsUser(demoVault, testPrincipal)
	claims := vaultClaims()
	claims["aud"] = "https://vault.azure.net/"
	client, _ := tv.client(t, demoVault, mint(t, signingKey(), claims))

	resp, err := client.GetSecret(context.Background(), "wp-client-secret", "", nil)
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if got := deref(resp.Value); got != "value" {
		t.Errorf("value: got %q, want %q", got, "value")
	}
}

func TestServer_UnknownVaultDropsConnection(t *testing.T) {
	tv := newTestVault(t)
	req, err := http.NewRequest(http.MethodGet,
		"https://no-such-vault.vault.azure.net/secrets/x/?api-version=7.6", nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}

	resp, err := tv.httpClient().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET unknown vault: got status %d, want a connection error", resp.StatusCode)
	}
	if tv.HasVault("no-such-vault") {
		t.Errorf("HasVault(no-such-vault): got true, want false")
	}
	if !tv.HasVault(demoVault) {
		t.Errorf("HasVault(%s): got false, want true", demoVault)
	}
}

func TestServer_OtherMethodsAndPaths(t *testing.T) {
	tv := newTestVault(t)
	tv.GrantSecretsUser(demoVault, testPrincipal)
	token := mint(t, signingKey(), vaultClaims())

	resp, _ := tv.get(t, "https://"+demoVault+".vault.azure.net/keys/k?api-version=7.6", token)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /keys/k: got %d, want 404", resp.StatusCode)
	}

	req, err := http.NewRequest(http.MethodDelete,
		"https://"+demoVault+".vault.azure.net/secrets/x?api-version=7.6", nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	del, err := tv.httpClient().Do(req)
	if err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	del.Body.Close()
	if del.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: got %d, want 405", del.StatusCode)
	}
}

func TestServer_Faults(t *testing.T) {
	tests := []struct {
		name      string
		fault     Fault
		wantReads int
	}{
		{name: "status then success", fault: Fault{Status: http.StatusServiceUnavailable},
			wantReads: 2},
		{name: "dropped connection then success", fault: Fault{Drop: true}, wantReads: 2},
		{name: "short delay only", fault: Fault{Delay: 5 * time.Millisecond}, wantReads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tv := newTestVault(t)
			tv.SetSecret(demoVault, "wp-client-secret", "value", Attributes{})
			tv.GrantSecretsUser(demoVault, testPrincipal)
			tv.InjectFault(1, tt.fault)
			client, _ := tv.client(t, demoVault, mint(t, signingKey(), vaultClaims()))

			resp, err := client.GetSecret(context.Background(), "wp-client-secret", "", nil)
			if err != nil {
				t.Fatalf("GetSecret: got %v, want success after the client's retry", err)
			}
			if got := deref(resp.Value); got != "value" {
				t.Errorf("value: got %q, want %q", got, "value")
			}
			if got := tv.Reads(); got != tt.wantReads {
				t.Errorf("reads: got %d, want %d", got, tt.wantReads)
			}
		})
	}
}

func TestServer_FaultStatusAndRetryAfter(t *testing.T) {
	tv := newTestVault(t)
	tv.SetSecret(demoVault, "wp-client-secret", "value", Attributes{})
	tv.GrantSecretsUser(demoVault, testPrincipal)
	tv.InjectFault(1, Fault{Status: http.StatusTooManyRequests, RetryAfter: "7"})
	token := mint(t, signingKey(), vaultClaims())
	url := "https://" + demoVault + ".vault.azure.net/secrets/wp-client-secret/?api-version=7.6"

	resp, body := tv.get(t, url, token)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("status: got %d, want 429", resp.StatusCode)
	}
	if got := resp.Header.Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After: got %q, want 7", got)
	}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code != "Throttled" {
		t.Errorf("body: got %s (%v), want error code Throttled", body, err)
	}

	again, _ := tv.get(t, url, token)
	if again.StatusCode != http.StatusOK {
		t.Errorf("second read: got %d, want 200 once the fault is used up", again.StatusCode)
	}
}

func TestServer_FaultDelayHonoursContext(t *testing.T) {
	tv := newTestVault(t)
	tv.SetSecret(demoVault, "wp-client-secret", "value", Attributes{})
	tv.GrantSecretsUser(demoVault, testPrincipal)
	tv.InjectFault(3, Fault{Delay: time.Hour})
	client, _ := tv.client(t, demoVault, mint(t, signingKey(), vaultClaims()))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	_, err := client.GetSecret(ctx, "wp-client-secret", "", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetSecret: got %v, want context.DeadlineExceeded", err)
	}
}

func TestServer_ConcurrentReadsAndWrites(t *testing.T) {
	tv := newTestVault(t)
	tv.SetSecret(demoVault, "wp-client-secret", "v0", Attributes{})
	tv.GrantSecretsUser(demoVault, testPrincipal)
	client, _ := tv.client(t, demoVault, mint(t, signingKey(), vaultClaims()))

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 10 {
		wg.Go(func() {
			_, err := client.GetSecret(context.Background(), "wp-client-secret", "", nil)
			errs <- err
		})
		wg.Go(func() {
			tv.SetSecret(demoVault, "wp-client-secret", "next", Attributes{})
			errs <- nil
		})
	}
	wg.Wait()
	close(errs)

	for err := range errs {
		if err != nil {
			t.Errorf("concurrent read: got %v, want success", err)
		}
	}
}

var _ Verifier = rsaVerifier{}

func TestServer_WithIssuerTokens(t *testing.T) {
	issuer, err := tokens.NewIssuer()
	if err != nil {
		t.Fatalf("new issuer: %v", err)
	}
	tv := newTestVaultWith(t, issuer)
	tv.SetSecret(demoVault, "wp-client-secret", "value", Attributes{})
	tv.GrantSecretsUser(demoVault, testPrincipal)
	url := "https://" + demoVault + ".vault.azure.net/secrets/wp-client-secret?api-version=7.6"

	good, err := issuer.Mint(vaultClaims())
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	if resp, body := tv.get(t, url, good); resp.StatusCode != http.StatusOK {
		t.Errorf("issuer token: got %d %s, want 200", resp.StatusCode, body)
	}

	claims := vaultClaims()
	claims["exp"] = time.Now().Add(-time.Hour).Unix()
	expired, err := issuer.Mint(claims)
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	resp, body := tv.get(t, url, expired)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body),
		"[TokenExpired]") {
		t.Errorf("expired issuer token: got %d %s, want 401 [TokenExpired]", resp.StatusCode,
			body)
	}
}
