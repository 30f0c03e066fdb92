package tokens_test

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/standin/tokens"
)

func TestIssuer_MintThenVerify(t *testing.T) {
	i := mustIssuer(t)
	exp := time.Now().Add(time.Hour).Unix()

	token, err := i.Mint(jwt.MapClaims{"aud": "https://vault.azure.net", "exp": exp})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := i.Verify(token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got := claims["aud"]; got != "https://vault.azure.net" {
		t.Errorf("got aud %v, want https://vault.azure.net", got)
	}

	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"alg": "RS256", "typ": "JWT", "kid": i.KeyID()} {
		if got := parsed.Header[k]; got != want {
			t.Errorf("got header %s %v, want %s", k, got, want)
		}
	}
}

func TestIssuer_VerifyRejects(t *testing.T) {
	i := mustIssuer(t)
	other := mustIssuer(t)
	now := time.Now()

	tests := []struct {
		name   string
		issuer *tokens.Issuer
		claims jwt.MapClaims
		edit   func(string) string
	}{
		{"expired beyond leeway", i,
			jwt.MapClaims{"exp": now.Add(-2 * time.Minute).Unix()}, nil},
		{"not yet valid beyond leeway", i, jwt.MapClaims{
			"exp": now.Add(time.Hour).Unix(), "nbf": now.Add(2 * time.Minute).Unix()}, nil},
		{"without exp", i, jwt.MapClaims{"aud": "x"}, nil},
		{"other key", other, jwt.MapClaims{"exp": now.Add(time.Hour).Unix()}, nil},
		{"tampered payload", i, jwt.MapClaims{"exp": now.Add(time.Hour).Unix()},
			func(s string) string {
				parts := strings.Split(s, ".")
				parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"exp":9999999999}`))
				return strings.Join(parts, ".")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := tt.issuer.Mint(tt.claims)
			if err != nil {
				t.Fatal(err)
			}
			if tt.edit != nil {
				token = tt.edit(token)
			}
			if _, err := i.Verify(token); err == nil {
				t.Error("Verify returned no error")
			}
		})
	}
}

func TestIssuer_VerifyAllowsLeeway(t *testing.T) {
	i := mustIssuer(t)
	now := time.Now()

	token, err := i.Mint(jwt.MapClaims{
		"exp": now.Add(-30 * time.Second).Unix(),
		"nbf": now.Add(30 * time.Second).Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i.Verify(token); err != nil {
		t.Errorf("Verify within leeway: %v", err)
	}
}

func TestIssuer_JWKSVerifiesTokens(t *testing.T) {
	i := mustIssuer(t)
	var set struct {
		Keys []struct {
			Kty, Kid, Alg, Use, N, E string
		} `json:"keys"`
	}
	if err := json.Unmarshal(i.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("got %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k.Kty != "RSA" || k.Kid != i.KeyID() || k.Alg != "RS256" {
		t.Errorf("got key %+v, want RSA RS256 with kid %s", k, i.KeyID())
	}

	n, _ := base64.RawURLEncoding.DecodeString(k.N)
	e, _ := base64.RawURLEncoding.DecodeString(k.E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	token, err := i.Mint(jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = jwt.Parse(token, func(*jwt.Token) (any, error) { return pub, nil })
	if err != nil {
		t.Errorf("token does not verify with the published key: %v", err)
	}
}

func mustIssuer(t *testing.T) *tokens.Issuer {
	t.Helper()
	i, err := tokens.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	return i
}
