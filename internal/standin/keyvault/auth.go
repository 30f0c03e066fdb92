package keyvault

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// The audiences Key Vault accepts: its resource URI (with or without a
// trailing slash, as token issuers differ) and its well-known application id.
var vaultAudiences = []string{
	"https://vault.azure.net",
	"https://vault.azure.net/",
	"cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
}

// Messages of the 401 answers, as Key Vault words them.
const (
	msgMissingToken = "AKV10000: Request is missing a Bearer or PoP token."
	msgExpiredToken = "[TokenExpired] Error validating token: 'S2S12086'."
	msgBadSignature = "AKV10046: Unable to resolve the key used for signature validation."
)

// authenticate checks the request's bearer token and returns its claims. On
// failure it has already answered 401 with a challenge.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (jwt.MapClaims, bool) {
	token, ok := bearerToken(r)
	if !ok {
		s.challenge(w, r, msgMissingToken)
		return nil, false
	}

	claims, err := s.verifier.Verify(token)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		s.challenge(w, r, msgExpiredToken)
		return nil, false
	case err != nil:
		s.challenge(w, r, msgBadSignature)
		return nil, false
	}

	if msg := s.checkClaims(claims); msg != "" {
		s.challenge(w, r, msg)
		return nil, false
	}
	return claims, true
}

// checkClaims returns the 401 message for a token meant for another audience
// or tenant, or "" if the token is for this vault.
func (s *Server) checkClaims(claims jwt.MapClaims) string {
	aud, _ := claims.GetAudience()
	if !anyIn(aud, vaultAudiences) {
		return fmt.Sprintf("AKV10022: Invalid audience. Expected %s, found: %s.",
			vaultAudiences[0], strings.Join(aud, ", "))
	}

	if tid, _ := claims["tid"].(string); !strings.EqualFold(tid, s.tenantID) {
		found, _ := claims.GetIssuer()
		if found == "" {
			found = stsIssuer(tid)
		}
		return fmt.Sprintf("AKV10032: Invalid issuer. Expected one of %s, found %s.",
			stsIssuer(s.tenantID), found)
	}
	return ""
}

// challenge answers 401 with Key Vault's WWW-Authenticate challenge, which
// tells a client the authority and resource to get a token for.
func (s *Server) challenge(w http.ResponseWriter, r *http.Request, msg string) {
	s.challenges.Add(1)
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(
		`Bearer authorization="https://login.microsoftonline.com/%s", resource="%s"`,
		s.tenantID, vaultAudiences[0]))
	writeError(w, r, http.StatusUnauthorized, "Unauthorized", msg, "")
}

// bearerToken returns the token of an "Authorization: Bearer" header. The
// scheme matches case-insensitively.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// caller describes the token's principal the way Key Vault's 403 messages do.
func caller(claims jwt.MapClaims) string {
	appID, _ := claims["appid"].(string)
	if appID == "" {
		appID, _ = claims["azp"].(string)
	}
	oid, _ := claims["oid"].(string)
	tid, _ := claims["tid"].(string)
	return fmt.Sprintf("appid=%s;oid=%s;iss=%s", appID, oid, stsIssuer(tid))
}

func stsIssuer(tenantID string) string {
	return "https://sts.windows.net/" + tenantID + "/"
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}
