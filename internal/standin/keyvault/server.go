// Package keyvault is a local stand-in for the secrets part of the Azure Key
// Vault data plane, faithful enough for the real azsecrets client.
//
// A [Server] is an http.Handler that answers for every
// <vault>.vault.azure.net host: the vault is named by the first label of the
// request's Host. It behaves like Key Vault where a client can tell:
//
//   - a request without a bearer token gets the 401 challenge that names the
//     tenant's authority and the https://vault.azure.net resource;
//   - the token is verified (signature, lifetime, audience, tenant) and
//     rejected with Key Vault's AKV error messages;
//   - the caller (the token's oid claim) needs a role assignment, as with a
//     vault that uses Azure RBAC, unless a [Deny] forces another 403;
//   - secrets have versions and attributes; a disabled version is refused,
//     while expired or not-yet-valid ones are returned, as Key Vault does.
//
// Test switches ([Server.InjectFault]) make secret reads fail with a status,
// stall, or lose their connection, and counters ([Server.Reads],
// [Server.Challenges]) show how often a client really called.
//
// Only TLS clients can use it, as with the real service: the azsecrets client
// refuses to send a token over plain HTTP. Serve it with httptest.NewTLSServer
// or behind a TLS-terminating proxy.
package keyvault

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/standin/fault"
)

// Verifier checks a bearer token's signature and lifetime and returns its
// claims. The stand-in token issuer satisfies it.
type Verifier interface {
	Verify(token string) (jwt.MapClaims, error)
}

// Attributes are the settings of one secret version.
//
// The zero value is an enabled version with no validity window, no content
// type and no tags.
type Attributes struct {
	// Disabled makes reads of the version fail with 403 SecretDisabled.
	Disabled bool

	// NotBefore and Expires are reported as nbf and exp. Like Key Vault, the
	// stand-in does not enforce them: a read outside the window succeeds.
	NotBefore, Expires *time.Time

	// ContentType and Tags are properties Key Vault reports beside the
	// attributes. They are set here so one call describes a version.
	ContentType string
	Tags        map[string]string
}

// Server is the Key Vault stand-in. Create it with [New]; it is safe for
// concurrent use, and its setters may be called while it serves.
type Server struct {
	tenantID string
	verifier Verifier

	mu     sync.Mutex
	vaults map[string]*vault // by lower-case vault name
	faults fault.Queue[Fault]

	reads      atomic.Int64
	challenges atomic.Int64
}

type vault struct {
	name    string
	deny    Deny
	grants  map[string]bool    // lower-case principal ids
	secrets map[string]*secret // by lower-case secret name
}

type secret struct {
	name     string
	versions []*version // in creation order; the last one is the latest
}

type version struct {
	id      string
	value   string
	attrs   Attributes
	created time.Time
	updated time.Time
}

// New returns a server whose vaults all belong to the Entra tenant tenantID
// and which checks bearer tokens with v. It has no vaults until
// [Server.AddVault] or [Server.SetSecret] adds one.
func New(tenantID string, v Verifier) *Server {
	return &Server{tenantID: tenantID, verifier: v, vaults: map[string]*vault{}}
}

// AddVault adds an empty vault, reached at https://<name>.vault.azure.net.
// Adding a vault that exists changes nothing.
func (s *Server) AddVault(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vaultLocked(name)
}

// HasVault reports whether the vault exists, so a proxy can refuse to connect
// to an unknown vault host the way DNS would.
func (s *Server) HasVault(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.vaults[strings.ToLower(name)]
	return ok
}

// GrantSecretsUser assigns the principal (an object id, the token's oid
// claim) the Key Vault Secrets User role on the vault, adding the vault if
// needed.
func (s *Server) GrantSecretsUser(vaultName, principalID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vaultLocked(vaultName).grants[strings.ToLower(principalID)] = true
}

// Revoke removes the principal's role assignment on the vault, if any.
func (s *Server) Revoke(vaultName, principalID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.vaults[strings.ToLower(vaultName)]; ok {
		delete(v.grants, strings.ToLower(principalID))
	}
}

// SetSecret adds a new version of the secret, which becomes its latest
// version, and returns the version id (32 lower-case hex digits). The vault
// and the secret are added if needed. Secret names, like vault names, match
// case-insensitively.
func (s *Server) SetSecret(vaultName, name, value string, a Attributes) string {
	now := time.Now().UTC().Truncate(time.Second)
	ver := &version{id: newVersionID(), value: value, attrs: copyAttributes(a), created: now,
		updated: now}

	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vaultLocked(vaultName)
	sec, ok := v.secrets[strings.ToLower(name)]
	if !ok {
		sec = &secret{name: name}
		v.secrets[strings.ToLower(name)] = sec
	}
	sec.versions = append(sec.versions, ver)
	return ver.id
}

// SetVersionEnabled enables or disables one version of a secret and reports
// whether that version exists.
func (s *Server) SetVersionEnabled(vaultName, name, versionID string, enabled bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ver := s.versionLocked(vaultName, name, versionID)
	if ver == nil {
		return false
	}
	ver.attrs.Disabled = !enabled
	ver.updated = time.Now().UTC().Truncate(time.Second)
	return true
}

// SetDeny makes every secret read of the vault fail with the 403 that d
// names, whatever the caller's role assignments; [DenyNone] restores normal
// checks. The vault is added if needed.
func (s *Server) SetDeny(vaultName string, d Deny) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vaultLocked(vaultName).deny = d
}

// Reads returns how many GET requests for a secret or its versions carried a
// valid token, whatever their answer.
func (s *Server) Reads() int { return int(s.reads.Load()) }

// Challenges returns how many 401 answers, each with a WWW-Authenticate
// challenge, the server has sent.
func (s *Server) Challenges() int { return int(s.challenges.Load()) }

// vaultLocked returns the named vault, adding it if needed. s.mu must be held.
func (s *Server) vaultLocked(name string) *vault {
	key := strings.ToLower(name)
	v, ok := s.vaults[key]
	if !ok {
		v = &vault{name: key, grants: map[string]bool{}, secrets: map[string]*secret{}}
		s.vaults[key] = v
	}
	return v
}

// versionLocked finds one version, or the latest if versionID is empty. It
// returns nil if the vault, secret or version does not exist. s.mu must be
// held.
func (s *Server) versionLocked(vaultName, name, versionID string) *version {
	v, ok := s.vaults[strings.ToLower(vaultName)]
	if !ok {
		return nil
	}
	sec, ok := v.secrets[strings.ToLower(name)]
	if !ok || len(sec.versions) == 0 {
		return nil
	}
	if versionID == "" {
		return sec.versions[len(sec.versions)-1]
	}
	for _, ver := range sec.versions {
		if strings.EqualFold(ver.id, versionID) {
			return ver
		}
	}
	return nil
}

// vaultName returns the first label of host, without any port.
func vaultName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	name, _, _ := strings.Cut(host, ".")
	return strings.ToLower(name)
}

func newVersionID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails; see crypto/rand.Read
	return hex.EncodeToString(b)
}

func copyAttributes(a Attributes) Attributes {
	c := a
	if a.NotBefore != nil {
		t := a.NotBefore.UTC()
		c.NotBefore = &t
	}
	if a.Expires != nil {
		t := a.Expires.UTC()
		c.Expires = &t
	}
	if a.Tags != nil {
		c.Tags = make(map[string]string, len(a.Tags))
		for k, v := range a.Tags {
			c.Tags[k] = v
		}
	}
	return c
}
