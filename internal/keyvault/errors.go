package keyvault

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"projectsync/internal/redact"
)

// Step names the part of reading the secret that failed.
type Step string

// The steps of reading the secret.
const (
	StepIdentity Step = "get managed identity token"
	StepRead     Step = "read secret"
	StepCheck    Step = "check secret"
)

// Codes set by [Source] itself for secrets Key Vault returned but that
// cannot be used.
const (
	CodeExpired     = "SecretExpired"
	CodeNotYetValid = "SecretNotYetValid"
	CodeEmpty       = "SecretEmpty"
)

// Error reports a failure to get the client secret. It carries what an
// admin needs to find the cause, never a token or a secret value.
type Error struct {
	Step    Step
	Vault   string // host name of the vault
	Secret  string // name of the secret
	Version string // version, when known
	// Status is the HTTP status of the failing answer; 0 when no answer
	// arrived (DNS, TLS, connection).
	Status int
	// Code is Key Vault's error code (e.g. Forbidden, SecretNotFound), or
	// one of the Code constants.
	Code string
	// InnerCode is Key Vault's inner error code (e.g. AccessDenied,
	// SecretDisabled, ForbiddenByRbac).
	InnerCode string
	// Message is the upstream message, capped and scrubbed.
	Message string
	// Expires is the secret's expiry date, when known.
	Expires *time.Time
	// Err is the underlying error.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "keyvault: %s %q in %s", e.Step, e.Secret, e.Vault)
	if e.Version != "" {
		fmt.Fprintf(&b, " (version %s)", e.Version)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
		if e.InnerCode != "" {
			fmt.Fprintf(&b, "/%s", e.InnerCode)
		}
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil && e.Status == 0 {
		fmt.Fprintf(&b, ": %s", redact.Text(e.Err.Error()))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// wrap turns an error of the SDK into an *Error.
func (s *Source) wrap(err error) error {
	e := &Error{Step: StepRead, Vault: s.vault, Secret: s.name, Version: s.opts.Version, Err: err}

	var afe *azidentity.AuthenticationFailedError
	var re *azcore.ResponseError
	switch {
	case errors.Is(err, ErrNoIdentity), errors.Is(err, ErrEmptyToken):
		e.Step = StepIdentity
	case errors.As(err, &afe):
		e.Step = StepIdentity
		if afe.RawResponse != nil {
			e.Status = afe.RawResponse.StatusCode
			body, _ := runtime.Payload(afe.RawResponse)
			e.Message = identityMessage(body)
		}
	case errors.As(err, &re):
		e.Status = re.StatusCode
		e.Code = re.ErrorCode
		if re.RawResponse != nil {
			body, _ := runtime.Payload(re.RawResponse)
			code, inner, msg := vaultError(body)
			if code != "" {
				e.Code = code
			}
			e.InnerCode, e.Message = inner, msg
		}
	}
	return e
}

// vaultError decodes Key Vault's error body:
// {"error":{"code":..,"message":..,"innererror":{"code":..}}}.
func vaultError(body []byte) (code, inner, msg string) {
	var v struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError *struct {
				Code string `json:"code"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", "", redact.Body(body)
	}
	if v.Error.InnerError != nil {
		inner = v.Error.InnerError.Code
	}
	return v.Error.Code, inner, redact.Body([]byte(v.Error.Message))
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
		return redact.Body(body)
	}
	if v.Message != "" {
		return redact.Body([]byte(v.Message))
	}
	return redact.Body([]byte(strings.TrimSpace(v.Error.Code + ": " + v.Error.Message)))
}
