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
	fixBody       = "Send a JSON object: the SharePoint item (@triggerBody()) or {\"title\": ...}."
	fixGrantKV    = "Grant the Function App's managed identity the role Key Vault Secrets User on the vault (Access control (IAM) > Add role assignment)."
	fixMI         = "Turn on the Function App's identity (Identity > System assigned > On), or set MANAGED_IDENTITY_CLIENT_ID to a user-assigned identity attached to the app."
	fixNewSecret  = "Create a new client secret in the app registration (Certificates & secrets), store its Value as a new version of the Key Vault secret; no restart is needed."
	fixRetryLater = "Nothing to change; the call can be retried, and the flow's retry policy does so."
)

var catalogue = map[Code]entry{
	EmptyBody:              {http.StatusBadRequest, "The request body is empty", fixBody, false},
	InvalidJSON:            {http.StatusBadRequest, "The request body is not valid JSON", fixBody, false},
	BodyTooLarge:           {http.StatusRequestEntityTooLarge, "The request body is too large", "Send only the item's columns; a project needs a few kilobytes. The limit is MAX_BODY_BYTES.", false},
	UnsupportedMediaType:   {http.StatusUnsupportedMediaType, "The content type is not supported", "Send the body as JSON with the header Content-Type: application/json.", false},
	InvalidField:           {http.StatusBadRequest, "A field of the request has a value that cannot be used", "Correct the field named in 'field' in the flow's HTTP action, or in the SharePoint item.", false},
	ParentNotFound:         {http.StatusUnprocessableEntity, "The parent entity does not exist in WorkPoint", "Check the parent's title or id (request 'parent' or the WORKPOINT_PARENT setting) against the parent business module.", false},
	ParentAmbiguous:        {http.StatusUnprocessableEntity, "More than one parent entity has that title", "Name the parent by its numeric id instead of its title.", false},
	LookupNotFound:         {http.StatusUnprocessableEntity, "A lookup value matches no entity in WorkPoint", "Check the column's value against the titles of the business module the field mapping names, or create that entity first.", false},
	LookupAmbiguous:        {http.StatusUnprocessableEntity, "A lookup value matches more than one entity in WorkPoint", "Make the titles in the looked-up business module unique, or send the entity id.", false},
	CallerNotAuthenticated: {http.StatusUnauthorized, "The caller presented no identity", "Call with a token from Entra ID (Logic Apps: Authentication > Managed identity, audience the Function App's App ID URI); App Service Authentication must run in front of the function.", false},
	CallerNotAllowed:       {http.StatusForbidden, "The caller is not allowed to call ProjectSync", "Add the caller's application (client) id or object id to ALLOWED_CALLERS.", false},
	NotFound:               {http.StatusNotFound, "No function at this path", "Call POST /api/ProjectSync or GET /api/Health.", false},
	MethodNotAllowed:       {http.StatusMethodNotAllowed, "This method is not allowed here", "Call ProjectSync with POST and Health with GET.", false},

	ManagedIdentityNotEnabled:  {StatusFailedDependency, "The Function App has no managed identity", fixMI, false},
	ManagedIdentityNotFound:    {StatusFailedDependency, "The user-assigned managed identity was not found", "Attach the user-assigned identity to the Function App (Identity > User assigned), and set MANAGED_IDENTITY_CLIENT_ID to its client ID.", false},
	ManagedIdentityUnavailable: {http.StatusServiceUnavailable, "The managed identity endpoint did not give a token", fixRetryLater, true},

	KeyVaultAccessDenied:       {StatusFailedDependency, "Key Vault denied the managed identity access to the secret", "The vault uses access policies: add an access policy with the Get secret permission for the Function App's identity, or switch the vault to Azure RBAC and " + lowerFirst(fixGrantKV), false},
	KeyVaultForbiddenByRBAC:    {StatusFailedDependency, "The managed identity has no Key Vault role that can read secrets", fixGrantKV, false},
	KeyVaultForbiddenByPolicy:  {StatusFailedDependency, "An Azure Policy assignment forbids reading the secret", "Ask the subscription owner to exempt the vault or the operation from the policy named in the Key Vault message.", false},
	KeyVaultForbiddenByNetwork: {StatusFailedDependency, "The Key Vault firewall refused the Function App's address", "Allow the Function App's network (VNet integration with a service endpoint or private endpoint) in the vault's Networking settings.", false},
	KeyVaultSecretDisabled:     {StatusFailedDependency, "The secret's current version is disabled in Key Vault", "Enable the secret version in Key Vault, or store the client secret as a new, enabled version.", false},
	KeyVaultSecretNotFound:     {StatusFailedDependency, "The secret does not exist in the key vault", "Check KEY_VAULT_SECRET_NAME (and KEY_VAULT_SECRET_VERSION) against the vault's Secrets list, or create the secret.", false},
	KeyVaultSecretExpired:      {StatusFailedDependency, "The secret in Key Vault has expired", fixNewSecret, false},
	KeyVaultSecretNotYetValid:  {StatusFailedDependency, "The secret in Key Vault is not valid yet", "Wait for the secret's activation date, or set it to now in Key Vault.", false},
	KeyVaultUnauthorized:       {StatusFailedDependency, "Key Vault did not accept the managed identity's token", "Make sure the vault is in the same tenant as the Function App's identity, and KEY_VAULT_URL names the right vault.", false},
	KeyVaultHostNotFound:       {StatusFailedDependency, "The key vault's host name does not resolve", "Check KEY_VAULT_URL: it must be the vault's URI from its Overview page, e.g. https://<vault>.vault.azure.net/.", false},
	KeyVaultTLS:                {StatusFailedDependency, "The TLS connection to Key Vault failed", "Check KEY_VAULT_URL, and any proxy or private DNS in front of the vault.", false},
	KeyVaultThrottled:          {http.StatusServiceUnavailable, "Key Vault is throttling requests", fixRetryLater, true},
	KeyVaultUnavailable:        {http.StatusServiceUnavailable, "Key Vault could not be reached", fixRetryLater, true},
	KeyVaultRefused:            {StatusFailedDependency, "Key Vault refused to return the secret", "Read the Key Vault code in 'upstream' and check the vault's access settings.", false},

	EntraClientSecretInvalid:  {StatusFailedDependency, "Entra ID rejected the client secret", "Store the secret's Value (not its Secret ID) from the app registration's Certificates & secrets page as the Key Vault secret.", false},
	EntraClientSecretExpired:  {StatusFailedDependency, "The client secret has expired", fixNewSecret, false},
	EntraAppNotFound:          {StatusFailedDependency, "The app registration was not found in the tenant", "Check WORKPOINT_CLIENT_ID and WORKPOINT_TENANT_ID against the app registration's Overview page.", false},
	EntraTenantNotFound:       {StatusFailedDependency, "The tenant was not found", "Check WORKPOINT_TENANT_ID: the Directory (tenant) ID from the app registration's Overview page.", false},
	EntraResourceNotFound:     {StatusFailedDependency, "Entra ID does not know the WorkPoint API audience", "Check WORKPOINT_AUDIENCE, and that the WorkPoint 365 Web API is signed up in the tenant (an admin consents to it once).", false},
	EntraConsentMissing:       {StatusFailedDependency, "The app registration has no service principal or consent in the tenant", "Have a tenant admin grant admin consent for the app registration (API permissions > Grant admin consent).", false},
	EntraRoleAssignmentNeeded: {StatusFailedDependency, "The WorkPoint API requires a role assignment the app does not have", "Add the WorkPoint application permission to the app registration and grant admin consent.", false},
	EntraInvalidScope:         {StatusFailedDependency, "Entra ID rejected the requested scope", "Set WORKPOINT_AUDIENCE to the WorkPoint API's App ID URI without /.default; ProjectSync adds it.", false},
	EntraFederationMismatch:   {StatusFailedDependency, "Entra ID found no federated credential matching the managed identity", "In the app registration, add a federated credential (Certificates & secrets > Federated credentials > Managed identity) for the user-assigned identity of MANAGED_IDENTITY_CLIENT_ID, audience api://AzureADTokenExchange.", false},
	EntraEmptyToken:           {http.StatusBadGateway, "Entra ID answered without an access token", fixRetryLater, true},
	EntraRefused:              {StatusFailedDependency, "Entra ID refused the token request", "Read the AADSTS code in 'upstream' and correct the app registration or settings it names.", false},
	EntraUnavailable:          {http.StatusServiceUnavailable, "Entra ID could not be reached", fixRetryLater, true},

	TokenRoleMissing:   {StatusFailedDependency, "The WorkPoint token does not carry the WorkPoint application role", "In the app registration, add the WorkPoint 365 Web API application permission (API permissions > Application permissions) and grant admin consent; WORKPOINT_APP_ROLE names the role expected.", false},
	TokenWrongAudience: {StatusFailedDependency, "The WorkPoint token is for another audience", "Set WORKPOINT_AUDIENCE to the WorkPoint 365 Web API's App ID URI.", false},
	TokenWrongTenant:   {StatusFailedDependency, "The WorkPoint token was issued by another tenant", "Set WORKPOINT_TENANT_ID to the tenant where the WorkPoint solution lives.", false},

	WorkPointUnauthorized:          {StatusFailedDependency, "WorkPoint refused the token", "Check that the tenant is signed up for the WorkPoint Web API and that WORKPOINT_AUDIENCE is its App ID URI.", false},
	WorkPointForbidden:             {StatusFailedDependency, "WorkPoint forbade the call", "Grant the app registration the WorkPoint application permission with admin consent, and activate the Integration feature in the WorkPoint solution.", false},
	WorkPointSolutionNotFound:      {StatusFailedDependency, "WorkPoint found no solution at the solution URL", "Set WORKPOINT_SOLUTION_URL to the root site of the WorkPoint solution, e.g. https://<tenant>.sharepoint.com/sites/workpoint.", false},
	WorkPointModuleNotFound:        {StatusFailedDependency, "The business module does not exist in the solution", "Check WORKPOINT_BUSINESS_MODULE_ID (and WORKPOINT_PARENT_MODULE_ID) against the solution's business modules.", false},
	WorkPointRouteNotFound:         {StatusFailedDependency, "The WorkPoint API has no such route", "Check WORKPOINT_API_URL and WORKPOINT_SITE_CREATION; the API answered that the route does not exist.", false},
	WorkPointFieldsRejected:        {http.StatusUnprocessableEntity, "WorkPoint rejected the entity's fields", "Map the columns to the business module's internal field names, fill the fields it requires, or remove the one it names.", false},
	WorkPointSiteCreationRejected:  {StatusFailedDependency, "WorkPoint rejected the site creation setting", "Set WORKPOINT_SITE_CREATION to false, true, or an enum value WorkPoint accepts.", false},
	WorkPointBadRequest:            {StatusFailedDependency, "WorkPoint rejected the request", "Read the WorkPoint message in 'upstream'.", false},
	WorkPointThrottled:             {http.StatusServiceUnavailable, "WorkPoint is throttling requests", fixRetryLater, true},
	WorkPointUnavailable:           {http.StatusServiceUnavailable, "WorkPoint could not be reached or failed", fixRetryLater, true},
	WorkPointUnexpectedAnswer:      {http.StatusBadGateway, "WorkPoint answered in a form ProjectSync does not understand", "Check WORKPOINT_API_URL; if it is right, report the answer shown in the log.", true},
	WorkPointParentModuleUndefined: {StatusFailedDependency, "The business module has no parent module to find the parent in", "Set WORKPOINT_PARENT_MODULE_ID and WORKPOINT_PARENT_FIELD, or send no parent.", false},

	CreatePending:     {http.StatusServiceUnavailable, "WorkPoint has not confirmed the create yet", "Nothing to change: retry after Retry-After seconds (the flow's retry policy does); the retry answers with the entity, or creates it if WorkPoint never did. Nothing is created twice.", true},
	InProgress:        {http.StatusServiceUnavailable, "Another request for the same item is being processed", "Nothing to change: retry after Retry-After seconds; the retry answers with the same entity.", true},
	LedgerUnavailable: {http.StatusServiceUnavailable, "The idempotency ledger could not be read or written", "Check the Function App's storage (AzureWebJobsStorage) and the identity's table data role; the call can be retried.", true},

	DeadlineExceeded: {http.StatusServiceUnavailable, "The request ran out of time", "Nothing to change if it is rare; the flow's retry finds the entity if it was created. If it is frequent, check the upstream latency in the log.", true},
	Internal:         {http.StatusInternalServerError, "Internal error", "Report the invocation id; the log has the details.", false},
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
