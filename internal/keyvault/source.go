// Package keyvault reads the app registration's client secret from Azure Key
// Vault with the Function App's managed identity.
//
// A [Source] caches the secret, shares one read between all the requests
// that need it at the same moment, and reads again when the cache lifetime
// ends or when Entra ID rejects the cached version ([Source.Reject]).
package keyvault

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/rs/zerolog"
	"golang.org/x/sync/singleflight"

	"projectsync/internal/redact"
)

// ClientSecret is one version of the client secret.
type ClientSecret struct {
	// Value is the secret itself.
	Value redact.Secret
	// Version is Key Vault's version id of this value.
	Version string
	// Expires is the secret's expiry date (attribute exp), nil when unset.
	Expires *time.Time
	// NotBefore is the secret's activation date (attribute nbf), nil when
	// unset.
	NotBefore *time.Time
}

// Options configures a [Source]. The zero value is ready to use.
type Options struct {
	// Version pins one version of the secret. Empty reads the latest.
	Version string

	// TTL is how long a secret is reused before it is read again. Zero
	// means one hour.
	TTL time.Duration

	// ReadTimeout bounds one shared read, whichever request started it.
	// Zero means 30 seconds.
	ReadTimeout time.Duration

	// ClientOptions configures the Key Vault client's pipeline (retries,
	// transport). The zero value uses the SDK's defaults, with the proxy
	// and certificate settings of the environment.
	ClientOptions azsecrets.ClientOptions

	// Known, when set, learns every secret value read, so that log
	// scrubbing can mask it wherever it would appear.
	Known *redact.Known

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Source reads and caches the client secret. It is safe for concurrent use.
type Source struct {
	client *azsecrets.Client
	cred   azcore.TokenCredential
	vault  string
	name   string
	opts   Options

	mu     sync.Mutex
	cached *ClientSecret
	readAt time.Time

	group singleflight.Group
}

// NewSource returns a Source for the secret name in the vault at vaultURL,
// read with cred (the managed identity). Pass nil for opts to accept the
// defaults. It makes no network call.
func NewSource(vaultURL, name string, cred azcore.TokenCredential, opts *Options) (*Source, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.TTL <= 0 {
		o.TTL = time.Hour
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ClientOptions.Retry.MaxRetries == 0 && o.ClientOptions.Retry.RetryDelay == 0 {
		o.ClientOptions.Retry = policy.RetryOptions{
			MaxRetries:    3,
			RetryDelay:    200 * time.Millisecond,
			MaxRetryDelay: 5 * time.Second,
		}
	}
	u, err := url.Parse(vaultURL)
	if err != nil {
		return nil, fmt.Errorf("keyvault: parse vault URL: %w", err)
	}
	client, err := azsecrets.NewClient(vaultURL, cred, &o.ClientOptions)
	if err != nil {
		return nil, fmt.Errorf("keyvault: create client: %w", err)
	}
	return &Source{client: client, cred: cred, vault: u.Host, name: name, opts: o}, nil
}

// Secret returns the client secret, from the cache while it is fresh.
// Concurrent callers on a cold cache share one Key Vault read; each still
// gives up when its own ctx ends.
func (s *Source) Secret(ctx context.Context) (ClientSecret, error) {
	if cs, ok := s.fresh(); ok {
		return cs, nil
	}

	ch := s.group.DoChan("read", func() (any, error) {
		// A read that finished between the check above and this call has
		// filled the cache already.
		if cs, ok := s.fresh(); ok {
			return cs, nil
		}
		// The read outlives a caller that gives up, so that the others
		// waiting on it still get the secret.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ReadTimeout)
		defer cancel()
		return s.read(rctx)
	})
	select {
	case <-ctx.Done():
		return ClientSecret{}, fmt.Errorf("keyvault: wait for secret %q: %w", s.name, ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return ClientSecret{}, r.Err
		}
		return r.Val.(ClientSecret), nil
	}
}

// Reject drops the cached secret if it is still the given version, so the
// next [Source.Secret] reads Key Vault again. Entra ID's refusal of a
// secret is the usual reason: it was rotated or it expired.
func (s *Source) Reject(version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != nil && s.cached.Version == version {
		s.cached = nil
	}
}

// VaultScope is the scope of tokens for Key Vault.
const VaultScope = "https://vault.azure.net/.default"

// IdentityToken gets a Key Vault token from the managed identity, as a
// read would, and returns when it expires. Health checks use it to test
// the identity on its own.
func (s *Source) IdentityToken(ctx context.Context) (time.Time, error) {
	tok, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{VaultScope}})
	if err != nil {
		e := s.wrap(err).(*Error)
		e.Step = StepIdentity
		return time.Time{}, e
	}
	return tok.ExpiresOn, nil
}

// Vault returns the vault's host name, for logs and diagnosis.
func (s *Source) Vault() string { return s.vault }

// Name returns the secret's name.
func (s *Source) Name() string { return s.name }

func (s *Source) fresh() (ClientSecret, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached == nil || s.opts.Now().Sub(s.readAt) >= s.opts.TTL {
		return ClientSecret{}, false
	}
	return *s.cached, true
}

// read fetches the secret, checks its dates and caches it.
func (s *Source) read(ctx context.Context) (ClientSecret, error) {
	resp, err := s.client.GetSecret(ctx, s.name, s.opts.Version, nil)
	if err != nil {
		return ClientSecret{}, s.wrap(err)
	}

	cs, err := s.check(resp.Secret)
	if err != nil {
		return ClientSecret{}, err
	}
	if s.opts.Known != nil {
		s.opts.Known.Add(cs.Value.Reveal())
	}

	s.mu.Lock()
	s.cached, s.readAt = &cs, s.opts.Now()
	s.mu.Unlock()
	ev := zerolog.Ctx(ctx).Debug().Str("vault", s.vault).Str("secret_name", s.name).
		Str("secret_version", cs.Version)
	if cs.Expires != nil {
		ev = ev.Time("secret_expires", *cs.Expires)
	}
	ev.Msg("read client secret from Key Vault")
	return cs, nil
}

// check refuses a secret that is empty, expired or not active yet: Key
// Vault returns those without complaint.
func (s *Source) check(sec azsecrets.Secret) (ClientSecret, error) {
	var cs ClientSecret
	if sec.ID != nil {
		cs.Version = sec.ID.Version()
	}
	if a := sec.Attributes; a != nil {
		cs.Expires, cs.NotBefore = a.Expires, a.NotBefore
	}
	now := s.opts.Now()
	fail := func(code, msg string) (ClientSecret, error) {
		return ClientSecret{}, &Error{Step: StepCheck, Vault: s.vault, Secret: s.name,
			Version: cs.Version, Code: code, Message: msg, Expires: cs.Expires}
	}
	switch {
	case sec.Value == nil || *sec.Value == "":
		return fail(CodeEmpty, "the secret's value is empty")
	case cs.Expires != nil && !now.Before(*cs.Expires):
		return fail(CodeExpired, "the secret expired on "+cs.Expires.UTC().Format(time.RFC3339))
	case cs.NotBefore != nil && now.Before(*cs.NotBefore):
		from := cs.NotBefore.UTC().Format(time.RFC3339)
		return fail(CodeNotYetValid, "the secret is valid from "+from)
	}
	cs.Value = redact.NewSecret(*sec.Value)
	return cs, nil
}

// ErrNoIdentity is returned, wrapped, when the Function App has no managed
// identity: the platform did not set IDENTITY_ENDPOINT.
var ErrNoIdentity = errors.New("keyvault: no managed identity: IDENTITY_ENDPOINT is not set")
