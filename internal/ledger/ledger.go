// Package ledger records which source items have been turned into
// WorkPoint entities, so that a repeated or concurrent request for the
// same item never creates a second entity.
//
// A request first claims its idempotency key with a lease. The claim
// holder marks the claim when it is about to send the create, and
// completes it with the entity id. Another request for the same key finds
// the entity id, or a live claim to wait for, or an expired claim to take
// over: a claim left by a crash between WorkPoint's create and the
// ledger's record. Whoever takes over an attempted claim must check
// WorkPoint for the entity before creating it again.
//
// [Table] keeps the ledger in Azure Table Storage, shared by every
// instance of the Function App; [Memory] keeps it in the process, for a
// single instance or for development.
package ledger

import (
	"context"
	"errors"
	"time"
)

// State is the state of a key.
type State string

// The states of a key.
const (
	// Claimed: a request holds the key; no entity id is known yet.
	Claimed State = "claimed"
	// Done: the entity exists and its id is recorded.
	Done State = "done"
)

// Record is the ledger's entry for one idempotency key.
type Record struct {
	Key   string
	State State
	// EntityID is the WorkPoint entity id, set when State is Done.
	EntityID int
	// Title is the entity's title, for people reading the ledger.
	Title string
	// Owner identifies the request holding the claim.
	Owner string
	// LeaseUntil is when the claim may be taken over.
	LeaseUntil time.Time
	// Attempted is set once a create was sent under a claim: whether
	// WorkPoint carried it out is unknown until the claim completes.
	Attempted bool
	// Updated is when the record last changed.
	Updated time.Time

	// version is the store's concurrency token (an ETag for Table).
	version string
}

// Claim is the outcome of [Ledger.Claim].
type Claim struct {
	// Record is the key's record after the claim attempt.
	Record Record
	// Owned reports whether the caller now holds the claim. When false,
	// Record is another request's live claim or a Done record.
	Owned bool
	// TookOver reports that the caller took over an expired claim. If
	// Record.Attempted is set, a create may have reached WorkPoint.
	TookOver bool
}

// Ledger stores claims and outcomes. Implementations are safe for
// concurrent use.
type Ledger interface {
	// Claim claims key for owner with a lease, unless the key is Done or
	// another owner's lease is still live.
	Claim(ctx context.Context, key, owner, title string, lease time.Duration) (Claim, error)

	// MarkAttempted records, before the create is sent, that it is about to
	// be, and extends the lease to leaseUntil.
	MarkAttempted(ctx context.Context, c *Claim, leaseUntil time.Time) error

	// Complete records the entity id and marks the key Done.
	Complete(ctx context.Context, c *Claim, entityID int) error

	// Release gives up a claim under which nothing was created, so that
	// the next request may claim the key at once.
	Release(ctx context.Context, c *Claim) error

	// Extend moves the lease of a held claim to leaseUntil, for example to
	// keep others waiting while an unanswered create may still complete.
	Extend(ctx context.Context, c *Claim, leaseUntil time.Time) error

	// Get returns the key's record and whether it exists.
	Get(ctx context.Context, key string) (Record, bool, error)
}

// ErrClaimLost means the claim was taken over or changed by another
// request since it was read: the caller no longer holds it.
var ErrClaimLost = errors.New("ledger: claim lost to another request")
