package workpoint

import (
	"net/http"
	"slices"
	"strings"
)

const msgDenied = "Authorization has been denied for this request."

// authorize checks the bearer token: it must verify, be meant for one of the
// configured audiences, come from the configured tenant and carry the app
// role. On failure it has already answered 401 or 403.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		denied(w)
		return false
	}
	claims, err := s.verifier.Verify(token)
	if err != nil {
		denied(w)
		return false
	}

	aud, _ := claims.GetAudience()
	audOK := slices.ContainsFunc(aud, func(a string) bool {
		return slices.ContainsFunc(s.cfg.Audiences, func(want string) bool {
			return strings.EqualFold(a, want)
		})
	})
	tid, _ := claims["tid"].(string)
	tidOK := tid != "" && (s.cfg.TenantID == "" || strings.EqualFold(tid, s.cfg.TenantID))
	if !audOK || !tidOK {
		denied(w)
		return false
	}

	// Whether the real API answers a token without the role with 401 or 403
	// is not published; 403 with the role's name tells an admin what to fix.
	if !hasRole(claims["roles"], s.cfg.Role) {
		writeMessage(w, http.StatusForbidden,
			"The application does not have the "+s.cfg.Role+" role.")
		return false
	}
	return true
}

// denied answers 401 as Web API's bearer authentication does.
func denied(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	writeMessage(w, http.StatusUnauthorized, msgDenied)
}

// hasRole reports whether a roles claim (an array of strings) holds role.
// Role values are compared exactly, as Entra issues them.
func hasRole(claim any, role string) bool {
	switch roles := claim.(type) {
	case []string:
		return slices.Contains(roles, role)
	case []any:
		return slices.Contains(roles, any(role))
	}
	return false
}
