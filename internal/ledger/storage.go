package ledger

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
)

// Names of the app settings that locate the Function App's storage
// account, in which [Table] keeps the ledger. They are the Functions
// host's own: AzureWebJobsStorage holds a connection string; the others
// describe an identity-based connection.
const (
	EnvStorage                = "AzureWebJobsStorage"
	EnvStorageAccountName     = "AzureWebJobsStorage__accountName"
	EnvStorageTableServiceURI = "AzureWebJobsStorage__tableServiceUri"
	EnvStorageCredential      = "AzureWebJobsStorage__credential"
	EnvStorageClientID        = "AzureWebJobsStorage__clientId"
)

// DevelopmentTableURL is the Table service of Azurite, the local storage
// emulator, which the connection string UseDevelopmentStorage=true means.
const DevelopmentTableURL = "http://127.0.0.1:10002/devstoreaccount1"

// The emulator's account. Its key is published with the emulator and
// grants nothing beyond a local Azurite; it is here because
// UseDevelopmentStorage=true cannot be signed without it.
const (
	developmentAccount = "devstoreaccount1"
	developmentKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50u" +
		"SRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// managedIdentity is the only value of AzureWebJobsStorage__credential
// that identity-based connections accept.
const managedIdentity = "managedidentity"

// accountNamePattern is what Azure accepts as a storage account name.
var accountNamePattern = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

// StorageConfig says how to reach the Table service of the Function App's
// storage account. Its zero value is not configured. It never prints its
// account key: String and GoString give [StorageConfig.Describe].
type StorageConfig struct {
	setting  string // the setting it was read from, for Describe
	endpoint string // the Table service URL
	account  string // with key: the account the key belongs to
	key      string
	identity bool
	clientID string
}

// ParseStorage reads the storage settings through getenv, the way the
// Functions host does: AzureWebJobsStorage, if set, is a connection string;
// otherwise AzureWebJobsStorage__tableServiceUri or
// AzureWebJobsStorage__accountName name the account for an identity-based
// connection, with AzureWebJobsStorage__credential = managedidentity (or
// unset) and an optional AzureWebJobsStorage__clientId. If none is set,
// the result is not configured and the error nil.
//
// A connection string gives AccountName and AccountKey, and optionally
// DefaultEndpointsProtocol, EndpointSuffix or TableEndpoint; or it is
// UseDevelopmentStorage=true, meaning Azurite at [DevelopmentTableURL].
// Shared access signatures are not accepted. Errors never quote the
// connection string.
func ParseStorage(getenv func(string) string) (StorageConfig, error) {
	if getenv == nil {
		return StorageConfig{}, errors.New("ledger: parse storage settings: nil getenv")
	}
	if s := strings.TrimSpace(getenv(EnvStorage)); s != "" {
		return parseConnectionString(s)
	}
	return parseIdentity(getenv)
}

// parseConnectionString parses the value of AzureWebJobsStorage.
func parseConnectionString(s string) (StorageConfig, error) {
	fail := func(format string, args ...any) (StorageConfig, error) {
		return StorageConfig{}, fmt.Errorf("ledger: parse "+EnvStorage+": "+format, args...)
	}

	// Only Azure resolves Key Vault references in app settings.
	if strings.HasPrefix(s, "@Microsoft.KeyVault(") {
		return fail("an unresolved Key Vault reference")
	}

	fields := make(map[string]string)
	for i, part := range strings.Split(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return fail("part %d is not name=value", i+1)
		}
		fields[name] = strings.TrimSpace(value)
	}

	if dev, ok := fields["usedevelopmentstorage"]; ok {
		switch {
		case !strings.EqualFold(dev, "true"):
			return fail("UseDevelopmentStorage must be true")
		case fields["developmentstorageproxyuri"] != "":
			return fail("DevelopmentStorageProxyUri is not supported")
		}
		return StorageConfig{setting: EnvStorage, endpoint: DevelopmentTableURL,
			account: developmentAccount, key: developmentKey}, nil
	}
	if _, ok := fields["sharedaccesssignature"]; ok {
		return fail("shared access signatures are not supported; " +
			"use an account key or a managed identity")
	}

	c := StorageConfig{setting: EnvStorage, account: fields["accountname"],
		key: fields["accountkey"]}
	switch {
	case c.account == "":
		return fail("no AccountName")
	case c.key == "":
		return fail("no AccountKey")
	}
	if _, err := base64.StdEncoding.DecodeString(c.key); err != nil {
		return fail("AccountKey is not base64")
	}

	if endpoint, ok := fields["tableendpoint"]; ok {
		u, err := parseEndpoint(endpoint, "http", "https")
		if err != nil {
			return fail("TableEndpoint: %w", err)
		}
		c.endpoint = u
		return c, nil
	}
	protocol := strings.ToLower(fields["defaultendpointsprotocol"])
	if protocol == "" {
		protocol = "https"
	}
	suffix := fields["endpointsuffix"]
	if suffix == "" {
		suffix = "core.windows.net"
	}
	switch {
	case protocol != "https" && protocol != "http":
		return fail("DefaultEndpointsProtocol %q: want https or http", protocol)
	case !accountNamePattern.MatchString(c.account):
		return fail("AccountName %q: want 3 to 24 lowercase letters or digits", c.account)
	}
	u, err := parseEndpoint(protocol+"://"+c.account+".table."+suffix, protocol)
	if err != nil {
		return fail("EndpointSuffix: %w", err)
	}
	c.endpoint = u
	return c, nil
}

