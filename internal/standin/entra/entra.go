// Package entra is the Entra ID stand-in: the part of login.microsoftonline.com
// that an app uses for app-only tokens.
//
// It serves instance discovery, OpenID Connect discovery, the signing keys
// and the v2.0 token endpoint with the client credentials grant (client
// secret or federated client assertion), for a directory of tenants, app
// registrations and APIs configured through the Server's methods. Tokens are
// JWTs signed by a [tokens.Issuer]; failures carry the error bodies and AADSTS
// codes Entra ID sends, so that MSAL and azidentity treat them as they would
// the real ones.
package entra

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"projectsync/internal/standin/fault"
	"projectsync/internal/standin/tokens"
)

// DefaultTokenLifetime is the lifetime of an access token until
// [Server.SetTokenLifetime] changes it. Entra reports it as expires_in 3599.
const DefaultTokenLifetime = 3599 * time.Second

// ExchangeAudience is the audience a client assertion must carry to be
// exchanged against an app's federated identity credential.
const ExchangeAudience = "api://AzureADTokenExchange"

// Fault describes how a token request fails on purpose; see
// [Server.InjectFault].
type Fault = fault.Fault

// Secret is a client secret (a password credential) of an app registration.
type Secret struct {
	// Value is the secret text a client sends as client_secret.
	Value string

	// Expires is when Entra stops accepting the secret. The zero value means
	// it never expires.
	Expires time.Time
}

// App describes an app registration.
type App struct {
	// ClientID is the application (client) ID, a GUID. Required.
	ClientID string

	// Name is the display name shown in error descriptions. If empty, the
	// client ID is used.
	Name string

	// PrincipalID is the object ID of the app's service principal in its
	// tenant, sent as oid and sub. If empty, a random GUID is used.
	PrincipalID string
}

// Resource describes an API that apps ask tokens for.
type Resource struct {
	// Audience is the API's application ID URI, such as
	// "https://vault.azure.net". Required.
	Audience string

	// AppID is the API's application ID, which a client may use in its scope
	// instead of the Audience. Optional.
	AppID string

	// Name is the display name shown in error descriptions. If empty, the
	// Audience is used.
	Name string

	// AssignmentRequired mirrors "Assignment required?" on the API's
	// enterprise application: an app that holds none of its roles gets
	// AADSTS501051 instead of a token without roles.
	AssignmentRequired bool
}

// Server is the Entra ID stand-in, an http.Handler for the host
// login.microsoftonline.com. Its methods configure the directory; all of
// them are safe for concurrent use, also while requests are served.
type Server struct {
	issuer *tokens.Issuer
	faults fault.Queue[Fault]

	mu        sync.Mutex
	tenants   map[string]*tenant // by lower-case tenant ID
	domains   map[string]*tenant // by lower-case domain name
	apps      map[string]*app    // by lower-case client ID
	lifetime  time.Duration
	tokenReqs int
	oidcReqs  int
	instReqs  int
}

type tenant struct {
	id        string
	domains   []string
	resources []*Resource
}

// name is how error descriptions name the tenant.
func (t *tenant) name() string {
	if len(t.domains) > 0 {
		return t.domains[0]
	}
	return t.id
}

// resource finds the API named id (its audience or app ID, ignoring case and
// a trailing slash) in the tenant.
func (t *tenant) resource(id string) *Resource {
	id = strings.TrimSuffix(id, "/")
	for _, r := range t.resources {
		if strings.EqualFold(strings.TrimSuffix(r.Audience, "/"), id) ||
			(r.AppID != "" && strings.EqualFold(r.AppID, id)) {
			return r
		}
	}
	return nil
}

type app struct {
	App
	tenant    *tenant
	hasSP     bool
	secrets   []Secret
	roles     map[*Resource][]string
	federated []string // subjects of federated identity credentials
}

// New returns a stand-in with an empty directory that signs tokens with
// issuer.
func New(issuer *tokens.Issuer) *Server {
	return &Server{
		issuer:   issuer,
		tenants:  map[string]*tenant{},
		domains:  map[string]*tenant{},
		apps:     map[string]*app{},
		lifetime: DefaultTokenLifetime,
	}
}

// Issuer returns the issuer that signs the stand-in's tokens, so that other
// stand-ins (the managed identity endpoint) can mint tokens with the same
// key.
func (s *Server) Issuer() *tokens.Issuer {
	return s.issuer
}

