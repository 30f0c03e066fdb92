package keyvault_test

import (
	"errors"
	"testing"
	"time"

	"projectsync/internal/keyvault"
	"projectsync/internal/standin"
	skv "projectsync/internal/standin/keyvault"
)

// plantedValue is a secret value the failing cases store; it must never
// show in an error.
const plantedValue = "planted8Q~must.not.leak.value"

func TestSource_Secret_Errors(t *testing.T) {
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(24 * time.Hour)

	tests := []struct {
		name string
		// setup changes the world and returns the secret name and the
		// pinned version to read.
		setup func(s *standin.Stack) (name, version string)
		want  keyvault.Error
	}{
		{
			name: "access policy denies",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.SetDeny(standin.VaultName, skv.DenyAccessPolicy)
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepRead, Status: 403, Code: "Forbidden",
				InnerCode: "AccessDenied"},
		},
		{
			name: "no role assignment",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.Revoke(standin.VaultName, standin.ManagedIdentityPrincipalID)
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepRead, Status: 403, Code: "Forbidden",
				InnerCode: "ForbiddenByRbac"},
		},
		{
			name: "policy forbids",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.SetDeny(standin.VaultName, skv.DenyPolicy)
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepRead, Status: 403, Code: "Forbidden",
				InnerCode: "ForbiddenByPolicy"},
		},
		{
			name: "firewall",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.SetDeny(standin.VaultName, skv.DenyFirewall)
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepRead, Status: 403, Code: "Forbidden",
				InnerCode: "ForbiddenByFirewall"},
		},
		{
			name: "secret not found",
			setup: func(s *standin.Stack) (string, string) {
				return "no-such-secret", ""
			},
			want: keyvault.Error{Step: keyvault.StepRead, Status: 404, Code: "SecretNotFound"},
		},
		{
			name: "version not found",
			setup: func(s *standin.Stack) (string, string) {
				return standin.SecretName, "0123456789abcdef0123456789abcdef"
			},
			want: keyvault.Error{Step: keyvault.StepRead, Status: 404, Code: "SecretNotFound",
				Version: "0123456789abcdef0123456789abcdef"},
		},
		{
			name: "latest version disabled",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.SetSecret(standin.VaultName, standin.SecretName, plantedValue,
					skv.Attributes{Disabled: true})
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepRead, Status: 403, Code: "Forbidden",
				InnerCode: "SecretDisabled"},
		},
		{
			name: "throttled",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.InjectFault(1, skv.Fault{Status: 429, RetryAfter: "1"})
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepRead, Status: 429, Code: "Throttled"},
		},
		{
			name: "expired",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.SetSecret(standin.VaultName, standin.SecretName, plantedValue,
					skv.Attributes{Expires: &past})
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepCheck, Code: keyvault.CodeExpired},
		},
		{
			name: "not yet valid",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.SetSecret(standin.VaultName, standin.SecretName, plantedValue,
					skv.Attributes{NotBefore: &future})
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepCheck, Code: keyvault.CodeNotYetValid},
		},
		{
			name: "empty value",
			setup: func(s *standin.Stack) (string, string) {
				s.Vault.SetSecret(standin.VaultName, standin.SecretName, "", skv.Attributes{})
				return standin.SecretName, ""
			},
			want: keyvault.Error{Step: keyvault.StepCheck, Code: keyvault.CodeEmpty},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			name, version := tt.setup(s)
			src := newSource(t, s, name, managedIdentity(t, s, ""),
				&keyvault.Options{Version: version})

			_, err := src.Secret(testContext(t))
			var got *keyvault.Error
			if !errors.As(err, &got) {
				t.Fatalf("got %T %v, want *keyvault.Error", err, err)
			}
			checkError(t, got, tt.want)
			if got.Vault != standin.VaultName+".vault.azure.net" || got.Secret != name {
				t.Errorf("got vault %q secret %q, want the demo vault and %q",
					got.Vault, got.Secret, name)
			}
			assertNoLeak(t, "error", err.Error(), plantedValue, standin.ClientSecret)
		})
	}
}

// TestSource_Secret_ExpiredCarriesDates checks that a secret refused for
// its dates names its version and expiry.
func TestSource_Secret_ExpiredCarriesDates(t *testing.T) {
	s := startStack(t)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	version := s.Vault.SetSecret(standin.VaultName, standin.SecretName, plantedValue,
		skv.Attributes{Expires: &past})
	src := demoSource(t, s, nil)

	_, err := src.Secret(testContext(t))
	var got *keyvault.Error
	if !errors.As(err, &got) {
		t.Fatalf("got %T %v, want *keyvault.Error", err, err)
	}
	if got.Version != version {
		t.Errorf("got version %q, want %q", got.Version, version)
	}
	if got.Expires == nil || !got.Expires.Equal(past) {
		t.Errorf("got expiry %v, want %v", got.Expires, past)
	}
	// A refused secret is not cached: the next call reads again.
	if _, err := src.Secret(testContext(t)); err == nil {
		t.Fatal("second Secret: got no error, want the expired secret refused again")
	}
	if got := s.Vault.Reads(); got != 2 {
		t.Errorf("got %d Key Vault reads, want 2", got)
	}
}

func checkError(t *testing.T, got *keyvault.Error, want keyvault.Error) {
	t.Helper()
	if got.Step != want.Step {
		t.Errorf("got step %q, want %q", got.Step, want.Step)
	}
	if got.Status != want.Status {
		t.Errorf("got status %d, want %d", got.Status, want.Status)
	}
	if got.Code != want.Code {
		t.Errorf("got code %q, want %q", got.Code, want.Code)
	}
	if got.InnerCode != want.InnerCode {
		t.Errorf("got inner code %q, want %q", got.InnerCode, want.InnerCode)
	}
	if want.Version != "" && got.Version != want.Version {
		t.Errorf("got version %q, want %q", got.Version, want.Version)
	}
}
