// Package standin runs ProjectSync's local stand-ins for the services the
// handler talks to, so that the whole chain runs on a laptop or in CI with no
// Azure tenant and no WorkPoint solution.
//
// The handler reads a client secret from Key Vault with the Function App's
// managed identity, trades it at Entra ID for an app-only token for the
// WorkPoint 365 Web API, and calls that API. Each hop has a stand-in, in its
// own package:
//
//   - [identity]: the App Service managed identity endpoint, plain HTTP on a
//     loopback port, named by IDENTITY_ENDPOINT and guarded by
//     IDENTITY_HEADER, as on the platform;
//   - [entra]: login.microsoftonline.com's discovery documents, signing keys
//     and v2.0 token endpoint, with Entra's AADSTS error bodies;
//   - [keyvault]: the secrets part of <vault>.vault.azure.net, including
//     the 401 challenge and role checks;
//   - [workpoint]: api.workpoint365.com, the WorkPoint Web API.
//
// The handler runs against them unchanged: it keeps its production URLs and
// the Azure SDK keeps its safety checks (TLS, instance discovery, Key Vault
// challenge verification). What makes that work is [proxy], an HTTPS proxy
// that the handler reaches through HTTPS_PROXY. It answers CONNECT for the
// stand-ins' host names only, terminates TLS with a certificate minted for
// the requested name by the CA of package [ca], and serves the tunnel with
// the matching stand-in. The CA certificate is written to a file that the
// handler trusts through SSL_CERT_FILE. Every other host is refused, so
// nothing leaves the machine.
//
// All tokens, whether from Entra or from the managed identity endpoint, are
// JWTs signed by one [tokens.Issuer]; Key Vault and WorkPoint verify them with
// it and check aud, tid, oid and roles as the real services do.
//
// [Start] runs all of them, seeded with a demo world: the tenant [TenantID]
// ([TenantDomain]), the app registration [ClientID] with [ClientSecret] and
// the role [WorkPointRole] on [WorkPointAudience], the system-assigned
// identity [ManagedIdentityPrincipalID] with read access to the secret
// [SecretName] in [VaultURL], and the WorkPoint solution [SolutionURL] with
// its Companies and Projects modules. [Stack.Env] and [Stack.Settings] give
// the environment and app settings under which the handler uses that world;
// the Stack's fields give tests the servers, to change the world or inject
// faults.
package standin
