// Package health checks every link of ProjectSync's chain, in order: the
// settings, the managed identity, the Key Vault secret (or, without a
// secret, the federated credential), the WorkPoint token and its claims,
// and WorkPoint itself with the solution, the business module and the
// parent module. It serves GET /api/Health and the handler's diagnose
// command.
//
// A report never holds a secret or a token: only what was checked, when
// things expire, and for a failure the problem code and fix.
package health

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"projectsync/internal/entra"
	"projectsync/internal/keyvault"
	"projectsync/internal/problem"
	"projectsync/internal/settings"
	"projectsync/internal/workpoint"
)

// Check outcomes.
const (
	Pass = "pass"
	Warn = "warn"
	Fail = "fail"
	Skip = "skip"
)

// SecretWarnDays is how close to its expiry a secret makes the check warn.
const SecretWarnDays = 30

// Check is one link of the chain.
type Check struct {
	Name       string       `json:"name"`
	Status     string       `json:"status"`
	Detail     string       `json:"detail"`
	Code       problem.Code `json:"code,omitempty"`
	Fix        string       `json:"fix,omitempty"`
	DurationMS int64        `json:"durationMs"`
}

// Report is the outcome of all checks.
type Report struct {
	// Status is "healthy" when no check failed, else "unhealthy".
	Status    string    `json:"status"`
	CheckedAt time.Time `json:"checkedAt"`
	Checks    []Check   `json:"checks"`
}

// Healthy reports whether no check failed.
func (r Report) Healthy() bool { return r.Status == "healthy" }

// Secrets is the Key Vault secret source; *keyvault.Source is one.
type Secrets interface {
	IdentityToken(ctx context.Context) (time.Time, error)
	Secret(ctx context.Context) (keyvault.ClientSecret, error)
	Vault() string
	Name() string
}

// WorkPoint is what the checks call; *workpoint.Client is one.
type WorkPoint interface {
	BusinessModules(ctx context.Context) ([]workpoint.BusinessModule, error)
	FindByTitle(ctx context.Context, moduleID, title string,
		limit int) ([]workpoint.ListItem, error)
}

// Federation is the managed identity token a federated credential is
// built from; *entra.Federated is one.
type Federation interface {
	Assertion(ctx context.Context) (entra.Assertion, error)
}

var (
	_ Secrets    = (*keyvault.Source)(nil)
	_ Federation = (*entra.Federated)(nil)
	_ WorkPoint  = (*workpoint.Client)(nil)
)

