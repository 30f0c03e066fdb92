package entra

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"projectsync/internal/redact"
)

// AADSTS codes of a client assertion that no federated identity credential
// of the app registration matches.
const (
	CodeNoFederatedRecord  = 70021  // no credential matches issuer, subject and audience
	CodeFederatedIssuer    = 700211 // no credential names the assertion's issuer
	CodeFederatedAudience  = 700212 // no credential names the assertion's audience
	CodeFederatedSubject   = 700213 // no credential names the assertion's subject
	CodeAssertionSignature = 700027 // the assertion's signature is invalid
	CodeAssertionTime      = 700024 // the assertion has expired or is not valid yet
)

// FederationMismatch reports whether Entra found no federated identity
// credential of the app registration that matches the managed identity's
// token: its issuer, subject or audience differs from every credential's.
func (e *Error) FederationMismatch() bool {
	return e.Has(CodeNoFederatedRecord) || e.Has(CodeFederatedIssuer) ||
		e.Has(CodeFederatedAudience) || e.Has(CodeFederatedSubject)
}

// ErrEmptyAssertion means the managed identity endpoint answered without a
// token, which the SDK passes on as a success.
var ErrEmptyAssertion = errors.New("entra: managed identity endpoint returned an empty token")

// IdentityError reports that the managed identity gave no token to use as
// the client assertion of a [Federated] credential. It never holds a token.
type IdentityError struct {
	// Audience is the audience the token was asked for.
	Audience string
	// Status is the HTTP status of the identity endpoint's answer; 0 when
	// none arrived.
	Status int
	// Message is the endpoint's message, capped and scrubbed.
	Message string
	// Err is the underlying error.
	Err error
}

func (e *IdentityError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "entra: %s for %s", StepAssertion, e.Audience)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	} else if e.Err != nil {
		fmt.Fprintf(&b, ": %s", firstLine(redact.Text(e.Err.Error())))
	}
	return b.String()
}

func (e *IdentityError) Unwrap() error { return e.Err }

// StepAssertion is the step of getting the client assertion from the
// managed identity.
const StepAssertion Step = "get managed identity token"

// wrapIdentity turns an error of the managed identity credential into an
// *IdentityError, reading the endpoint's error body when there is one.
func wrapIdentity(err error, audience string) error {
	e := &IdentityError{Audience: audience, Err: err}
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || afe.RawResponse == nil {
		return e
	}
	e.Status = afe.RawResponse.StatusCode
	body, _ := runtime.Payload(afe.RawResponse)
	e.Message = identityMessage(body)
	return e
}

// identityMessage extracts the message of a managed identity endpoint's
// error body, which comes in two shapes: {"statusCode":..,"message":..}
// and {"error":{"code":..,"message":..}}.
func identityMessage(body []byte) string {
	var v struct {
		Message string `json:"message"`
		Error   struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return firstLine(redact.Body(body))
	}
	if v.Message != "" {
		return firstLine(redact.Text(v.Message))
	}
	msg := strings.Trim(v.Error.Code+": "+v.Error.Message, ": ")
	return firstLine(redact.Text(msg))
}
