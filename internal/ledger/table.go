package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
)

// DefaultTableName is the table [NewTable] uses when given none.
const DefaultTableName = "ProjectSyncLedger"

// rowKey is the RowKey of every ledger entity: each key has a partition
// of its own, holding one entity.
const rowKey = "claim"

// maxClaimRounds bounds how often Claim starts over after another request
// changed the key between its read and its write.
const maxClaimRounds = 8

// tableNamePattern is what Table Storage accepts as a table name.
var tableNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,62}$`)

// Table is a [Ledger] in an Azure Table Storage table, shared by every
// instance of the Function App.
//
// Each key is one entity. Its PartitionKey is the hex SHA-256 of the key,
// because keys may hold characters that table keys forbid; its RowKey is
// "claim". The entity's properties are the fields of [Record], with Title
// and Key cut to 1,000 characters.
//
// Nothing is ever written blindly. A claim inserts the entity, which fails
// with 409 if it exists; every later change replaces or deletes it only if
// its ETag is still the one last read, and fails with 412 otherwise. So of
// two requests racing for a key, on any number of instances, exactly one
// wins. Times are stored to the millisecond, in UTC.
type Table struct {
	service *aztables.ServiceClient
	client  *aztables.Client
	name    string
	now     func() time.Time

	// ready is set once the table is known to exist; creating is a
	// one-slot semaphore held while creating it.
	ready    atomic.Bool
	creating chan struct{}
}

var _ Ledger = (*Table)(nil)

// NewTable returns a Table that keeps the ledger in the named table of
// client's storage account, DefaultTableName if table is empty, and reads
// the time from now, or from time.Now if now is nil. The table is created
// on first use if it does not exist.
func NewTable(client *aztables.ServiceClient, table string, now func() time.Time) *Table {
	if table == "" {
		table = DefaultTableName
	}
	if now == nil {
		now = time.Now
	}
	t := &Table{service: client, name: table, now: now, creating: make(chan struct{}, 1)}
	if client != nil {
		t.client = client.NewClient(table)
	}
	return t
}

// Claim implements [Ledger.Claim].
func (t *Table) Claim(
	ctx context.Context, key, owner, title string, lease time.Duration,
) (Claim, error) {
	if err := checkClaim(key, owner, lease); err != nil {
		return Claim{}, err
	}
	if err := t.ensure(ctx); err != nil {
		return Claim{}, err
	}

	for range maxClaimRounds {
		c, again, err := t.claimRound(ctx, key, owner, title, lease)
		if !again {
			return c, err
		}
	}
	return Claim{}, fmt.Errorf("ledger: claim: the key changed under each of %d attempts",
		maxClaimRounds)
}

// claimRound makes one attempt at Claim. It reports again when another
// request changed the key between the read and the write, so that the
// key must be read again.
func (t *Table) claimRound(
	ctx context.Context, key, owner, title string, lease time.Duration,
) (c Claim, again bool, err error) {
	now := t.now()
	fresh := stamp(claimed(Record{Key: key}, owner, title, now, lease))
	etag, err := t.insert(ctx, fresh)
	switch _, code := status(err); {
	case err == nil:
		fresh.version = etag
		return Claim{Record: fresh, Owned: true}, false, nil
	case code != string(aztables.EntityAlreadyExists):
		return Claim{}, false, fmt.Errorf("ledger: claim: insert entity: %w", err)
	}

	cur, ok, err := t.read(ctx, key)
	switch {
	case err != nil:
		return Claim{}, false, fmt.Errorf("ledger: claim: read entity: %w", err)
	case !ok:
		return Claim{}, true, nil
	case !claimable(cur, owner, now):
		return Claim{Record: cur}, false, nil
	}

	next := stamp(claimed(cur, owner, title, now, lease))
	etag, err = t.replace(ctx, next, cur.version)
	switch {
	case err == nil:
		next.version = etag
		return Claim{Record: next, Owned: true, TookOver: true}, false, nil
	case lostRace(err):
		return Claim{}, true, nil
	}
	return Claim{}, false, fmt.Errorf("ledger: claim: replace entity: %w", err)
}

// MarkAttempted implements [Ledger.MarkAttempted].
func (t *Table) MarkAttempted(ctx context.Context, c *Claim, leaseUntil time.Time) error {
	if err := checkLease("mark attempted", leaseUntil); err != nil {
		return err
	}
	return t.update(ctx, "mark attempted", c, func(r *Record) {
		r.Attempted = true
		r.LeaseUntil = leaseUntil
	})
}

// Complete implements [Ledger.Complete].
func (t *Table) Complete(ctx context.Context, c *Claim, entityID int) error {
	return t.update(ctx, "complete", c, func(r *Record) {
		r.State = Done
		r.EntityID = entityID
	})
}

// Extend implements [Ledger.Extend].
func (t *Table) Extend(ctx context.Context, c *Claim, leaseUntil time.Time) error {
	if err := checkLease("extend", leaseUntil); err != nil {
		return err
	}
	return t.update(ctx, "extend", c, func(r *Record) {
		r.LeaseUntil = leaseUntil
	})
}

// Release implements [Ledger.Release]. Releasing a key that is no longer
// in the table succeeds: nobody holds it, and a delete retried after its
// answer was lost finds it so.
func (t *Table) Release(ctx context.Context, c *Claim) error {
	if err := checkHeld("release", c); err != nil {
		return err
	}
	if err := t.ensure(ctx); err != nil {
		return err
	}

	etag := azcore.ETag(c.Record.version)
	opts := &aztables.DeleteEntityOptions{IfMatch: &etag}
	_, err := t.client.DeleteEntity(ctx, partitionKey(c.Record.Key), rowKey, opts)
	switch code, _ := status(err); {
	case err == nil, code == http.StatusNotFound:
		c.Owned = false
		return nil
	case code == http.StatusPreconditionFailed:
		return ErrClaimLost
	}
	return fmt.Errorf("ledger: release: delete entity: %w", err)
}

// Get implements [Ledger.Get].
func (t *Table) Get(ctx context.Context, key string) (Record, bool, error) {
	if key == "" {
		return Record{}, false, errors.New("ledger: get: empty key")
	}
	if err := t.ensure(ctx); err != nil {
		return Record{}, false, err
	}

	r, ok, err := t.read(ctx, key)
	if err != nil {
		return Record{}, false, fmt.Errorf("ledger: get: read entity: %w", err)
	}
	return r, ok, nil
}

// update applies change to the record c holds, if its ETag is still the
// stored one, and refreshes c.
//
// A 412 is not always a lost claim: the SDK retries a write whose answer
// was lost, and the retry of a write that was carried out fails. So the
// entity is read again, and if it is exactly what this call wrote, the
// write stands.
func (t *Table) update(ctx context.Context, step string, c *Claim, change func(*Record)) error {
	if err := checkHeld(step, c); err != nil {
		return err
	}
	if err := t.ensure(ctx); err != nil {
		return err
	}

	next := c.Record
	change(&next)
	next.Updated = t.now()
	next = stamp(next)
	etag, err := t.replace(ctx, next, c.Record.version)
	switch {
	case err == nil:
		next.version = etag
		c.Record = next
		return nil
	case !lostRace(err):
		return fmt.Errorf("ledger: %s: replace entity: %w", step, err)
	}

	cur, ok, err := t.read(ctx, next.Key)
	switch {
	case err != nil:
		return fmt.Errorf("ledger: %s: read entity: %w", step, err)
	case !ok || !sameWrite(cur, next):
		return ErrClaimLost
	}
	c.Record = cur
	return nil
}

// ensure creates the table on first use. Concurrent first uses wait for
// one creation; a table that already exists, created by another instance,
// is fine. A failed creation is tried again on the next use.
func (t *Table) ensure(ctx context.Context) error {
	if t.ready.Load() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ledger: create table %s: %w", t.name, err)
	}
	if t.client == nil {
		return errors.New("ledger: no table service client")
	}
	if !tableNamePattern.MatchString(t.name) {
		return fmt.Errorf("ledger: table name %q: want a letter, then 2 to 62 letters or digits",
			t.name)
	}

	select {
	case t.creating <- struct{}{}:
		defer func() { <-t.creating }()
	case <-ctx.Done():
		return fmt.Errorf("ledger: create table %s: %w", t.name, ctx.Err())
	}
	if t.ready.Load() {
		return nil
	}
	_, err := t.service.CreateTable(ctx, t.name, nil)
	if _, code := status(err); err != nil && code != string(aztables.TableAlreadyExists) {
		return fmt.Errorf("ledger: create table %s: %w", t.name, err)
	}
	t.ready.Store(true)
	return nil
}

// insert adds r's entity, which fails with 409 if the key has one.
func (t *Table) insert(ctx context.Context, r Record) (string, error) {
	body, err := json.Marshal(newEntity(r))
	if err != nil {
		return "", err
	}
	resp, err := t.client.AddEntity(ctx, body, nil)
	if err != nil {
		return "", err
	}
	return string(resp.ETag), nil
}

// replace replaces r's entity if its ETag is etag, and fails with 412 if
// it is not, or with 404 if the entity is gone.
func (t *Table) replace(ctx context.Context, r Record, etag string) (string, error) {
	body, err := json.Marshal(newEntity(r))
	if err != nil {
		return "", err
	}
	match := azcore.ETag(etag)
	opts := &aztables.UpdateEntityOptions{IfMatch: &match, UpdateMode: aztables.UpdateModeReplace}
	resp, err := t.client.UpdateEntity(ctx, body, opts)
	if err != nil {
		return "", err
	}
	return string(resp.ETag), nil
}

// read returns key's record and whether it exists.
func (t *Table) read(ctx context.Context, key string) (Record, bool, error) {
	resp, err := t.client.GetEntity(ctx, partitionKey(key), rowKey, nil)
	if code, _ := status(err); code == http.StatusNotFound {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}

	var e entity
	if err := json.Unmarshal(resp.Value, &e); err != nil {
		return Record{}, false, fmt.Errorf("decode entity: %w", err)
	}
	if e.State != Claimed && e.State != Done {
		return Record{}, false, fmt.Errorf("decode entity: unknown state %q", e.State)
	}
	return e.record(key, string(resp.ETag)), true, nil
}
