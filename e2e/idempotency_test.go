package e2e

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"projectsync/internal/funchost"
	"projectsync/internal/ledger"
	"projectsync/internal/standin"
	"projectsync/internal/standin/workpoint"
)

// U5: the same item posted twice at once, and again later with the same
// flow run id, makes one entity; every answer has its id.
func TestIdempotency_SameItemTwice(t *testing.T) {
	for _, store := range []string{"memory", "table"} {
		t.Run(store, func(t *testing.T) {
			var opts []chainOption
			if store == "table" {
				opts = append(opts, withTableLedger(t))
			}
			c := startChain(t, nil, opts...)
			item := caseFile(t, "project-gold.sharepoint-item.json")

			answers := make([]answer, 2)
			var wg sync.WaitGroup
			for i := range answers {
				wg.Add(1)
				go func() { defer wg.Done(); answers[i] = c.post(item) }()
			}
			wg.Wait()
			answers = append(answers, c.post(item))

			created := 0
			for i, a := range answers {
				if a.Status != http.StatusCreated && a.Status != http.StatusOK {
					t.Fatalf("answer %d: %d %s", i, a.Status, a.Body)
				}
				if a.num("entityId") != answers[0].num("entityId") {
					t.Errorf("answer %d: entity %d, want %d", i, a.num("entityId"), answers[0].num("entityId"))
				}
				if a.JSON["created"] == true {
					created++
				}
			}
			if created != 1 || c.stack.Solution.CreateCount() != 1 {
				t.Errorf("got %d answers saying created and %d creates, want 1 and 1",
					created, c.stack.Solution.CreateCount())
			}
		})
	}
}

// The Idempotency-Key header wins over the item's identity.
func TestIdempotency_Header(t *testing.T) {
	c := startChain(t, nil)
	body := []byte(`{"title":"Keyed"}`)
	a := c.post(body, "Idempotency-Key", "flow-7-item-9")
	b := c.post(body, "Idempotency-Key", "flow-7-item-9")
	d := c.post(body, "Idempotency-Key", "flow-7-item-10")
	if a.Status != 201 || b.Status != 200 || d.Status != 201 {
		t.Fatalf("got %d, %d, %d; want 201, 200, 201", a.Status, b.Status, d.Status)
	}
	if a.num("entityId") != b.num("entityId") || a.num("entityId") == d.num("entityId") {
		t.Errorf("ids %d %d %d", a.num("entityId"), b.num("entityId"), d.num("entityId"))
	}
	// A repeat answers with the entity as created, not with its own data.
	changed := c.post([]byte(`{"title":"Keyed, renamed","parent":2}`), "Idempotency-Key", "flow-7-item-9")
	if changed.Status != 200 || changed.str("title") != "Keyed" || changed.num("parentId") != 0 {
		t.Errorf("repeat with other data: %d %s", changed.Status, changed.Body)
	}
	bad := c.post(body, "Idempotency-Key", "has space")
	if bad.Status != 400 || bad.str("field") != "Idempotency-Key" {
		t.Errorf("bad key: %d %s", bad.Status, bad.Body)
	}
}

// Two instances of the Function App sharing the ledger table create one
// entity for one item posted to both at once.
func TestIdempotency_TwoInstances(t *testing.T) {
	ledgerOpt := withTableLedger(t)
	c := startChain(t, nil, ledgerOpt)
	other := c.anotherInstance()
	item := []byte(`{"title":"Shared","sourceId":"two-instances-1"}`)

	var wg sync.WaitGroup
	ids := make([]int, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := c
			if i%2 == 1 {
				target = other
			}
			ids[i] = target.post(item).num("entityId")
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id == 0 || id != ids[0] {
			t.Fatalf("ids %v", ids)
		}
	}
	if n := c.stack.Solution.CreateCount(); n != 1 {
		t.Errorf("creates: got %d, want 1", n)
	}
}

// U8 and a lost answer: WorkPoint carries out the create but the answer
// never arrives; the handler finds the entity instead of creating again.
func TestIdempotency_LostAnswer(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []chainOption
	}{
		{"by source field", nil},
		{"by title and parent", []chainOption{withoutSetting("WORKPOINT_SOURCE_FIELD")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := startChain(t, func(s *standin.Stack) {
				s.WorkPoint.InjectFault(1, workpoint.Fault{Route: workpoint.RouteCreate, ApplyThenDrop: true})
			}, tt.opts...)
			item := []byte(`{"title":"Lost answer","sourceId":"lost-1"}`)
			a := c.post(item)
			if a.Status != http.StatusCreated || a.num("entityId") <= 0 {
				t.Fatalf("got %d %s, want 201", a.Status, a.Body)
			}
			b := c.post(item)
			if b.Status != http.StatusOK || b.num("entityId") != a.num("entityId") {
				t.Errorf("repeat: %d %s", b.Status, b.Body)
			}
			if n := c.stack.Solution.CreateCount(); n != 1 {
				t.Errorf("creates: got %d, want 1", n)
			}
		})
	}
}

