package entra

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionType is the only client_assertion_type Entra accepts.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxFormBytes caps the size of a token request body.
const maxFormBytes = 64 << 10

// oidcScopes are the scopes MSAL adds to every token request; they may
// accompany the one resource scope.
var oidcScopes = map[string]bool{"openid": true, "offline_access": true, "profile": true}

// grant is what a successful token request is granted.
type grant struct {
	tenantID    string
	clientID    string
	principalID string
	audience    string // the resource as the client named it
	acr         string // "1" for a secret, "2" for an assertion
	roles       []string
	lifetime    time.Duration
}

// tokenAnswer is the body of a successful token response.
type tokenAnswer struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// handleToken serves the v2.0 token endpoint for the client credentials
// grant.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, tenantName string) {
	s.mu.Lock()
	s.tokenReqs++
	s.mu.Unlock()

	if f, ok := s.faults.Next(); ok && f.Apply(w, r) {
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, r, errPostOnly(r.Method))
		return
	}

	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "entra: read token request: "+err.Error(), http.StatusBadRequest)
		return
	}
	form := r.PostForm
	if id, secret, ok := basicCredentials(r); ok {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}

	g, e := s.authorize(form, tenantName)
	if e != nil {
		writeError(w, r, e)
		return
	}
	token, err := s.issuer.Mint(g.claims(time.Now()))
	if err != nil {
		http.Error(w, "entra: "+err.Error(), http.StatusInternalServerError)
		return
	}

	seconds := int(g.lifetime / time.Second)
	writeJSON(w, http.StatusOK, tokenAnswer{"Bearer", seconds, seconds, token})
}

// basicCredentials reads client_secret_basic authentication, whose parts are
// form-encoded.
func basicCredentials(r *http.Request) (id, secret string, ok bool) {
	rawID, rawSecret, ok := r.BasicAuth()
	if !ok {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	return id, secret, err1 == nil && err2 == nil
}

// authorize checks a token request against the directory, in the order
// Entra reports problems: tenant, request, app, credential, service
// principal, scope, resource, role assignment.
func (s *Server) authorize(form url.Values, tenantName string) (*grant, *stsError) {
	s.mu.Lock()
	defer s.mu.Unlock()

	t, e := s.resolveTenant(tenantName, "invalid_request")
	if e != nil {
		return nil, e
	}
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		return nil, errMissingParameter("grant_type")
	default:
		return nil, errGrantType(gt)
	}
	clientID := form.Get("client_id")
	if clientID == "" {
		return nil, errMissingParameter("client_id")
	}
	if t == nil {
		return nil, errCommonTenant(clientID)
	}

	a, ok := s.apps[strings.ToLower(clientID)]
	if !ok || a.tenant != t {
		return nil, errAppNotFound(clientID, t)
	}
	acr, e := s.authenticate(a, form)
	if e != nil {
		return nil, e
	}
	if !a.hasSP {
		return nil, errNoServicePrincipal(a.ClientID, t)
	}

	audience, e := parseScope(form.Get("scope"))
	if e != nil {
		return nil, e
	}
	res := t.resource(audience)
	if res == nil {
		return nil, errResourceNotFound(audience, t)
	}
	roles := a.roles[res]
	if len(roles) == 0 && res.AssignmentRequired {
		return nil, errNotAssigned(a, res)
	}

	return &grant{
		tenantID:    t.id,
		clientID:    a.ClientID,
		principalID: a.PrincipalID,
		audience:    audience,
		acr:         acr,
		roles:       slices.Clone(roles),
		lifetime:    s.lifetime,
	}, nil
}

// authenticate checks the client secret or client assertion in the form and
// returns the authentication class reported as appidacr.
func (s *Server) authenticate(a *app, form url.Values) (string, *stsError) {
	if secret := form.Get("client_secret"); secret != "" {
		return "1", checkSecret(a, secret)
	}
	if assertion := form.Get("client_assertion"); assertion != "" {
		return "2", s.checkAssertion(a, form.Get("client_assertion_type"), assertion)
	}
	return "", errNoCredential()
}

// checkSecret finds the secret among the app's and checks it has not
// expired.
func checkSecret(a *app, value string) *stsError {
	for _, sec := range a.secrets {
		if subtle.ConstantTimeCompare([]byte(sec.Value), []byte(value)) != 1 {
			continue
		}
		if !sec.Expires.IsZero() && !time.Now().Before(sec.Expires) {
			return errSecretExpired(a.ClientID)
		}
		return nil
	}
	return errSecretInvalid(a.ClientID)
}

// checkAssertion accepts a token of the stand-ins' issuer, from the app's
// tenant, for [ExchangeAudience], whose subject or object ID is one of the
// app's federated credentials.
func (s *Server) checkAssertion(a *app, typ, assertion string) *stsError {
	if typ != assertionType {
		return errAssertionType()
	}
	claims, err := s.issuer.Verify(assertion)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return errAssertionTime()
	case err != nil:
		return errAssertionSignature()
	}

	iss, _ := claims.GetIssuer()
	sub, _ := claims.GetSubject()
	aud, _ := claims.GetAudience()
	oid, _ := claims["oid"].(string)
	if !slices.Contains(aud, ExchangeAudience) || !tenantIssuer(iss, a.tenant.id) {
		return errNoFederatedRecord(iss, sub, strings.Join(aud, " "))
	}
	if !slices.Contains(a.federated, sub) && (oid == "" || !slices.Contains(a.federated, oid)) {
		return errNoFederatedSubject(sub)
	}
	return nil
}

// tenantIssuer reports whether iss is one of Entra's issuer names for the
// tenant (v1.0 or v2.0).
func tenantIssuer(iss, tenantID string) bool {
	iss = strings.ToLower(iss)
	return iss == "https://sts.windows.net/"+tenantID+"/" ||
		iss == "https://login.microsoftonline.com/"+tenantID+"/v2.0"
}

// parseScope returns the resource of a client credentials scope: exactly
// one "<resource>/.default", optionally with MSAL's OpenID scopes.
func parseScope(scope string) (string, *stsError) {
	var rest []string
	for _, f := range strings.Fields(scope) {
		if !oidcScopes[f] {
			rest = append(rest, f)
		}
	}
	switch {
	case strings.TrimSpace(scope) == "":
		return "", errScopeMissing()
	case len(rest) != 1:
		return "", errScopeInvalid(scope)
	}
	resource, ok := strings.CutSuffix(rest[0], "/.default")
	if !ok || resource == "" {
		return "", errScopeNotDefault(rest[0])
	}
	return resource, nil
}

// claims returns the access token claims of g, issued at now, in the
// v1.0 form Entra uses for app-only tokens.
func (g *grant) claims(now time.Time) jwt.MapClaims {
	issuer := "https://sts.windows.net/" + g.tenantID + "/"
	c := jwt.MapClaims{
		"aud":      g.audience,
		"iss":      issuer,
		"iat":      now.Unix(),
		"nbf":      now.Unix(),
		"exp":      now.Add(g.lifetime).Unix(),
		"appid":    g.clientID,
		"appidacr": g.acr,
		"azp":      g.clientID,
		"idp":      issuer,
		"idtyp":    "app",
		"oid":      g.principalID,
		"sub":      g.principalID,
		"tid":      g.tenantID,
		"uti":      tokenID(),
		"ver":      "1.0",
	}
	if len(g.roles) > 0 {
		c["roles"] = g.roles
	}
	return c
}

// tokenID returns a random unique token identifier (uti).
func tokenID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
