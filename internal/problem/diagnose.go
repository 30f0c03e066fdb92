package problem

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"projectsync/internal/entra"
	"projectsync/internal/keyvault"
	"projectsync/internal/project"
	"projectsync/internal/workpoint"
)

// FromError diagnoses err: it finds the link of the chain that failed and
// returns the problem that names the cause and the fix. It is the one place
// where errors become answers.
func FromError(err error) *Problem {
	var (
		p   *Problem
		in  *project.InputError
		pe  *project.ParentError
		kv  *keyvault.Error
		ce  *entra.ClaimsError
		ee  *entra.Error
		wpe *workpoint.Error
		pnd *project.PendingError
		led *project.LedgerError
	)
	if fp, ok := fromFederated(err); ok {
		return fp
	}
	if mp, ok := fromMapping(err); ok {
		return mp
	}
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &pnd):
		return fromPending(pnd)
	case errors.As(err, &led):
		return New(LedgerUnavailable,
			"The idempotency ledger failed to "+led.Step+"; nothing was created.")
	case errors.As(err, &in):
		return fromInput(in)
	case errors.As(err, &pe):
		return fromParent(pe)
	case errors.As(err, &kv):
		return fromKeyVault(kv)
	case errors.As(err, &ce):
		return fromClaims(ce)
	case errors.As(err, &ee):
		return fromEntra(ee)
	case errors.As(err, &wpe):
		return fromWorkPoint(wpe)
	case errors.Is(err, context.DeadlineExceeded):
		return New(DeadlineExceeded,
			"The request did not finish within its deadline (REQUEST_TIMEOUT).")
	}
	return New(Internal, "An unexpected error occurred.")
}

func fromInput(e *project.InputError) *Problem {
	var p *Problem
	switch e.Kind {
	case project.KindEmpty:
		p = New(EmptyBody, "The request has no body.")
	case project.KindTooLarge:
		p = New(BodyTooLarge, "The body is larger than "+e.Want+".")
	case project.KindMediaType:
		p = New(UnsupportedMediaType,
			fmt.Sprintf("The body was sent as %s; send %s.", e.Got, e.Want))
	case project.KindNotJSON:
		p = New(InvalidJSON, fmt.Sprintf("The body is %s; want %s.", e.Got, e.Want))
	default:
		p = New(InvalidField, strings.TrimPrefix(e.Error(), "project: ")+".")
		p.Field = e.Field
	}
	if e.Kind != project.KindField && e.Field != "" {
		p.Field = e.Field
	}
	return p
}

func fromPending(e *project.PendingError) *Problem {
	wait := retrySeconds(e.RetryAfter)
	var p *Problem
	if e.Unanswered {
		p = New(CreatePending, fmt.Sprintf("WorkPoint did not answer the create in time; it may "+
			"still complete. A retry in %d s answers with the entity, or creates it if "+
			"WorkPoint did not.", wait))
	} else {
		p = New(InProgress,
			fmt.Sprintf("Another request for the same item is creating the entity; "+
				"a retry in %d s answers with it.", wait))
	}
	p.RetryAfter = wait
	return p
}

func fromParent(e *project.ParentError) *Problem {
	switch {
	case e.NoParentModule:
		return New(WorkPointParentModuleUndefined, fmt.Sprintf(
			"A parent (%s) was given, but business module %s defines no parent module.",
			e.Parent, e.ModuleID))
	case e.Found == 0:
		p := New(ParentNotFound,
			fmt.Sprintf("No entity with %s exists in business module %s.", e.Parent, e.ModuleID))
		p.Field = "parent"
		return p
	}
	p := New(ParentAmbiguous,
		fmt.Sprintf("%d entities with %s exist in business module %s.",
			e.Found, e.Parent, e.ModuleID))
	p.Field = "parent"
	return p
}

