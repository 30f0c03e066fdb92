package standin

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"projectsync/internal/standin/ca"
	"projectsync/internal/standin/entra"
	"projectsync/internal/standin/identity"
	"projectsync/internal/standin/keyvault"
	"projectsync/internal/standin/proxy"
	"projectsync/internal/standin/tokens"
	"projectsync/internal/standin/workpoint"
)

// CAFileName is the name of the CA certificate file in [Options.Dir].
const CAFileName = "standin-ca.pem"

// Options configure [Start].
type Options struct {
	// Dir is the directory the CA certificate is written to, as
	// CAFileName. If empty, a new temporary directory is used and removed
	// by [Stack.Close].
	Dir string

	// ProxyAddr and IdentityAddr are the loopback addresses of the proxy
	// and the managed identity endpoint. Empty means free ports; fixed ones
	// let a local.settings.json name them.
	ProxyAddr    string
	IdentityAddr string

	// IdentityHeader is the X-IDENTITY-HEADER value the identity endpoint
	// expects. Empty means a random one.
	IdentityHeader string
}

// Stack is a running set of stand-ins seeded with the demo world. Its
// servers stay reachable for tests and tools that want to change the world
// or inject faults.
type Stack struct {
	// CA is the certificate authority the proxy's TLS certificates come
	// from.
	CA *ca.CA

	// Issuer signs every token of Entra and the managed identity endpoint.
	// All stacks of a process share it; see [Start].
	Issuer *tokens.Issuer

	// Proxy serves Entra ID, Key Vault and WorkPoint under their production
	// host names.
	Proxy *proxy.Proxy

	// Entra is the Entra ID stand-in, behind the proxy as EntraHost.
	Entra *entra.Server

	// Identity is the managed identity endpoint, on its own loopback port.
	Identity *identity.Server

	// Vault is the Key Vault stand-in, behind the proxy for every
	// <vault>.vault.azure.net host.
	Vault *keyvault.Server

	// WorkPoint is the WorkPoint Web API stand-in, behind the proxy as
	// WorkPointHost.
	WorkPoint *workpoint.Server

	// Solution is the demo WorkPoint solution at SolutionURL.
	Solution *workpoint.Solution

	// CAFile is the path of the PEM-encoded CA certificate, for
	// SSL_CERT_FILE.
	CAFile string

	tempDir string

	plantedMu sync.Mutex
	planted   []string
}

// Start starts the stand-ins, seeded with the demo world described by this
// package's constants, and writes the CA certificate file. Close the stack
// when done.
//
// NOTE: every stack of a process signs tokens with the same key. MSAL keeps
// managed identity tokens in a cache shared by the whole process, keyed by
// identity and resource, so a test that starts a second stack may be handed
// a token the first stack issued; with a shared key that token is still
// valid. It also means such a test may see no request reach
// [identity.Server] at all.
func Start(opts Options) (*Stack, error) {
	s := &Stack{}
	if err := s.start(opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// start builds the stack step by step; on failure Close releases what was
// built.
func (s *Stack) start(opts Options) error {
	var err error
	if s.CA, err = ca.New(); err != nil {
		return fmt.Errorf("standin: start: %w", err)
	}
	if s.Issuer, err = processIssuer(); err != nil {
		return fmt.Errorf("standin: start: %w", err)
	}

	s.Entra = entra.New(s.Issuer)
	if err := seedEntra(s.Entra); err != nil {
		return err
	}
	s.Identity = identity.New(s.Issuer, TenantID)
	s.Identity.Listen(opts.IdentityAddr, opts.IdentityHeader)
	seedIdentity(s.Identity)
	s.Vault = keyvault.New(TenantID, s.Issuer)
	seedVault(s.Vault)
	s.WorkPoint, s.Solution = newWorkPoint(s.Issuer)

	s.Proxy = proxy.New(s.CA)
	s.Proxy.Addr = opts.ProxyAddr
	s.Proxy.Handle(EntraHost, s.Entra)
	s.Proxy.Handle("*.vault.azure.net", s.Vault)
	s.Proxy.Handle(WorkPointHost, s.WorkPoint)
	if _, err := s.Proxy.Start(); err != nil {
		return fmt.Errorf("standin: start: %w", err)
	}
	if err := s.Identity.Start(); err != nil {
		return fmt.Errorf("standin: start: %w", err)
	}

	return s.writeCAFile(opts.Dir)
}

// shared holds the signing key all stacks of the process use.
var shared struct {
	once   sync.Once
	issuer *tokens.Issuer
	err    error
}

// processIssuer returns the process's token issuer, creating it on first
// use.
func processIssuer() (*tokens.Issuer, error) {
	shared.once.Do(func() { shared.issuer, shared.err = tokens.NewIssuer() })
	return shared.issuer, shared.err
}

// writeCAFile writes the CA certificate into dir, or into a new temporary
// directory if dir is empty.
func (s *Stack) writeCAFile(dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "projectsync-standins-")
		if err != nil {
			return fmt.Errorf("standin: start: create directory for the CA file: %w", err)
		}
		s.tempDir, dir = tmp, tmp
	}
	path := filepath.Join(dir, CAFileName)
	if err := s.CA.WriteFile(path); err != nil {
		return fmt.Errorf("standin: start: %w", err)
	}
	s.CAFile = path
	return nil
}

// Client returns an HTTP client for in-process use: https requests go
// through the proxy and trust the CA, requests to loopback addresses (the
// managed identity endpoint) go direct.
func (s *Stack) Client() *http.Client {
	return s.Proxy.Client()
}

// Close stops every stand-in and removes the temporary directory, if Start
// made one. It is safe to call more than once.
func (s *Stack) Close() error {
	var errs []error
	if s.Identity != nil {
		s.Identity.Close()
	}
	if s.Proxy != nil {
		errs = append(errs, s.Proxy.Close())
	}
	if s.tempDir != "" {
		if err := os.RemoveAll(s.tempDir); err != nil {
			errs = append(errs, fmt.Errorf("standin: close: remove CA directory: %w", err))
		}
		s.tempDir = ""
	}
	return errors.Join(errs...)
}
