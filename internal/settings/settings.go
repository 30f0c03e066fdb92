// Package settings reads the Function App's app settings once, at start-up,
// into a typed [Settings] value and validates them, reporting every problem
// in one error.
package settings

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Names of the app settings ProjectSync reads. In local.settings.json they
// are the keys of Values; on Azure they are app settings.
const (
	EnvPort            = "FUNCTIONS_CUSTOMHANDLER_PORT"
	EnvPortLegacy      = "FUNCTIONS_HTTPWORKER_PORT"
	EnvTenantID        = "WORKPOINT_TENANT_ID"
	EnvClientID        = "WORKPOINT_CLIENT_ID"
	EnvAudience        = "WORKPOINT_AUDIENCE"
	EnvAPIURL          = "WORKPOINT_API_URL"
	EnvSolutionURL     = "WORKPOINT_SOLUTION_URL"
	EnvBusinessModule  = "WORKPOINT_BUSINESS_MODULE_ID"
	EnvSiteCreation    = "WORKPOINT_SITE_CREATION"
	EnvParent          = "WORKPOINT_PARENT"
	EnvParentModule    = "WORKPOINT_PARENT_MODULE_ID"
	EnvParentField     = "WORKPOINT_PARENT_FIELD"
	EnvAppRole         = "WORKPOINT_APP_ROLE"
	EnvKeyVaultURL     = "KEY_VAULT_URL"
	EnvSecretName      = "KEY_VAULT_SECRET_NAME"
	EnvSecretVersion   = "KEY_VAULT_SECRET_VERSION"
	EnvSecretCacheTTL  = "KEY_VAULT_SECRET_CACHE_TTL"
	EnvManagedIdentity = "MANAGED_IDENTITY_CLIENT_ID"
	EnvAuthorityHost   = "AZURE_AUTHORITY_HOST"
	EnvLogLevel        = "LOG_LEVEL"
	EnvRequestTimeout  = "REQUEST_TIMEOUT"
	EnvMaxBodyBytes    = "MAX_BODY_BYTES"
	EnvLogAzureSDK     = "LOG_AZURE_SDK"
	EnvLedger          = "IDEMPOTENCY_STORE"
	EnvLedgerTable     = "IDEMPOTENCY_TABLE"
	EnvSourceField     = "WORKPOINT_SOURCE_FIELD"
	EnvSettleTime      = "CREATE_SETTLE_TIME"
	EnvRuntimeStats    = "DEBUG_RUNTIME_STATS"
	EnvFieldMap        = "WORKPOINT_FIELD_MAP"
	EnvParentColumn    = "WORKPOINT_PARENT_COLUMN"
	EnvCallerAuth      = "CALLER_AUTH"
	EnvAllowedCallers  = "ALLOWED_CALLERS"
	EnvCredential      = "WORKPOINT_CREDENTIAL"
	EnvFederatedAud    = "FEDERATED_TOKEN_AUDIENCE"
)

// Caller checks.
const (
	CallerAuthNone     = "none"
	CallerAuthEasyAuth = "easyauth"
)

// How the app registration proves itself to Entra ID.
const (
	CredentialSecret    = "secret"
	CredentialFederated = "federated"
)

// Idempotency stores.
const (
	LedgerAuto   = "auto"
	LedgerTable  = "table"
	LedgerMemory = "memory"
)

// Defaults for the optional settings.
const (
	DefaultPort           = "8080"
	DefaultAudience       = "https://workpoint365.dk/WorkPoint365.WebAPI"
	DefaultAPIURL         = "https://api.workpoint365.com"
	DefaultAuthorityHost  = "https://login.microsoftonline.com/"
	DefaultAppRole        = "ApplicationAccess"
	DefaultSiteCreation   = "false"
	DefaultSecretCacheTTL = time.Hour
	DefaultRequestTimeout = 60 * time.Second
	DefaultMaxBodyBytes   = 1 << 20
	DefaultLedgerTable    = "ProjectSyncLedger"
	DefaultSettleTime     = 3 * time.Minute
	DefaultFederatedAud   = "api://AzureADTokenExchange"
)