func fromKeyVault(e *keyvault.Error) *Problem {
	up := &Upstream{Service: "keyvault", Status: e.Status, Code: joinCodes(e.Code, e.InnerCode),
		Message: e.Message}
	where := fmt.Sprintf("secret %q in %s", e.Secret, e.Vault)

	if e.Step == keyvault.StepIdentity {
		return fromIdentity(e)
	}
	var p *Problem
	switch {
	case e.Code == keyvault.CodeExpired:
		p = New(KeyVaultSecretExpired,
			fmt.Sprintf("The %s (version %s) expired on %s.", where, e.Version, day(e.Expires)))
	case e.Code == keyvault.CodeNotYetValid:
		p = New(KeyVaultSecretNotYetValid,
			fmt.Sprintf("The %s (version %s): %s.", where, e.Version, e.Message))
	case e.Code == keyvault.CodeEmpty:
		p = New(KeyVaultSecretNotFound,
			fmt.Sprintf("The %s (version %s) has an empty value.", where, e.Version))
	case e.Status == 403 && e.InnerCode == "AccessDenied":
		p = New(KeyVaultAccessDenied, "Key Vault denied reading the "+where+" (AccessDenied).")
	case e.Status == 403 && e.InnerCode == "ForbiddenByRbac":
		p = New(KeyVaultForbiddenByRBAC,
			"Key Vault denied reading the "+where+" (ForbiddenByRbac).")
	case e.Status == 403 && e.InnerCode == "ForbiddenByPolicy":
		p = New(KeyVaultForbiddenByPolicy,
			"Key Vault denied reading the "+where+" (ForbiddenByPolicy).")
	case e.Status == 403 && e.InnerCode == "ForbiddenByFirewall":
		p = New(KeyVaultForbiddenByNetwork,
			"Key Vault denied reading the "+where+" (ForbiddenByFirewall).")
	case e.Status == 403 && e.InnerCode == "SecretDisabled":
		p = New(KeyVaultSecretDisabled, "The "+where+" is disabled (SecretDisabled).")
	case e.Status == 404:
		p = New(KeyVaultSecretNotFound, "Key Vault has no "+where+".")
	case e.Status == 401:
		p = New(KeyVaultUnauthorized,
			"Key Vault refused the managed identity's token for the "+where+".")
	case e.Status == 429:
		p = New(KeyVaultThrottled, "Key Vault throttled reading the "+where+".")
	case e.Status >= 500:
		p = New(KeyVaultUnavailable,
			fmt.Sprintf("Key Vault answered %d reading the %s.", e.Status, where))
	case e.Status == 0:
		p = fromNetwork(e.Err, where, e.Vault)
	default:
		p = New(KeyVaultRefused,
			fmt.Sprintf("Key Vault answered %d (%s) reading the %s.", e.Status, up.Code, where))
	}
	p.Upstream = up
	return p
}

// fromNetwork tells a name that does not resolve and a TLS failure, which
// retrying will not mend, from a vault that is only out of reach.
func fromNetwork(err error, where, host string) *Problem {
	var dns *net.DNSError
	var cert *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var rec tls.RecordHeaderError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return New(KeyVaultHostNotFound, fmt.Sprintf("The vault host %s does not resolve.", host))
	case errors.As(err, &cert), errors.As(err, &hostErr), errors.As(err, &rec):
		return New(KeyVaultTLS,
			fmt.Sprintf("The TLS connection to %s failed: %s.", host, firstLine(err.Error())))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return New(DeadlineExceeded, "The request ran out of time reading the "+where+".")
	}
	p := New(KeyVaultUnavailable, fmt.Sprintf("Key Vault at %s could not be reached.", host))
	return p
}

