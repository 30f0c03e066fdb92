package keyvault

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// RBAC data actions that the Key Vault Secrets User role grants.
const (
	actionGetSecret    = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
	actionReadMetadata = "Microsoft.KeyVault/vaults/secrets/readMetadata/action"
)

// Key Vault's soft-delete settings, reported in every attributes object.
const (
	recoveryLevel   = "Recoverable+Purgeable"
	recoverableDays = 90
)

type secretBundle struct {
	Value       *string           `json:"value,omitempty"`
	ID          string            `json:"id"`
	ContentType string            `json:"contentType,omitempty"`
	Attributes  attributesJSON    `json:"attributes"`
	Tags        map[string]string `json:"tags,omitempty"`
}

type attributesJSON struct {
	Enabled         bool   `json:"enabled"`
	NotBefore       *int64 `json:"nbf,omitempty"`
	Expires         *int64 `json:"exp,omitempty"`
	Created         int64  `json:"created"`
	Updated         int64  `json:"updated"`
	RecoveryLevel   string `json:"recoveryLevel"`
	RecoverableDays int    `json:"recoverableDays"`
}

type versionList struct {
	Value    []secretBundle `json:"value"`
	NextLink *string        `json:"nextLink"`
}

// ServeHTTP answers a Key Vault secrets request. The steps follow the
// service: the vault must exist, the token must be valid, and only then are
// faults, denials, role assignments and the secret itself considered.
//
// A request for a vault that does not exist loses its connection without an
// answer, as a client of an unknown vault host fails to connect.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := vaultName(r.Host)
	if !s.HasVault(name) {
		dropConnection(w)
		return
	}

	claims, ok := s.authenticate(w, r)
	if !ok {
		return
	}

	secretName, versionID, list, ok := parseSecretPath(r.URL.Path)
	if !ok {
		writeError(w, r, http.StatusNotFound, "NotFound",
			fmt.Sprintf("The stand-in serves only /secrets/ paths, not %q.", r.URL.Path), "")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, r, http.StatusMethodNotAllowed, "BadParameter", fmt.Sprintf(
			"The requested resource does not support http method '%s'.", r.Method), "")
		return
	}

	s.reads.Add(1)
	if !s.applyFault(w, r) {
		return
	}

	view := &vaultView{name: name, secretName: secretName, claims: claims}
	if list {
		s.handleListVersions(w, r, view)
		return
	}
	s.handleGetSecret(w, r, view, versionID)
}

// parseSecretPath splits /secrets/{name}[/], /secrets/{name}/{version}[/]
// and /secrets/{name}/versions.
func parseSecretPath(path string) (name, versionID string, list, ok bool) {
	segs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/"), "/")
	if segs[0] != "secrets" || len(segs) < 2 || len(segs) > 3 || segs[1] == "" {
		return "", "", false, false
	}
	if len(segs) == 2 {
		return segs[1], "", false, true
	}
	if segs[2] == "versions" {
		return segs[1], "", true, true
	}
	return segs[1], segs[2], false, true
}

// handleGetSecret answers GET /secrets/{name}/[{version}].
func (s *Server) handleGetSecret(w http.ResponseWriter, r *http.Request, view *vaultView,
	versionID string) {
	s.mu.Lock()
	deny, granted := s.accessLocked(view)
	if deny != DenyNone || !granted {
		s.mu.Unlock()
		forbidden(w, r, deny, view, actionGetSecret)
		return
	}
	ver := s.versionLocked(view.name, view.secretName, versionID)
	var bundle secretBundle
	if ver != nil {
		bundle = s.bundleLocked(r, view, ver, true)
	}
	s.mu.Unlock()

	switch {
	case ver == nil:
		secretNotFound(w, r, view.secretName)
	case !bundle.Attributes.Enabled:
		secretDisabled(w, r)
	default:
		writeJSON(w, r, http.StatusOK, bundle)
	}
}

// handleListVersions answers GET /secrets/{name}/versions with every version
// in one page, without values. A secret that does not exist has no versions.
func (s *Server) handleListVersions(w http.ResponseWriter, r *http.Request, view *vaultView) {
	s.mu.Lock()
	deny, granted := s.accessLocked(view)
	if deny != DenyNone || !granted {
		s.mu.Unlock()
		forbidden(w, r, deny, view, actionReadMetadata)
		return
	}
	list := versionList{Value: []secretBundle{}}
	if sec, ok := s.vaults[view.name].secrets[strings.ToLower(view.secretName)]; ok {
		for _, ver := range sec.versions {
			list.Value = append(list.Value, s.bundleLocked(r, view, ver, false))
		}
	}
	s.mu.Unlock()

	writeJSON(w, r, http.StatusOK, list)
}

// accessLocked returns the vault's forced denial and whether the caller holds
// a role assignment on it. s.mu must be held.
func (s *Server) accessLocked(view *vaultView) (Deny, bool) {
	v := s.vaults[view.name]
	oid, _ := view.claims["oid"].(string)
	return v.deny, oid != "" && v.grants[strings.ToLower(oid)]
}

// bundleLocked renders one version; withValue adds the secret's value.
// s.mu must be held.
func (s *Server) bundleLocked(r *http.Request, view *vaultView, ver *version,
	withValue bool) secretBundle {
	name := s.vaults[view.name].secrets[strings.ToLower(view.secretName)].name
	b := secretBundle{
		ID:          fmt.Sprintf("https://%s/secrets/%s/%s", r.Host, name, ver.id),
		ContentType: ver.attrs.ContentType,
		Attributes: attributesJSON{
			Enabled:         !ver.attrs.Disabled,
			NotBefore:       unixSeconds(ver.attrs.NotBefore),
			Expires:         unixSeconds(ver.attrs.Expires),
			Created:         ver.created.Unix(),
			Updated:         ver.updated.Unix(),
			RecoveryLevel:   recoveryLevel,
			RecoverableDays: recoverableDays,
		},
		Tags: copyAttributes(Attributes{Tags: ver.attrs.Tags}).Tags,
	}
	if withValue {
		value := ver.value
		b.Value = &value
	}
	return b
}

func unixSeconds(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	u := t.Unix()
	return &u
}
