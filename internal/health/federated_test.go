package health_test

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"

	"projectsync/internal/entra"
	"projectsync/internal/health"
	"projectsync/internal/keyvault"
	"projectsync/internal/problem"
	"projectsync/internal/settings"
	"projectsync/internal/standin"
	"projectsync/internal/workpoint"
)

// federatedChecks are the checks of a report without a client secret, in
// order.
var federatedChecks = []string{
	"settings",
	"managed identity",
	"federated credential",
	"workpoint token",
	"workpoint solution",
	"business module",
}

// federatedSettings returns the handler's settings for the demo world with
// the user-assigned identity miClientID as a federated credential and no
// Key Vault.
func federatedSettings(t *testing.T, s *standin.Stack, miClientID string) settings.Settings {
	t.Helper()
	values := s.Settings()
	delete(values, settings.EnvKeyVaultURL)
	delete(values, settings.EnvSecretName)
	values[settings.EnvCredential] = settings.CredentialFederated
	values[settings.EnvManagedIdentity] = miClientID
	st, err := settings.Load(func(name string) string { return values[name] })
	if err != nil {
		t.Fatalf("load settings: %v", err)
	}
	return st
}

// newFederatedChecker wires the checker as the handler does in the
// federated mode: no Key Vault source at all.
func newFederatedChecker(t *testing.T, s *standin.Stack, st settings.Settings) *health.Checker {
	t.Helper()
	opts := azcore.ClientOptions{
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
	mi, err := keyvault.NewManagedIdentity(st.ManagedIdentityClientID, true, &opts)
	if err != nil {
		t.Fatalf("NewManagedIdentity: %v", err)
	}
	token, err := entra.NewFederated(st.TenantID, st.ClientID, mi, st.FederatedAudience,
		&entra.Options{
			AuthorityHost: st.AuthorityHost,
			ClientOptions: opts,
			Expect: &entra.Expectation{Audience: st.Audience, TenantID: st.TenantID,
				Role: st.AppRole},
		})
	if err != nil {
		t.Fatalf("NewFederated: %v", err)
	}
	wp, err := workpoint.NewClient(st.APIURL, st.SolutionURL, token, st.Scope(),
		&workpoint.ClientOptions{ClientOptions: opts, SiteCreation: st.SiteCreation})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return &health.Checker{Settings: st, Federation: token, Token: token, WorkPoint: wp}
}

func TestChecker_Run_Federated(t *testing.T) {
	s := startStack(t)
	c := newFederatedChecker(t, s, federatedSettings(t, s, standin.UserAssignedClientID))

	rep := c.Run(testContext(t))
	if !rep.Healthy() {
		t.Errorf("got status %q, want healthy:\n%+v", rep.Status, rep.Checks)
	}
	assertNamedChecks(t, rep, federatedChecks, len(federatedChecks), "")

	want := map[string][]string{
		"settings":         {"federated credential of the user-assigned identity"},
		"managed identity": {standin.UserAssignedClientID, entra.ExchangeAudience},
		"federated credential": {"no client secret", standin.UserAssignedPrincipalID,
			"https://login.microsoftonline.com/" + standin.TenantID + "/v2.0"},
	}
	for _, ch := range rep.Checks {
		for _, w := range want[ch.Name] {
			if !strings.Contains(ch.Detail, w) {
				t.Errorf("check %q: got detail %q, want it to hold %q", ch.Name, ch.Detail, w)
			}
		}
		if strings.Contains(ch.Detail, "vault") {
			t.Errorf("check %q: got detail %q, want no vault in it", ch.Name, ch.Detail)
		}
	}
	if got := s.Vault.Reads(); got != 0 {
		t.Errorf("got %d Key Vault reads, want 0", got)
	}
	if got := s.Entra.TokenRequests(); got != 1 {
		t.Errorf("got %d Entra token requests, want 1", got)
	}
}

// TestChecker_Run_FederatedNotTrusted uses an identity the app registration
// has no federated credential for: the federated credential check shows
// the subject to add, and the token check fails with the mismatch.
func TestChecker_Run_FederatedNotTrusted(t *testing.T) {
	s := startStack(t)
	clientID, principalID := uuid.NewString(), uuid.NewString()
	s.Identity.AddUserAssigned(clientID, principalID)
	c := newFederatedChecker(t, s, federatedSettings(t, s, clientID))

	rep := c.Run(testContext(t))
	if rep.Healthy() {
		t.Errorf("got status %q, want unhealthy", rep.Status)
	}
	assertNamedChecks(t, rep, federatedChecks, 3, problem.EntraFederationMismatch)
	if d := rep.Checks[2].Detail; !strings.Contains(d, principalID) {
		t.Errorf("got federated credential detail %q, want it to name %s", d, principalID)
	}
}

func TestChecker_Run_NoCredential(t *testing.T) {
	s := startStack(t)
	c := newFederatedChecker(t, s, federatedSettings(t, s, standin.UserAssignedClientID))
	c.Federation = nil

	rep := c.Run(testContext(t))
	if rep.Healthy() {
		t.Errorf("got status %q, want unhealthy", rep.Status)
	}
	assertNamedChecks(t, rep, checkNames, 1, problem.Internal)
}

// assertNamedChecks checks that the report holds the checks names in
// order, that those before failed pass, that the check at failed fails
// with code, and that the rest are skipped. failed == len(names) means
// none fails.
func assertNamedChecks(t *testing.T, rep health.Report, names []string, failed int,
	code problem.Code) {
	t.Helper()
	if len(rep.Checks) != len(names) {
		t.Fatalf("got %d checks, want %d: %+v", len(rep.Checks), len(names), rep.Checks)
	}
	for i, ch := range rep.Checks {
		if ch.Name != names[i] {
			t.Errorf("check %d: got %q, want %q", i, ch.Name, names[i])
		}
		switch {
		case i < failed && ch.Status != health.Pass:
			t.Errorf("check %q: got %s (%s), want pass", ch.Name, ch.Status, ch.Detail)
		case i == failed && (ch.Status != health.Fail || ch.Code != code || ch.Fix == ""):
			t.Errorf("check %q: got %s code %q fix %q (%s), want fail with %q and a fix",
				ch.Name, ch.Status, ch.Code, ch.Fix, ch.Detail, code)
		case i > failed && ch.Status != health.Skip:
			t.Errorf("check %q: got %s, want skip", ch.Name, ch.Status)
		}
	}
}