func fromIdentity(e *keyvault.Error) *Problem {
	up := &Upstream{Service: "managed-identity", Status: e.Status, Message: e.Message}
	var p *Problem
	msg := strings.ToLower(e.Message)
	switch {
	case errors.Is(e, keyvault.ErrNoIdentity):
		p = New(ManagedIdentityNotEnabled,
			"The platform did not provide a managed identity endpoint (IDENTITY_ENDPOINT).")
		up = nil
	case e.Status == 400 && strings.Contains(msg, "managed identity found"):
		p = New(ManagedIdentityNotFound,
			"The managed identity endpoint found no identity matching "+
				"MANAGED_IDENTITY_CLIENT_ID: "+e.Message)
	case e.Status == 400 && strings.Contains(msg, "system"):
		p = New(ManagedIdentityNotEnabled,
			"The managed identity endpoint has no system-assigned identity: "+e.Message)
	case errors.Is(e, keyvault.ErrEmptyToken):
		p = New(ManagedIdentityUnavailable,
			"The managed identity endpoint answered without a token.")
	case errors.Is(e, context.DeadlineExceeded):
		p = New(DeadlineExceeded, "The request ran out of time getting the managed identity token.")
	default:
		p = New(ManagedIdentityUnavailable,
			fmt.Sprintf("The managed identity endpoint failed (status %d).", e.Status))
	}
	p.Upstream = up
	return p
}

func fromEntra(e *entra.Error) *Problem {
	up := &Upstream{Service: "entra", Status: e.Status, Code: aadsts(e.Codes),
		Message: e.Description,
		TraceID: e.TraceID, CorrelationID: e.CorrelationID}
	var p *Problem
	switch {
	case errors.Is(e, entra.ErrEmptyToken):
		p = New(EntraEmptyToken, "Entra ID answered the token request without an access token.")
	case e.Has(entra.CodeExpiredSecret):
		p = New(EntraClientSecretExpired,
			fmt.Sprintf("Entra ID says the client secret (Key Vault version %s) has expired, "+
				"and Key Vault holds nothing newer.", e.SecretVersion))
	case e.Has(entra.CodeInvalidSecret):
		p = New(EntraClientSecretInvalid,
			fmt.Sprintf("Entra ID rejected the client secret (Key Vault version %s), and Key "+
				"Vault holds nothing newer.", e.SecretVersion))
	case e.Has(entra.CodeAppNotFound):
		p = New(EntraAppNotFound,
			"Entra ID has no application with WORKPOINT_CLIENT_ID in the tenant.")
	case e.Has(entra.CodeTenantNotFound), e.Has(entra.CodeTenantInvalid):
		p = New(EntraTenantNotFound, "Entra ID has no tenant WORKPOINT_TENANT_ID.")
	case e.Has(entra.CodeResourceNotFound):
		p = New(EntraResourceNotFound,
			"Entra ID does not know the resource WORKPOINT_AUDIENCE in the tenant.")
	case e.FederationMismatch():
		p = New(EntraFederationMismatch,
			"Entra ID found no federated credential of the app registration matching the "+
				"managed identity's token.")
	case e.Has(entra.CodeNoServicePrincipal):
		p = New(EntraConsentMissing, "The app registration has no service principal in the tenant.")
	case e.Has(entra.CodeAssignmentRequired):
		p = New(EntraRoleAssignmentNeeded,
			"The WorkPoint API requires the app to be assigned a role.")
	case e.Has(entra.CodeScopeNotDefault), e.Has(entra.CodeInvalidScope):
		p = New(EntraInvalidScope, "Entra ID rejected the scope built from WORKPOINT_AUDIENCE.")
	case e.Status == 429 || e.Status >= 500:
		p = New(EntraUnavailable, fmt.Sprintf("Entra ID answered %d.", e.Status))
	case e.Status == 0 && errors.Is(e, context.DeadlineExceeded):
		p = New(DeadlineExceeded, "The request ran out of time getting the WorkPoint token.")
	case e.Status == 0:
		p = New(EntraUnavailable, "Entra ID could not be reached: "+firstLine(e.Error()))
	default:
		p = New(EntraRefused,
			fmt.Sprintf("Entra ID refused the token request (%s %s).", e.OAuthError, up.Code))
	}
	p.Upstream = up
	return p
}

