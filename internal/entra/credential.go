// Package entra gets app-only tokens for the WorkPoint Web API from Entra ID
// with the app registration's client secret, read from Key Vault.
//
// [Credential] keeps one azidentity.ClientSecretCredential per secret
// version, so the SDK's token cache serves every request until the token
// nears expiry. When Entra rejects the secret (rotated or expired), the
// cached secret is dropped, Key Vault is read once more and, if it holds
// a newer version, the token request is made again with it.
//
// [Federated] is the mode without any secret: the app registration trusts
// the Function App's user-assigned managed identity as a federated
// credential, and a managed identity token is the client assertion.
package entra

import (
	"context"
	"fmt"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/rs/zerolog"

	"projectsync/internal/keyvault"
)

// SecretSource supplies the client secret; *keyvault.Source is one.
type SecretSource interface {
	Secret(ctx context.Context) (keyvault.ClientSecret, error)
	Reject(version string)
}

var _ SecretSource = (*keyvault.Source)(nil)

// Options configures a [Credential]. The zero value is ready to use.
type Options struct {
	// AuthorityHost is the Entra authority. Empty means the public cloud.
	AuthorityHost string

	// ClientOptions configures the token requests' pipeline.
	ClientOptions azcore.ClientOptions

	// Expect, when set, is checked against the claims of every new token;
	// a token that fails is refused with a *ClaimsError before any call
	// to WorkPoint is made.
	Expect *Expectation
}

// Credential is an azcore.TokenCredential for the app registration. It is
// safe for concurrent use.
type Credential struct {
	tenantID string
	clientID string
	secrets  SecretSource
	opts     Options

	mu      sync.Mutex
	version string
	value   string
	cred    *azidentity.ClientSecretCredential
}

var _ azcore.TokenCredential = (*Credential)(nil)

// New returns a Credential for the app registration clientID in tenantID.
// Pass nil for opts to accept the defaults. It makes no network call.
func New(tenantID, clientID string, secrets SecretSource, opts *Options) *Credential {
	c := &Credential{tenantID: tenantID, clientID: clientID, secrets: secrets}
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.AuthorityHost != "" {
		c.opts.ClientOptions.Cloud = cloud.Configuration{
			ActiveDirectoryAuthorityHost: c.opts.AuthorityHost,
		}
	}
	return c
}

// GetToken returns a token for opts.Scopes. A secret Entra rejects as
// invalid or expired is read again from Key Vault once; if Key Vault holds
// a newer version, the request is repeated with it.
func (c *Credential) GetToken(ctx context.Context,
	opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	secret, err := c.secrets.Secret(ctx)
	if err != nil {
		return azcore.AccessToken{}, err
	}

	tok, err := c.token(ctx, secret, opts)
	if !rejectsSecret(err) {
		return tok, err
	}

	zerolog.Ctx(ctx).Debug().Str("secret_version", secret.Version).
		Msg("entra rejected the client secret; reading Key Vault again")
	c.secrets.Reject(secret.Version)
	fresh, ferr := c.secrets.Secret(ctx)
	if ferr != nil || fresh.Value.Reveal() == secret.Value.Reveal() {
		// Nothing newer to try: report Entra's refusal.
		return azcore.AccessToken{}, err
	}
	zerolog.Ctx(ctx).Debug().Str("secret_version", fresh.Version).
		Msg("retrying the token request with the newer secret version")
	return c.token(ctx, fresh, opts)
}

// token requests a token with secret and checks it.
func (c *Credential) token(ctx context.Context, secret keyvault.ClientSecret,
	opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	cred, err := c.credentialFor(secret)
	if err != nil {
		return azcore.AccessToken{}, err
	}

	tok, err := cred.GetToken(ctx, opts)
	if err != nil {
		return azcore.AccessToken{}, wrap(err, secret.Version)
	}
	if tok.Token == "" {
		return azcore.AccessToken{}, &Error{Step: StepToken, SecretVersion: secret.Version,
			Err: ErrEmptyToken}
	}
	if c.opts.Expect != nil {
		if err := c.opts.Expect.Check(tok.Token); err != nil {
			return azcore.AccessToken{}, err
		}
	}
	zerolog.Ctx(ctx).Debug().Str("secret_version", secret.Version).
		Time("token_expires", tok.ExpiresOn).Strs("scopes", opts.Scopes).
		Msg("got WorkPoint token")
	return tok, nil
}

// credentialFor returns the credential of secret's version, building it
// when the version is new. The previous credential and its token cache
// are dropped.
func (c *Credential) credentialFor(
	secret keyvault.ClientSecret) (*azidentity.ClientSecretCredential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cred != nil && c.version == secret.Version && c.value == secret.Value.Reveal() {
		return c.cred, nil
	}
	cred, err := azidentity.NewClientSecretCredential(c.tenantID, c.clientID,
		secret.Value.Reveal(), &azidentity.ClientSecretCredentialOptions{
			ClientOptions: c.opts.ClientOptions,
		})
	if err != nil {
		return nil, &Error{Step: StepCredential, SecretVersion: secret.Version,
			Err: fmt.Errorf("entra: create credential: %w", err)}
	}
	c.cred, c.version, c.value = cred, secret.Version, secret.Value.Reveal()
	return cred, nil
}
