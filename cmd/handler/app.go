package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
	"github.com/rs/zerolog"

	"projectsync/internal/entra"
	"projectsync/internal/health"
	"projectsync/internal/keyvault"
	"projectsync/internal/ledger"
	"projectsync/internal/mapping"
	"projectsync/internal/project"
	"projectsync/internal/redact"
	"projectsync/internal/server"
	"projectsync/internal/settings"
	"projectsync/internal/workpoint"
)

// Environment variables the App Service platform sets when the Function
// App has a managed identity.
const (
	envIdentityEndpoint = "IDENTITY_ENDPOINT"
	envIdentityHeader   = "IDENTITY_HEADER"
	// envAuthEnabled is "True" when App Service Authentication is on.
	envAuthEnabled = "WEBSITE_AUTH_ENABLED"
)

// app holds the wired parts of the handler.
type app struct {
	settings settings.Settings
	checker  *health.Checker
	handler  http.Handler
	log      zerolog.Logger
}

// newApp wires the handler from its settings. It makes no network call.
func newApp(s settings.Settings, getenv func(string) string, known *redact.Known,
	log zerolog.Logger) (*app, error) {
	// The field mapping is checked before anything is built: a mistake in
	// it stops the handler with every problem named.
	fieldMap, err := mapping.Parse(s.FieldMap)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", settings.EnvFieldMap, err)
	}

	miEnabled := getenv(envIdentityEndpoint) != "" && getenv(envIdentityHeader) != ""
	mi, err := keyvault.NewManagedIdentity(s.ManagedIdentityClientID, miEnabled, nil)
	if err != nil {
		return nil, err
	}
	token, checker, err := newCredential(s, mi, known)
	if err != nil {
		return nil, err
	}
	wp, err := workpoint.NewClient(s.APIURL, s.SolutionURL, token, s.Scope(),
		&workpoint.ClientOptions{SiteCreation: s.SiteCreation})
	if err != nil {
		return nil, err
	}

	book, err := newLedger(s, getenv, mi, miEnabled, known, log)
	if err != nil {
		return nil, err
	}
	svc := project.NewService(wp, project.Config{
		ModuleID:       s.BusinessModuleID,
		DefaultParent:  s.Parent,
		ParentModuleID: s.ParentModuleID,
		ParentField:    s.ParentField,
		Ledger:         book,
		Owner:          instanceName(getenv),
		Lease:          s.RequestTimeout + 30*time.Second,
		SettleTime:     s.SettleTime,
		SourceField:    s.SourceField,
		Mapping:        fieldMap,
		ParentColumn:   s.ParentColumn,
	})
	checker.Token, checker.WorkPoint = token, wp
	h := server.New(svc, log, server.Options{
		MaxBodyBytes:   s.MaxBodyBytes,
		RequestTimeout: s.RequestTimeout,
		Health:         health.Handler(checker),
		RuntimeStats:   s.RuntimeStats,
		CallerAuth:     s.CallerAuth,
		AllowedCallers: s.AllowedCallers,
	})
	if s.CallerAuth == settings.CallerAuthEasyAuth &&
		!strings.EqualFold(getenv(envAuthEnabled), "true") {
		log.Warn().Str("setting", settings.EnvCallerAuth).
			Msg("CALLER_AUTH is easyauth but App Service Authentication does not look on " +
				"(WEBSITE_AUTH_ENABLED is not True): without it a caller can forge " +
				"X-MS-CLIENT-PRINCIPAL. Turn on Authentication for the Function App.")
	}
	return &app{settings: s, checker: checker, handler: h, log: log}, nil
}

// diagnose runs the health checks once and prints the report: a table, or
// JSON with -json. The exit code is 0 when the chain is healthy.
func (a *app) diagnose(ctx context.Context, args []string, w io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, a.settings.RequestTimeout)
	defer cancel()
	rep := a.checker.Run(a.log.WithContext(ctx))
	if slices.Contains(args, "-json") || slices.Contains(args, "--json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		_ = rep.WriteText(w)
	}
	if !rep.Healthy() {
		return 1
	}
	return 0
}