// AddTenant adds a tenant with its ID (a GUID) and its verified domain names,
// such as "contoso.onmicrosoft.com". Clients may name the tenant by either.
func (s *Server) AddTenant(id string, domains ...string) error {
	if !isGUID(id) {
		return fmt.Errorf("entra: add tenant: id %q is not a GUID", id)
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	key := strings.ToLower(id)
	if _, ok := s.tenants[key]; ok {
		return fmt.Errorf("entra: add tenant: %s already exists", id)
	}
	for _, d := range domains {
		if !strings.Contains(d, ".") {
			return fmt.Errorf("entra: add tenant: domain %q is not a DNS name", d)
		}
		if _, ok := s.domains[strings.ToLower(d)]; ok {
			return fmt.Errorf("entra: add tenant: domain %q already belongs to a tenant", d)
		}
	}

	t := &tenant{id: key, domains: domains}
	s.tenants[key] = t
	for _, d := range domains {
		s.domains[strings.ToLower(d)] = t
	}
	return nil
}

// AddResource makes an API known in a tenant, so that apps there can ask
// tokens for it. Adding a resource with the audience of one already known
// updates that one (its app ID, name and assignment flag).
func (s *Server) AddResource(tenantID string, r Resource) error {
	if r.Audience == "" {
		return fmt.Errorf("entra: add resource: empty audience")
	}
	if r.Name == "" {
		r.Name = r.Audience
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	t, ok := s.tenants[strings.ToLower(tenantID)]
	if !ok {
		return fmt.Errorf("entra: add resource %s: unknown tenant %s", r.Audience, tenantID)
	}
	for _, known := range t.resources {
		if strings.EqualFold(known.Audience, r.Audience) {
			*known = r
			return nil
		}
	}
	t.resources = append(t.resources, &r)
	return nil
}

// AddApp registers an app in a tenant, with a service principal and no
// secrets, roles or federated credentials.
func (s *Server) AddApp(tenantID string, a App) error {
	if !isGUID(a.ClientID) {
		return fmt.Errorf("entra: add app: client id %q is not a GUID", a.ClientID)
	}
	if a.Name == "" {
		a.Name = a.ClientID
	}
	if a.PrincipalID == "" {
		a.PrincipalID = uuid.NewString()
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	t, ok := s.tenants[strings.ToLower(tenantID)]
	if !ok {
		return fmt.Errorf("entra: add app %s: unknown tenant %s", a.ClientID, tenantID)
	}
	key := strings.ToLower(a.ClientID)
	if _, ok := s.apps[key]; ok {
		return fmt.Errorf("entra: add app: %s already exists", a.ClientID)
	}
	s.apps[key] = &app{App: a, tenant: t, hasSP: true, roles: map[*Resource][]string{}}
	return nil
}

// SetSecrets replaces the client secrets of an app.
func (s *Server) SetSecrets(clientID string, secrets ...Secret) error {
	return s.updateApp(clientID, "set secrets", func(a *app) error {
		a.secrets = append([]Secret(nil), secrets...)
		return nil
	})
}

// SetRoles replaces the application roles (their values, such as
// "ApplicationAccess") granted to an app on an API of its tenant, named by
// audience or app ID. No roles removes the grant.
func (s *Server) SetRoles(clientID, resource string, roles ...string) error {
	return s.updateApp(clientID, "set roles", func(a *app) error {
		r := a.tenant.resource(resource)
		if r == nil {
			return fmt.Errorf("unknown resource %s in tenant %s", resource, a.tenant.id)
		}
		if len(roles) == 0 {
			delete(a.roles, r)
			return nil
		}
		a.roles[r] = append([]string(nil), roles...)
		return nil
	})
}

// SetServicePrincipal adds or removes the app's service principal in its
// tenant. Without one, token requests fail with AADSTS7000229.
func (s *Server) SetServicePrincipal(clientID string, present bool) error {
	return s.updateApp(clientID, "set service principal", func(a *app) error {
		a.hasSP = present
		return nil
	})
}

// AddFederatedCredential lets the app accept, instead of a secret, a client
// assertion minted by the stand-ins' issuer for [ExchangeAudience] whose
// subject is subject (a managed identity's principal ID).
func (s *Server) AddFederatedCredential(clientID, subject string) error {
	return s.updateApp(clientID, "add federated credential", func(a *app) error {
		a.federated = append(a.federated, subject)
		return nil
	})
}

// updateApp runs change on the app under the lock.
func (s *Server) updateApp(clientID, step string, change func(*app) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	a, ok := s.apps[strings.ToLower(clientID)]
	if !ok {
		return fmt.Errorf("entra: %s: unknown app %s", step, clientID)
	}
	if err := change(a); err != nil {
		return fmt.Errorf("entra: %s for app %s: %w", step, clientID, err)
	}
	return nil
}

// SetTokenLifetime sets the lifetime of the access tokens issued from now
// on. A lifetime under five minutes makes MSAL fetch a new token for every
// call.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// InjectFault makes the next n token requests fail as f describes, after any
// faults already injected. Discovery requests are not affected.
func (s *Server) InjectFault(n int, f Fault) {
	s.faults.Add(n, f)
}

// TokenRequests returns how many requests reached the token endpoint.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// DiscoveryRequests returns how many OpenID Connect discovery requests
// (openid-configuration) were served.
func (s *Server) DiscoveryRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oidcReqs
}

// InstanceDiscoveryRequests returns how many instance discovery requests
// (/common/discovery/instance) were served.
func (s *Server) InstanceDiscoveryRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.instReqs
}

// isGUID reports whether s is a GUID in its 36-character form.
func isGUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