// Checker runs the checks. One of Secrets and Federation must be set.
type Checker struct {
	Settings settings.Settings

	// Secrets is the Key Vault source of the client secret. It is nil
	// when the app registration has no secret (Federation is set).
	Secrets Secrets

	// Federation, when set, is the federated credential the app
	// registration uses instead of a client secret: the managed identity
	// check asks for its audience, and a federated credential check takes
	// the place of the Key Vault secret check. Nil means the secret mode.
	Federation Federation

	Token     azcore.TokenCredential
	WorkPoint WorkPoint
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Names of the checks that differ between the two modes.
const (
	checkSecret    = "key vault secret"
	checkFederated = "federated credential"
)

// Run checks the chain link by link; a link whose prerequisite failed is
// skipped.
func (c *Checker) Run(ctx context.Context) Report {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	r := Report{CheckedAt: now().UTC()}
	add := func(name string, f func() (string, string, error)) bool {
		start := time.Now()
		status, detail, err := f()
		ch := Check{Name: name, Status: status, Detail: detail,
			DurationMS: time.Since(start).Milliseconds()}
		if err != nil {
			p := problem.FromError(err)
			ch.Status, ch.Detail, ch.Code, ch.Fix = Fail, p.Detail, p.Code, p.Fix
		}
		r.Checks = append(r.Checks, ch)
		return err == nil
	}
	skip := func(names ...string) {
		for _, n := range names {
			r.Checks = append(r.Checks, Check{Name: n, Status: Skip,
				Detail: "skipped: an earlier check failed"})
		}
	}

	add("settings", func() (string, string, error) { return Pass, c.describe(), nil })
	credential := checkSecret
	if c.Federation != nil {
		credential = checkFederated
	}
	var assertion entra.Assertion
	ok := add("managed identity", func() (string, string, error) {
		if c.Federation == nil {
			return c.identity(ctx)
		}
		var err error
		assertion, err = c.Federation.Assertion(ctx)
		if err != nil {
			return "", "", err
		}
		return Pass, fmt.Sprintf("%s got a token for %s valid until %s", c.who(),
			assertion.Audience, stamp(assertion.ExpiresOn)), nil
	})
	if !ok {
		skip(credential, "workpoint token", "workpoint solution", "business module")
		return r.finish()
	}
	ok = add(credential, func() (string, string, error) {
		if c.Federation != nil {
			return c.federated(assertion)
		}
		return c.secret(ctx, now())
	})
	if !ok {
		skip("workpoint token", "workpoint solution", "business module")
		return r.finish()
	}
	ok = add("workpoint token", func() (string, string, error) { return c.token(ctx) })
	if !ok {
		skip("workpoint solution", "business module")
		return r.finish()
	}
	var modules []workpoint.BusinessModule
	ok = add("workpoint solution", func() (string, string, error) {
		var err error
		modules, err = c.WorkPoint.BusinessModules(ctx)
		if err != nil {
			return "", "", err
		}
		return Pass, fmt.Sprintf("%s answers with %d business modules", c.Settings.SolutionURL,
			len(modules)), nil
	})
	if !ok {
		skip("business module")
		return r.finish()
	}
	add("business module", func() (string, string, error) { return c.module(ctx, modules) })
	return r.finish()
}

func (r Report) finish() Report {
	r.Status = "healthy"
	for _, ch := range r.Checks {
		if ch.Status == Fail {
			r.Status = "unhealthy"
		}
	}
	return r
}

// describe lists the settings the chain is built from.
func (c *Checker) describe() string {
	s := c.Settings
	how := "no client secret source"
	switch {
	case c.Federation != nil:
		how = "federated credential of the " + c.who()
	case c.Secrets != nil:
		how = fmt.Sprintf("vault %s, secret %s", c.Secrets.Vault(), c.Secrets.Name())
	}
	return fmt.Sprintf("tenant %s, app %s, %s, solution %s, module %s",
		s.TenantID, s.ClientID, how, s.SolutionURL, s.BusinessModuleID)
}

// who names the managed identity in use.
func (c *Checker) who() string {
	if id := c.Settings.ManagedIdentityClientID; id != "" {
		return "user-assigned identity " + id
	}
	return "system-assigned identity"
}

// identity gets a Key Vault token from the managed identity.
func (c *Checker) identity(ctx context.Context) (string, string, error) {
	if c.Secrets == nil {
		return "", "", errNoCredential
	}
	exp, err := c.Secrets.IdentityToken(ctx)
	if err != nil {
		return "", "", err
	}
	return Pass, fmt.Sprintf("%s got a Key Vault token valid until %s", c.who(), stamp(exp)), nil
}

// errNoCredential means the checker was given neither a secret source nor
// a federated credential.
var errNoCredential = errors.New("health: no client secret source and no federated credential")

// federated says what the app registration's federated credential must
// name for Entra ID to accept the managed identity's token. Entra compares
// them only when the WorkPoint token is requested, the next check.
func (c *Checker) federated(a entra.Assertion) (string, string, error) {
	tenant := a.TenantID
	if tenant == "" {
		tenant = c.Settings.TenantID
	}
	detail := "no client secret exists, so nothing expires; "
	if a.Subject == "" {
		return Warn, detail + "the managed identity token's subject could not be read, " +
			"so the federated credential cannot be shown", nil
	}
	return Pass, detail + fmt.Sprintf("the app registration must have a federated "+
		"credential with issuer https://login.microsoftonline.com/%s/v2.0, subject %s "+
		"and audience %s", tenant, a.Subject, a.Audience), nil
}

// secret reads the client secret and says how long it has left.
func (c *Checker) secret(ctx context.Context, now time.Time) (string, string, error) {
	s, err := c.Secrets.Secret(ctx)
	if err != nil {
		return "", "", err
	}
	detail := fmt.Sprintf("secret %s version %s read", c.Secrets.Name(), s.Version)
	if s.Expires == nil {
		return Pass, detail + "; it has no expiry date in Key Vault", nil
	}
	days := int(s.Expires.Sub(now).Hours() / 24)
	detail += fmt.Sprintf("; it expires on %s, in %d days", stamp(*s.Expires), days)
	if days < SecretWarnDays {
		return Warn, detail + ": create a new client secret and store it as a new version", nil
	}
	return Pass, detail, nil
}

// token gets a WorkPoint token and shows its claims.
func (c *Checker) token(ctx context.Context) (string, string, error) {
	tok, err := c.Token.GetToken(ctx, policy.TokenRequestOptions{
		Scopes: []string{c.Settings.Scope()}, EnableCAE: true,
	})
	if err != nil {
		return "", "", err
	}
	claims, err := entra.ParseClaims(tok.Token)
	if err != nil {
		return "", "", err
	}
	return Pass, fmt.Sprintf("token for %s from tenant %s with roles [%s], valid until %s",
		strings.Join(claims.Audience, ", "), claims.TenantID, strings.Join(claims.Roles, ", "),
		stamp(tok.ExpiresOn)), nil
}

// module finds the business module and its parent module, and the default
// parent when the settings name one.
func (c *Checker) module(ctx context.Context,
	modules []workpoint.BusinessModule) (string, string, error) {
	s := c.Settings
	i := slices.IndexFunc(modules, func(m workpoint.BusinessModule) bool {
		return strings.EqualFold(m.ID, s.BusinessModuleID)
	})
	if i < 0 {
		// The message must not name the solution: Kind would read it as a
		// solution that was not found.
		return "", "", &workpoint.Error{Step: workpoint.StepModules, Status: 404,
			Message: fmt.Sprintf("Business module '%s' does not exist.", s.BusinessModuleID)}
	}
	m := modules[i]
	detail := fmt.Sprintf("%s (%s)", m.Title, m.ID)

	parentID, field := s.ParentModuleID, s.ParentField
	if parentID == "" {
		parentID = m.Parent
	}
	if field == "" {
		field = m.ParentRelationName
	}
	if parentID == "" {
		return Pass, detail + "; it has no parent module", nil
	}
	j := slices.IndexFunc(modules, func(p workpoint.BusinessModule) bool {
		return strings.EqualFold(p.ID, parentID)
	})
	if j < 0 {
		return "", "", &workpoint.Error{Step: workpoint.StepModules, Status: 404,
			Message: fmt.Sprintf("Business module '%s' (the parent module) does not exist.",
				parentID)}
	}
	detail += fmt.Sprintf("; parent module %s via field %s", modules[j].Title, field)

	if p := strings.TrimSpace(s.Parent); p != "" && !isNumber(p) {
		items, err := c.WorkPoint.FindByTitle(ctx, parentID, p, 2)
		if err != nil {
			return "", "", err
		}
		if len(items) != 1 {
			return Fail, fmt.Sprintf("%s; the default parent %q matches %d entities",
				detail, p, len(items)), errParent(p, parentID, len(items))
		}
		detail += fmt.Sprintf("; default parent %q is entity %d", p, items[0].ID)
	}
	return Pass, detail, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func isNumber(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}
