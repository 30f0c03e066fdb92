package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"projectsync/internal/problem"
)

// Headers App Service Authentication ("Easy Auth") sets on a request it
// has authenticated. Callers cannot set them while Easy Auth runs in front
// of the function; without it nothing strips a forged one, so they are
// read only when [Options].CallerAuth says Easy Auth is on.
const (
	HeaderClientPrincipal   = "X-MS-CLIENT-PRINCIPAL"
	HeaderClientPrincipalID = "X-MS-CLIENT-PRINCIPAL-ID"
)

// Values of [Options].CallerAuth; the settings use the same words.
const (
	CallerAuthNone     = "none"
	CallerAuthEasyAuth = "easyauth"
)

// maxPrincipalBytes bounds the X-MS-CLIENT-PRINCIPAL value decoded. A
// principal with many group claims stays far below it.
const maxPrincipalBytes = 64 << 10

// Claim types that name the caller. Easy Auth maps claim types as .NET's
// default inbound claim map does: oid arrives as the long objectidentifier
// URI, while appid (v1 tokens) and azp (v2 tokens) have no long form and
// arrive as they are. The short oid is read too, for a principal built
// without the mapping.
var (
	appIDClaims    = []string{"appid", "azp"}
	objectIDClaims = []string{
		"http://schemas.microsoft.com/identity/claims/objectidentifier",
		"oid",
	}
)

