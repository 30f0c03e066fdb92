package e2e

import (
	"net/http"
	"strings"
	"testing"

	"projectsync/internal/standin"
)

// federated runs the handler without a client secret: the app registration
// trusts the user-assigned identity clientID as a federated credential, and
// no Key Vault is configured.
func federated(clientID string) []chainOption {
	return []chainOption{
		withSetting("WORKPOINT_CREDENTIAL", "federated"),
		withSetting("MANAGED_IDENTITY_CLIENT_ID", clientID),
		withoutSetting("KEY_VAULT_URL"),
		withoutSetting("KEY_VAULT_SECRET_NAME"),
	}
}

// federatedHealthChecks are the checks of a report without a client
// secret, in order.
var federatedHealthChecks = []string{"settings", "managed identity", "federated credential",
	"workpoint token", "workpoint solution", "business module"}

// Without a client secret the item is created, Key Vault is never read,
// and every health check passes.
func TestFederated_NoSecret(t *testing.T) {
	c := startChain(t, nil, federated(standin.UserAssignedClientID)...)
	a := c.post(caseFile(t, "project-gold.sharepoint-item.json"))
	if a.Status != http.StatusCreated {
		t.Fatalf("got %d %.500s, want 201\n%s", a.Status, a.Body, c.dump())
	}
	c.wantEntity(a.num("entityId"), "Project Gold", 1)
	c.wantRequestLog(http.StatusCreated, "")

	h, r := c.health()
	if h.Status != http.StatusOK || r.Status != "healthy" {
		t.Errorf("health: got %d %q, want 200 healthy: %+v", h.Status, r.Status, r.Checks)
	}
	if len(r.Checks) != len(federatedHealthChecks) {
		t.Fatalf("got %d checks, want %d: %+v", len(r.Checks), len(federatedHealthChecks),
			r.Checks)
	}
	for i, ch := range r.Checks {
		if ch.Name != federatedHealthChecks[i] || ch.Status != "pass" {
			t.Errorf("check %d: got %q %s (%s), want %q pass", i, ch.Name, ch.Status,
				ch.Detail, federatedHealthChecks[i])
		}
	}
	if d := r.Checks[2].Detail; !strings.Contains(d, standin.UserAssignedPrincipalID) {
		t.Errorf("federated credential check: got %q, want it to name the subject %s", d,
			standin.UserAssignedPrincipalID)
	}

	if n := c.stack.Vault.Reads() + c.stack.Vault.Challenges(); n != 0 {
		t.Errorf("got %d Key Vault calls, want 0: no secret exists", n)
	}
	c.wantNoLeaks()
}

// A federated credential that does not match, and an identity the Function
// App does not have, are told apart.
func TestFederated_Problems(t *testing.T) {
	const untrusted = "7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a"
	runUpstream(t, []upstreamCase{
		{
			name: "identity not trusted",
			setup: func(s *standin.Stack) {
				s.Identity.AddUserAssigned(untrusted, unknownGUID2)
			},
			opts:   federated(untrusted),
			status: http.StatusFailedDependency,
			code:   "entra_federation_mismatch",
			check: func(t *testing.T, c *chain, a answer) {
				if got := c.links().VaultReads; got != 0 {
					t.Errorf("got %d Key Vault reads, want 0", got)
				}
			},
		},
		{
			name:   "unknown user-assigned identity",
			opts:   federated(unknownGUID1),
			status: http.StatusFailedDependency,
			code:   "managed_identity_not_found",
			check: func(t *testing.T, c *chain, a answer) {
				if got := c.links().EntraTokens; got != 0 {
					t.Errorf("got %d Entra token requests, want 0", got)
				}
			},
		},
	})
}
