package entra_test

import (
	"cmp"
	"errors"
	"slices"
	"testing"
	"time"

	"projectsync/internal/entra"
	"projectsync/internal/standin"
	sentra "projectsync/internal/standin/entra"
	skv "projectsync/internal/standin/keyvault"
)

func TestCredential_GetToken(t *testing.T) {
	s := startStack(t)
	c := newCredential(s, standin.TenantID, standin.ClientID, newSource(t, s), demoExpectation())

	tok, err := workPointToken(testContext(t), c)
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	claims, err := s.Issuer.Verify(tok.Token)
	if err != nil {
		t.Fatalf("verify token: %v", err)
	}
	if aud, _ := claims.GetAudience(); !slices.Equal(aud, []string{standin.WorkPointAudience}) {
		t.Errorf("got aud %v, want %s", aud, standin.WorkPointAudience)
	}
	if roles, _ := claims["roles"].([]any); !slices.Contains(roles, any(standin.WorkPointRole)) {
		t.Errorf("got roles %v, want %s", claims["roles"], standin.WorkPointRole)
	}
	if !tok.ExpiresOn.After(time.Now()) {
		t.Errorf("got expiry %v, want a time ahead", tok.ExpiresOn)
	}
	if got := s.Entra.TokenRequests(); got != 1 {
		t.Errorf("got %d Entra token requests, want 1", got)
	}
	if got := s.Vault.Reads(); got != 1 {
		t.Errorf("got %d Key Vault reads, want 1", got)
	}
}

func TestCredential_GetToken_Cached(t *testing.T) {
	s := startStack(t)
	c := newCredential(s, standin.TenantID, standin.ClientID, newSource(t, s), demoExpectation())
	ctx := testContext(t)

	first, err := workPointToken(ctx, c)
	if err != nil {
		t.Fatalf("first GetToken: %v", err)
	}
	second, err := workPointToken(ctx, c)
	if err != nil {
		t.Fatalf("second GetToken: %v", err)
	}
	if second.Token != first.Token {
		t.Error("second GetToken returned another token, want the cached one")
	}
	if got := s.Entra.TokenRequests(); got != 1 {
		t.Errorf("got %d Entra token requests, want 1", got)
	}
	if got := s.Vault.Reads(); got != 1 {
		t.Errorf("got %d Key Vault reads, want 1", got)
	}
}

// TestCredential_Rotation has Entra refuse the cached secret while Key
// Vault already holds its successor: GetToken must read Key Vault once
// more and succeed with the new version.
func TestCredential_Rotation(t *testing.T) {
	const rotated = "rotated8Q~second.client.secret"
	past := time.Now().Add(-time.Hour)

	tests := []struct {
		name    string
		secrets []sentra.Secret
	}{
		{"old secret removed", []sentra.Secret{{Value: rotated}}},
		{"old secret expired", []sentra.Secret{
			{Value: standin.ClientSecret, Expires: past},
			{Value: rotated},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			s.Plant(rotated)
			src := newSource(t, s)
			c := newCredential(s, standin.TenantID, standin.ClientID, src, demoExpectation())
			ctx := testContext(t)

			// The source caches the first version before the rotation.
			if _, err := src.Secret(ctx); err != nil {
				t.Fatalf("warm the secret cache: %v", err)
			}
			if err := s.Entra.SetSecrets(standin.ClientID, tt.secrets...); err != nil {
				t.Fatal(err)
			}
			s.Vault.SetSecret(standin.VaultName, standin.SecretName, rotated, skv.Attributes{})

			if _, err := workPointToken(ctx, c); err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			if got := s.Vault.Reads(); got != 2 {
				t.Errorf("got %d Key Vault reads, want 2 (one re-read)", got)
			}
			if got := s.Entra.TokenRequests(); got != 2 {
				t.Errorf("got %d Entra token requests, want 2", got)
			}

			// The new version's token is cached like any other.
			if _, err := workPointToken(ctx, c); err != nil {
				t.Fatalf("GetToken after rotation: %v", err)
			}
			if got := s.Entra.TokenRequests(); got != 2 {
				t.Errorf("after rotation: got %d Entra token requests, want 2", got)
			}
		})
	}
}

