package problem

import "net/http"

// Code is a stable, machine-readable problem code.
type Code string

// StatusFailedDependency answers permanent faults of configuration outside
// the request: Key Vault, Entra ID or WorkPoint refuse what the settings
// ask for. Power Automate and Logic Apps do not retry a 4xx, and retrying
// would not help until an admin acts.
const StatusFailedDependency = http.StatusFailedDependency

type entry struct {
	status    int
	title     string
	fix       string
	retryable bool
}

// Problem codes, grouped by the link of the chain they belong to.
const (
	// The request itself.
	EmptyBody            Code = "empty_body"
	InvalidJSON          Code = "invalid_json"
	BodyTooLarge         Code = "body_too_large"
	UnsupportedMediaType Code = "unsupported_media_type"
	InvalidField         Code = "invalid_field"
	ParentNotFound       Code = "parent_not_found"
	ParentAmbiguous      Code = "parent_ambiguous"
	NotFound             Code = "not_found"
	LookupNotFound       Code = "lookup_not_found"
	LookupAmbiguous      Code = "lookup_ambiguous"

	// The caller, when App Service Authentication runs in front.
	CallerNotAuthenticated Code = "caller_not_authenticated"
	CallerNotAllowed       Code = "caller_not_allowed"
	MethodNotAllowed       Code = "method_not_allowed"

	// The managed identity.
	ManagedIdentityNotEnabled  Code = "managed_identity_not_enabled"
	ManagedIdentityNotFound    Code = "managed_identity_not_found"
	ManagedIdentityUnavailable Code = "managed_identity_unavailable"

	// Key Vault.
	KeyVaultAccessDenied       Code = "keyvault_access_denied"
	KeyVaultForbiddenByRBAC    Code = "keyvault_forbidden_by_rbac"
	KeyVaultForbiddenByPolicy  Code = "keyvault_forbidden_by_policy"
	KeyVaultForbiddenByNetwork Code = "keyvault_forbidden_by_firewall"
	KeyVaultSecretDisabled     Code = "keyvault_secret_disabled"
	KeyVaultSecretNotFound     Code = "keyvault_secret_not_found"
	KeyVaultSecretExpired      Code = "keyvault_secret_expired"
	KeyVaultSecretNotYetValid  Code = "keyvault_secret_not_yet_valid"
	KeyVaultUnauthorized       Code = "keyvault_unauthorized"
	KeyVaultHostNotFound       Code = "keyvault_host_not_found"
	KeyVaultTLS                Code = "keyvault_tls_failed"
	KeyVaultThrottled          Code = "keyvault_throttled"
	KeyVaultUnavailable        Code = "keyvault_unavailable"
	KeyVaultRefused            Code = "keyvault_refused"

	// Entra ID.
	EntraClientSecretInvalid  Code = "entra_client_secret_invalid"
	EntraClientSecretExpired  Code = "entra_client_secret_expired"
	EntraAppNotFound          Code = "entra_app_not_found"
	EntraTenantNotFound       Code = "entra_tenant_not_found"
	EntraResourceNotFound     Code = "entra_resource_not_found"
	EntraConsentMissing       Code = "entra_consent_missing"
	EntraRoleAssignmentNeeded Code = "entra_role_assignment_required"
	EntraInvalidScope         Code = "entra_invalid_scope"
	EntraFederationMismatch   Code = "entra_federation_mismatch"
	EntraEmptyToken           Code = "entra_empty_token"
	EntraRefused              Code = "entra_refused"
	EntraUnavailable          Code = "entra_unavailable"

	// The WorkPoint token's claims, read before WorkPoint is called.
	TokenRoleMissing   Code = "workpoint_token_role_missing"
	TokenWrongAudience Code = "workpoint_token_wrong_audience"
	TokenWrongTenant   Code = "workpoint_token_wrong_tenant"

	// WorkPoint.
	WorkPointUnauthorized          Code = "workpoint_unauthorized"
	WorkPointForbidden             Code = "workpoint_forbidden"
	WorkPointSolutionNotFound      Code = "workpoint_solution_not_found"
	WorkPointModuleNotFound        Code = "workpoint_module_not_found"
	WorkPointRouteNotFound         Code = "workpoint_route_not_found"
	WorkPointFieldsRejected        Code = "workpoint_fields_rejected"
	WorkPointSiteCreationRejected  Code = "workpoint_site_creation_rejected"
	WorkPointBadRequest            Code = "workpoint_bad_request"
	WorkPointThrottled             Code = "workpoint_throttled"
	WorkPointUnavailable           Code = "workpoint_unavailable"
	WorkPointUnexpectedAnswer      Code = "workpoint_unexpected_answer"
	WorkPointParentModuleUndefined Code = "workpoint_parent_module_unknown"

	// Idempotency.
	CreatePending     Code = "create_pending"
	InProgress        Code = "request_in_progress"
	LedgerUnavailable Code = "ledger_unavailable"

	// The handler itself.
	DeadlineExceeded Code = "deadline_exceeded"
	Internal         Code = "internal_error"
)

