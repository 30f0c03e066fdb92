package ca_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"projectsync/internal/standin/ca"
)

func TestCA_LeafVerifiesAgainstPool(t *testing.T) {
	c := mustNew(t)

	tests := []struct {
		name    string
		server  string
		dnsName string
	}{
		{"entra", "login.microsoftonline.com", "login.microsoftonline.com"},
		{"vault", "projectsync-demo.vault.azure.net", "projectsync-demo.vault.azure.net"},
		{"loopback address", "127.0.0.1", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf, err := c.Leaf(tt.server)
			if err != nil {
				t.Fatalf("Leaf(%q): %v", tt.server, err)
			}
			_, err = leaf.Leaf.Verify(x509.VerifyOptions{
				DNSName: tt.dnsName,
				Roots:   c.Pool(),
			})
			if err != nil {
				t.Errorf("verify leaf for %q: %v", tt.server, err)
			}
		})
	}
}

func TestCA_LeafIsCachedPerName(t *testing.T) {
	c := mustNew(t)

	first, err := c.Leaf("api.workpoint365.com")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Leaf("api.workpoint365.com")
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Leaf("login.microsoftonline.com")
	if err != nil {
		t.Fatal(err)
	}
	if first != again {
		t.Errorf("second Leaf for the same name minted a new certificate")
	}
	if first == other {
		t.Errorf("Leaf for another name returned the same certificate")
	}
	if err := first.Leaf.VerifyHostname("login.microsoftonline.com"); err == nil {
		t.Errorf("leaf for api.workpoint365.com also verifies for login.microsoftonline.com")
	}
}

func TestCA_LeafWithoutServerName(t *testing.T) {
	c := mustNew(t)
	if _, err := c.Leaf(""); err == nil {
		t.Fatal("Leaf(\"\") returned no error")
	}
}

func TestCA_WriteFile(t *testing.T) {
	c := mustNew(t)
	path := filepath.Join(t.TempDir(), "ca.pem")

	if err := c.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("file holds no PEM certificate: %q", b)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.IsCA {
		t.Errorf("got IsCA false, want true")
	}
	if string(b) != string(c.CertPEM()) {
		t.Errorf("file content differs from CertPEM")
	}
}

func mustNew(t *testing.T) *ca.CA {
	t.Helper()
	c, err := ca.New()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
