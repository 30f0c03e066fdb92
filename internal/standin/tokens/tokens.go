// Package tokens mints and verifies the access tokens of the local
// stand-ins.
//
// One [Issuer] signs every token the stand-ins hand out, whether it comes
// from the Entra ID stand-in or the managed identity endpoint, so the
// resource stand-ins (Key Vault, WorkPoint) check them all with one key.
package tokens

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Leeway is the clock skew [Issuer.Verify] tolerates on exp and nbf.
const Leeway = time.Minute

// Verifier checks a bearer token and returns its claims. The Key Vault and
// WorkPoint stand-ins accept tokens through it.
type Verifier interface {
	Verify(token string) (jwt.MapClaims, error)
}

// Issuer signs tokens with an RSA-2048 key (RS256). It is safe for
// concurrent use.
type Issuer struct {
	key   *rsa.PrivateKey
	keyID string

	mu     sync.Mutex
	minted []string
}

var _ Verifier = (*Issuer)(nil)

// NewIssuer generates a signing key and derives its key id from the public
// key.
func NewIssuer() (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("tokens: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("tokens: encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &Issuer{key: key, keyID: base64.RawURLEncoding.EncodeToString(sum[:20])}, nil
}

// KeyID returns the id of the signing key, sent as the kid header.
func (i *Issuer) KeyID() string {
	return i.keyID
}

// Mint signs claims as a JWT with the headers typ "JWT", alg "RS256" and the
// issuer's kid. The claims are signed as given; the caller sets exp, aud and
// the rest.
func (i *Issuer) Mint(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = i.keyID
	signed, err := t.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("tokens: sign token: %w", err)
	}
	i.mu.Lock()
	if len(i.minted) < maxRemembered {
		i.minted = append(i.minted, signed)
	}
	i.mu.Unlock()
	return signed, nil
}

// maxRemembered bounds how many tokens [Issuer.Minted] keeps.
const maxRemembered = 10000

// Minted returns the tokens signed so far (the first ten thousand), so
// that tests can look for them where they must never appear.
func (i *Issuer) Minted() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.minted...)
}

// Verify checks that token was signed by this issuer with RS256, that it has
// an exp claim, and that exp and nbf (if present) hold now, give or take
// [Leeway]. It returns the token's claims.
func (i *Issuer) Verify(token string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, i.keyFunc, jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithLeeway(Leeway), jwt.WithExpirationRequired())
	if err != nil {
		return nil, fmt.Errorf("tokens: verify token: %w", err)
	}
	return claims, nil
}

// keyFunc hands the public key to the JWT parser after checking the kid.
func (i *Issuer) keyFunc(t *jwt.Token) (any, error) {
	if kid, _ := t.Header["kid"].(string); kid != i.keyID {
		return nil, errors.New("unknown key id")
	}
	return &i.key.PublicKey, nil
}

// JWKS returns the issuer's public key as a JSON Web Key Set, the document
// served at an OpenID provider's jwks_uri.
func (i *Issuer) JWKS() []byte {
	pub := &i.key.PublicKey
	set := map[string]any{"keys": []map[string]any{{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": i.keyID,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
	b, _ := json.Marshal(set) // a map of strings always encodes
	return b
}
