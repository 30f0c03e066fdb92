package problem

import (
	"errors"
	"fmt"
	"testing"

	"projectsync/internal/entra"
	"projectsync/internal/keyvault"
)

func TestFromFederated(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code Code
	}{
		{
			name: "unknown user-assigned identity",
			err: &entra.IdentityError{Audience: entra.ExchangeAudience, Status: 400,
				Message: "No User Assigned or Delegated Managed Identity found for specified " +
					"ClientId/ResourceId/PrincipalId."},
			code: ManagedIdentityNotFound,
		},
		{
			name: "no identity endpoint",
			err: &entra.IdentityError{Audience: entra.ExchangeAudience,
				Err: keyvault.ErrNoIdentity},
			code: ManagedIdentityNotEnabled,
		},
		{
			name: "endpoint fails",
			err:  &entra.IdentityError{Audience: entra.ExchangeAudience, Status: 500},
			code: ManagedIdentityUnavailable,
		},
		{
			name: "empty token",
			err: fmt.Errorf("wrapped: %w", &entra.IdentityError{Audience: entra.ExchangeAudience,
				Err: entra.ErrEmptyAssertion}),
			code: ManagedIdentityUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := fromFederated(tt.err)
			if !ok {
				t.Fatalf("got no problem for %v, want %s", tt.err, tt.code)
			}
			if p.Code != tt.code || p.Detail == "" {
				t.Errorf("got %s (%q), want %s with a detail", p.Code, p.Detail, tt.code)
			}
		})
	}

	if _, ok := fromFederated(errors.New("something else")); ok {
		t.Error("got a problem for an unrelated error, want none")
	}
}

func TestFromError_FederationMismatch(t *testing.T) {
	for _, code := range []int{entra.CodeNoFederatedRecord, entra.CodeFederatedIssuer,
		entra.CodeFederatedAudience, entra.CodeFederatedSubject} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			err := &entra.Error{Step: entra.StepToken, Status: 401, OAuthError: "invalid_client",
				Codes: []int{code}}
			p := FromError(err)
			if p.Code != EntraFederationMismatch {
				t.Errorf("got %s, want %s", p.Code, EntraFederationMismatch)
			}
			if p.Upstream == nil || p.Upstream.Code != fmt.Sprintf("AADSTS%d", code) {
				t.Errorf("got upstream %+v, want code AADSTS%d", p.Upstream, code)
			}
		})
	}
}
