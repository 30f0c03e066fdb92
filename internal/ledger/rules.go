package ledger

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// maxText is how many characters of a title, and in the table of a key,
// the ledger keeps. They are for people reading the ledger; the key itself
// is matched in full.
const maxText = 1000

// errNotHeld is returned for a [Claim] its caller never held or has
// already completed or released: a mistake of the caller, unlike
// [ErrClaimLost].
var errNotHeld = errors.New("claim not held")

// checkClaim validates the arguments of [Ledger.Claim].
func checkClaim(key, owner string, lease time.Duration) error {
	switch {
	case key == "":
		return errors.New("ledger: claim: empty key")
	case owner == "":
		return errors.New("ledger: claim: empty owner")
	case lease <= 0:
		return fmt.Errorf("ledger: claim: lease %v is not positive", lease)
	}
	return nil
}

// checkHeld reports whether the caller may change the record through c:
// c must be owned and still Claimed.
func checkHeld(step string, c *Claim) error {
	switch {
	case c == nil:
		return fmt.Errorf("ledger: %s: nil claim", step)
	case !c.Owned:
		return fmt.Errorf("ledger: %s: %w", step, errNotHeld)
	case c.Record.State != Claimed:
		return fmt.Errorf("ledger: %s: %w: the key is %s", step, errNotHeld, c.Record.State)
	}
	return nil
}

// checkLease validates a lease end given to MarkAttempted or Extend.
func checkLease(step string, leaseUntil time.Time) error {
	if leaseUntil.IsZero() {
		return fmt.Errorf("ledger: %s: zero lease end", step)
	}
	return nil
}

// claimable reports whether owner may claim a key whose record is r at
// now: r is a claim, and it is owner's own or its lease has run out.
func claimable(r Record, owner string, now time.Time) bool {
	return r.State == Claimed && (r.Owner == owner || !now.Before(r.LeaseUntil))
}

// claimed returns r claimed by owner at now for lease. Attempted is kept:
// a create sent under an earlier claim may have reached WorkPoint.
func claimed(r Record, owner, title string, now time.Time, lease time.Duration) Record {
	r.State = Claimed
	r.EntityID = 0
	r.Title = truncate(title, maxText)
	r.Owner = owner
	r.LeaseUntil = now.Add(lease)
	r.Updated = now
	return r
}

// truncate returns the first n characters of s.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