// TestCredential_SecretRejected has Entra refuse the secret while Key Vault
// holds nothing newer: Entra's refusal is reported after one re-read.
func TestCredential_SecretRejected(t *testing.T) {
	past := time.Now().Add(-time.Hour)
	tests := []struct {
		name    string
		secrets []sentra.Secret
		code    int
	}{
		{"invalid", []sentra.Secret{{Value: "another8Q~secret.value"}}, entra.CodeInvalidSecret},
		{"expired", []sentra.Secret{{Value: standin.ClientSecret, Expires: past}},
			entra.CodeExpiredSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			if err := s.Entra.SetSecrets(standin.ClientID, tt.secrets...); err != nil {
				t.Fatal(err)
			}
			c := newCredential(s, standin.TenantID, standin.ClientID, newSource(t, s),
				demoExpectation())

			_, err := workPointToken(testContext(t), c)
			var e *entra.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v, want *entra.Error", err, err)
			}
			if !e.Has(tt.code) {
				t.Errorf("got codes %v, want AADSTS%d", e.Codes, tt.code)
			}
			if e.Status != 401 || e.OAuthError != "invalid_client" {
				t.Errorf("got status %d error %q, want 401 invalid_client", e.Status, e.OAuthError)
			}
			if e.TraceID == "" || e.CorrelationID == "" {
				t.Errorf("got trace id %q correlation id %q, want both", e.TraceID,
					e.CorrelationID)
			}
			if e.SecretVersion == "" {
				t.Error("got no secret version, want the version Entra refused")
			}
			assertNoLeak(t, "error", err.Error(), standin.ClientSecret)
			if got := s.Vault.Reads(); got != 2 {
				t.Errorf("got %d Key Vault reads, want 2 (one re-read)", got)
			}
			if got := s.Entra.TokenRequests(); got != 1 {
				t.Errorf("got %d Entra token requests, want 1", got)
			}
		})
	}
}

// TestCredential_DirectoryErrors covers Entra refusals that have nothing to
// do with the secret: they are reported without reading Key Vault again.
func TestCredential_DirectoryErrors(t *testing.T) {
	const unknownID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
	tests := []struct {
		name     string
		tenantID string
		clientID string
		scope    string
		setup    func(*standin.Stack) error
		code     int
	}{
		{name: "tenant not found", tenantID: unknownID, code: entra.CodeTenantNotFound},
		{name: "app not found", clientID: unknownID, code: entra.CodeAppNotFound},
		{name: "resource not found", scope: "https://unknown.example/api/.default",
			code: entra.CodeResourceNotFound},
		{name: "no service principal", code: entra.CodeNoServicePrincipal,
			setup: func(s *standin.Stack) error {
				return s.Entra.SetServicePrincipal(standin.ClientID, false)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			if tt.setup != nil {
				if err := tt.setup(s); err != nil {
					t.Fatal(err)
				}
			}
			tenantID := cmp.Or(tt.tenantID, standin.TenantID)
			clientID := cmp.Or(tt.clientID, standin.ClientID)
			scope := cmp.Or(tt.scope, workPointScope)
			c := newCredential(s, tenantID, clientID, newSource(t, s), nil)

			_, err := c.GetToken(testContext(t), tokenOptions(scope))
			var e *entra.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v, want *entra.Error", err, err)
			}
			if !e.Has(tt.code) {
				t.Errorf("got codes %v (%v), want AADSTS%d", e.Codes, err, tt.code)
			}
			if e.Status != 400 && e.Status != 401 {
				t.Errorf("got status %d, want Entra's 400 or 401", e.Status)
			}
			if e.TraceID == "" || e.CorrelationID == "" {
				t.Errorf("got trace id %q correlation id %q, want both", e.TraceID,
					e.CorrelationID)
			}
			assertNoLeak(t, "error", err.Error(), standin.ClientSecret)
			if got := s.Vault.Reads(); got != 1 {
				t.Errorf("got %d Key Vault reads, want 1", got)
			}
		})
	}
}