const (
	fixBody    = "Send a JSON object: the SharePoint item (@triggerBody()) or {\"title\": ...}."
	fixGrantKV = "Grant the Function App's managed identity the role Key Vault Secrets User " +
		"on the vault (Access control (IAM) > Add role assignment)."
	fixMI = "Turn on the Function App's identity (Identity > System assigned > On), or set " +
		"MANAGED_IDENTITY_CLIENT_ID to a user-assigned identity attached to the app."
	fixNewSecret = "Create a new client secret in the app registration (Certificates & secrets), " +
		"store its Value as a new version of the Key Vault secret; no restart is needed."
	fixRetryLater = "Nothing to change; the call can be retried, " +
		"and the flow's retry policy does so."
)

var catalogue = map[Code]entry{
	EmptyBody: {http.StatusBadRequest, "The request body is empty", fixBody, false},
	InvalidJSON: {
		status:    http.StatusBadRequest,
		title:     "The request body is not valid JSON",
		fix:       fixBody,
		retryable: false,
	},
	BodyTooLarge: {
		status: http.StatusRequestEntityTooLarge,
		title:  "The request body is too large",
		fix: "Send only the item's columns; a project needs a few kilobytes. The limit is " +
			"MAX_BODY_BYTES.",
		retryable: false,
	},
	UnsupportedMediaType: {
		status:    http.StatusUnsupportedMediaType,
		title:     "The content type is not supported",
		fix:       "Send the body as JSON with the header Content-Type: application/json.",
		retryable: false,
	},
	InvalidField: {
		status: http.StatusBadRequest,
		title:  "A field of the request has a value that cannot be used",
		fix: "Correct the field named in 'field' in the flow's HTTP action, or in the " +
			"SharePoint item.",
		retryable: false,
	},
	ParentNotFound: {
		status: http.StatusUnprocessableEntity,
		title:  "The parent entity does not exist in WorkPoint",
		fix: "Check the parent's title or id (request 'parent' or the WORKPOINT_PARENT " +
			"setting) against the parent business module.",
		retryable: false,
	},
	ParentAmbiguous: {
		status:    http.StatusUnprocessableEntity,
		title:     "More than one parent entity has that title",
		fix:       "Name the parent by its numeric id instead of its title.",
		retryable: false,
	},
	LookupNotFound: {
		status: http.StatusUnprocessableEntity,
		title:  "A lookup value matches no entity in WorkPoint",
		fix: "Check the column's value against the titles of the business module the field " +
			"mapping names, or create that entity first.",
		retryable: false,
	},
	LookupAmbiguous: {
		status: http.StatusUnprocessableEntity,
		title:  "A lookup value matches more than one entity in WorkPoint",
		fix: "Make the titles in the looked-up business module unique, " +
			"or send the entity id.",
		retryable: false,
	},
	CallerNotAuthenticated: {
		status: http.StatusUnauthorized,
		title:  "The caller presented no identity",
		fix: "Call with a token from Entra ID (Logic Apps: Authentication > Managed identity, " +
			"audience the Function App's App ID URI); App Service Authentication must run in " +
			"front of the function.",
		retryable: false,
	},
	CallerNotAllowed: {
		status:    http.StatusForbidden,
		title:     "The caller is not allowed to call ProjectSync",
		fix:       "Add the caller's application (client) id or object id to ALLOWED_CALLERS.",
		retryable: false,
	},
	NotFound: {
		status:    http.StatusNotFound,
		title:     "No function at this path",
		fix:       "Call POST /api/ProjectSync or GET /api/Health.",
		retryable: false,
	},
	MethodNotAllowed: {
		status:    http.StatusMethodNotAllowed,
		title:     "This method is not allowed here",
		fix:       "Call ProjectSync with POST and Health with GET.",
		retryable: false,
	},

	ManagedIdentityNotEnabled: {
		status:    StatusFailedDependency,
		title:     "The Function App has no managed identity",
		fix:       fixMI,
		retryable: false,
	},
	ManagedIdentityNotFound: {
		status: StatusFailedDependency,
		title:  "The user-assigned managed identity was not found",
		fix: "Attach the user-assigned identity to the Function App (Identity > User " +
			"assigned), and set MANAGED_IDENTITY_CLIENT_ID to its client ID.",
		retryable: false,
	},
	ManagedIdentityUnavailable: {
		status:    http.StatusServiceUnavailable,
		title:     "The managed identity endpoint did not give a token",
		fix:       fixRetryLater,
		retryable: true,
	},

	KeyVaultAccessDenied: {
		status: StatusFailedDependency,
		title:  "Key Vault denied the managed identity access to the secret",
		fix: "The vault uses access policies: add an access policy with the Get secret " +
			"permission for the Function App's identity, or switch the vault to Azure RBAC " +
			"and " + lowerFirst(fixGrantKV),
		retryable: false,
	},
	KeyVaultForbiddenByRBAC: {
		status:    StatusFailedDependency,
		title:     "The managed identity has no Key Vault role that can read secrets",
		fix:       fixGrantKV,
		retryable: false,
	},
	KeyVaultForbiddenByPolicy: {
		status: StatusFailedDependency,
		title:  "An Azure Policy assignment forbids reading the secret",
		fix: "Ask the subscription owner to exempt the vault or the operation from the policy " +
			"named in the Key Vault message.",
		retryable: false,
	},
	KeyVaultForbiddenByNetwork: {
		status: StatusFailedDependency,
		title:  "The Key Vault firewall refused the Function App's address",
		fix: "Allow the Function App's network (VNet integration with a service endpoint or " +
			"private endpoint) in the vault's Networking settings.",
		retryable: false,
	},
	KeyVaultSecretDisabled: {
		status: StatusFailedDependency,
		title:  "The secret's current version is disabled in Key Vault",
		fix: "Enable the secret version in Key Vault, or store the client secret as a new, " +
			"enabled version.",
		retryable: false,
	},
	KeyVaultSecretNotFound: {
		status: StatusFailedDependency,
		title:  "The secret does not exist in the key vault",
		fix: "Check KEY_VAULT_SECRET_NAME (and KEY_VAULT_SECRET_VERSION) against the vault's " +
			"Secrets list, or create the secret.",
		retryable: false,
	},
	KeyVaultSecretExpired: {
		status:    StatusFailedDependency,
		title:     "The secret in Key Vault has expired",
		fix:       fixNewSecret,
		retryable: false,
	},
	KeyVaultSecretNotYetValid: {
		status:    StatusFailedDependency,
		title:     "The secret in Key Vault is not valid yet",
		fix:       "Wait for the secret's activation date, or set it to now in Key Vault.",
		retryable: false,
	},
	KeyVaultUnauthorized: {
		status: StatusFailedDependency,
		title:  "Key Vault did not accept the managed identity's token",
		fix: "Make sure the vault is in the same tenant as the Function App's identity, and " +
			"KEY_VAULT_URL names the right vault.",
		retryable: false,
	},
	KeyVaultHostNotFound: {
		status: StatusFailedDependency,
		title:  "The key vault's host name does not resolve",
		fix: "Check KEY_VAULT_URL: it must be the vault's URI from its Overview page, e.g. " +
			"https://<vault>.vault.azure.net/.",
		retryable: false,
	},
	KeyVaultTLS: {
		status:    StatusFailedDependency,
		title:     "The TLS connection to Key Vault failed",
		fix:       "Check KEY_VAULT_URL, and any proxy or private DNS in front of the vault.",
		retryable: false,
	},
	KeyVaultThrottled: {
		status:    http.StatusServiceUnavailable,
		title:     "Key Vault is throttling requests",
		fix:       fixRetryLater,
		retryable: true,
	},
	KeyVaultUnavailable: {
		status:    http.StatusServiceUnavailable,
		title:     "Key Vault could not be reached",
		fix:       fixRetryLater,
		retryable: true,
	},
	KeyVaultRefused: {
		status:    StatusFailedDependency,
		title:     "Key Vault refused to return the secret",
		fix:       "Read the Key Vault code in 'upstream' and check the vault's access settings.",
		retryable: false,
	},

	EntraClientSecretInvalid: {
		status: StatusFailedDependency,
		title:  "Entra ID rejected the client secret",
		fix: "Store the secret's Value (not its Secret ID) from the app registration's " +
			"Certificates & secrets page as the Key Vault secret.",
		retryable: false,
	},
	EntraClientSecretExpired: {
		status:    StatusFailedDependency,
		title:     "The client secret has expired",
		fix:       fixNewSecret,
		retryable: false,
	},
	EntraAppNotFound: {
		status: StatusFailedDependency,
		title:  "The app registration was not found in the tenant",
		fix: "Check WORKPOINT_CLIENT_ID and WORKPOINT_TENANT_ID against the app registration's " +
			"Overview page.",
		retryable: false,
	},
	EntraTenantNotFound: {
		status: StatusFailedDependency,
		title:  "The tenant was not found",
		fix: "Check WORKPOINT_TENANT_ID: the Directory (tenant) ID from the app registration's " +
			"Overview page.",
		retryable: false,
	},
	EntraResourceNotFound: {
		status: StatusFailedDependency,
		title:  "Entra ID does not know the WorkPoint API audience",
		fix: "Check WORKPOINT_AUDIENCE, and that the WorkPoint 365 Web API is signed up in the " +
			"tenant (an admin consents to it once).",
		retryable: false,
	},
	EntraConsentMissing: {
		status: StatusFailedDependency,
		title:  "The app registration has no service principal or consent in the tenant",
		fix: "Have a tenant admin grant admin consent for the app registration (API " +
			"permissions > Grant admin consent).",
		retryable: false,
	},
	EntraRoleAssignmentNeeded: {
		status: StatusFailedDependency,
		title:  "The WorkPoint API requires a role assignment the app does not have",
		fix: "Add the WorkPoint application permission to the app registration and grant admin " +
			"consent.",
		retryable: false,
	},
	EntraInvalidScope: {
		status: StatusFailedDependency,
		title:  "Entra ID rejected the requested scope",
		fix: "Set WORKPOINT_AUDIENCE to the WorkPoint API's App ID URI without /.default; " +
			"ProjectSync adds it.",
		retryable: false,
	},
	EntraFederationMismatch: {
		status: StatusFailedDependency,
		title:  "Entra ID found no federated credential matching the managed identity",
		fix: "In the app registration, add a federated credential (Certificates & secrets > " +
			"Federated credentials > Managed identity) for the user-assigned identity of " +
			"MANAGED_IDENTITY_CLIENT_ID, audience api://AzureADTokenExchange.",
		retryable: false,
	},
	EntraEmptyToken: {
		status:    http.StatusBadGateway,
		title:     "Entra ID answered without an access token",
		fix:       fixRetryLater,
		retryable: true,
	},
	EntraRefused: {
		status: StatusFailedDependency,
		title:  "Entra ID refused the token request",
		fix: "Read the AADSTS code in 'upstream' and correct the app registration or settings " +
			"it names.",
		retryable: false,
	},
	EntraUnavailable: {
		status:    http.StatusServiceUnavailable,
		title:     "Entra ID could not be reached",
		fix:       fixRetryLater,
		retryable: true,
	},

	TokenRoleMissing: {
		status: StatusFailedDependency,
		title:  "The WorkPoint token does not carry the WorkPoint application role",
		fix: "In the app registration, add the WorkPoint 365 Web API application permission " +
			"(API permissions > Application permissions) and grant admin consent; " +
			"WORKPOINT_APP_ROLE names the role expected.",
		retryable: false,
	},
	TokenWrongAudience: {
		status:    StatusFailedDependency,
		title:     "The WorkPoint token is for another audience",
		fix:       "Set WORKPOINT_AUDIENCE to the WorkPoint 365 Web API's App ID URI.",
		retryable: false,
	},
	TokenWrongTenant: {
		status:    StatusFailedDependency,
		title:     "The WorkPoint token was issued by another tenant",
		fix:       "Set WORKPOINT_TENANT_ID to the tenant where the WorkPoint solution lives.",
		retryable: false,
	},

	WorkPointUnauthorized: {
		status: StatusFailedDependency,
		title:  "WorkPoint refused the token",
		fix: "Check that the tenant is signed up for the WorkPoint Web API and that " +
			"WORKPOINT_AUDIENCE is its App ID URI.",
		retryable: false,
	},
	WorkPointForbidden: {
		status: StatusFailedDependency,
		title:  "WorkPoint forbade the call",
		fix: "Grant the app registration the WorkPoint application permission with admin " +
			"consent, and activate the Integration feature in the WorkPoint solution.",
		retryable: false,
	},
	WorkPointSolutionNotFound: {
		status: StatusFailedDependency,
		title:  "WorkPoint found no solution at the solution URL",
		fix: "Set WORKPOINT_SOLUTION_URL to the root site of the WorkPoint solution, e.g. " +
			"https://<tenant>.sharepoint.com/sites/workpoint.",
		retryable: false,
	},
	WorkPointModuleNotFound: {
		status: StatusFailedDependency,
		title:  "The business module does not exist in the solution",
		fix: "Check WORKPOINT_BUSINESS_MODULE_ID (and WORKPOINT_PARENT_MODULE_ID) against the " +
			"solution's business modules.",
		retryable: false,
	},
	WorkPointRouteNotFound: {
		status: StatusFailedDependency,
		title:  "The WorkPoint API has no such route",
		fix: "Check WORKPOINT_API_URL and WORKPOINT_SITE_CREATION; the API answered that the " +
			"route does not exist.",
		retryable: false,
	},
	WorkPointFieldsRejected: {
		status: http.StatusUnprocessableEntity,
		title:  "WorkPoint rejected the entity's fields",
		fix: "Map the columns to the business module's internal field names, fill the fields " +
			"it requires, or remove the one it names.",
		retryable: false,
	},
	WorkPointSiteCreationRejected: {
		status: StatusFailedDependency,
		title:  "WorkPoint rejected the site creation setting",
		fix: "Set WORKPOINT_SITE_CREATION to false, true, " +
			"or an enum value WorkPoint accepts.",
		retryable: false,
	},
	WorkPointBadRequest: {
		status:    StatusFailedDependency,
		title:     "WorkPoint rejected the request",
		fix:       "Read the WorkPoint message in 'upstream'.",
		retryable: false,
	},
	WorkPointThrottled: {
		status:    http.StatusServiceUnavailable,
		title:     "WorkPoint is throttling requests",
		fix:       fixRetryLater,
		retryable: true,
	},
	WorkPointUnavailable: {
		status:    http.StatusServiceUnavailable,
		title:     "WorkPoint could not be reached or failed",
		fix:       fixRetryLater,
		retryable: true,
	},
	WorkPointUnexpectedAnswer: {
		status:    http.StatusBadGateway,
		title:     "WorkPoint answered in a form ProjectSync does not understand",
		fix:       "Check WORKPOINT_API_URL; if it is right, report the answer shown in the log.",
		retryable: true,
	},
	WorkPointParentModuleUndefined: {
		status:    StatusFailedDependency,
		title:     "The business module has no parent module to find the parent in",
		fix:       "Set WORKPOINT_PARENT_MODULE_ID and WORKPOINT_PARENT_FIELD, or send no parent.",
		retryable: false,
	},

	CreatePending: {
		status: http.StatusServiceUnavailable,
		title:  "WorkPoint has not confirmed the create yet",
		fix: "Nothing to change: retry after Retry-After seconds (the flow's retry policy " +
			"does); the retry answers with the entity, or creates it if WorkPoint never did. " +
			"Nothing is created twice.",
		retryable: true,
	},
	InProgress: {
		status: http.StatusServiceUnavailable,
		title:  "Another request for the same item is being processed",
		fix: "Nothing to change: retry after Retry-After seconds; the retry answers with the " +
			"same entity.",
		retryable: true,
	},
	LedgerUnavailable: {
		status: http.StatusServiceUnavailable,
		title:  "The idempotency ledger could not be read or written",
		fix: "Check the Function App's storage (AzureWebJobsStorage) and the identity's table " +
			"data role; the call can be retried.",
		retryable: true,
	},

	DeadlineExceeded: {
		status: http.StatusServiceUnavailable,
		title:  "The request ran out of time",
		fix: "Nothing to change if it is rare; the flow's retry finds the entity if it was " +
			"created. If it is frequent, check the upstream latency in the log.",
		retryable: true,
	},
	Internal: {
		status:    http.StatusInternalServerError,
		title:     "Internal error",
		fix:       "Report the invocation id; the log has the details.",
		retryable: false,
	},
}

func (c Code) entry() entry {
	if e, ok := catalogue[c]; ok {
		return e
	}
	return catalogue[Internal]
}

// Status returns the HTTP status of c.
func (c Code) Status() int { return c.entry().status }

// Codes returns every code in the catalogue.
func Codes() []Code {
	out := make([]Code, 0, len(catalogue))
	for c := range catalogue {
		out = append(out, c)
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
