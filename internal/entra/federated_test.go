package entra_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"projectsync/internal/entra"
	"projectsync/internal/keyvault"
	"projectsync/internal/problem"
	"projectsync/internal/standin"
	sidentity "projectsync/internal/standin/identity"
)

// newFederated returns the demo app registration's federated credential,
// with assertions from the user-assigned identity miClientID for audience
// (the default when empty), checking tokens against x (none when nil).
func newFederated(t *testing.T, s *standin.Stack, miClientID, audience string,
	x *entra.Expectation) *entra.Federated {
	t.Helper()
	opts := clientOptions(s)
	mi, err := keyvault.NewManagedIdentity(miClientID, true, &opts)
	if err != nil {
		t.Fatalf("NewManagedIdentity: %v", err)
	}
	f, err := entra.NewFederated(standin.TenantID, standin.ClientID, mi, audience,
		&entra.Options{ClientOptions: opts, Expect: x})
	if err != nil {
		t.Fatalf("NewFederated: %v", err)
	}
	return f
}

// newIdentity gives the Function App another user-assigned identity, with
// IDs of its own so that MSAL's process-wide cache holds no token of it,
// and returns its client and principal IDs.
func newIdentity(s *standin.Stack) (clientID, principalID string) {
	clientID, principalID = uuid.NewString(), uuid.NewString()
	s.Identity.AddUserAssigned(clientID, principalID)
	return clientID, principalID
}

// logContext returns a context whose zerolog logger writes debug lines
// into the returned buffer.
func logContext(t *testing.T) (context.Context, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	log := zerolog.New(&buf).Level(zerolog.DebugLevel)
	return log.WithContext(testContext(t)), &buf
}

func TestFederated_GetToken(t *testing.T) {
	s := startStack(t)
	f := newFederated(t, s, standin.UserAssignedClientID, "", demoExpectation())
	ctx, logs := logContext(t)

	tok, err := f.GetToken(ctx, tokenOptions(workPointScope))
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	claims, err := s.Issuer.Verify(tok.Token)
	if err != nil {
		t.Fatalf("verify token: %v", err)
	}
	if got := claims["appid"]; got != standin.ClientID {
		t.Errorf("got appid %v, want %s", got, standin.ClientID)
	}
	if got := claims["appidacr"]; got != "2" {
		t.Errorf("got appidacr %v, want 2 (client assertion)", got)
	}
	if roles, _ := claims["roles"].([]any); !slices.Contains(roles, any(standin.WorkPointRole)) {
		t.Errorf("got roles %v, want %s", claims["roles"], standin.WorkPointRole)
	}

	second, err := f.GetToken(ctx, tokenOptions(workPointScope))
	if err != nil {
		t.Fatalf("second GetToken: %v", err)
	}
	if second.Token != tok.Token {
		t.Error("second GetToken returned another token, want the cached one")
	}
	if got := s.Entra.TokenRequests(); got != 1 {
		t.Errorf("got %d Entra token requests, want 1", got)
	}
	if got := s.Vault.Reads(); got != 0 {
		t.Errorf("got %d Key Vault reads, want 0: no secret exists", got)
	}

	for _, msg := range []string{"got managed identity token for the federated credential",
		"got WorkPoint token"} {
		if !strings.Contains(logs.String(), `"message":"`+msg+`"`) {
			t.Errorf("debug log lacks %q:\n%s", msg, logs)
		}
	}
	for _, minted := range s.Issuer.Minted() {
		assertNoLeak(t, "debug log", logs.String(), minted)
	}
}