// Settings is the validated configuration of one handler process.
type Settings struct {
	// Port is the loopback port the Functions host forwards requests to,
	// from FUNCTIONS_CUSTOMHANDLER_PORT, else FUNCTIONS_HTTPWORKER_PORT,
	// else DefaultPort.
	Port string

	// TenantID and ClientID identify the app registration that has the
	// WorkPoint application permission.
	TenantID string
	ClientID string

	// Audience is WorkPoint365.WebAPI's application ID or App ID URI; the
	// token scope is Audience + "/.default". Empty means DefaultAudience.
	Audience string

	// APIURL is the WorkPoint Web API base URL. Empty means DefaultAPIURL.
	APIURL string

	// SolutionURL is the root site of the WorkPoint solution, sent in the
	// WorkPoint365Url header of every WorkPoint call.
	SolutionURL string

	// BusinessModuleID is the GUID of the business module entities are
	// created in.
	BusinessModuleID string

	// SiteCreation says whether WorkPoint creates a site for the entity:
	// "false" or "true" use the connector route
	// /api/Entity/{module}/Create/{false|true}; "enum:<value>" uses the
	// route /api/BusinessModules/{module}/Entities/Create/<value> with the
	// value passed through unchanged. Empty means "false".
	SiteCreation string

	// Parent is the default parent entity, as a numeric id or a title
	// looked up in the parent business module. Empty means no default; a
	// request may still name one.
	Parent string

	// ParentModuleID and ParentField override the parent business module
	// and the relation field read from the business module's own
	// definition (Parent and ParentRelationName). Empty means "as WorkPoint
	// says".
	ParentModuleID string
	ParentField    string

	// AppRole is the application role the WorkPoint token must carry in
	// its roles claim. Empty means DefaultAppRole.
	AppRole string

	// KeyVaultURL, SecretName and SecretVersion locate the client secret.
	// An empty SecretVersion reads the latest version.
	KeyVaultURL   string
	SecretName    string
	SecretVersion string

	// SecretCacheTTL is how long a secret read from Key Vault is reused
	// before it is read again. A secret Entra rejects is dropped at once.
	SecretCacheTTL time.Duration

	// ManagedIdentityClientID selects a user-assigned managed identity.
	// Empty means the system-assigned identity.
	ManagedIdentityClientID string

	// AuthorityHost is the Entra authority. Empty means
	// DefaultAuthorityHost.
	AuthorityHost string

	// LogLevel is the lowest level logged. Zero value: info.
	LogLevel zerolog.Level

	// RequestTimeout bounds every request end to end, well inside the
	// callers' 120 s. Zero means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// MaxBodyBytes is the largest request body accepted; larger bodies are
	// answered 413. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// LogAzureSDK routes the Azure SDK's own log events (requests,
	// retries, authentication) into the debug log, redacted like every
	// other line. False keeps them off, whatever AZURE_SDK_GO_LOGGING
	// says, because the SDK would write them to stderr unredacted by us.
	LogAzureSDK bool

	// Ledger selects where idempotency claims are kept: "table" (Azure
	// Table Storage in the account of AzureWebJobsStorage), "memory" (this
	// instance only), or "auto" (the default): table when the Function App
	// has storage configured, else memory.
	Ledger string

	// LedgerTable is the table's name. Empty means DefaultLedgerTable.
	LedgerTable string

	// SourceField is the internal name of a text field of the business
	// module that receives the idempotency key, so a create whose answer
	// was lost is found exactly. Empty means such a create is looked for
	// by title and parent.
	SourceField string

	// SettleTime is how long a create that got no answer is given to
	// complete in WorkPoint before a retry checks WorkPoint and, if the
	// entity is not there, creates it. Zero means DefaultSettleTime.
	SettleTime time.Duration

	// RuntimeStats turns on GET /debug/runtime on the handler's own port
	// (goroutines and heap), for load tests. The Functions host forwards
	// only function routes, so it is never reachable from outside.
	RuntimeStats bool

	// FieldMap is the JSON that maps SharePoint columns to WorkPoint fields
	// (see the mapping package). Empty means the item's own columns are
	// copied under their names.
	FieldMap string

	// ParentColumn is the SharePoint column that names the parent entity
	// of a raw item (a title, an id, or a lookup). Empty means the default
	// parent.
	ParentColumn string

	// CallerAuth is "easyauth" when App Service Authentication runs in
	// front of the function and the caller identity in
	// X-MS-CLIENT-PRINCIPAL is to be checked against AllowedCallers;
	// "none" (the default) trusts the function key alone. The header is
	// trusted only when this says Easy Auth is on.
	CallerAuth string

	// AllowedCallers are the application (client) ids or object ids that
	// may call when CallerAuth is "easyauth".
	AllowedCallers []string

	// Credential is how the app registration authenticates to Entra ID:
	// "secret" (the default: the client secret from Key Vault) or
	// "federated" (the user-assigned managed identity as a federated
	// identity credential: no secret exists).
	Credential string

	// FederatedAudience is the audience of the managed identity token used
	// as the client assertion. Empty means DefaultFederatedAud.
	FederatedAudience string
}

