package keyvault_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"projectsync/internal/keyvault"
	"projectsync/internal/standin"
	"projectsync/internal/standin/identity"
)

// unknownClientID names a user-assigned identity the Function App does not
// have.
const unknownClientID = "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"

func TestSource_NoIdentity(t *testing.T) {
	s := startStack(t)
	cred, err := keyvault.NewManagedIdentity("", false, nil)
	if err != nil {
		t.Fatalf("NewManagedIdentity: %v", err)
	}
	src := newSource(t, s, standin.SecretName, cred, nil)

	_, err = src.Secret(testContext(t))
	if !errors.Is(err, keyvault.ErrNoIdentity) {
		t.Errorf("Secret: got %v, want ErrNoIdentity", err)
	}
	var e *keyvault.Error
	if !errors.As(err, &e) || e.Step != keyvault.StepIdentity {
		t.Errorf("Secret: got %#v, want a *keyvault.Error at step %q", err, keyvault.StepIdentity)
	}

	_, err = src.IdentityToken(testContext(t))
	if !errors.Is(err, keyvault.ErrNoIdentity) {
		t.Errorf("IdentityToken: got %v, want ErrNoIdentity", err)
	}
	if got := s.Identity.Requests(); got != 0 {
		t.Errorf("got %d managed identity requests, want 0", got)
	}
	if got := s.Vault.Reads(); got != 0 {
		t.Errorf("got %d Key Vault reads, want 0", got)
	}
}

func TestSource_UnknownUserAssignedIdentity(t *testing.T) {
	tests := []struct {
		name string
		call func(context.Context, *keyvault.Source) error
	}{
		{"Secret", func(ctx context.Context, src *keyvault.Source) error {
			_, err := src.Secret(ctx)
			return err
		}},
		{"IdentityToken", func(ctx context.Context, src *keyvault.Source) error {
			_, err := src.IdentityToken(ctx)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			src := newSource(t, s, standin.SecretName, managedIdentity(t, s, unknownClientID), nil)

			err := tt.call(testContext(t), src)
			var e *keyvault.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v, want *keyvault.Error", err, err)
			}
			if e.Step != keyvault.StepIdentity {
				t.Errorf("got step %q, want %q", e.Step, keyvault.StepIdentity)
			}
			if e.Status != 400 {
				t.Errorf("got status %d, want 400", e.Status)
			}
			const want = "No User Assigned or Delegated Managed Identity found"
			if !strings.Contains(e.Message, want) {
				t.Errorf("got message %q, want the endpoint's %q", e.Message, want)
			}
			assertNoLeak(t, "error", err.Error(), s.Identity.Header())
			if got := s.Vault.Reads(); got != 0 {
				t.Errorf("got %d Key Vault reads, want 0", got)
			}
		})
	}
}

// TestSource_EmptyIdentityToken has the identity endpoint answer 200
// without a token, which the SDK passes on as a success: reading the secret
// and the identity check both report the identity step.
func TestSource_EmptyIdentityToken(t *testing.T) {
	tests := []struct {
		name string
		call func(context.Context, *keyvault.Source) error
	}{
		{"Secret", func(ctx context.Context, src *keyvault.Source) error {
			_, err := src.Secret(ctx)
			return err
		}},
		{"IdentityToken", func(ctx context.Context, src *keyvault.Source) error {
			_, err := src.IdentityToken(ctx)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			expires := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
			s.Identity.InjectFault(1, identity.Fault{Status: 200, Body: `{"access_token":"",` +
				`"expires_on":"` + expires + `","resource":"https://vault.azure.net",` +
				`"token_type":"Bearer"}`})
			// An identity of its own keeps MSAL's process-wide cache out of
			// the way.
			clientID := uuid.NewString()
			s.Identity.AddUserAssigned(clientID, uuid.NewString())
			src := newSource(t, s, standin.SecretName, managedIdentity(t, s, clientID), nil)

			err := tt.call(testContext(t), src)
			if !errors.Is(err, keyvault.ErrEmptyToken) {
				t.Errorf("got %v, want ErrEmptyToken", err)
			}
			var e *keyvault.Error
			if !errors.As(err, &e) || e.Step != keyvault.StepIdentity {
				t.Errorf("got %v, want a *keyvault.Error at step %q", err, keyvault.StepIdentity)
			}
			if got := s.Vault.Reads(); got != 0 {
				t.Errorf("got %d Key Vault reads, want 0", got)
			}
		})
	}
}

func TestSource_IdentityToken(t *testing.T) {
	tests := []struct {
		name     string
		clientID string
	}{
		{"system-assigned", ""},
		{"user-assigned", standin.UserAssignedClientID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			src := newSource(t, s, standin.SecretName, managedIdentity(t, s, tt.clientID), nil)

			exp, err := src.IdentityToken(testContext(t))
			if err != nil {
				t.Fatalf("IdentityToken: %v", err)
			}
			if !exp.After(time.Now()) {
				t.Errorf("got expiry %v, want a time ahead", exp)
			}
			// A token from MSAL's process-wide cache sends no request.
			if got := s.Identity.Requests(); got > 1 {
				t.Errorf("got %d managed identity requests, want at most 1", got)
			}
			if got := s.Vault.Reads(); got != 0 {
				t.Errorf("got %d Key Vault reads, want 0", got)
			}
		})
	}
}
