package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// start is when every test clock starts.
var start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is a test clock that moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: start} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newLedgerFunc returns a new, empty ledger that reads the time from now.
type newLedgerFunc func(t *testing.T, now func() time.Time) Ledger

// testLedger checks that a Ledger keeps the protocol of the package
// comment. Every implementation runs it.
func testLedger(t *testing.T, newLedger newLedgerFunc) {
	tests := []struct {
		name string
		run  func(t *testing.T, l Ledger, clk *clock)
	}{
		{"ClaimNewKey", testClaimNewKey},
		{"LiveLeaseKeepsOthersOut", testLiveLease},
		{"CompleteRecordsDone", testComplete},
		{"ExpiredLeaseIsTakenOver", testTakeOver},
		{"OldHolderLosesClaim", testOldHolderLoses},
		{"ReleaseFreesKey", testRelease},
		{"ConcurrentClaimsHaveOneWinner", testConcurrentClaims},
		{"ConcurrentTakeOversHaveOneWinner", testConcurrentTakeOvers},
		{"ExtendPushesLease", testExtend},
		{"MarkAttemptedPushesLease", testMarkAttemptedLease},
		{"SameOwnerClaimsAgain", testSameOwner},
		{"MisuseIsRejected", testMisuse},
		{"OddKeysAndLongTitles", testOddKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			tt.run(t, newLedger(t, clk.Now), clk)
		})
	}
}

func testClaimNewKey(t *testing.T, l Ledger, clk *clock) {
	ctx := context.Background()
	if _, ok, err := l.Get(ctx, "item-1"); err != nil || ok {
		t.Fatalf("Get before claim: got ok %v, err %v; want false, nil", ok, err)
	}

	c := mustClaim(t, l, "item-1", "a", "Project Alpha", time.Minute)
	if !c.Owned || c.TookOver {
		t.Errorf("got Owned %v, TookOver %v; want true, false", c.Owned, c.TookOver)
	}
	want := Record{Key: "item-1", State: Claimed, Title: "Project Alpha", Owner: "a",
		LeaseUntil: start.Add(time.Minute), Updated: start}
	checkRecord(t, c.Record, want)

	got, ok, err := l.Get(ctx, "item-1")
	if err != nil || !ok {
		t.Fatalf("Get: got ok %v, err %v; want true, nil", ok, err)
	}
	checkRecord(t, got, want)
}

func testLiveLease(t *testing.T, l Ledger, clk *clock) {
	mustClaim(t, l, "item-1", "a", "Alpha", time.Minute)
	clk.Advance(59 * time.Second)

	c := mustClaim(t, l, "item-1", "b", "Alpha", time.Minute)
	if c.Owned || c.TookOver {
		t.Errorf("got Owned %v, TookOver %v; want false, false", c.Owned, c.TookOver)
	}
	if c.Record.Owner != "a" || c.Record.State != Claimed {
		t.Errorf("got owner %q, state %q; want a, claimed", c.Record.Owner, c.Record.State)
	}
}

func testComplete(t *testing.T, l Ledger, clk *clock) {
	ctx := context.Background()
	c := mustClaim(t, l, "item-1", "a", "Alpha", time.Minute)
	if err := l.MarkAttempted(ctx, &c, start.Add(2*time.Minute)); err != nil {
		t.Fatalf("MarkAttempted: %v", err)
	}
	clk.Advance(time.Second)
	if err := l.Complete(ctx, &c, 4711); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want := Record{Key: "item-1", State: Done, EntityID: 4711, Title: "Alpha", Owner: "a",
		LeaseUntil: start.Add(2 * time.Minute), Attempted: true,
		Updated: start.Add(time.Second)}
	checkRecord(t, c.Record, want)

	clk.Advance(time.Hour)
	for _, owner := range []string{"b", "a"} {
		later := mustClaim(t, l, "item-1", owner, "Alpha", time.Minute)
		if later.Owned || later.TookOver {
			t.Errorf("claim by %s after Done: got Owned %v, TookOver %v; want false, false",
				owner, later.Owned, later.TookOver)
		}
		checkRecord(t, later.Record, want)
	}
}

