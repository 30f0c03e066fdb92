package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// apiVersion is the only API version the App Service endpoint answers.
const apiVersion = "2019-08-01"

// headerName is the header that must carry IDENTITY_HEADER's value.
const headerName = "X-IDENTITY-HEADER"

// answer is the body of a successful token response. Exactly one of
// ExpiresOn and ExpiresIn is set.
type answer struct {
	AccessToken string `json:"access_token"`
	ExpiresOn   any    `json:"expires_on,omitempty"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
	Resource    string `json:"resource"`
	TokenType   string `json:"token_type"`
	ClientID    string `json:"client_id"`
}

// platformError is the body the platform sends for a request it refuses.
type platformError struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

// ServeHTTP serves the token endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()

	if f, ok := s.faults.Next(); ok && f.Apply(w, r) {
		return
	}
	if !strings.EqualFold(strings.TrimSuffix(r.URL.Path, "/"), Path) {
		http.Error(w, "identity: no endpoint at "+r.URL.Path, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "identity: the token endpoint answers GET only",
			http.StatusMethodNotAllowed)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(headerName)), []byte(s.header)) != 1 {
		writeJSON(w, http.StatusUnauthorized, platformError{http.StatusUnauthorized,
			"Unauthorized: the " + headerName + " header is missing or does not match " +
				"IDENTITY_HEADER."})
		return
	}

	q := r.URL.Query()
	if e := checkAPIVersion(r, q.Get("api-version")); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	resource := q.Get("resource")
	if resource == "" {
		writeJSON(w, http.StatusBadRequest, platformError{http.StatusBadRequest,
			"Required query parameter 'resource' is missing."})
		return
	}
	id, msg := s.selectIdentity(q)
	if msg != "" {
		writeJSON(w, http.StatusBadRequest, platformError{http.StatusBadRequest, msg})
		return
	}

	a, err := s.issue(id, resource)
	if err != nil {
		http.Error(w, "identity: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// checkAPIVersion returns the versioning error for a request without the
// supported api-version, or nil.
func checkAPIVersion(r *http.Request, v string) any {
	type detail struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError any    `json:"innerError"`
	}
	type body struct {
		Error detail `json:"error"`
	}

	switch v {
	case apiVersion:
		return nil
	case "":
		return body{detail{"ApiVersionUnspecified",
			"An API version is required, but was not specified.", nil}}
	}
	uri := "http://" + r.Host + r.URL.RequestURI()
	return body{detail{"UnsupportedApiVersion", fmt.Sprintf("The HTTP resource that matches "+
		"the request URI '%s' does not support the API version '%s'.", uri, v), nil}}
}

// selectIdentity returns the identity a request asks for, or the message of
// the platform's refusal.
func (s *Server) selectIdentity(q url.Values) (identity, string) {
	const notFound = "No User Assigned or Delegated Managed Identity found for specified " +
		"ClientId/ResourceId/PrincipalId."

	var key, value string
	for _, k := range []string{"client_id", "object_id", "mi_res_id"} {
		if v := q.Get(k); v != "" {
			if key != "" {
				return identity{}, "Only one of client_id, object_id and mi_res_id may be " +
					"specified."
			}
			key, value = k, v
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	if key == "" {
		if !s.systemOn {
			return identity{}, "No system assigned managed identity is enabled for this " +
				"app. Enable it, or specify a user assigned identity."
		}
		return s.system, ""
	}
	for _, u := range s.users {
		if strings.EqualFold(u.selector(key), value) {
			return u, ""
		}
	}
	return identity{}, notFound
}

// selector returns the identity's value for a selecting query parameter.
func (id identity) selector(key string) string {
	switch key {
	case "client_id":
		return id.clientID
	case "object_id":
		return id.principalID
	case "mi_res_id":
		return id.resourceID
	}
	return ""
}

// issue mints a token of id for resource.
func (s *Server) issue(id identity, resource string) (answer, error) {
	s.mu.Lock()
	lifetime, form := s.lifetime, s.form
	s.mu.Unlock()

	now := time.Now()
	exp := now.Add(lifetime)
	issuer := "https://sts.windows.net/" + s.tenantID + "/"
	token, err := s.issuer.Mint(jwt.MapClaims{
		"aud":       resource,
		"iss":       issuer,
		"iat":       now.Unix(),
		"nbf":       now.Unix(),
		"exp":       exp.Unix(),
		"appid":     id.clientID,
		"appidacr":  "2",
		"idp":       issuer,
		"idtyp":     "app",
		"oid":       id.principalID,
		"sub":       id.principalID,
		"tid":       s.tenantID,
		"uti":       tokenID(),
		"ver":       "1.0",
		"xms_mirid": id.resourceID,
	})
	if err != nil {
		return answer{}, err
	}

	a := answer{AccessToken: token, Resource: resource, TokenType: "Bearer",
		ClientID: id.clientID}
	switch form {
	case ExpiresOnNumber:
		a.ExpiresOn = exp.Unix()
	case ExpiresInOnly:
		a.ExpiresIn = int(lifetime / time.Second)
	case ExpiresOnRFC3339:
		a.ExpiresOn = exp.UTC().Format(time.RFC3339)
	default:
		a.ExpiresOn = strconv.FormatInt(exp.Unix(), 10)
	}
	return a, nil
}

// writeJSON sends v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "identity: encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// tokenID returns a random unique token identifier (uti).
func tokenID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