func TestFederated_Assertion(t *testing.T) {
	s := startStack(t)
	f := newFederated(t, s, standin.UserAssignedClientID, "", nil)

	a, err := f.Assertion(testContext(t))
	if err != nil {
		t.Fatalf("Assertion: %v", err)
	}
	if a.Audience != entra.ExchangeAudience {
		t.Errorf("got audience %q, want %q", a.Audience, entra.ExchangeAudience)
	}
	if a.Subject != standin.UserAssignedPrincipalID {
		t.Errorf("got subject %q, want the principal ID %s", a.Subject,
			standin.UserAssignedPrincipalID)
	}
	if !strings.EqualFold(a.TenantID, standin.TenantID) {
		t.Errorf("got tenant %q, want %s", a.TenantID, standin.TenantID)
	}
	if a.ExpiresOn.IsZero() {
		t.Error("got no expiry, want the token's")
	}
	if got := s.Entra.TokenRequests(); got != 0 {
		t.Errorf("got %d Entra token requests, want 0", got)
	}
}

// TestFederated_Mismatch has Entra find no federated credential for the
// assertion: one names another identity, or the token is for another
// audience.
func TestFederated_Mismatch(t *testing.T) {
	tests := []struct {
		name     string
		audience string
		trusted  bool // whether the app trusts the identity
		code     int
	}{
		{name: "identity not trusted", code: entra.CodeFederatedSubject},
		{name: "other audience", audience: "api://other.example/exchange", trusted: true,
			code: entra.CodeNoFederatedRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			clientID, principalID := newIdentity(s)
			if tt.trusted {
				err := s.Entra.AddFederatedCredential(standin.ClientID, principalID)
				if err != nil {
					t.Fatal(err)
				}
			}
			f := newFederated(t, s, clientID, tt.audience, demoExpectation())

			_, err := f.GetToken(testContext(t), tokenOptions(workPointScope))
			var e *entra.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v, want *entra.Error", err, err)
			}
			if !e.Has(tt.code) || !e.FederationMismatch() {
				t.Errorf("got codes %v, want AADSTS%d, a federation mismatch", e.Codes, tt.code)
			}
			if e.Status != 401 || e.OAuthError != "invalid_client" {
				t.Errorf("got status %d error %q, want 401 invalid_client", e.Status, e.OAuthError)
			}
			if got := problem.FromError(err).Code; got != problem.EntraFederationMismatch {
				t.Errorf("got problem %s, want %s", got, problem.EntraFederationMismatch)
			}
			for _, minted := range s.Issuer.Minted() {
				assertNoLeak(t, "error", err.Error(), minted)
			}
		})
	}
}

// TestFederated_Trusted gives the app a second trusted identity: its
// assertion is accepted like the demo identity's.
func TestFederated_Trusted(t *testing.T) {
	s := startStack(t)
	clientID, principalID := newIdentity(s)
	if err := s.Entra.AddFederatedCredential(standin.ClientID, principalID); err != nil {
		t.Fatal(err)
	}
	f := newFederated(t, s, clientID, "", demoExpectation())

	if _, err := f.GetToken(testContext(t), tokenOptions(workPointScope)); err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if got := s.Identity.Requests(); got != 1 {
		t.Errorf("got %d identity requests, want 1", got)
	}
}