// Scope returns the OAuth scope of the WorkPoint token.
func (s Settings) Scope() string {
	return strings.TrimSuffix(s.Audience, "/") + "/.default"
}

// Error lists every problem found in the settings.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "settings: " + strings.Join(e.Problems, "; ")
}

var (
	guidRE = regexp.MustCompile(
		`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tenantRE = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)
	tableRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,62}$`)
)

// Load reads the settings through getenv (os.Getenv in production) and
// validates them. The error, an [*Error], names every setting that is
// missing or malformed.
func Load(getenv func(string) string) (Settings, error) {
	l := loader{getenv: getenv}
	// Without a client secret there is no Key Vault to read it from.
	credential := strings.ToLower(l.optional(EnvCredential, CredentialSecret))
	needsVault := credential != CredentialFederated
	s := Settings{
		Port:                    l.first(EnvPort, EnvPortLegacy, DefaultPort),
		TenantID:                l.required(EnvTenantID),
		ClientID:                l.required(EnvClientID),
		Audience:                l.optional(EnvAudience, DefaultAudience),
		APIURL:                  l.optional(EnvAPIURL, DefaultAPIURL),
		SolutionURL:             l.required(EnvSolutionURL),
		BusinessModuleID:        l.required(EnvBusinessModule),
		SiteCreation:            l.optional(EnvSiteCreation, DefaultSiteCreation),
		Parent:                  l.optional(EnvParent, ""),
		ParentModuleID:          l.optional(EnvParentModule, ""),
		ParentField:             l.optional(EnvParentField, ""),
		AppRole:                 l.optional(EnvAppRole, DefaultAppRole),
		KeyVaultURL:             l.requiredIf(needsVault, EnvKeyVaultURL),
		SecretName:              l.requiredIf(needsVault, EnvSecretName),
		SecretVersion:           l.optional(EnvSecretVersion, ""),
		ManagedIdentityClientID: l.optional(EnvManagedIdentity, ""),
		AuthorityHost:           l.optional(EnvAuthorityHost, DefaultAuthorityHost),
		SecretCacheTTL:          l.duration(EnvSecretCacheTTL, DefaultSecretCacheTTL),
		RequestTimeout:          l.duration(EnvRequestTimeout, DefaultRequestTimeout),
		MaxBodyBytes:            l.bytes(EnvMaxBodyBytes, DefaultMaxBodyBytes),
		LogLevel:                l.level(EnvLogLevel),
		LogAzureSDK:             l.boolean(EnvLogAzureSDK),
		Ledger:                  strings.ToLower(l.optional(EnvLedger, LedgerAuto)),
		LedgerTable:             l.optional(EnvLedgerTable, DefaultLedgerTable),
		SourceField:             l.optional(EnvSourceField, ""),
		SettleTime:              l.duration(EnvSettleTime, DefaultSettleTime),
		RuntimeStats:            l.boolean(EnvRuntimeStats),
		FieldMap:                l.optional(EnvFieldMap, ""),
		ParentColumn:            l.optional(EnvParentColumn, ""),
		CallerAuth:              strings.ToLower(l.optional(EnvCallerAuth, CallerAuthNone)),
		AllowedCallers:          l.list(EnvAllowedCallers),
		Credential:              credential,
		FederatedAudience:       l.optional(EnvFederatedAud, DefaultFederatedAud),
	}

	l.check(s.Port, EnvPort, isPort, "a TCP port number")
	l.check(s.TenantID, EnvTenantID, tenantRE.MatchString, "a directory (tenant) ID GUID or domain")
	l.check(s.ClientID, EnvClientID, guidRE.MatchString, "an application (client) ID GUID")
	l.check(s.BusinessModuleID, EnvBusinessModule, guidRE.MatchString, "a business module GUID")
	l.check(s.ParentModuleID, EnvParentModule, guidRE.MatchString, "a business module GUID")
	l.check(s.ManagedIdentityClientID, EnvManagedIdentity, guidRE.MatchString, "a client ID GUID")
	l.check(s.APIURL, EnvAPIURL, isHTTPSURL, "an https URL")
	l.check(s.SolutionURL, EnvSolutionURL, isHTTPSURL, "an https URL of the solution's root site")
	l.check(s.KeyVaultURL, EnvKeyVaultURL, isHTTPSURL,
		"an https URL such as https://<vault>.vault.azure.net/")
	l.check(s.AuthorityHost, EnvAuthorityHost, isHTTPSURL, "an https URL")
	l.check(s.SiteCreation, EnvSiteCreation, isSiteCreation, `"false", "true" or "enum:<value>"`)
	l.check(s.Ledger, EnvLedger, func(v string) bool {
		return v == LedgerAuto || v == LedgerTable || v == LedgerMemory
	}, "auto, table or memory")
	l.check(s.LedgerTable, EnvLedgerTable, tableRE.MatchString,
		"a table name: a letter, then 2 to 62 letters or digits")
	if s.SettleTime < s.RequestTimeout {
		l.problem("%s is %s: it must be at least %s (%s), the longest a create can take",
			EnvSettleTime, s.SettleTime, EnvRequestTimeout, s.RequestTimeout)
	}
	l.check(s.CallerAuth, EnvCallerAuth, func(v string) bool {
		return v == CallerAuthNone || v == CallerAuthEasyAuth
	}, "none or easyauth")
	if s.CallerAuth == CallerAuthEasyAuth && len(s.AllowedCallers) == 0 {
		l.problem("%s is easyauth but %s lists no caller", EnvCallerAuth, EnvAllowedCallers)
	}
	for _, id := range s.AllowedCallers {
		l.check(id, EnvAllowedCallers, guidRE.MatchString,
			"application or object id GUIDs, comma-separated")
	}
	l.check(s.Credential, EnvCredential, func(v string) bool {
		return v == CredentialSecret || v == CredentialFederated
	}, "secret or federated")
	if s.Credential == CredentialFederated && s.ManagedIdentityClientID == "" {
		l.problem("%s is federated: set %s to the user-assigned identity "+
			"the app registration trusts",
			EnvCredential, EnvManagedIdentity)
	}
	if strings.HasSuffix(strings.TrimSuffix(s.Audience, "/"), "/.default") {
		l.problem("%s is %q: give the App ID URI without /.default; ProjectSync adds it",
			EnvAudience, s.Audience)
	}
	if s.RequestTimeout < 10*time.Second {
		l.problem("%s is %s: keep it at 10s or more, so a create has time to finish",
			EnvRequestTimeout, s.RequestTimeout)
	}
	if s.RequestTimeout > 110*time.Second {
		l.problem("%s is %s: callers give up after 120 s, so keep it at 110s or less",
			EnvRequestTimeout, s.RequestTimeout)
	}

	if len(l.problems) > 0 {
		return Settings{}, &Error{Problems: l.problems}
	}
	return s, nil
}

