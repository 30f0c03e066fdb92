package ledger

import (
	"context"
	"testing"
	"time"
)

func TestMemory(t *testing.T) {
	testLedger(t, func(t *testing.T, now func() time.Time) Ledger {
		return NewMemory(now)
	})
}

func TestMemory_NilClockIsTimeNow(t *testing.T) {
	m := NewMemory(nil)
	before := time.Now()
	c, err := m.Claim(context.Background(), "item-1", "a", "Alpha", time.Hour)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if c.Record.Updated.Before(before) || c.Record.LeaseUntil.Before(before.Add(time.Hour)) {
		t.Errorf("got updated %v, lease %v; want from time.Now (%v)",
			c.Record.Updated, c.Record.LeaseUntil, before)
	}
}

func TestMemory_CancelledContext(t *testing.T) {
	m := NewMemory(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Claim(ctx, "item-1", "a", "Alpha", time.Hour); err == nil {
		t.Errorf("Claim with a cancelled context: got nil error, want one")
	}
	if _, ok, _ := m.Get(context.Background(), "item-1"); ok {
		t.Errorf("Get after a cancelled Claim: got a record, want none")
	}
}
