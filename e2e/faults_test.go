package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"projectsync/internal/standin"
	"projectsync/internal/standin/entra"
	"projectsync/internal/standin/identity"
	"projectsync/internal/standin/keyvault"
	"projectsync/internal/standin/workpoint"
)

// The settings of the fault chains, and the retry policy of the flow that
// calls them.
const (
	faultRequestTimeout = 10 * time.Second // REQUEST_TIMEOUT, its minimum
	faultSettleTime     = 12 * time.Second // CREATE_SETTLE_TIME, its minimum

	flowTries    = 6                // posts of one item at most
	flowMaxWait  = 13 * time.Second // the longest Retry-After the flow waits
	answerGrace  = 5 * time.Second  // an answer may come this long after the deadline
	pastDeadline = 25 * time.Second // a delay the request's deadline cannot cover
)

// faultCase is one fault on one link of the chain, injected before the
// handler starts, so that the first request for the item meets it.
type faultCase struct {
	name   string
	slow   bool // the fault is a long delay; skipped under -short
	inject func(*standin.Stack)
	// warm, when set, injects the fault only after a first item was
	// created, so that it meets the create and the lookups after it rather
	// than the reads the handler caches.
	warm bool
}

// TestFaults injects one fault on one link per case and then acts as the
// flow's retry policy: the same item is posted while the answer is
// retryable, waiting its Retry-After. Every answer must be a success or a
// problem a flow can act on, no answer may come much later than the
// request's deadline, and in the end the item has exactly one entity.
func TestFaults(t *testing.T) {
	tests := []faultCase{}
	tests = append(tests, keyVaultFaults()...)
	tests = append(tests, identityFaults()...)
	tests = append(tests, entraFaults()...)
	tests = append(tests, workPointReadFaults(workpoint.RouteModules)...)
	tests = append(tests, workPointReadFaults(workpoint.RouteQuery)...)
	tests = append(tests, workPointCreateFaults()...)

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.slow && testing.Short() {
				t.Skip("a delay beyond the deadline takes half a minute; skipped with -short")
			}
			t.Parallel()
			setup := tt.inject
			if tt.warm {
				setup = nil
			}
			c := startChain(t, setup,
				withSetting("REQUEST_TIMEOUT", faultRequestTimeout.String()),
				withSetting("CREATE_SETTLE_TIME", faultSettleTime.String()))
			if tt.warm {
				if a := c.post([]byte(`{"title":"Warm-up","sourceId":"warm-up"}`)); !a.succeeded() {
					t.Fatalf("warm-up: got %s, want a success", a.describe())
				}
				tt.inject(c.stack)
			}
			sourceID := "fault-" + strconv.Itoa(i)
			item := []byte(`{"title":"Fault ` + tt.name + `","sourceId":"` + sourceID + `"}`)

			last := flowRetries(t, c, item)
			if !last.succeeded() {
				t.Fatalf("last answer after %d tries: got %s, want a success\n%s",
					flowTries, last.describe(), last.Body)
			}
			ids := entitiesBySource(c.stack)[sourceID]
			if len(ids) != 1 {
				t.Fatalf("entities with source %s: got %v, want exactly one", sourceID, ids)
			}
			if ids[0] != last.num("entityId") {
				t.Errorf("entity: got %d in WorkPoint, answered %d", ids[0], last.num("entityId"))
			}
		})
	}
}

// flowRetries posts item up to flowTries times while the answer is a
// retryable problem, waiting its Retry-After (at most flowMaxWait) between
// tries, and checks every answer. It returns the last answer.
func flowRetries(t *testing.T, c *chain, item []byte) answer {
	t.Helper()
	var a answer
	for try := 1; try <= flowTries; try++ {
		start := time.Now()
		a = c.post(item)
		took := time.Since(start)
		t.Logf("try %d: %s after %s", try, a.describe(), took.Round(time.Millisecond))

		for _, e := range shapeErrors(a) {
			t.Errorf("try %d: %s: %s", try, e, a.Body)
		}
		if limit := faultRequestTimeout + answerGrace; took > limit {
			t.Errorf("try %d: answered after %s; the deadline is %s, so at most %s",
				try, took.Round(time.Millisecond), faultRequestTimeout, limit)
		}
		if a.succeeded() {
			return a
		}
		if !a.retryable() {
			t.Fatalf("try %d: got %s, a problem that is not retryable, for a passing fault: %s",
				try, a.describe(), a.Body)
		}
		time.Sleep(min(max(a.retryAfter(), time.Second), flowMaxWait))
	}
	return a
}

// retryAfterHeader returns a header that carries Retry-After v.
func retryAfterHeader(v string) http.Header {
	return http.Header{"Retry-After": {v}}
}

