package standin

import (
	"fmt"
	"time"

	"projectsync/internal/standin/entra"
	"projectsync/internal/standin/identity"
	"projectsync/internal/standin/keyvault"
	"projectsync/internal/standin/tokens"
	"projectsync/internal/standin/workpoint"
)

// The demo world the stack is seeded with. The GUIDs are made up; they name
// nothing outside the stand-ins.
const (
	// TenantID is the directory (tenant) ID of the demo tenant.
	TenantID = "4d2c6e8a-1b3f-4a5c-9d7e-2f1a3b5c7d9e"

	// TenantDomain is the demo tenant's verified domain; Entra accepts it in
	// place of TenantID.
	TenantDomain = "contoso.onmicrosoft.com"

	// ClientID is the application (client) ID of the app registration that
	// calls the WorkPoint Web API.
	ClientID = "6f1d2e3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"

	// AppPrincipalID is the object ID of the app registration's service
	// principal, the oid of its tokens.
	AppPrincipalID = "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d"

	// ClientSecret is the app registration's client secret, also stored in
	// the vault as SecretName. It expires a year after Start.
	ClientSecret = "demo8Q~local.stand-in.client.secret"

	// ManagedIdentityPrincipalID is the principal (object) ID of the Function
	// App's system-assigned managed identity, which may read the vault's
	// secrets.
	ManagedIdentityPrincipalID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"

	// UserAssignedClientID is the client ID of a user-assigned managed
	// identity assigned to the Function App. It has no role on the vault; it
	// is a federated credential of the app registration instead.
	UserAssignedClientID = "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f"

	// UserAssignedPrincipalID is the principal (object) ID of the
	// user-assigned managed identity.
	UserAssignedPrincipalID = "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b"

	// VaultName is the demo key vault's name.
	VaultName = "projectsync-demo"

	// VaultURL is the demo key vault's URL.
	VaultURL = "https://" + VaultName + ".vault.azure.net/"

	// SecretName is the vault secret that holds ClientSecret.
	SecretName = "workpoint-client-secret"

	// KeyVaultAudience is the resource of Key Vault tokens.
	KeyVaultAudience = "https://vault.azure.net"

	// KeyVaultAppID is Key Vault's application ID, accepted in place of
	// KeyVaultAudience.
	KeyVaultAppID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"

	// WorkPointAudience is the App ID URI of the WorkPoint365.WebAPI
	// application.
	WorkPointAudience = workpoint.DefaultAudience

	// WorkPointRole is the app role the app registration holds on the
	// WorkPoint Web API.
	WorkPointRole = workpoint.DefaultRole

	// WorkPointHost is the WorkPoint Web API's host name.
	WorkPointHost = "api.workpoint365.com"

	// EntraHost is Entra ID's host name.
	EntraHost = "login.microsoftonline.com"

	// SolutionURL is the root site of the demo WorkPoint solution, sent as
	// the WorkPoint365Url header.
	SolutionURL = "https://contoso.sharepoint.com/sites/workpoint"

	// CompaniesModuleID is the business module of companies.
	CompaniesModuleID = workpoint.CompaniesModuleID

	// ProjectsModuleID is the business module of projects, children of a
	// company.
	ProjectsModuleID = workpoint.ProjectsModuleID

	// ParentCompany is the company that demo projects are created under.
	ParentCompany = "WorkPoint A/S"
)

// seedEntra registers the demo tenant, its APIs and the app registration.
func seedEntra(e *entra.Server) error {
	steps := []error{
		e.AddTenant(TenantID, TenantDomain),
		e.AddResource(TenantID, entra.Resource{Audience: WorkPointAudience,
			Name: "WorkPoint365.WebAPI"}),
		e.AddResource(TenantID, entra.Resource{Audience: KeyVaultAudience,
			AppID: KeyVaultAppID, Name: "Azure Key Vault"}),
		e.AddApp(TenantID, entra.App{ClientID: ClientID, Name: "ProjectSync",
			PrincipalID: AppPrincipalID}),
		e.SetSecrets(ClientID, entra.Secret{Value: ClientSecret,
			Expires: time.Now().AddDate(1, 0, 0)}),
		e.SetRoles(ClientID, WorkPointAudience, WorkPointRole),
		e.AddFederatedCredential(ClientID, UserAssignedPrincipalID),
	}
	for _, err := range steps {
		if err != nil {
			return fmt.Errorf("standin: seed entra: %w", err)
		}
	}
	return nil
}

// seedIdentity gives the Function App its managed identities.
func seedIdentity(id *identity.Server) {
	id.SetSystemAssigned(ManagedIdentityPrincipalID, true)
	id.AddUserAssigned(UserAssignedClientID, UserAssignedPrincipalID)
}

// seedVault stores the client secret and lets the system-assigned identity
// read it.
func seedVault(v *keyvault.Server) {
	expires := time.Now().AddDate(1, 0, 0)
	v.AddVault(VaultName)
	v.GrantSecretsUser(VaultName, ManagedIdentityPrincipalID)
	v.SetSecret(VaultName, SecretName, ClientSecret, keyvault.Attributes{
		Expires:     &expires,
		ContentType: "text/plain",
	})
}

// newWorkPoint returns the WorkPoint stand-in with the demo solution.
func newWorkPoint(v tokens.Verifier) (*workpoint.Server, *workpoint.Solution) {
	wp := workpoint.New(workpoint.Config{
		TenantID:  TenantID,
		Audiences: []string{WorkPointAudience},
		Role:      WorkPointRole,
	}, v)
	sol := wp.AddSolution(SolutionURL)
	workpoint.DemoSolution(sol)
	return wp, sol
}
