package problem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"projectsync/internal/entra"
	"projectsync/internal/keyvault"
	"projectsync/internal/project"
	"projectsync/internal/workpoint"
)

// The catalogue fits the callers' retry rules: Power Automate and Logic
// Apps retry 408, 429 and 5xx, and nothing else.
func TestCatalogue_FitsRetryRules(t *testing.T) {
	for _, c := range Codes() {
		e := c.entry()
		if e.title == "" || e.fix == "" {
			t.Errorf("%s: title or fix missing", c)
		}
		callerRetries := e.status == 408 || e.status == 429 || e.status >= 500
		if callerRetries != e.retryable && c != Internal {
			t.Errorf("%s: status %d but retryable=%v", c, e.status, e.retryable)
		}
		if strings.ToLower(string(c)) != string(c) || strings.Contains(string(c), " ") {
			t.Errorf("%s: codes are lower snake case", c)
		}
	}
}

func TestWrite(t *testing.T) {
	p := New(WorkPointThrottled, "WorkPoint answered 429.")
	p.RetryAfter = 7
	rec := httptest.NewRecorder()
	p.Write(rec)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "7" ||
		rec.Header().Get("Content-Type") != ContentType {
		t.Fatalf("got %d %v", rec.Code, rec.Header())
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"type", "title", "status", "detail", "code", "fix", "retryable"} {
		if _, ok := got[k]; !ok {
			t.Errorf("member %s missing in %s", k, rec.Body)
		}
	}
}

func TestFromError(t *testing.T) {
	exp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	kv := func(status int, code, inner string) error {
		return fmt.Errorf("entra: %w", &keyvault.Error{Step: keyvault.StepRead, Vault: "v.vault.azure.net",
			Secret: "s", Status: status, Code: code, InnerCode: inner})
	}
	tests := []struct {
		name   string
		err    error
		code   Code
		status int
	}{
		{"empty", &project.InputError{Kind: project.KindEmpty}, EmptyBody, 400},
		{"field", &project.InputError{Kind: project.KindField, Field: "ID", Got: "null", Want: "a number"}, InvalidField, 400},
		{"media", &project.InputError{Kind: project.KindMediaType, Got: "text/xml", Want: "application/json"}, UnsupportedMediaType, 415},
		{"too large", &project.InputError{Kind: project.KindTooLarge, Want: "1 bytes"}, BodyTooLarge, 413},
		{"kv access policy", kv(403, "Forbidden", "AccessDenied"), KeyVaultAccessDenied, 424},
		{"kv disabled", kv(403, "Forbidden", "SecretDisabled"), KeyVaultSecretDisabled, 424},
		{"kv policy", kv(403, "Forbidden", "ForbiddenByPolicy"), KeyVaultForbiddenByPolicy, 424},
		{"kv rbac", kv(403, "Forbidden", "ForbiddenByRbac"), KeyVaultForbiddenByRBAC, 424},
		{"kv not found", kv(404, "SecretNotFound", ""), KeyVaultSecretNotFound, 424},
		{"kv throttled", kv(429, "Throttled", ""), KeyVaultThrottled, 503},
		{"kv expired", &keyvault.Error{Step: keyvault.StepCheck, Code: keyvault.CodeExpired, Expires: &exp}, KeyVaultSecretExpired, 424},
		{"kv dns", &keyvault.Error{Step: keyvault.StepRead, Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, KeyVaultHostNotFound, 424},
		{"kv refused", &keyvault.Error{Step: keyvault.StepRead, Err: errors.New("connection refused")}, KeyVaultUnavailable, 503},
		{"no identity", &keyvault.Error{Step: keyvault.StepIdentity, Err: keyvault.ErrNoIdentity}, ManagedIdentityNotEnabled, 424},
		{"uami unknown", &keyvault.Error{Step: keyvault.StepIdentity, Status: 400, Message: "No User Assigned or Delegated Managed Identity found for specified ClientId"}, ManagedIdentityNotFound, 424},
		{"entra expired", &entra.Error{Status: 401, Codes: []int{7000222}}, EntraClientSecretExpired, 424},
		{"entra invalid", &entra.Error{Status: 401, Codes: []int{7000215}}, EntraClientSecretInvalid, 424},
		{"entra audience", &entra.Error{Status: 400, Codes: []int{500011}}, EntraResourceNotFound, 424},
		{"entra app", &entra.Error{Status: 400, Codes: []int{700016}}, EntraAppNotFound, 424},
		{"entra tenant", &entra.Error{Status: 400, Codes: []int{90002}}, EntraTenantNotFound, 424},
		{"entra down", &entra.Error{Status: 503}, EntraUnavailable, 503},
		{"role missing", &entra.ClaimsError{Claim: "roles", Want: "to contain x"}, TokenRoleMissing, 424},
		{"wp 401", &workpoint.Error{Status: 401}, WorkPointUnauthorized, 424},
		{"wp solution", &workpoint.Error{Status: 404, Message: "WorkPoint solution not found for WorkPoint365Url 'x'."}, WorkPointSolutionNotFound, 424},
		{"wp module", &workpoint.Error{Status: 404, Message: "Business module 'x' does not exist."}, WorkPointModuleNotFound, 424},
		{"wp route", &workpoint.Error{Status: 404, Message: "No HTTP resource was found"}, WorkPointRouteNotFound, 424},
		{"wp fields", &workpoint.Error{Status: 400, Message: "Field 'X' does not exist"}, WorkPointFieldsRejected, 422},
		{"wp 429", &workpoint.Error{Status: 429, RetryAfter: 2 * time.Second}, WorkPointThrottled, 503},
		{"wp 500", &workpoint.Error{Status: 500}, WorkPointUnavailable, 503},
		{"parent", &project.ParentError{Parent: project.ParentRef{Title: "x"}}, ParentNotFound, 422},
		{"deadline", context.DeadlineExceeded, DeadlineExceeded, 503},
		{"other", errors.New("boom"), Internal, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := FromError(tt.err)
			if p.Code != tt.code || p.Status != tt.status {
				t.Fatalf("got %s %d, want %s %d (%s)", p.Code, p.Status, tt.code, tt.status, p.Detail)
			}
			if p.Detail == "" || p.Fix == "" {
				t.Errorf("detail or fix empty: %+v", p)
			}
			if p.Retryable && p.RetryAfter == 0 && p.Status == http.StatusServiceUnavailable &&
				p.Code != DeadlineExceeded {
				t.Errorf("a retryable 503 needs Retry-After: %+v", p)
			}
		})
	}
}
