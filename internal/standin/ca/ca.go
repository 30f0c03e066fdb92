// Package ca generates the certificate authority of the local stand-ins.
//
// The stand-ins answer for production host names such as
// login.microsoftonline.com and <vault>.vault.azure.net. Clients trust them
// because the CA made here is handed to them, either in process through
// [CA.Pool] or to a child process through SSL_CERT_FILE ([CA.WriteFile]).
// Leaf certificates are minted on demand, one per TLS server name.
package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// leafLifetime is how long a minted server certificate is valid.
const leafLifetime = 24 * time.Hour

// caLifetime is how long the CA certificate itself is valid.
const caLifetime = 30 * 24 * time.Hour

// clockSkew backdates every certificate so that clients whose clock is a
// little behind still accept it.
const clockSkew = time.Hour

// CA is an in-memory ECDSA P-256 certificate authority. It is safe for
// concurrent use.
type CA struct {
	cert    *x509.Certificate
	certDER []byte
	key     *ecdsa.PrivateKey

	mu     sync.Mutex
	leaves map[string]*tls.Certificate
}

// New generates a new CA with a fresh key.
func New() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("ca: generate key: %w", err)
	}

	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ProjectSync stand-in CA"},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("ca: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("ca: parse certificate: %w", err)
	}

	return &CA{cert: cert, certDER: der, key: key, leaves: map[string]*tls.Certificate{}}, nil
}

// CertPEM returns the CA certificate, PEM encoded.
func (c *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.certDER})
}

// WriteFile writes the PEM-encoded CA certificate to path, for use as
// SSL_CERT_FILE by another process.
func (c *CA) WriteFile(path string) error {
	if err := os.WriteFile(path, c.CertPEM(), 0o644); err != nil {
		return fmt.Errorf("ca: write certificate file: %w", err)
	}
	return nil
}

// Pool returns a new certificate pool that holds only the CA certificate.
func (c *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(c.cert)
	return pool
}

// TLSConfig returns a server configuration that presents, for each TLS
// server name (SNI) a client asks for, a certificate for that name signed by
// the CA. Only HTTP/1.1 is offered.
func (c *CA) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.Leaf(hello.ServerName)
		},
	}
}

// Leaf returns a server certificate for name, minting it on first use and
// again when the cached one is within an hour of expiring. Names are
// lower-cased first. An IP address becomes an IP SAN, anything else a DNS
// SAN.
func (c *CA) Leaf(name string) (*tls.Certificate, error) {
	if name == "" {
		return nil, errors.New("ca: mint leaf: client sent no server name")
	}
	name = strings.ToLower(name)

	c.mu.Lock()
	defer c.mu.Unlock()

	if leaf, ok := c.leaves[name]; ok && time.Until(leaf.Leaf.NotAfter) > clockSkew {
		return leaf, nil
	}
	leaf, err := c.mint(name)
	if err != nil {
		return nil, err
	}
	c.leaves[name] = leaf
	return leaf, nil
}

// mint creates a leaf certificate for name.
func (c *CA) mint(name string) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("ca: mint leaf for %q: generate key: %w", name, err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}

	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     now.Add(leafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{name}
	}

	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		return nil, fmt.Errorf("ca: mint leaf for %q: %w", name, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("ca: mint leaf for %q: parse: %w", name, err)
	}
	return &tls.Certificate{
		Certificate: [][]byte{der, c.certDER},
		PrivateKey:  key,
		Leaf:        leaf,
	}, nil
}

// newSerial returns a random 128-bit certificate serial number.
func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("ca: generate serial number: %w", err)
	}
	return serial, nil
}
