package entra_test

import (
	"errors"
	"strings"
	"testing"

	"projectsync/internal/entra"
	"projectsync/internal/standin"
	sentra "projectsync/internal/standin/entra"
)

// workPointAppID is an application ID the tests give the WorkPoint API, so
// that a client may ask for tokens by it instead of the App ID URI.
const workPointAppID = "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"

func TestCredential_RoleMissing(t *testing.T) {
	s := startStack(t)
	if err := s.Entra.SetRoles(standin.ClientID, standin.WorkPointAudience); err != nil {
		t.Fatal(err)
	}
	c := newCredential(s, standin.TenantID, standin.ClientID, newSource(t, s), demoExpectation())

	_, err := workPointToken(testContext(t), c)
	var ce *entra.ClaimsError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v, want *entra.ClaimsError", err, err)
	}
	if ce.Claim != "roles" {
		t.Errorf("got claim %q, want roles", ce.Claim)
	}
	if !strings.Contains(ce.Want, standin.WorkPointRole) {
		t.Errorf("got want %q, want it to name %s", ce.Want, standin.WorkPointRole)
	}
	for _, tok := range s.Issuer.Minted() {
		assertNoLeak(t, "error", err.Error(), tok)
	}
}

// TestCredential_Audience checks the aud and tid of the token against the
// expectation, including the application ID Entra puts in aud when the
// client asked by it.
func TestCredential_Audience(t *testing.T) {
	const otherTenant = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
	tests := []struct {
		name   string
		scope  string
		expect entra.Expectation
		claim  string // the ClaimsError's claim; empty for success
	}{
		{
			name:   "App ID URI",
			scope:  workPointScope,
			expect: entra.Expectation{Audience: standin.WorkPointAudience},
		},
		{
			name:   "expected with trailing slash",
			scope:  workPointScope,
			expect: entra.Expectation{Audience: standin.WorkPointAudience + "/"},
		},
		{
			name:   "application ID without alias",
			scope:  workPointAppID + "/.default",
			expect: entra.Expectation{Audience: standin.WorkPointAudience},
			claim:  "aud",
		},
		{
			name:  "application ID as alias",
			scope: workPointAppID + "/.default",
			expect: entra.Expectation{Audience: standin.WorkPointAudience,
				AudienceAliases: []string{workPointAppID}},
		},
		{
			name:   "other audience",
			scope:  workPointScope,
			expect: entra.Expectation{Audience: "https://other.example/api"},
			claim:  "aud",
		},
		{
			name:  "other tenant",
			scope: workPointScope,
			expect: entra.Expectation{Audience: standin.WorkPointAudience,
				TenantID: otherTenant},
			claim: "tid",
		},
		{
			name:  "tenant by domain is not compared",
			scope: workPointScope,
			expect: entra.Expectation{Audience: standin.WorkPointAudience,
				TenantID: standin.TenantDomain},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			err := s.Entra.AddResource(standin.TenantID, sentra.Resource{
				Audience: standin.WorkPointAudience,
				AppID:    workPointAppID,
				Name:     "WorkPoint365.WebAPI",
			})
			if err != nil {
				t.Fatal(err)
			}
			x := tt.expect
			c := newCredential(s, standin.TenantID, standin.ClientID, newSource(t, s), &x)

			_, err = c.GetToken(testContext(t), tokenOptions(tt.scope))
			if tt.claim == "" {
				if err != nil {
					t.Fatalf("GetToken: %v", err)
				}
				return
			}
			var ce *entra.ClaimsError
			if !errors.As(err, &ce) {
				t.Fatalf("got %T %v, want *entra.ClaimsError", err, err)
			}
			if ce.Claim != tt.claim {
				t.Errorf("got claim %q, want %q", ce.Claim, tt.claim)
			}
		})
	}
}
