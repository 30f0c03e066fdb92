package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Memory is a [Ledger] kept in the memory of one process.
//
// NOTE: a Memory protects only requests that reach the same instance of
// the Function App, and it forgets everything when the process exits.
// Use [Table] wherever the app may run on more than one instance. Records
// are never evicted, so a Memory grows by one small record per key.
type Memory struct {
	now func() time.Time

	mu      sync.Mutex
	records map[string]Record
	// version counts every write, so that a record deleted and claimed
	// again never repeats a version an old holder may still carry.
	version uint64
}

var _ Ledger = (*Memory)(nil)

// NewMemory returns an empty Memory that reads the time from now, or from
// time.Now if now is nil.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, records: make(map[string]Record)}
}

// Claim implements [Ledger.Claim].
func (m *Memory) Claim(
	ctx context.Context, key, owner, title string, lease time.Duration,
) (Claim, error) {
	if err := checkClaim(key, owner, lease); err != nil {
		return Claim{}, err
	}
	if err := ctx.Err(); err != nil {
		return Claim{}, fmt.Errorf("ledger: claim: %w", err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	r, ok := m.records[key]
	switch {
	case !ok:
		r = m.store(claimed(Record{Key: key}, owner, title, now, lease))
		return Claim{Record: r, Owned: true}, nil
	case !claimable(r, owner, now):
		return Claim{Record: r}, nil
	}
	r = m.store(claimed(r, owner, title, now, lease))
	return Claim{Record: r, Owned: true, TookOver: true}, nil
}

// MarkAttempted implements [Ledger.MarkAttempted].
func (m *Memory) MarkAttempted(ctx context.Context, c *Claim, leaseUntil time.Time) error {
	if err := checkLease("mark attempted", leaseUntil); err != nil {
		return err
	}
	return m.update(ctx, "mark attempted", c, func(r *Record) {
		r.Attempted = true
		r.LeaseUntil = leaseUntil
	})
}

// Complete implements [Ledger.Complete].
func (m *Memory) Complete(ctx context.Context, c *Claim, entityID int) error {
	return m.update(ctx, "complete", c, func(r *Record) {
		r.State = Done
		r.EntityID = entityID
	})
}

// Extend implements [Ledger.Extend].
func (m *Memory) Extend(ctx context.Context, c *Claim, leaseUntil time.Time) error {
	if err := checkLease("extend", leaseUntil); err != nil {
		return err
	}
	return m.update(ctx, "extend", c, func(r *Record) {
		r.LeaseUntil = leaseUntil
	})
}

// Release implements [Ledger.Release]. Releasing a key that is no longer
// in the ledger succeeds: nobody holds it.
func (m *Memory) Release(ctx context.Context, c *Claim) error {
	if err := checkHeld("release", c); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ledger: release: %w", err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[c.Record.Key]
	if ok && r.version != c.Record.version {
		return ErrClaimLost
	}
	delete(m.records, c.Record.Key)
	c.Owned = false
	return nil
}

// Get implements [Ledger.Get].
func (m *Memory) Get(ctx context.Context, key string) (Record, bool, error) {
	if key == "" {
		return Record{}, false, errors.New("ledger: get: empty key")
	}
	if err := ctx.Err(); err != nil {
		return Record{}, false, fmt.Errorf("ledger: get: %w", err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[key]
	return r, ok, nil
}

// update applies change to the record c holds, if c's version is still
// the stored one, and refreshes c.
func (m *Memory) update(ctx context.Context, step string, c *Claim, change func(*Record)) error {
	if err := checkHeld(step, c); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ledger: %s: %w", step, err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[c.Record.Key]
	if !ok || r.version != c.Record.version {
		return ErrClaimLost
	}
	change(&r)
	r.Updated = m.now()
	c.Record = m.store(r)
	return nil
}

// store saves r under a new version and returns it. m.mu must be held.
func (m *Memory) store(r Record) Record {
	m.version++
	r.version = strconv.FormatUint(m.version, 10)
	m.records[r.Key] = r
	return r
}