// newCredential builds the app registration's credential the settings ask
// for, and the health checker that checks it: the client secret read from
// Key Vault, or the managed identity as a federated credential, where no
// secret and no vault exist.
func newCredential(s settings.Settings, mi azcore.TokenCredential,
	known *redact.Known) (azcore.TokenCredential, *health.Checker, error) {
	checker := &health.Checker{Settings: s}
	opts := &entra.Options{
		AuthorityHost: s.AuthorityHost,
		Expect: &entra.Expectation{
			Audience: s.Audience,
			TenantID: s.TenantID,
			Role:     s.AppRole,
		},
	}
	if s.Credential == settings.CredentialFederated {
		fed, err := entra.NewFederated(s.TenantID, s.ClientID, mi, s.FederatedAudience, opts)
		if err != nil {
			return nil, nil, err
		}
		checker.Federation = fed
		return fed, checker, nil
	}

	secrets, err := keyvault.NewSource(s.KeyVaultURL, s.SecretName, mi, &keyvault.Options{
		Version: s.SecretVersion,
		TTL:     s.SecretCacheTTL,
		Known:   known,
	})
	if err != nil {
		return nil, nil, err
	}
	checker.Secrets = secrets
	return entra.New(s.TenantID, s.ClientID, secrets, opts), checker, nil
}

// newLedger opens the idempotency ledger the settings ask for: Table
// Storage in the Function App's own storage account, or memory.
func newLedger(s settings.Settings, getenv func(string) string, mi azcore.TokenCredential,
	miEnabled bool, known *redact.Known, log zerolog.Logger) (ledger.Ledger, error) {
	storage, err := ledger.ParseStorage(getenv)
	if err != nil {
		return nil, err
	}
	known.Add(storage.AccountKey())

	useTable := s.Ledger == settings.LedgerTable ||
		s.Ledger == settings.LedgerAuto && storage.Configured()
	if !useTable {
		log.Info().Str("ledger", "memory").
			Msg("idempotency ledger in memory: repeats are recognised by this instance only")
		return ledger.NewMemory(nil), nil
	}
	if !storage.Configured() {
		return nil, fmt.Errorf("ledger: %s is %s but AzureWebJobsStorage is not set",
			settings.EnvLedger, settings.LedgerTable)
	}
	cred := mi
	id := storage.ClientID()
	if storage.ManagedIdentity() && id != "" && id != s.ManagedIdentityClientID {
		// AzureWebJobsStorage__clientId names another user-assigned identity.
		if cred, err = keyvault.NewManagedIdentity(id, miEnabled, nil); err != nil {
			return nil, err
		}
	}
	client, err := storage.NewTableClient(cred, nil)
	if err != nil {
		return nil, err
	}
	log.Info().Str("ledger", "table").Str("storage", storage.Describe()).
		Str("table", s.LedgerTable).
		Msg("idempotency ledger in Table Storage")
	return ledger.NewTable(client, s.LedgerTable, nil), nil
}

// instanceName names this instance in ledger claims.
func instanceName(getenv func(string) string) string {
	if id := getenv("WEBSITE_INSTANCE_ID"); id != "" {
		return id
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "instance"
}

// routeSDKLogs sends the Azure SDK's log events to log at debug level when
// on, and silences them otherwise: left alone, the SDK writes them to
// stderr, which the Functions host files as errors.
func routeSDKLogs(log zerolog.Logger, on bool) {
	if !on {
		// A nil listener, unlike one that drops every event, also tells
		// the SDK not to format the events at all.
		azlog.SetListener(nil)
		return
	}
	azlog.SetListener(func(ev azlog.Event, msg string) {
		log.Debug().Str("sdk_event", string(ev)).Msg(redact.Text(msg))
	})
}

// newLogger returns the JSON logger on stdout, where the Functions host
// files lines as information; stderr lines would all become errors.
func newLogger(out io.Writer, known *redact.Known, level zerolog.Level) zerolog.Logger {
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	zerolog.DurationFieldUnit = 1e6 // milliseconds
	zerolog.DurationFieldInteger = false
	return zerolog.New(redact.NewWriter(out, known)).Level(level).With().Timestamp().Logger()
}
