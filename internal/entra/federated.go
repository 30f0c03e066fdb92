package entra

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/rs/zerolog"
)

// ExchangeAudience is the audience of the managed identity tokens Entra ID
// accepts as client assertions in the public cloud.
const ExchangeAudience = "api://AzureADTokenExchange"

// Federated is an azcore.TokenCredential for an app registration that
// trusts the Function App's user-assigned managed identity as a federated
// identity credential. It proves itself with a managed identity token
// instead of a client secret, so there is no secret to store, leak or
// renew. It is safe for concurrent use.
//
// Entra ID accepts the assertion only from a user-assigned identity of
// the app registration's own tenant, and only when a federated credential
// of the app names the identity's object (principal) ID as its subject.
type Federated struct {
	mi       azcore.TokenCredential
	audience string
	opts     Options
	cred     *azidentity.ClientAssertionCredential
}

var _ azcore.TokenCredential = (*Federated)(nil)

// NewFederated returns a Federated credential for the app registration
// clientID in tenantID, with assertions from mi (the user-assigned managed
// identity) for audience. An empty audience means [ExchangeAudience]. Pass
// nil for opts to accept the defaults. It makes no network call.
func NewFederated(tenantID, clientID string, mi azcore.TokenCredential, audience string,
	opts *Options) (*Federated, error) {
	if mi == nil {
		return nil, errors.New("entra: create federated credential: no managed identity")
	}
	f := &Federated{mi: mi, audience: strings.TrimSuffix(audience, "/")}
	if f.audience == "" {
		f.audience = ExchangeAudience
	}
	if opts != nil {
		f.opts = *opts
	}
	if f.opts.AuthorityHost != "" {
		f.opts.ClientOptions.Cloud = cloud.Configuration{
			ActiveDirectoryAuthorityHost: f.opts.AuthorityHost,
		}
	}

	cred, err := azidentity.NewClientAssertionCredential(tenantID, clientID, f.assertion,
		&azidentity.ClientAssertionCredentialOptions{ClientOptions: f.opts.ClientOptions})
	if err != nil {
		return nil, fmt.Errorf("entra: create federated credential: %w", err)
	}
	f.cred = cred
	return f, nil
}

// Audience returns the audience of the managed identity tokens used as
// client assertions.
func (f *Federated) Audience() string { return f.audience }

// GetToken returns a token for opts.Scopes. A new token costs one managed
// identity token (usually from MSAL's cache) and one Entra request; the
// token is then cached until it nears expiry.
//
// A failure to get the managed identity token is an [*IdentityError];
// Entra's refusal of the assertion, for instance because no federated
// credential matches it, is an [*Error].
func (f *Federated) GetToken(ctx context.Context,
	opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	// The assertion callback runs inside the SDK, which flattens its error
	// into text; the call's own slot keeps the typed error.
	slot := &assertionSlot{}
	tok, err := f.cred.GetToken(context.WithValue(ctx, assertionKey{}, slot), opts)
	if ierr := slot.load(); ierr != nil {
		return azcore.AccessToken{}, ierr
	}
	if err != nil {
		return azcore.AccessToken{}, wrap(err, "")
	}
	if tok.Token == "" {
		return azcore.AccessToken{}, &Error{Step: StepToken, Err: ErrEmptyToken}
	}
	if f.opts.Expect != nil {
		if err := f.opts.Expect.Check(tok.Token); err != nil {
			return azcore.AccessToken{}, err
		}
	}
	zerolog.Ctx(ctx).Debug().Str("credential", "federated").
		Time("token_expires", tok.ExpiresOn).Strs("scopes", opts.Scopes).
		Msg("got WorkPoint token")
	return tok, nil
}

// Assertion describes the managed identity token Entra ID is shown in
// place of a client secret. It never holds the token.
type Assertion struct {
	// Audience is the token's audience, e.g. api://AzureADTokenExchange.
	Audience string
	// Subject is the token's subject: the identity's object (principal)
	// ID, which the app registration's federated credential must name.
	// Empty when the token's claims could not be read.
	Subject string
	// TenantID is the identity's tenant.
	TenantID string
	// ExpiresOn is when the token expires.
	ExpiresOn time.Time
}

// Assertion gets the managed identity token used as the client assertion
// and describes it, as a token request would get it. Health checks use it
// to test the identity on its own and to show which subject the federated
// credential must name.
func (f *Federated) Assertion(ctx context.Context) (Assertion, error) {
	tok, err := f.identityToken(ctx)
	if err != nil {
		return Assertion{}, err
	}
	a := Assertion{Audience: f.audience, ExpiresOn: tok.ExpiresOn}
	if c, err := ParseClaims(tok.Token); err == nil {
		a.Subject, a.TenantID = c.Subject, c.TenantID
		if len(c.Audience) > 0 {
			a.Audience = c.Audience[0]
		}
	}
	return a, nil
}

// assertion is the client assertion callback: a managed identity token for
// the exchange audience.
func (f *Federated) assertion(ctx context.Context) (string, error) {
	tok, err := f.identityToken(ctx)
	if err != nil {
		var ie *IdentityError
		if slot, ok := ctx.Value(assertionKey{}).(*assertionSlot); ok && errors.As(err, &ie) {
			slot.store(ie)
		}
		return "", err
	}
	zerolog.Ctx(ctx).Debug().Str("audience", f.audience).
		Time("assertion_expires", tok.ExpiresOn).
		Msg("got managed identity token for the federated credential")
	return tok.Token, nil
}

// identityToken gets the managed identity token for the exchange audience.
// Its errors are *IdentityError.
func (f *Federated) identityToken(ctx context.Context) (azcore.AccessToken, error) {
	tok, err := f.mi.GetToken(ctx, policy.TokenRequestOptions{
		Scopes: []string{f.audience + "/.default"},
	})
	if err != nil {
		return azcore.AccessToken{}, wrapIdentity(err, f.audience)
	}
	if tok.Token == "" {
		return azcore.AccessToken{}, &IdentityError{Audience: f.audience,
			Err: ErrEmptyAssertion}
	}
	return tok, nil
}

// assertionKey is the context key of a GetToken call's assertionSlot.
type assertionKey struct{}

// assertionSlot keeps the managed identity failure of one GetToken call.
type assertionSlot struct {
	mu  sync.Mutex
	err *IdentityError
}

func (s *assertionSlot) store(err *IdentityError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// load returns the stored failure. It returns a nil error interface, not a
// typed nil, when there is none.
func (s *assertionSlot) load() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		return nil
	}
	return s.err
}