func fromClaims(e *entra.ClaimsError) *Problem {
	detail := fmt.Sprintf("The WorkPoint token's %s claim is %s; ProjectSync expects it %s.",
		e.Claim, e.Got, wantPhrase(e.Want))
	switch e.Claim {
	case "aud":
		return New(TokenWrongAudience, detail)
	case "tid":
		return New(TokenWrongTenant, detail)
	}
	return New(TokenRoleMissing, detail)
}

func fromWorkPoint(e *workpoint.Error) *Problem {
	up := &Upstream{Service: "workpoint", Status: e.Status, Message: e.Message}
	what := fmt.Sprintf("WorkPoint answered %d to %s", e.Status, e.Step)
	var p *Problem
	switch e.Kind() {
	case workpoint.KindUnauthorized:
		p = New(WorkPointUnauthorized, what+": the token was refused.")
	case workpoint.KindForbidden:
		p = New(WorkPointForbidden, what+": "+e.Message)
	case workpoint.KindSolution, workpoint.KindSolutionMissing:
		p = New(WorkPointSolutionNotFound, what+": "+e.Message)
	case workpoint.KindModule:
		p = New(WorkPointModuleNotFound, what+": "+e.Message)
	case workpoint.KindRoute, workpoint.KindEntity:
		p = New(WorkPointRouteNotFound, what+" at "+e.Path+": "+e.Message)
	case workpoint.KindFields:
		p = New(WorkPointFieldsRejected, what+": "+e.Message)
		if m := fieldInMessage.FindStringSubmatch(e.Message); m != nil {
			p.Field = m[1]
		}
	case workpoint.KindSiteCreation:
		p = New(WorkPointSiteCreationRejected, what+": "+e.Message)
	case workpoint.KindThrottled:
		p = New(WorkPointThrottled, what+": too many requests.")
		p.RetryAfter = retrySeconds(e.RetryAfter)
	case workpoint.KindUnavailable:
		p = fromWorkPointDown(e)
	case workpoint.KindUnexpected:
		p = New(WorkPointUnexpectedAnswer,
			fmt.Sprintf("WorkPoint's answer to %s: %s.", e.Step, e.Message))
	default:
		p = New(WorkPointBadRequest, what+": "+e.Message)
	}
	p.Upstream = up
	return p
}

func fromWorkPointDown(e *workpoint.Error) *Problem {
	if e.Status == 0 && (errors.Is(e, context.DeadlineExceeded) || errors.Is(e, context.Canceled)) {
		return New(DeadlineExceeded, fmt.Sprintf("The request ran out of time during %s.", e.Step))
	}
	p := New(WorkPointUnavailable,
		fmt.Sprintf("WorkPoint failed during %s (status %d).", e.Step, e.Status))
	if e.Status == 0 {
		p.Detail = fmt.Sprintf("WorkPoint could not be reached during %s.", e.Step)
	}
	p.RetryAfter = retrySeconds(e.RetryAfter)
	return p
}

// fieldInMessage finds the field WorkPoint names in a refusal, as in
// "Field 'Budget' does not exist in business module 'Projects'."
var fieldInMessage = regexp.MustCompile(`[Ff]ield '([^']+)'`)

func retrySeconds(d time.Duration) int {
	if d <= 0 {
		return defaultRetryAfter
	}
	return int((d + time.Second - 1) / time.Second)
}

func aadsts(codes []int) string {
	if len(codes) == 0 {
		return ""
	}
	return fmt.Sprintf("AADSTS%d", codes[0])
}

func joinCodes(code, inner string) string {
	if inner == "" {
		return code
	}
	return code + "/" + inner
}

func day(t *time.Time) string {
	if t == nil {
		return "an unknown date"
	}
	return t.UTC().Format(time.RFC3339)
}

func wantPhrase(want string) string {
	if strings.HasPrefix(want, "to ") {
		return want
	}
	return "to be " + want
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}