func testTakeOver(t *testing.T, l Ledger, clk *clock) {
	tests := []struct {
		name      string
		attempted bool
	}{
		{"attempted", true},
		{"not attempted", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "item-" + tt.name
			t0 := clk.Now()
			c := mustClaim(t, l, key, "a", "Alpha", time.Minute)
			leaseUntil := t0.Add(time.Minute)
			if tt.attempted {
				leaseUntil = t0.Add(2 * time.Minute)
				if err := l.MarkAttempted(context.Background(), &c, leaseUntil); err != nil {
					t.Fatalf("MarkAttempted: %v", err)
				}
			}
			clk.Advance(leaseUntil.Sub(t0))

			got := mustClaim(t, l, key, "b", "Alpha again", time.Minute)
			if !got.Owned || !got.TookOver {
				t.Errorf("got Owned %v, TookOver %v; want true, true", got.Owned, got.TookOver)
			}
			want := Record{Key: key, State: Claimed, Title: "Alpha again", Owner: "b",
				LeaseUntil: leaseUntil.Add(time.Minute), Attempted: tt.attempted,
				Updated: leaseUntil}
			checkRecord(t, got.Record, want)
		})
	}
}

func testOldHolderLoses(t *testing.T, l Ledger, clk *clock) {
	ctx := context.Background()
	ops := []struct {
		name string
		do   func(c *Claim) error
	}{
		{"MarkAttempted", func(c *Claim) error {
			return l.MarkAttempted(ctx, c, clk.Now().Add(time.Hour))
		}},
		{"Complete", func(c *Claim) error { return l.Complete(ctx, c, 1) }},
		{"Extend", func(c *Claim) error { return l.Extend(ctx, c, clk.Now().Add(time.Hour)) }},
		{"Release", func(c *Claim) error { return l.Release(ctx, c) }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			key := "item-" + op.name
			old := mustClaim(t, l, key, "a", "Alpha", time.Minute)
			clk.Advance(time.Minute)
			winner := mustClaim(t, l, key, "b", "Alpha", time.Minute)
			if !winner.TookOver {
				t.Fatalf("claim by b: got TookOver false, want true")
			}

			if err := op.do(&old); !errors.Is(err, ErrClaimLost) {
				t.Errorf("%s by the old holder: got error %v, want ErrClaimLost", op.name, err)
			}
			got, ok, err := l.Get(ctx, key)
			if err != nil || !ok {
				t.Fatalf("Get: got ok %v, err %v; want true, nil", ok, err)
			}
			checkRecord(t, got, winner.Record)
		})
	}
}

func testRelease(t *testing.T, l Ledger, clk *clock) {
	ctx := context.Background()
	c := mustClaim(t, l, "item-1", "a", "Alpha", time.Minute)
	stale := c
	if err := l.Release(ctx, &c); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if c.Owned {
		t.Errorf("after Release: got Owned true, want false")
	}
	if _, ok, err := l.Get(ctx, "item-1"); err != nil || ok {
		t.Errorf("Get after Release: got ok %v, err %v; want false, nil", ok, err)
	}

	again := mustClaim(t, l, "item-1", "b", "Alpha", time.Minute)
	if !again.Owned || again.TookOver {
		t.Errorf("claim after Release: got Owned %v, TookOver %v; want true, false",
			again.Owned, again.TookOver)
	}
	if err := l.Complete(ctx, &c, 1); err == nil || errors.Is(err, ErrClaimLost) {
		t.Errorf("Complete through the released claim: got %v, want a not-held error", err)
	}
	if err := l.Complete(ctx, &stale, 1); !errors.Is(err, ErrClaimLost) {
		t.Errorf("Complete through a copy of the released claim: got %v, want ErrClaimLost",
			err)
	}
}

func testConcurrentClaims(t *testing.T, l Ledger, clk *clock) {
	raceForKey(t, l, "item-1", false)
}

func testConcurrentTakeOvers(t *testing.T, l Ledger, clk *clock) {
	mustClaim(t, l, "item-1", "a", "Alpha", time.Minute)
	clk.Advance(time.Minute)
	raceForKey(t, l, "item-1", true)
}