type loader struct {
	getenv   func(string) string
	problems []string
}

func (l *loader) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// value reads name, trimmed, and refuses a Key Vault reference the platform
// failed to resolve: the literal string would otherwise be used as a value.
func (l *loader) value(name string) string {
	v := strings.TrimSpace(l.getenv(name))
	if strings.HasPrefix(v, "@Microsoft.KeyVault(") {
		l.problem("%s is an unresolved Key Vault reference; check the Function App's "+
			"access to the vault, or set the value directly", name)
		return ""
	}
	return v
}

func (l *loader) required(name string) string {
	v := l.value(name)
	if v == "" && !strings.HasPrefix(strings.TrimSpace(l.getenv(name)), "@Microsoft.KeyVault(") {
		l.problem("%s is required", name)
	}
	return v
}

func (l *loader) requiredIf(needed bool, name string) string {
	if needed {
		return l.required(name)
	}
	return l.optional(name, "")
}

func (l *loader) optional(name, def string) string {
	if v := l.value(name); v != "" {
		return v
	}
	return def
}

func (l *loader) first(a, b, def string) string {
	if v := l.value(a); v != "" {
		return v
	}
	return l.optional(b, def)
}

func (l *loader) duration(name string, def time.Duration) time.Duration {
	v := l.value(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		// Plain numbers are read as seconds, the unit app settings use most.
		n, nerr := strconv.Atoi(v)
		if nerr != nil || n < 0 {
			l.problem("%s is %q: want a duration such as 90s or 5m", name, v)
			return def
		}
		d = time.Duration(n) * time.Second
	}
	if d <= 0 {
		l.problem("%s is %q: want a positive duration", name, v)
		return def
	}
	return d
}