// U8: WorkPoint is slower than the request's deadline. The caller gets a
// retryable answer well before its own limit, retries wait while the
// create may still complete, and after that the retry creates it once.
func TestIdempotency_SlowCreate(t *testing.T) {
	c := startChain(t, func(s *standin.Stack) {
		s.WorkPoint.SetLatency(workpoint.RouteCreate, 150*time.Second)
	}, withSetting("REQUEST_TIMEOUT", "10s"), withSetting("CREATE_SETTLE_TIME", "12s"))
	item := []byte(`{"title":"Slow","sourceId":"slow-1"}`)

	start := time.Now()
	a := c.post(item)
	if a.Status != http.StatusServiceUnavailable || a.str("code") != "create_pending" {
		t.Fatalf("got %d %s, want 503 create_pending", a.Status, a.Body)
	}
	if a.Header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After")
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("answered after %s; the deadline is 10s", took)
	}

	b := c.post(item)
	if b.Status != http.StatusServiceUnavailable || b.str("code") != "request_in_progress" {
		t.Errorf("retry during settle time: got %d %s, want 503 request_in_progress", b.Status, b.Body)
	}

	c.stack.WorkPoint.SetLatency(workpoint.RouteCreate, 0)
	wait, _ := strconv.Atoi(b.Header.Get("Retry-After"))
	time.Sleep(time.Duration(wait+1) * time.Second)
	d := c.post(item)
	if d.Status != http.StatusCreated && d.Status != http.StatusOK {
		t.Fatalf("retry after settle time: got %d %s", d.Status, d.Body)
	}
	if n := len(c.stack.Entities(standin.ProjectsModuleID)); n != 1 {
		t.Errorf("entities: got %d, want 1", n)
	}
}

// A claim a crashed instance left after WorkPoint created the entity is
// recovered from WorkPoint, not created again.
func TestIdempotency_CrashedClaim(t *testing.T) {
	ledgerOpt := withTableLedger(t)
	var table string
	capture := func(s map[string]string, _ *funchost.Options) { table = s["IDEMPOTENCY_TABLE"] }
	c := startChain(t, nil, ledgerOpt, capture, withSetting("REQUEST_TIMEOUT", "10s"),
		withSetting("CREATE_SETTLE_TIME", "10s"))

	key := standin.ProjectsModuleID + "|source:crash-1"
	id, err := c.stack.Solution.AddEntity(standin.ProjectsModuleID, map[string]any{
		"Title": "Crashed", "wpCompany": 1, "ProjectSyncKey": key})
	if err != nil {
		t.Fatal(err)
	}
	client, err := aztables.NewServiceClientFromConnectionString(shared.server.ConnectionString(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	book := ledger.NewTable(client, table, func() time.Time { return time.Now().Add(-time.Hour) })
	claim, err := book.Claim(ctx, key, "crashed-instance", "Crashed", time.Minute)
	if err != nil || !claim.Owned {
		t.Fatalf("seed claim: %v %+v", err, claim)
	}
	if err := book.MarkAttempted(ctx, &claim, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}

	a := c.post([]byte(`{"title":"Crashed","sourceId":"crash-1"}`))
	if a.Status != http.StatusOK || a.num("entityId") != id {
		t.Fatalf("got %d %s, want 200 with entity %d", a.Status, a.Body, id)
	}
	if n := c.stack.Solution.CreateCount(); n != 0 {
		t.Errorf("creates: got %d, want 0", n)
	}
}

// U6: throttling. A short Retry-After is waited out within the deadline; a
// long one, or none, becomes 503 with Retry-After for the caller, without
// a tight loop.
func TestIdempotency_Throttled(t *testing.T) {
	tests := []struct {
		name, retryAfter string
		times            int
		status           int
		wantRetryAfter   string
	}{
		{"short wait", "2", 1, http.StatusCreated, ""},
		{"long wait", "600", 50, http.StatusServiceUnavailable, "600"},
		{"no header", "", 50, http.StatusServiceUnavailable, "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startChain(t, nil, withSetting("REQUEST_TIMEOUT", "20s"))
			// Warm up the token and module caches, so the throttle meets the create.
			c.post([]byte(`{"title":"Warm-up"}`))
			before := c.stack.WorkPoint.Calls("")
			c.stack.WorkPoint.SetThrottle(tt.retryAfter, tt.times)

			a := c.post([]byte(`{"title":"Throttled","sourceId":"throttle-1"}`))
			if a.Status != tt.status {
				t.Fatalf("got %d %s, want %d", a.Status, a.Body, tt.status)
			}
			if got := a.Header.Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("Retry-After: got %q, want %q", got, tt.wantRetryAfter)
			}
			if calls := c.stack.WorkPoint.Calls("") - before; calls > 10 {
				t.Errorf("%d WorkPoint calls for one request: a tight loop", calls)
			}
		})
	}
}