// raceForKey has 50 requests claim key at once and checks that exactly one
// wins, taking over an expired claim if takeOver is set.
func raceForKey(t *testing.T, l Ledger, key string, takeOver bool) {
	t.Helper()
	const n = 50
	claims := make([]Claim, n)
	errs := make([]error, n)
	var ready, wg sync.WaitGroup
	ready.Add(1)
	for i := range n {
		wg.Go(func() {
			ready.Wait()
			claims[i], errs[i] = l.Claim(context.Background(), key,
				fmt.Sprintf("owner-%d", i), "Alpha", time.Minute)
		})
	}
	ready.Done()
	wg.Wait()

	var winners []Claim
	for i, c := range claims {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if c.Owned {
			winners = append(winners, c)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("got %d owners, want exactly 1", len(winners))
	}
	if winners[0].TookOver != takeOver {
		t.Errorf("winner: got TookOver %v, want %v", winners[0].TookOver, takeOver)
	}
	for i, c := range claims {
		if c.Record.Owner != winners[0].Record.Owner {
			t.Errorf("claim %d: got owner %q, want %q", i, c.Record.Owner,
				winners[0].Record.Owner)
		}
	}
}

func testExtend(t *testing.T, l Ledger, clk *clock) {
	ctx := context.Background()
	c := mustClaim(t, l, "item-1", "a", "Alpha", time.Minute)
	if err := l.Extend(ctx, &c, start.Add(5*time.Minute)); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if got, want := c.Record.LeaseUntil, start.Add(5*time.Minute); !got.Equal(want) {
		t.Errorf("lease after Extend: got %v, want %v", got, want)
	}

	clk.Advance(4 * time.Minute)
	if got := mustClaim(t, l, "item-1", "b", "Alpha", time.Minute); got.Owned {
		t.Errorf("claim within the extended lease: got Owned true, want false")
	}
	clk.Advance(time.Minute)
	if got := mustClaim(t, l, "item-1", "b", "Alpha", time.Minute); !got.TookOver {
		t.Errorf("claim after the extended lease: got TookOver false, want true")
	}
}

func testMarkAttemptedLease(t *testing.T, l Ledger, clk *clock) {
	c := mustClaim(t, l, "item-1", "a", "Alpha", time.Minute)
	if err := l.MarkAttempted(context.Background(), &c, start.Add(10*time.Minute)); err != nil {
		t.Fatalf("MarkAttempted: %v", err)
	}
	if !c.Record.Attempted {
		t.Errorf("after MarkAttempted: got Attempted false, want true")
	}
	clk.Advance(9 * time.Minute)
	if got := mustClaim(t, l, "item-1", "b", "Alpha", time.Minute); got.Owned {
		t.Errorf("claim within the marked lease: got Owned true, want false")
	}
}

func testSameOwner(t *testing.T, l Ledger, clk *clock) {
	ctx := context.Background()
	first := mustClaim(t, l, "item-1", "a", "Alpha", time.Minute)
	if err := l.MarkAttempted(ctx, &first, start.Add(time.Minute)); err != nil {
		t.Fatalf("MarkAttempted: %v", err)
	}
	clk.Advance(time.Second)

	again := mustClaim(t, l, "item-1", "a", "Alpha", time.Minute)
	if !again.Owned || !again.TookOver || !again.Record.Attempted {
		t.Errorf("claim again by the holder: got Owned %v, TookOver %v, Attempted %v; "+
			"want true, true, true", again.Owned, again.TookOver, again.Record.Attempted)
	}
	if err := l.Complete(ctx, &again, 7); err != nil {
		t.Fatalf("Complete through the new claim: %v", err)
	}
	if err := l.Complete(ctx, &first, 8); !errors.Is(err, ErrClaimLost) {
		t.Errorf("Complete through the first claim: got %v, want ErrClaimLost", err)
	}
}

func testMisuse(t *testing.T, l Ledger, clk *clock) {
	ctx := context.Background()
	bad := []struct {
		name, key, owner string
		lease            time.Duration
	}{
		{"empty key", "", "a", time.Minute},
		{"empty owner", "item-1", "", time.Minute},
		{"zero lease", "item-1", "a", 0},
		{"negative lease", "item-1", "a", -time.Minute},
	}
	for _, b := range bad {
		if _, err := l.Claim(ctx, b.key, b.owner, "Alpha", b.lease); err == nil {
			t.Errorf("Claim with %s: got nil error, want one", b.name)
		}
	}

	if _, _, err := l.Get(ctx, ""); err == nil {
		t.Errorf("Get of the empty key: got nil error, want one")
	}

	other := mustClaim(t, l, "item-2", "a", "Beta", time.Minute)
	waiting := mustClaim(t, l, "item-2", "b", "Beta", time.Minute)
	if err := l.Complete(ctx, &waiting, 1); err == nil || errors.Is(err, ErrClaimLost) {
		t.Errorf("Complete of a claim not owned: got %v, want a not-held error", err)
	}
	if err := l.Complete(ctx, &other, 2); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if err := l.Release(ctx, &other); err == nil {
		t.Errorf("Release of a Done claim: got nil error, want one")
	}
	if err := l.Complete(ctx, &other, 3); err == nil {
		t.Errorf("second Complete: got nil error, want one")
	}
	if err := l.Extend(ctx, nil, start); err == nil {
		t.Errorf("Extend of a nil claim: got nil error, want one")
	}
	if err := l.Extend(ctx, &other, time.Time{}); err == nil {
		t.Errorf("Extend to the zero time: got nil error, want one")
	}
	got, _, err := l.Get(ctx, "item-2")
	if err != nil || got.State != Done || got.EntityID != 2 {
		t.Errorf("Get after misuse: got %s %d, err %v; want done 2, nil",
			got.State, got.EntityID, err)
	}
}

func testOddKeys(t *testing.T, l Ledger, clk *clock) {
	ctx := context.Background()
	keys := []string{
		"sites/Projects/Lists/Projects/items/42#v1?x=1\\y",
		"Überprüfung ✓ 項目 \t\n\x00",
		strings.Repeat("k", 1500),
	}
	title := strings.Repeat("é", 1500)
	for _, key := range keys {
		c := mustClaim(t, l, key, "a", title, time.Minute)
		if err := l.Complete(ctx, &c, 9); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		got, ok, err := l.Get(ctx, key)
		if err != nil || !ok {
			t.Fatalf("Get: got ok %v, err %v; want true, nil", ok, err)
		}
		if got.Key != key || got.EntityID != 9 {
			t.Errorf("Get: got key of %d bytes, entity %d; want %d bytes, 9",
				len(got.Key), got.EntityID, len(key))
		}
		if n := utf8.RuneCountInString(got.Title); n != maxText {
			t.Errorf("title: got %d characters, want %d", n, maxText)
		}
	}
	if _, ok, err := l.Get(ctx, keys[2][:1400]); err != nil || ok {
		t.Errorf("Get of a prefix of a long key: got ok %v, err %v; want false, nil", ok, err)
	}
}

// mustClaim claims key and fails the test on an error.
func mustClaim(t *testing.T, l Ledger, key, owner, title string, lease time.Duration) Claim {
	t.Helper()
	c, err := l.Claim(context.Background(), key, owner, title, lease)
	if err != nil {
		t.Fatalf("Claim(%q, %q): %v", key, owner, err)
	}
	return c
}

// checkRecord compares every exported field of got and want.
func checkRecord(t *testing.T, got, want Record) {
	t.Helper()
	if got.Key != want.Key || got.State != want.State || got.EntityID != want.EntityID ||
		got.Title != want.Title || got.Owner != want.Owner ||
		!got.LeaseUntil.Equal(want.LeaseUntil) || got.Attempted != want.Attempted ||
		!got.Updated.Equal(want.Updated) {
		t.Errorf("got record\n\t%s\nwant\n\t%s", show(got), show(want))
	}
	if got.version == "" {
		t.Errorf("got record without a version")
	}
}

func show(r Record) string {
	return fmt.Sprintf("key %q state %s entity %d title %q owner %q lease %s attempted %v "+
		"updated %s", r.Key, r.State, r.EntityID, r.Title, r.Owner,
		r.LeaseUntil.UTC().Format(time.RFC3339Nano), r.Attempted,
		r.Updated.UTC().Format(time.RFC3339Nano))
}