// keyVaultFaults fail the secret read. Its client retries a read itself,
// so a fault on one or two reads mostly passes within the first request;
// a Retry-After beyond its 5 s cap reaches the caller.
func keyVaultFaults() []faultCase {
	kv := func(n int, f keyvault.Fault) func(*standin.Stack) {
		return func(s *standin.Stack) { s.Vault.InjectFault(n, f) }
	}
	return []faultCase{
		{name: "keyvault/connection reset", inject: kv(2, keyvault.Fault{Drop: true})},
		{name: "keyvault/500", inject: kv(2, keyvault.Fault{Status: 500})},
		{name: "keyvault/503", inject: kv(2, keyvault.Fault{Status: 503})},
		{name: "keyvault/429 Retry-After 30",
			inject: kv(1, keyvault.Fault{Status: 429, RetryAfter: "30"})},
		{name: "keyvault/429 without Retry-After", inject: kv(2, keyvault.Fault{Status: 429})},
		{name: "keyvault/delay past the deadline", slow: true,
			inject: kv(1, keyvault.Fault{Delay: pastDeadline})},
	}
}

// identityFaults fail the managed identity token request that precedes
// the secret read.
func identityFaults() []faultCase {
	mi := func(n int, f identity.Fault) func(*standin.Stack) {
		return func(s *standin.Stack) { s.Identity.InjectFault(n, f) }
	}
	return []faultCase{
		{name: "identity/connection reset", inject: mi(2, identity.Fault{Drop: true})},
		{name: "identity/500", inject: mi(2, identity.Fault{Status: 500,
			Body: `{"error":"unknown_error","error_description":"Internal error."}`})},
		{name: "identity/delay past the deadline", slow: true,
			inject: mi(1, identity.Fault{Delay: pastDeadline})},
	}
}

// entraFaults fail the token request for WorkPoint.
func entraFaults() []faultCase {
	en := func(n int, f entra.Fault) func(*standin.Stack) {
		return func(s *standin.Stack) { s.Entra.InjectFault(n, f) }
	}
	const busy = `{"error":"temporarily_unavailable",` +
		`"error_description":"AADSTS50196: The server is busy.","error_codes":[50196]}`
	return []faultCase{
		{name: "entra/connection reset", inject: en(2, entra.Fault{Drop: true})},
		{name: "entra/500", inject: en(2, entra.Fault{Status: 500, Body: busy})},
		{name: "entra/429", inject: en(2, entra.Fault{Status: 429, Body: busy,
			Header: retryAfterHeader("2")})},
		{name: "entra/delay past the deadline", slow: true,
			inject: en(1, entra.Fault{Delay: pastDeadline})},
	}
}

// workPointReadFaults fail a read on route: the business module (modules)
// or the parent's lookup by title (query), both made by the first request
// only, since their answers are cached.
func workPointReadFaults(route string) []faultCase {
	wp := func(n int, f workpoint.Fault) func(*standin.Stack) {
		f.Route = route
		return func(s *standin.Stack) { s.WorkPoint.InjectFault(n, f) }
	}
	return []faultCase{
		{name: route + "/connection reset", inject: wp(2, workpoint.Fault{Drop: true})},
		{name: route + "/500", inject: wp(2, workpoint.Fault{Status: 500})},
		{name: route + "/429 Retry-After 30",
			inject: wp(1, workpoint.Fault{Status: 429, RetryAfter: "30"})},
		{name: route + "/429 without Retry-After", inject: wp(2, workpoint.Fault{Status: 429})},
		{name: route + "/delay past the deadline", slow: true,
			inject: wp(1, workpoint.Fault{Delay: pastDeadline})},
	}
}

// workPointCreateFaults fail the create: before WorkPoint carries it out,
// after (the answer is lost), or with an answer that leaves open whether
// it was carried out.
func workPointCreateFaults() []faultCase {
	wp := func(f workpoint.Fault) func(*standin.Stack) {
		f.Route = workpoint.RouteCreate
		return func(s *standin.Stack) { s.WorkPoint.InjectFault(1, f) }
	}
	return []faultCase{
		{name: "create/connection reset before the create",
			inject: wp(workpoint.Fault{Drop: true})},
		{name: "create/created but the answer lost",
			inject: wp(workpoint.Fault{ApplyThenDrop: true})},
		{name: "create/500", inject: wp(workpoint.Fault{Status: 500})},
		{name: "create/502", inject: wp(workpoint.Fault{Status: 502})},
		{name: "create/503", inject: wp(workpoint.Fault{Status: 503})},
		{name: "create/429 Retry-After 30",
			inject: wp(workpoint.Fault{Status: 429, RetryAfter: "30"})},
		{name: "create/429 without Retry-After", inject: wp(workpoint.Fault{Status: 429})},
		{name: "create/delay past the deadline", slow: true,
			inject: wp(workpoint.Fault{Delay: pastDeadline})},
		// The create is carried out but its answer lost, and the lookups
		// that should find it fail on the first request and on the first
		// retry after CREATE_SETTLE_TIME: while WorkPoint cannot be asked,
		// nothing may be created again.
		{name: "create/answer lost, lookups failing", warm: true,
			inject: func(s *standin.Stack) {
				s.WorkPoint.InjectFault(1, workpoint.Fault{Route: workpoint.RouteCreate,
					ApplyThenDrop: true})
				s.WorkPoint.InjectFault(8, workpoint.Fault{Route: workpoint.RouteQuery,
					Status: http.StatusServiceUnavailable})
			}},
	}
}