// TestFederated_IdentityFails has the managed identity give no token: Entra
// is never asked, and the error tells the identity's failure.
func TestFederated_IdentityFails(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*standin.Stack) string // returns the identity's client ID
		status int
		is     error  // an error the IdentityError wraps, or nil
		msg    string // a part of the message, or empty
	}{
		{
			name: "unknown user-assigned identity",
			setup: func(*standin.Stack) string {
				return uuid.NewString()
			},
			status: 400,
			msg:    "No User Assigned or Delegated Managed Identity found",
		},
		{
			name: "endpoint fails",
			setup: func(s *standin.Stack) string {
				clientID, _ := newIdentity(s)
				s.Identity.InjectFault(1, sidentity.Fault{Status: 500,
					Body: `{"statusCode":500,"message":"The identity service is busy."}`})
				return clientID
			},
			status: 500,
			msg:    "The identity service is busy.",
		},
		{
			name: "empty token",
			setup: func(s *standin.Stack) string {
				clientID, _ := newIdentity(s)
				s.Identity.InjectFault(1, sidentity.Fault{Status: 200,
					Body: `{"expires_in":3600,"token_type":"Bearer"}`})
				return clientID
			},
			is: keyvault.ErrEmptyToken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			clientID := tt.setup(s)
			f := newFederated(t, s, clientID, "", demoExpectation())

			_, err := f.GetToken(testContext(t), tokenOptions(workPointScope))
			var ie *entra.IdentityError
			if !errors.As(err, &ie) {
				t.Fatalf("got %T %v, want *entra.IdentityError", err, err)
			}
			if ie.Status != tt.status {
				t.Errorf("got status %d, want %d", ie.Status, tt.status)
			}
			if ie.Audience != entra.ExchangeAudience {
				t.Errorf("got audience %q, want %q", ie.Audience, entra.ExchangeAudience)
			}
			if !strings.Contains(ie.Message, tt.msg) {
				t.Errorf("got message %q, want it to hold %q", ie.Message, tt.msg)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want it to wrap %v", err, tt.is)
			}
			if got := s.Entra.TokenRequests(); got != 0 {
				t.Errorf("got %d Entra token requests, want 0", got)
			}
			assertNoLeak(t, "error", err.Error(), s.Identity.Header())
		})
	}
}

func TestFederated_NoIdentityEndpoint(t *testing.T) {
	s := startStack(t)
	opts := clientOptions(s)
	mi, err := keyvault.NewManagedIdentity(standin.UserAssignedClientID, false, &opts)
	if err != nil {
		t.Fatalf("NewManagedIdentity: %v", err)
	}
	f, err := entra.NewFederated(standin.TenantID, standin.ClientID, mi, "",
		&entra.Options{ClientOptions: opts})
	if err != nil {
		t.Fatalf("NewFederated: %v", err)
	}

	_, err = f.GetToken(testContext(t), tokenOptions(workPointScope))
	var ie *entra.IdentityError
	if !errors.As(err, &ie) || !errors.Is(err, keyvault.ErrNoIdentity) {
		t.Fatalf("got %T %v, want *entra.IdentityError wrapping ErrNoIdentity", err, err)
	}
	if got := s.Entra.TokenRequests(); got != 0 {
		t.Errorf("got %d Entra token requests, want 0", got)
	}
}

func TestFederated_RoleMissing(t *testing.T) {
	s := startStack(t)
	if err := s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience); err != nil {
		t.Fatal(err)
	}
	f := newFederated(t, s, standin.UserAssignedClientID, "", demoExpectation())

	_, err := f.GetToken(testContext(t), tokenOptions(workPointScope))
	var ce *entra.ClaimsError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v, want *entra.ClaimsError", err, err)
	}
	if ce.Claim != "roles" {
		t.Errorf("got claim %q, want roles", ce.Claim)
	}
	if got := problem.FromError(err).Code; got != problem.TokenRoleMissing {
		t.Errorf("got problem %s, want %s", got, problem.TokenRoleMissing)
	}
}

func TestNewFederated_Invalid(t *testing.T) {
	s := startStack(t)
	opts := clientOptions(s)
	mi, err := keyvault.NewManagedIdentity(standin.UserAssignedClientID, true, &opts)
	if err != nil {
		t.Fatalf("NewManagedIdentity: %v", err)
	}
	tests := []struct {
		name     string
		tenantID string
		mi       bool
		host     string
	}{
		{name: "no managed identity", tenantID: standin.TenantID},
		{name: "malformed tenant", tenantID: "not a tenant!", mi: true},
		{name: "authority over http", tenantID: standin.TenantID, mi: true,
			host: "http://login.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cred = mi
			if !tt.mi {
				cred = nil
			}
			_, err := entra.NewFederated(tt.tenantID, standin.ClientID, cred, "",
				&entra.Options{AuthorityHost: tt.host, ClientOptions: opts})
			if err == nil || !strings.HasPrefix(err.Error(), "entra: create federated credential") {
				t.Errorf("got %v, want an entra: create federated credential error", err)
			}
		})
	}
}
