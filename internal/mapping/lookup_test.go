package mapping_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/mapping"
	"projectsync/internal/standin"
	swp "projectsync/internal/standin/workpoint"
	"projectsync/internal/workpoint"
)

// customersModule is a business module the tests add to the demo solution.
const customersModule = "33333333-3333-3333-3333-333333333333"

// startCustomers starts the stand-ins with a Customers module holding
// Northwind (id 1) and two entities titled Fabrikam, and returns a
// WorkPoint client of the demo solution.
func startCustomers(t *testing.T) (*standin.Stack, *workpoint.Client) {
	t.Helper()
	s, err := standin.Start(standin.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start stand-ins: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close stand-ins: %v", err)
		}
	})

	err = s.Solution.AddModule(swp.Module{
		ID: customersModule, Title: "Customers", EntityName: "Customer",
		ListURL: "Lists/Customers",
		Fields:  []swp.Field{{Name: "Title", Type: swp.FieldText, Required: true}},
	})
	if err != nil {
		t.Fatalf("add module: %v", err)
	}
	for _, title := range []string{"Northwind Traders A/S", "Fabrikam", "Fabrikam"} {
		_, err := s.Solution.AddEntity(customersModule, map[string]any{"Title": title})
		if err != nil {
			t.Fatalf("add customer: %v", err)
		}
	}

	wp, err := workpoint.NewClient("https://"+standin.WorkPointHost, standin.SolutionURL,
		mintCredential{s}, standin.WorkPointAudience+"/.default", &workpoint.ClientOptions{
			ClientOptions: azcore.ClientOptions{
				Transport: s.Client(),
				Retry:     policy.RetryOptions{MaxRetries: -1},
			},
		})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return s, wp
}

// mintCredential hands out WorkPoint tokens signed by the stand-ins' own
// issuer, which the WorkPoint stand-in verifies as it would Entra's.
type mintCredential struct{ s *standin.Stack }

func (c mintCredential) GetToken(context.Context, policy.TokenRequestOptions) (
	azcore.AccessToken, error) {
	now := time.Now()
	exp := now.Add(time.Hour)
	tok, err := c.s.Issuer.Mint(jwt.MapClaims{
		"aud": standin.WorkPointAudience,
		"iss": "https://sts.windows.net/" + standin.TenantID + "/",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(), "appid": standin.ClientID,
		"oid": standin.AppPrincipalID, "tid": standin.TenantID,
		"roles": []string{standin.WorkPointRole},
	})
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: exp}, nil
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const lookupMapping = `{"fields": {
	"Customer": {"field": "wpCustomer", "type": "lookup",
		"module": "33333333-3333-3333-3333-333333333333"},
	"Budget": {"type": "number"}}}`

func columns(t *testing.T, raw string) map[string]json.RawMessage {
	t.Helper()
	var cols map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &cols); err != nil {
		t.Fatal(err)
	}
	return cols
}

func TestApply_Lookup(t *testing.T) {
	tests := []struct {
		name    string
		columns string
		want    int // the entity id sent
		queries int
		found   int // for a *LookupError: how many entities have the title
	}{
		{name: "lookup object", columns: `{"Customer": {"Id": 42, ` +
			`"Value": "Northwind Traders A/S"}}`, want: 1, queries: 1},
		{name: "title as text", columns: `{"Customer": "Northwind Traders A/S"}`,
			want: 1, queries: 1},
		{name: "entity id", columns: `{"Customer": 3}`, want: 3, queries: 0},
		{name: "not found", columns: `{"Customer": {"Value": "Nobody Inc"}}`,
			queries: 1, found: 0},
		{name: "ambiguous", columns: `{"Customer": "Fabrikam"}`, queries: 1, found: 2},
	}
	m, err := mapping.Parse(lookupMapping)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, wp := startCustomers(t)
			r := mapping.NewResolver(wp, 0)
			in := mapping.Input{Columns: columns(t, tt.columns), Prefix: "fields."}

			fields, err := m.Apply(testContext(t), in, r)
			if got := s.WorkPoint.Calls(swp.RouteQuery); got != tt.queries {
				t.Errorf("got %d queries, want %d", got, tt.queries)
			}
			if tt.want == 0 {
				var le *mapping.LookupError
				if !errors.As(err, &le) {
					t.Fatalf("got %v, %v; want a *LookupError", fields, err)
				}
				want := mapping.LookupError{Column: "fields.Customer", Field: "wpCustomer",
					Module: customersModule, Title: le.Title, Found: tt.found}
				if *le != want || le.Title == "" {
					t.Errorf("got %+v, want %+v", *le, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if got := fields["wpCustomer"]; got != tt.want {
				t.Errorf("got wpCustomer %#v, want %d", got, tt.want)
			}
		})
	}
}

// TestApply_LookupCached checks that a title found once is not looked up
// again.
func TestApply_LookupCached(t *testing.T) {
	s, wp := startCustomers(t)
	m, err := mapping.Parse(lookupMapping)
	if err != nil {
		t.Fatal(err)
	}
	r := mapping.NewResolver(wp, time.Hour)
	for range 3 {
		in := mapping.Input{Columns: columns(t, `{"Customer": "Northwind Traders A/S"}`)}
		fields, err := m.Apply(testContext(t), in, r)
		if err != nil || fields["wpCustomer"] != 1 {
			t.Fatalf("got %v, %v; want wpCustomer 1", fields, err)
		}
	}
	if got := s.WorkPoint.Calls(swp.RouteQuery); got != 1 {
		t.Errorf("got %d queries, want 1", got)
	}
}

// TestApply_LookupAfterChecks checks that bad input in another column is
// found before any lookup reaches WorkPoint.
func TestApply_LookupAfterChecks(t *testing.T) {
	s, wp := startCustomers(t)
	m, err := mapping.Parse(lookupMapping)
	if err != nil {
		t.Fatal(err)
	}
	in := mapping.Input{Columns: columns(t,
		`{"Customer": "Northwind Traders A/S", "Budget": "a lot"}`)}
	_, err = m.Apply(testContext(t), in, mapping.NewResolver(wp, 0))
	var fe *mapping.FieldError
	if !errors.As(err, &fe) || fe.Column != "Budget" {
		t.Fatalf("got %v, want a *FieldError for Budget", err)
	}
	if got := s.WorkPoint.Calls(""); got != 0 {
		t.Errorf("got %d WorkPoint calls, want 0", got)
	}
}

// TestApply_LookupUnknownModule checks that a module WorkPoint does not
// know is WorkPoint's error, not a lookup that found nothing.
func TestApply_LookupUnknownModule(t *testing.T) {
	_, wp := startCustomers(t)
	m, err := mapping.Parse(`{"fields": {"Customer": {"type": "lookup", ` +
		`"module": "44444444-4444-4444-4444-444444444444"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	in := mapping.Input{Columns: columns(t, `{"Customer": "Northwind Traders A/S"}`)}
	_, err = m.Apply(testContext(t), in, mapping.NewResolver(wp, 0))
	var we *workpoint.Error
	var le *mapping.LookupError
	if !errors.As(err, &we) || errors.As(err, &le) {
		t.Fatalf("got %v (%T), want a *workpoint.Error", err, err)
	}
	if we.Kind() != workpoint.KindModule {
		t.Errorf("got kind %v, want %v", we.Kind(), workpoint.KindModule)
	}
}