// parseIdentity parses the settings of an identity-based connection.
func parseIdentity(getenv func(string) string) (StorageConfig, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	account := get(EnvStorageAccountName)
	service := get(EnvStorageTableServiceURI)
	credential := get(EnvStorageCredential)
	c := StorageConfig{identity: true, clientID: get(EnvStorageClientID)}

	switch {
	case credential != "" && !strings.EqualFold(credential, managedIdentity):
		return StorageConfig{}, fmt.Errorf("ledger: parse %s: %q is not supported; want %s",
			EnvStorageCredential, credential, managedIdentity)
	case service != "":
		u, err := parseEndpoint(service, "https")
		if err != nil {
			return StorageConfig{}, fmt.Errorf("ledger: parse %s: %w",
				EnvStorageTableServiceURI, err)
		}
		c.setting, c.endpoint = EnvStorageTableServiceURI, u
	case account != "":
		if !accountNamePattern.MatchString(account) {
			return StorageConfig{}, fmt.Errorf(
				"ledger: parse %s: %q: want 3 to 24 lowercase letters or digits",
				EnvStorageAccountName, account)
		}
		c.setting, c.endpoint = EnvStorageAccountName, "https://"+account+".table.core.windows.net"
	case credential != "" || c.clientID != "":
		return StorageConfig{}, fmt.Errorf("ledger: parse storage settings: %s is set, "+
			"but neither %s nor %s", EnvStorageCredential+" or "+EnvStorageClientID,
			EnvStorageAccountName, EnvStorageTableServiceURI)
	default:
		return StorageConfig{}, nil
	}
	return c, nil
}

// parseEndpoint checks that s is an absolute URL with one of schemes, a
// host and nothing that could carry a secret, and returns it without a
// trailing slash.
func parseEndpoint(s string, schemes ...string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", errors.New("not a URL")
	case !containsFold(schemes, u.Scheme):
		return "", fmt.Errorf("scheme %q: want %s", u.Scheme, strings.Join(schemes, " or "))
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("no host")
	case u.User != nil, u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return "", errors.New("want no user, query or fragment")
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Configured reports whether any storage setting was given.
func (c StorageConfig) Configured() bool { return c.endpoint != "" }

// ManagedIdentity reports whether the connection is identity-based, so
// that [StorageConfig.NewTableClient] needs a credential.
func (c StorageConfig) ManagedIdentity() bool { return c.identity }

// ClientID returns AzureWebJobsStorage__clientId: the client ID of the
// user-assigned managed identity to use, or "" for the system-assigned
// one.
func (c StorageConfig) ClientID() string { return c.clientID }

// TableURL returns the URL of the Table service, or "" if not configured.
func (c StorageConfig) TableURL() string { return c.endpoint }

// AccountKey returns the account key of a connection string, or "" for
// an identity-based connection, so that the caller can scrub it from
// logs.
func (c StorageConfig) AccountKey() string { return c.key }

// Describe returns the setting used, the Table service URL and how
// requests are authorized, for logs. It never includes the account key.
func (c StorageConfig) Describe() string {
	switch {
	case !c.Configured():
		return "not configured"
	case c.identity && c.clientID != "":
		return fmt.Sprintf("%s from %s, managed identity %s", c.endpoint, c.setting, c.clientID)
	case c.identity:
		return fmt.Sprintf("%s from %s, system-assigned managed identity", c.endpoint, c.setting)
	}
	return fmt.Sprintf("%s from %s, shared key of account %s", c.endpoint, c.setting, c.account)
}

// String returns [StorageConfig.Describe].
func (c StorageConfig) String() string { return c.Describe() }

// GoString returns [StorageConfig.Describe], so that %#v shows no key.
func (c StorageConfig) GoString() string { return c.Describe() }

// NewTableClient returns a client of the configured Table service. A
// connection string's requests are signed with its account key, and cred
// is ignored. An identity-based connection needs cred, the managed
// identity's credential (built by the caller for [StorageConfig.ClientID]);
// the client asks it for tokens of the scope
// https://storage.azure.com/.default. Pass nil opts for the defaults.
func (c StorageConfig) NewTableClient(
	cred azcore.TokenCredential, opts *aztables.ClientOptions,
) (*aztables.ServiceClient, error) {
	switch {
	case !c.Configured():
		return nil, errors.New("ledger: new table client: storage is not configured")
	case c.identity && cred == nil:
		return nil, errors.New("ledger: new table client: " +
			"an identity-based connection needs a credential")
	case c.identity:
		client, err := aztables.NewServiceClient(c.endpoint, cred, opts)
		if err != nil {
			return nil, fmt.Errorf("ledger: new table client: %w", err)
		}
		return client, nil
	}

	key, err := aztables.NewSharedKeyCredential(c.account, c.key)
	if err != nil {
		return nil, errors.New("ledger: new table client: account key is not base64")
	}
	client, err := aztables.NewServiceClientWithSharedKey(c.endpoint, key, opts)
	if err != nil {
		return nil, fmt.Errorf("ledger: new table client: %w", err)
	}
	return client, nil
}
