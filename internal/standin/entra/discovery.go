package entra

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// cloudAliases are the host names of Entra ID's public cloud, the first one
// preferred.
var cloudAliases = []string{
	"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net",
}

// multiTenant names the tenant-independent authorities.
var multiTenant = map[string]bool{"common": true, "organizations": true, "consumers": true}

// ServeHTTP serves Entra ID's discovery and token endpoints. Paths start
// with the tenant, named by ID, by domain, or as "common".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tenant, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	get := r.Method == http.MethodGet
	switch {
	case rest == "oauth2/v2.0/token":
		s.handleToken(w, r, tenant)
	case get && rest == "discovery/instance":
		s.handleInstanceDiscovery(w, r)
	case get && rest == "v2.0/.well-known/openid-configuration":
		s.handleOpenIDConfiguration(w, r, tenant)
	case get && (rest == "discovery/v2.0/keys" || rest == "discovery/keys"):
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(s.issuer.JWKS())
	default:
		http.Error(w, "entra: the stand-in does not serve "+r.Method+" "+r.URL.Path,
			http.StatusNotFound)
	}
}

// handleInstanceDiscovery answers MSAL's instance discovery: the aliases of
// the cloud and where the tenant's OpenID configuration is.
func (s *Server) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.instReqs++
	s.mu.Unlock()

	host, tenant := hostOf(r), "common"
	if raw := r.URL.Query().Get("authorization_endpoint"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || !knownHost(u.Host, host) {
			writeError(w, r, &stsError{http.StatusBadRequest, "invalid_instance", 50049,
				"Unknown or invalid instance."})
			return
		}
		if seg := strings.Split(strings.Trim(u.Path, "/"), "/"); seg[0] != "" {
			tenant = seg[0]
		}
	}

	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": "https://" + host + "/" + tenant +
			"/v2.0/.well-known/openid-configuration",
		"api-version": "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host,
			"preferred_cache":   preferredCache(host),
			"aliases":           aliasesOf(host),
		}},
	})
}

// knownHost reports whether host is one of the cloud's names or the one the
// stand-in was reached under.
func knownHost(host, self string) bool {
	return strings.EqualFold(host, self) || slices.Contains(cloudAliases, strings.ToLower(host))
}

// aliasesOf lists the names of the cloud that host belongs to.
func aliasesOf(host string) []string {
	if slices.Contains(cloudAliases, host) {
		return cloudAliases
	}
	return []string{host}
}

// preferredCache is the alias under which MSAL files tokens for host, as
// Entra's own metadata names it.
func preferredCache(host string) string {
	if slices.Contains(cloudAliases, host) {
		return "login.windows.net"
	}
	return host
}

// handleOpenIDConfiguration answers OpenID Connect discovery for a tenant
// named by ID or domain. MSAL reads token_endpoint, authorization_endpoint
// and issuer from it; an unknown tenant fails here, before any token request.
func (s *Server) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	s.oidcReqs++
	t, e := s.resolveTenant(name, "invalid_tenant")
	s.mu.Unlock()

	if e != nil {
		writeError(w, r, e)
		return
	}
	// A multi-tenant authority keeps its name in the endpoints; its issuer
	// holds a placeholder for the tenant of each token.
	id, issuerID := strings.ToLower(name), "{tenantid}"
	if t != nil {
		id, issuerID = t.id, t.id
	}

	base := "https://" + hostOf(r) + "/" + id
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint": base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{
			"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported": []string{
			"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                []string{"openid", "profile", "email", "offline_access"},
		"issuer":                          "https://" + hostOf(r) + "/" + issuerID + "/v2.0",
		"request_uri_parameter_supported": false,
		"userinfo_endpoint":               "https://graph.microsoft.com/oidc/userinfo",
		"authorization_endpoint":          base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":   base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":            base + "/oauth2/v2.0/logout",
		"http_logout_supported":           true,
		"frontchannel_logout_supported":   true,
		"cloud_instance_name":             "microsoftonline.com",
		"cloud_graph_host_name":           "graph.windows.net",
		"msgraph_host":                    "graph.microsoft.com",
	})
}

// resolveTenant finds the tenant a path names by ID or domain. For a
// multi-tenant authority such as "common" it returns neither tenant nor
// error. oauth is the OAuth error code to use when the tenant is unknown,
// which differs between discovery and the token endpoint. The caller holds
// s.mu.
func (s *Server) resolveTenant(name, oauth string) (*tenant, *stsError) {
	key := strings.ToLower(name)
	switch {
	case multiTenant[key]:
		return nil, nil
	case isGUID(name):
		if t, ok := s.tenants[key]; ok {
			return t, nil
		}
	case strings.Contains(name, "."):
		if t, ok := s.domains[key]; ok {
			return t, nil
		}
	default:
		return nil, errTenantInvalid(oauth, name)
	}
	return nil, errTenantNotFound(oauth, name)
}
