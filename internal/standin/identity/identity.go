// Package identity is the stand-in for the managed identity endpoint of
// Azure App Service and Azure Functions.
//
// On the platform, IDENTITY_ENDPOINT names a plain-HTTP endpoint on a local
// address and IDENTITY_HEADER the value the caller must send in the
// X-IDENTITY-HEADER header. The stand-in listens on 127.0.0.1, answers
// "GET /msi/token?api-version=2019-08-01&resource=..." for a system-assigned
// identity and any number of user-assigned ones, and signs its tokens with
// the issuer the other stand-ins trust.
package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"projectsync/internal/standin/fault"
	"projectsync/internal/standin/tokens"
)

// DefaultTokenLifetime is the lifetime of a token until
// [Server.SetTokenLifetime] changes it; the platform hands out day-long
// tokens.
const DefaultTokenLifetime = 24 * time.Hour

// Path is the path of the token endpoint, as in IDENTITY_ENDPOINT.
const Path = "/msi/token"

// Fault describes how a token request fails on purpose; see
// [Server.InjectFault].
type Fault = fault.Fault

// ExpiryForm selects how a token answer states when the token expires. MSAL
// accepts all of them.
type ExpiryForm int

const (
	// ExpiresOnString sends "expires_on" as a string of Unix seconds, the
	// platform's documented form. It is the default.
	ExpiresOnString ExpiryForm = iota

	// ExpiresOnNumber sends "expires_on" as a JSON number of Unix seconds.
	ExpiresOnNumber

	// ExpiresInOnly sends "expires_in", the lifetime in seconds, and no
	// "expires_on".
	ExpiresInOnly

	// ExpiresOnRFC3339 sends "expires_on" as an RFC 3339 time.
	ExpiresOnRFC3339
)

// identity is one managed identity the endpoint can hand tokens out for.
type identity struct {
	clientID    string
	principalID string
	resourceID  string
}

// Server is the managed identity endpoint stand-in. Its methods are safe for
// concurrent use, also while requests are served.
type Server struct {
	issuer   *tokens.Issuer
	tenantID string
	header   string
	addr     string
	faults   fault.Queue[Fault]

	mu       sync.Mutex
	system   identity
	systemOn bool
	users    []identity
	lifetime time.Duration
	form     ExpiryForm
	requests int
	srv      *http.Server
	endpoint string
	done     chan struct{}
}

// New returns an endpoint for identities of the tenant tenantID whose tokens
// issuer signs. It has a system-assigned identity with a random principal ID
// (see [Server.SetSystemAssigned]) and a random header value. It does not
// listen until [Server.Start].
func New(issuer *tokens.Issuer, tenantID string) *Server {
	s := &Server{
		issuer:   issuer,
		tenantID: strings.ToLower(tenantID),
		header:   randomHex(16),
		lifetime: DefaultTokenLifetime,
	}
	s.SetSystemAssigned(uuid.NewString(), true)
	return s
}

// SetSystemAssigned sets the principal (object) ID of the app's
// system-assigned identity and turns it on or off. Its client ID is derived
// from the principal ID.
func (s *Server) SetSystemAssigned(principalID string, enabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.system = identity{
		clientID:    derivedClientID(principalID),
		principalID: principalID,
		resourceID:  systemResourceID,
	}
	s.systemOn = enabled
}

// AddUserAssigned assigns a user-assigned identity to the app. Callers select
// it by client_id, object_id (the principal ID) or mi_res_id (see
// [Server.ResourceID]).
func (s *Server) AddUserAssigned(clientID, principalID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, identity{
		clientID:    clientID,
		principalID: principalID,
		resourceID:  userAssignedResourceID(clientID),
	})
}

// ResourceID returns the Azure resource ID of the user-assigned identity
// with the given client ID, the value of mi_res_id that selects it.
func (s *Server) ResourceID(clientID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if strings.EqualFold(u.clientID, clientID) {
			return u.resourceID, true
		}
	}
	return "", false
}

// SetTokenLifetime sets the lifetime of the tokens issued from now on. MSAL
// does not cache a token that expires within five minutes.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// SetExpiryForm selects how answers state the expiry of their token.
func (s *Server) SetExpiryForm(f ExpiryForm) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.form = f
}

// InjectFault makes the next n requests fail as f describes, after any faults
// already injected.
func (s *Server) InjectFault(n int, f Fault) {
	s.faults.Add(n, f)
}

// Requests returns how many requests reached the endpoint.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Header returns the value callers must send in X-IDENTITY-HEADER, the value
// of IDENTITY_HEADER.
func (s *Server) Header() string {
	return s.header
}

// Endpoint returns the token endpoint's URL, the value of IDENTITY_ENDPOINT:
// "http://127.0.0.1:port/msi/token". It is empty before [Server.Start].
func (s *Server) Endpoint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endpoint
}

// Listen sets the address Start listens on and the header value callers
// must send; empty values keep a free loopback port and the random header.
// Call it before Start.
func (s *Server) Listen(addr, header string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addr = addr
	if header != "" {
		s.header = header
	}
}

// Start listens on a free loopback port and serves in the background.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.srv != nil {
		return errors.New("identity: start: already started")
	}
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("identity: start: listen: %w", err)
	}

	base, cancel := context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	s.endpoint = "http://" + ln.Addr().String() + Path
	s.done = make(chan struct{})

	srv, done := s.srv, s.done
	go func() {
		defer close(done)
		defer cancel()
		srv.Serve(ln)
	}()
	return nil
}

// Close stops the endpoint and closes its connections. Requests in progress
// see their context canceled.
func (s *Server) Close() {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()

	if srv == nil {
		return
	}
	srv.Close()
	<-done
}

// subscription and resourceGroup make up the resource IDs of the identities.
const (
	subscription  = "00000000-0000-0000-0000-000000000000"
	resourceGroup = "projectsync-standins"
)

// systemResourceID is the resource ID of the app that owns the
// system-assigned identity.
const systemResourceID = "/subscriptions/" + subscription + "/resourceGroups/" +
	resourceGroup + "/providers/Microsoft.Web/sites/projectsync"

// userAssignedResourceID returns an Azure resource ID for a user-assigned
// identity.
func userAssignedResourceID(clientID string) string {
	return "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup +
		"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-" + clientID
}

// derivedClientID derives a stable client ID from a principal ID.
func derivedClientID(principalID string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(principalID)).String()
}

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
