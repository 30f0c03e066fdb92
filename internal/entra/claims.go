package entra

import (
	"fmt"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims of a WorkPoint token that ProjectSync checks.
type Claims struct {
	Roles    []string `json:"roles"`
	TenantID string   `json:"tid"`
	AppID    string   `json:"appid"`
	jwt.RegisteredClaims
}

// ParseClaims reads the claims of token without verifying its signature:
// WorkPoint verifies it, ProjectSync only looks before it calls.
func ParseClaims(token string) (Claims, error) {
	var c Claims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		return Claims{}, fmt.Errorf("entra: parse token claims: %w", err)
	}
	return c, nil
}

// Expectation is what a WorkPoint token must carry.
type Expectation struct {
	// Audience is the audience asked for; the token's aud must equal it.
	// Entra may answer with the application ID instead of the App ID URI,
	// so AudienceAliases lists other accepted values.
	Audience        string
	AudienceAliases []string
	// TenantID is the tenant the token must come from. A tenant given as
	// a domain name cannot be compared and is not checked.
	TenantID string
	// Role is the application role the token's roles claim must contain.
	Role string
}

// ClaimsError reports a token that lacks what WorkPoint will check.
type ClaimsError struct {
	// Claim is "roles", "aud" or "tid".
	Claim string
	Want  string
	Got   string
}

func (e *ClaimsError) Error() string {
	return fmt.Sprintf("entra: %s: token claim %s is %s; want %s",
		StepClaims, e.Claim, e.Got, e.Want)
}

// Check parses token and compares its claims with x.
func (x *Expectation) Check(token string) error {
	c, err := ParseClaims(token)
	if err != nil {
		return &Error{Step: StepClaims, Err: err}
	}

	if want := strings.TrimSuffix(x.Audience, "/"); want != "" && !x.audienceOK(c.Audience) {
		got := quote(strings.Join(c.Audience, ", "))
		return &ClaimsError{Claim: "aud", Want: quote(want), Got: got}
	}
	if x.TenantID != "" && isGUID(x.TenantID) && !strings.EqualFold(c.TenantID, x.TenantID) {
		return &ClaimsError{Claim: "tid", Want: quote(x.TenantID), Got: quote(c.TenantID)}
	}
	if x.Role != "" && !slices.Contains(c.Roles, x.Role) {
		got := "empty: the app has no application permission on the API"
		if len(c.Roles) > 0 {
			got = quote(strings.Join(c.Roles, ", "))
		}
		return &ClaimsError{Claim: "roles", Want: "to contain " + quote(x.Role), Got: got}
	}
	return nil
}

func (x *Expectation) audienceOK(auds jwt.ClaimStrings) bool {
	want := strings.TrimSuffix(x.Audience, "/")
	for _, a := range auds {
		a = strings.TrimSuffix(a, "/")
		if a == want || slices.Contains(x.AudienceAliases, a) {
			return true
		}
	}
	return false
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func isGUID(s string) bool {
	return len(s) == 36 && strings.Count(s, "-") == 4
}