// guidRE matches an application or object id. Only such values can be in
// the allow-list, so only they are taken from the principal.
var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-` +
	`[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ClientPrincipal is the caller identity Easy Auth hands to the function:
// the JSON of which X-MS-CLIENT-PRINCIPAL holds the base64.
type ClientPrincipal struct {
	// AuthType is the identity provider, "aad" for Entra ID.
	AuthType string `json:"auth_typ"`
	// Claims are the token's claims, under their mapped types.
	Claims []Claim `json:"claims"`
	// NameType is the claim type holding the caller's name.
	NameType string `json:"name_typ"`
	// RoleType is the claim type holding the caller's roles.
	RoleType string `json:"role_typ"`
}

// Claim is one claim of a [ClientPrincipal].
type Claim struct {
	Type  string `json:"typ"`
	Value string `json:"val"`
}

// ErrPrincipalMalformed reports an X-MS-CLIENT-PRINCIPAL value that is not
// what Easy Auth sends. Errors that wrap it never hold the value.
var ErrPrincipalMalformed = errors.New("server: X-MS-CLIENT-PRINCIPAL is malformed")

// principalError says why a principal is malformed.
type principalError struct{ why string }

func (e *principalError) Error() string { return ErrPrincipalMalformed.Error() + ": " + e.why }

func (e *principalError) Unwrap() error { return ErrPrincipalMalformed }

// wirePrincipal is a [ClientPrincipal] as decoded: pointers tell a missing
// claims array or a null claim from an empty one.
type wirePrincipal struct {
	AuthType string    `json:"auth_typ"`
	Claims   *[]*Claim `json:"claims"`
	NameType string    `json:"name_typ"`
	RoleType string    `json:"role_typ"`
}

// DecodeClientPrincipal decodes an X-MS-CLIENT-PRINCIPAL value strictly:
// padded standard base64 of one JSON object with a claims array whose
// claims each have a type, and nothing after the object. Members Easy Auth
// may add beside the four known ones are ignored. Every error wraps
// [ErrPrincipalMalformed] and says which step failed.
func DecodeClientPrincipal(v string) (ClientPrincipal, error) {
	if len(v) > base64.StdEncoding.EncodedLen(maxPrincipalBytes) {
		return ClientPrincipal{}, &principalError{
			fmt.Sprintf("it is longer than %d bytes", maxPrincipalBytes)}
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil {
		return ClientPrincipal{}, &principalError{"it is not base64"}
	}

	var w wirePrincipal
	dec := json.NewDecoder(bytes.NewReader(raw))
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) || dec.Decode(&w) != nil {
		return ClientPrincipal{}, &principalError{"it does not hold a JSON principal object"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return ClientPrincipal{}, &principalError{"data follows the JSON object"}
	}
	if w.Claims == nil {
		return ClientPrincipal{}, &principalError{"its JSON has no claims array"}
	}

	p := ClientPrincipal{AuthType: w.AuthType, NameType: w.NameType, RoleType: w.RoleType,
		Claims: make([]Claim, 0, len(*w.Claims))}
	for i, c := range *w.Claims {
		if c == nil || c.Type == "" {
			return ClientPrincipal{}, &principalError{fmt.Sprintf("claim %d has no type", i)}
		}
		p.Claims = append(p.Claims, *c)
	}
	return p, nil
}

// Caller is who called, as Easy Auth vouched for it.
type Caller struct {
	// AppID is the caller's application (client) id: the appid or azp
	// claim. Empty when the principal has neither.
	AppID string
	// ObjectID is the object id of the caller's service principal, managed
	// identity or user: the oid claim, else X-MS-CLIENT-PRINCIPAL-ID.
	ObjectID string
	// IDs are every application and object id the caller presented, in
	// lower case, each once.
	IDs []string
}

// NewCaller reads the caller's ids from its principal and the value of
// X-MS-CLIENT-PRINCIPAL-ID. Values that are not GUIDs are not ids.
func NewCaller(p ClientPrincipal, principalID string) Caller {
	var c Caller
	add := func(v string) string {
		v = strings.ToLower(strings.TrimSpace(v))
		if !guidRE.MatchString(v) {
			return ""
		}
		for _, id := range c.IDs {
			if id == v {
				return v
			}
		}
		c.IDs = append(c.IDs, v)
		return v
	}
	for _, cl := range p.Claims {
		switch {
		case hasType(appIDClaims, cl.Type):
			if id := add(cl.Value); c.AppID == "" {
				c.AppID = id
			}
		case hasType(objectIDClaims, cl.Type):
			if id := add(cl.Value); c.ObjectID == "" {
				c.ObjectID = id
			}
		}
	}
	if id := add(principalID); c.ObjectID == "" {
		c.ObjectID = id
	}
	return c
}

func hasType(types []string, t string) bool {
	for _, want := range types {
		if strings.EqualFold(want, t) {
			return true
		}
	}
	return false
}

// describe names the caller's ids for a refusal. Ids are not secrets: the
// admin needs them to extend the allow-list.
func (c Caller) describe() string {
	var parts []string
	if c.AppID != "" {
		parts = append(parts, "application id "+c.AppID)
	}
	if c.ObjectID != "" {
		parts = append(parts, "object id "+c.ObjectID)
	}
	for _, id := range c.IDs {
		if id != c.AppID && id != c.ObjectID {
			parts = append(parts, "id "+id)
		}
	}
	return strings.Join(parts, ", ")
}

// CallerCheck admits the callers an allow-list names, from the headers
// Easy Auth sets. A nil *CallerCheck admits every caller and reads no
// header: that is CALLER_AUTH none.
type CallerCheck struct {
	allowed map[string]bool
}

// NewCallerCheck returns a check that admits the application (client) ids
// and object ids in allowed, compared without regard to case. With none
// allowed, every caller is refused.
func NewCallerCheck(allowed []string) *CallerCheck {
	c := &CallerCheck{allowed: make(map[string]bool, len(allowed))}
	for _, id := range allowed {
		c.allowed[strings.ToLower(strings.TrimSpace(id))] = true
	}
	return c
}

// Check returns the caller of a request with headers h, and the problem to
// answer with when it may not call: 401 caller_not_authenticated when
// X-MS-CLIENT-PRINCIPAL is missing or malformed, 403 caller_not_allowed
// when none of the caller's ids is allowed. The header's value is never
// part of a problem.
func (c *CallerCheck) Check(h http.Header) (Caller, *problem.Problem) {
	if c == nil {
		return Caller{}, nil
	}

	values := h.Values(HeaderClientPrincipal)
	if len(values) == 0 || len(values) == 1 && strings.TrimSpace(values[0]) == "" {
		return Caller{}, problem.New(problem.CallerNotAuthenticated, "The request has no "+
			HeaderClientPrincipal+" header: App Service Authentication did not authenticate "+
			"a caller, or does not run in front of the function.")
	}
	if len(values) > 1 {
		return Caller{}, malformed(HeaderClientPrincipal, "it is given more than once")
	}
	if len(h.Values(HeaderClientPrincipalID)) > 1 {
		return Caller{}, malformed(HeaderClientPrincipalID, "it is given more than once")
	}
	principal, err := DecodeClientPrincipal(strings.TrimSpace(values[0]))
	if err != nil {
		why := "it is not what App Service Authentication sends"
		if pe := (*principalError)(nil); errors.As(err, &pe) {
			why = pe.why
		}
		return Caller{}, malformed(HeaderClientPrincipal, why)
	}

	caller := NewCaller(principal, h.Get(HeaderClientPrincipalID))
	for _, id := range caller.IDs {
		if c.allowed[id] {
			return caller, nil
		}
	}
	if len(caller.IDs) == 0 {
		return caller, problem.New(problem.CallerNotAllowed, "The caller's identity names no "+
			"application id or object id, so ALLOWED_CALLERS cannot admit it.")
	}
	return caller, problem.New(problem.CallerNotAllowed, "The caller ("+caller.describe()+
		") is not in ALLOWED_CALLERS.")
}

// malformed is the problem of an Easy Auth header that is not what Easy
// Auth sends. It never quotes the value.
func malformed(header, why string) *problem.Problem {
	return problem.New(problem.CallerNotAuthenticated, "The "+header+" header is malformed: "+
		why+". Only App Service Authentication may set it.")
}
