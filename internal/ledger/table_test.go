package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
)

// tableCount numbers the tables the tests create, one per test.
var tableCount atomic.Int64

// newTableName returns a table name no other test uses.
func newTableName() string {
	return fmt.Sprintf("ledgertest%d", tableCount.Add(1))
}

// newAzuriteClient returns a client of the test Azurite.
func newAzuriteClient(t *testing.T, opts *aztables.ClientOptions) *aztables.ServiceClient {
	t.Helper()
	cs := azuriteConnectionString(t)
	cfg, err := ParseStorage(func(name string) string {
		if name == EnvStorage {
			return cs
		}
		return ""
	})
	if err != nil {
		t.Fatalf("ParseStorage: %v", err)
	}
	client, err := cfg.NewTableClient(nil, opts)
	if err != nil {
		t.Fatalf("NewTableClient: %v", err)
	}
	return client
}

func TestTable(t *testing.T) {
	client := newAzuriteClient(t, nil)
	testLedger(t, func(t *testing.T, now func() time.Time) Ledger {
		return NewTable(client, newTableName(), now)
	})
}

// TestTable_InstancesShareLedger has every request come through a Table of
// its own, as on separate instances: they also race to create the table.
func TestTable_InstancesShareLedger(t *testing.T) {
	client := newAzuriteClient(t, nil)
	name := newTableName()
	const n = 20
	owned := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			l := NewTable(client, name, nil)
			c, err := l.Claim(context.Background(), "item-1", fmt.Sprint("owner-", i),
				"Alpha", time.Minute)
			owned[i], errs[i] = c.Owned, err
		})
	}
	wg.Wait()

	winners := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		if owned[i] {
			winners++
		}
	}
	if winners != 1 {
		t.Errorf("got %d owners, want exactly 1", winners)
	}
}

// TestTable_EntityLayout reads the stored entity as any other tool would.
func TestTable_EntityLayout(t *testing.T) {
	client := newAzuriteClient(t, nil)
	name := newTableName()
	clk := newClock()
	l := NewTable(client, name, clk.Now)
	key := "sites/Projects/items/42#" + strings.Repeat("x", 1200)

	c := mustClaim(t, l, key, "owner-a", "Alpha", time.Minute)
	if err := l.MarkAttempted(context.Background(), &c, start.Add(time.Hour)); err != nil {
		t.Fatalf("MarkAttempted: %v", err)
	}
	if err := l.Complete(context.Background(), &c, 1<<40); err != nil {
		t.Fatalf("Complete: %v", err)
	}

	resp, err := client.NewClient(name).GetEntity(context.Background(),
		partitionKey(key), "claim", nil)
	if err != nil {
		t.Fatalf("GetEntity: %v", err)
	}
	var e aztables.EDMEntity
	if err := json.Unmarshal(resp.Value, &e); err != nil {
		t.Fatalf("decode entity: %v", err)
	}
	if len(e.PartitionKey) != 64 || strings.Trim(e.PartitionKey, "0123456789abcdef") != "" {
		t.Errorf("PartitionKey: got %q, want 64 hex digits", e.PartitionKey)
	}
	want := map[string]any{
		"State":      "done",
		"EntityID":   aztables.EDMInt64(1 << 40),
		"Title":      "Alpha",
		"Owner":      "owner-a",
		"LeaseUntil": aztables.EDMDateTime(start.Add(time.Hour)),
		"Attempted":  true,
		"Key":        key[:maxText],
		"Updated":    aztables.EDMDateTime(start),
	}
	for name, w := range want {
		got := e.Properties[name]
		if g, ok := got.(aztables.EDMDateTime); ok {
			got = aztables.EDMDateTime(time.Time(g).UTC())
		}
		if got != w {
			t.Errorf("%s: got %#v, want %#v", name, got, w)
		}
	}
	if len(e.Properties) != len(want) {
		t.Errorf("got %d properties, want %d: %v", len(e.Properties), len(want), e.Properties)
	}
}

// loseAnswer is a pipeline policy that, when armed with a method, sends
// the next request of that method and then drops the answer, as a network
// failure would. The SDK then sends the request again.
type loseAnswer struct {
	method atomic.Pointer[string]
	lost   atomic.Int64
}

func (p *loseAnswer) arm(method string) { p.method.Store(&method) }

