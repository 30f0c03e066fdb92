package keyvault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// NewManagedIdentity returns the Function App's managed identity as a
// credential: the user-assigned identity clientID, or the system-assigned
// one when clientID is empty.
//
// enabled tells whether the platform announced an identity endpoint
// (IDENTITY_ENDPOINT and IDENTITY_HEADER are set). When it did not, the
// credential fails every request with [ErrNoIdentity] instead of probing
// the instance metadata address, which answers nothing useful on a
// Function App and would stall each request.
func NewManagedIdentity(clientID string, enabled bool,
	opts *azcore.ClientOptions) (azcore.TokenCredential, error) {
	if !enabled {
		return noIdentity{}, nil
	}
	o := azidentity.ManagedIdentityCredentialOptions{}
	if opts != nil {
		o.ClientOptions = *opts
	}
	if o.Retry.MaxRetries == 0 && o.Retry.RetryDelay == 0 {
		o.Retry = policy.RetryOptions{MaxRetries: 3, RetryDelay: 200 * time.Millisecond,
			MaxRetryDelay: 5 * time.Second}
	}
	if clientID != "" {
		o.ID = azidentity.ClientID(clientID)
	}
	cred, err := azidentity.NewManagedIdentityCredential(&o)
	if err != nil {
		return nil, fmt.Errorf("keyvault: create managed identity credential: %w", err)
	}
	return nonEmpty{cred}, nil
}

// ErrEmptyToken is returned, wrapped, when the managed identity endpoint
// answers 200 without a token, which the SDK passes on as a success.
var ErrEmptyToken = errors.New("keyvault: managed identity endpoint returned an empty token")

type nonEmpty struct{ azcore.TokenCredential }

func (c nonEmpty) GetToken(ctx context.Context,
	o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.TokenCredential.GetToken(ctx, o)
	if err == nil && tok.Token == "" {
		return azcore.AccessToken{}, ErrEmptyToken
	}
	return tok, err
}

type noIdentity struct{}

func (noIdentity) GetToken(context.Context,
	policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, ErrNoIdentity
}
