package entra

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"projectsync/internal/redact"
)

// Step names the part of getting a token that failed.
type Step string

// The steps of getting a token.
const (
	StepCredential Step = "create credential"
	StepToken      Step = "request token"
	StepClaims     Step = "check token claims"
)

// AADSTS codes ProjectSync recognises. Entra's full list is longer; any
// other code is reported as it is.
const (
	CodeInvalidSecret      = 7000215
	CodeExpiredSecret      = 7000222
	CodeNoServicePrincipal = 7000229
	CodeAppNotFound        = 700016
	CodeTenantNotFound     = 90002
	CodeTenantInvalid      = 900023
	CodeResourceNotFound   = 500011
	CodeAssignmentRequired = 501051
	CodeScopeNotDefault    = 1002012
	CodeInvalidScope       = 70011
)

// ErrEmptyToken means Entra answered without an access token.
var ErrEmptyToken = errors.New("entra: empty access token")

// Error reports a failed token request with what Entra said: the OAuth
// error, the AADSTS codes and the ids support asks for. It never holds the
// secret or a token.
type Error struct {
	Step Step
	// SecretVersion is the Key Vault version of the secret that was used.
	SecretVersion string
	// Status is the HTTP status of Entra's answer; 0 when none arrived.
	Status int
	// OAuthError is the OAuth error, e.g. invalid_client.
	OAuthError string
	// Codes are the AADSTS error codes.
	Codes []int
	// Description is the first line of error_description, scrubbed.
	Description   string
	TraceID       string
	CorrelationID string
	Err           error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "entra: %s", e.Step)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.OAuthError != "" {
		fmt.Fprintf(&b, ": %s", e.OAuthError)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	} else if e.Err != nil {
		fmt.Fprintf(&b, ": %s", firstLine(redact.Text(e.Err.Error())))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Has reports whether Entra answered with the AADSTS code.
func (e *Error) Has(code int) bool { return slices.Contains(e.Codes, code) }

// wrap turns an azidentity error into an *Error, reading Entra's error
// body when there is one.
func wrap(err error, version string) error {
	e := &Error{Step: StepToken, SecretVersion: version, Err: err}
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || afe.RawResponse == nil {
		return e
	}

	e.Status = afe.RawResponse.StatusCode
	body, _ := runtime.Payload(afe.RawResponse)
	var v struct {
		Error         string `json:"error"`
		Description   string `json:"error_description"`
		Codes         []int  `json:"error_codes"`
		TraceID       string `json:"trace_id"`
		CorrelationID string `json:"correlation_id"`
	}
	if json.Unmarshal(body, &v) != nil {
		e.Description = firstLine(redact.Body(body))
		return e
	}
	e.OAuthError, e.Codes = v.Error, v.Codes
	e.Description = firstLine(redact.Text(v.Description))
	e.TraceID, e.CorrelationID = v.TraceID, v.CorrelationID
	return e
}

// rejectsSecret reports whether err is Entra refusing the client secret,
// the sign that it was rotated or has expired.
func rejectsSecret(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Has(CodeInvalidSecret) || e.Has(CodeExpiredSecret))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}