func (p *loseAnswer) Do(req *policy.Request) (*http.Response, error) {
	m := p.method.Load()
	if m == nil || *m != req.Raw().Method || !p.method.CompareAndSwap(m, nil) {
		return req.Next()
	}
	resp, err := req.Next()
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	p.lost.Add(1)
	return nil, errors.New("test: answer lost")
}

// TestTable_RetriedWriteStands checks that a write carried out, whose
// answer was lost and which the SDK therefore sent again, succeeds.
func TestTable_RetriedWriteStands(t *testing.T) {
	lose := &loseAnswer{}
	opts := &aztables.ClientOptions{ClientOptions: azcore.ClientOptions{
		PerRetryPolicies: []policy.Policy{lose},
		Retry:            policy.RetryOptions{RetryDelay: time.Millisecond},
	}}
	client := newAzuriteClient(t, opts)
	l := NewTable(client, newTableName(), nil)
	ctx := context.Background()
	if _, _, err := l.Get(ctx, "item-0"); err != nil { // creates the table
		t.Fatalf("Get: %v", err)
	}

	lose.arm(http.MethodPost)
	c, err := l.Claim(ctx, "item-1", "a", "Alpha", time.Minute)
	if err != nil || !c.Owned {
		t.Fatalf("Claim: got Owned %v, err %v; want true, nil", c.Owned, err)
	}
	lose.arm(http.MethodPut)
	if err := l.MarkAttempted(ctx, &c, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("MarkAttempted: %v", err)
	}
	lose.arm(http.MethodPut)
	if err := l.Complete(ctx, &c, 42); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	got, _, err := l.Get(ctx, "item-1")
	if err != nil || got.State != Done || got.EntityID != 42 || !got.Attempted {
		t.Errorf("Get: got %s, err %v; want done 42, attempted", show(got), err)
	}

	c2 := mustClaim(t, l, "item-2", "a", "Beta", time.Minute)
	lose.arm(http.MethodDelete)
	if err := l.Release(ctx, &c2); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got, want := lose.lost.Load(), int64(4); got != want {
		t.Errorf("got %d answers lost, want %d", got, want)
	}
}

func TestTable_ErrorsNameNoKey(t *testing.T) {
	cs := azuriteConnectionString(t)
	wrongKey := "d3Jvbmcga2V5IGZvciB0aGUgdGVzdCBhY2NvdW50IG9ubHk="
	cs = strings.Replace(cs, azuriteKey, wrongKey, 1)
	cfg, err := ParseStorage(func(string) string { return cs })
	if err != nil {
		t.Fatalf("ParseStorage: %v", err)
	}
	client, err := cfg.NewTableClient(nil, nil)
	if err != nil {
		t.Fatalf("NewTableClient: %v", err)
	}

	_, err = NewTable(client, newTableName(), nil).Claim(context.Background(),
		"item-1", "a", "Alpha", time.Minute)
	if err == nil {
		t.Fatalf("Claim with a wrong key: got nil error, want one")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "ledger: create table ") {
		t.Errorf("got error %q, want it to start with %q", msg, "ledger: create table ")
	}
	if strings.Contains(msg, wrongKey) || strings.Contains(msg, cs) {
		t.Errorf("error shows the key: %s", msg)
	}
}

func TestTable_Misconfigured(t *testing.T) {
	client, err := aztables.NewServiceClientWithNoCredential("http://127.0.0.1:1/acct", nil)
	if err != nil {
		t.Fatalf("NewServiceClientWithNoCredential: %v", err)
	}
	tests := []struct {
		name string
		l    *Table
		want string
	}{
		{"no client", NewTable(nil, "", nil), "ledger: no table service client"},
		{"bad name", NewTable(client, "ledger-1", nil), `ledger: table name "ledger-1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.l.Claim(context.Background(), "item-1", "a", "Alpha", time.Minute)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got error %v, want one starting with %q", err, tt.want)
			}
		})
	}
}

func TestTable_CancelledContext(t *testing.T) {
	client := newAzuriteClient(t, nil)
	l := NewTable(client, newTableName(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Claim(ctx, "item-1", "a", "Alpha", time.Minute); !errors.Is(err,
		context.Canceled) {
		t.Errorf("Claim with a cancelled context: got %v, want context.Canceled", err)
	}
}