func (l *loader) bytes(name string, def int64) int64 {
	v := l.value(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		l.problem("%s is %q: want a positive number of bytes", name, v)
		return def
	}
	return n
}

// list reads a comma-separated list, trimming and dropping empty items.
func (l *loader) list(name string) []string {
	var out []string
	for _, v := range strings.Split(l.value(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (l *loader) boolean(name string) bool {
	v := l.value(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.problem("%s is %q: want true or false", name, v)
	}
	return b
}

func (l *loader) level(name string) zerolog.Level {
	v := strings.ToLower(l.value(name))
	switch v {
	case "":
		return zerolog.InfoLevel
	case "debug", "info", "warn", "error":
		lvl, _ := zerolog.ParseLevel(v)
		return lvl
	case "warning":
		return zerolog.WarnLevel
	}
	l.problem("%s is %q: want debug, info, warn or error", name, v)
	return zerolog.InfoLevel
}

// check records a problem when an optional or required value is set but
// malformed; empty values were reported by required already.
func (l *loader) check(v, name string, ok func(string) bool, want string) {
	if v != "" && !ok(v) {
		l.problem("%s is %q: want %s", name, v, want)
	}
}

func isPort(v string) bool {
	n, err := strconv.Atoi(v)
	return err == nil && n > 0 && n < 65536
}

func isHTTPSURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.RawQuery == ""
}

func isSiteCreation(v string) bool {
	if v == "true" || v == "false" {
		return true
	}
	name, ok := strings.CutPrefix(v, "enum:")
	return ok && regexp.MustCompile(`^[A-Za-z0-9_]+$`).MatchString(name)
}
