package project

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"projectsync/internal/ledger"
	"projectsync/internal/workpoint"
)

// PendingError means the entity may exist or be on its way, but this
// request cannot say which in time: another request holds the key, or
// WorkPoint did not answer a create. A retry after RetryAfter finds the
// entity, or creates it if it never came to be.
type PendingError struct {
	Key        string
	RetryAfter time.Duration
	// Unanswered is set when this request's own create got no answer.
	Unanswered bool
	Err        error
}

func (e *PendingError) Error() string {
	if e.Unanswered {
		return fmt.Sprintf("project: create: no answer from WorkPoint; retry after %s: %v",
			e.RetryAfter.Round(time.Second), e.Err)
	}
	return fmt.Sprintf("project: wait for key: another request is creating it; retry after %s",
		e.RetryAfter.Round(time.Second))
}

func (e *PendingError) Unwrap() error { return e.Err }

// LedgerError means the idempotency ledger could not be read or written,
// so nothing was created.
type LedgerError struct {
	Step string
	Err  error
}

func (e *LedgerError) Error() string {
	return fmt.Sprintf("project: ledger: %s: %v", e.Step, e.Err)
}

func (e *LedgerError) Unwrap() error { return e.Err }

// margin is kept from the request's deadline for the ledger's last write
// and the answer.
const margin = 3 * time.Second

// once creates the entity for key unless the ledger says it exists, waits
// for another request that holds the key, or recovers a create a crashed
// or timed-out request left unanswered.
func (s *Service) once(ctx context.Context, key string, fields map[string]any,
	res Result) (Result, error) {
	log := zerolog.Ctx(ctx)
	claim, err := s.cfg.Ledger.Claim(ctx, key, s.owner(), res.Title, s.cfg.Lease)
	if err != nil {
		return Result{}, &LedgerError{Step: "claim", Err: err}
	}
	if !claim.Owned {
		rec, err := s.wait(ctx, key, claim.Record)
		if err != nil {
			return Result{}, err
		}
		log.Debug().Int("entity_id", rec.EntityID).Msg("entity exists already; not created again")
		return repeat(res, rec), nil
	}

	if claim.TookOver && claim.Record.Attempted {
		log.Info().Msg("an earlier create for this key got no answer; checking WorkPoint first")
		id, ok, err := s.findExisting(ctx, key, fields)
		switch {
		case err != nil:
			// WorkPoint cannot say whether the entity exists: creating now
			// could make a second one. Keep the key, let the caller retry.
			retry := 5 * time.Second
			if xerr := s.cfg.Ledger.Extend(ctx, &claim, time.Now().Add(retry)); xerr != nil {
				retry = s.cfg.Lease
			}
			return Result{}, &PendingError{Key: key, RetryAfter: retry, Unanswered: true, Err: err}
		case ok:
			s.complete(ctx, &claim, id)
			res.EntityID, res.Created = id, false
			return res, nil
		}
	}

	err = s.cfg.Ledger.MarkAttempted(ctx, &claim, time.Now().Add(s.cfg.SettleTime))
	if err != nil {
		return Result{}, &LedgerError{Step: "mark attempted", Err: err}
	}
	id, err := s.create(ctx, fields)
	switch {
	case err == nil:
		s.complete(ctx, &claim, id)
		res.EntityID, res.Created = id, true
		return res, nil
	case notCreated(err):
		s.release(ctx, &claim)
		return Result{}, err
	}

	// No answer: the entity may exist. Look once; if it is not there
	// yet, keep the claim until WorkPoint has had time to finish.
	log.Warn().Err(err).Msg("create got no answer; looking for the entity")
	if id, ok, _ := s.findExisting(ctx, key, fields); ok {
		s.complete(ctx, &claim, id)
		res.EntityID, res.Created = id, true
		return res, nil
	}
	return Result{}, &PendingError{Key: key, RetryAfter: s.cfg.SettleTime, Unanswered: true,
		Err: err}
}

// repeat answers a request whose entity exists already: with what the
// ledger knows of the entity, never with this request's own title or
// parent, which may differ from what was created.
func repeat(res Result, rec ledger.Record) Result {
	res.EntityID, res.Created = rec.EntityID, false
	if rec.Title != "" {
		res.Title = rec.Title
	}
	res.ParentID, res.ParentTitle = 0, ""
	return res
}

// wait polls the ledger while another request holds the key, until it is
// done, the holder's lease ends, or this request's deadline nears.
func (s *Service) wait(ctx context.Context, key string, rec ledger.Record) (ledger.Record, error) {
	deadline, hasDeadline := ctx.Deadline()
	for delay := 100 * time.Millisecond; ; delay = min(delay*2, time.Second) {
		if rec.State == ledger.Done {
			return rec, nil
		}
		left := time.Until(rec.LeaseUntil)
		if hasDeadline && time.Until(deadline) < margin+delay || left <= 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ledger.Record{}, ctx.Err()
		case <-time.After(delay):
		}
		next, ok, err := s.cfg.Ledger.Get(ctx, key)
		if err != nil {
			return ledger.Record{}, &LedgerError{Step: "read", Err: err}
		}
		if !ok {
			// The holder released the key: nothing was created.
			return ledger.Record{}, &PendingError{Key: key, RetryAfter: time.Second}
		}
		rec = next
	}
	after := max(time.Until(rec.LeaseUntil), time.Second)
	return ledger.Record{}, &PendingError{Key: key, RetryAfter: after}
}

// create sends the create, retrying only on throttling, which WorkPoint
// answers before doing anything, and only while the wait fits the
// request's deadline.
func (s *Service) create(ctx context.Context, fields map[string]any) (int, error) {
	cctx, cancel := withMargin(ctx)
	defer cancel()
	for attempt := 1; ; attempt++ {
		id, err := s.wp.Create(cctx, s.cfg.ModuleID, fields)
		var we *workpoint.Error
		throttled := errors.As(err, &we) && we.Status == http.StatusTooManyRequests
		if err == nil || !throttled || attempt == 4 {
			return id, err
		}
		wait := we.RetryAfter
		if wait <= 0 {
			wait = time.Duration(attempt) * time.Second
		}
		wait += time.Duration(rand.Int64N(int64(250 * time.Millisecond)))
		if d, ok := cctx.Deadline(); ok && time.Until(d) < wait {
			return id, err
		}
		zerolog.Ctx(ctx).Debug().Dur("wait", wait).Int("attempt", attempt).
			Msg("WorkPoint throttled the create; waiting")
		select {
		case <-cctx.Done():
			return id, err
		case <-time.After(wait):
		}
	}
}

// findExisting looks for the entity a create without answer may have
// made: by the source field when one is configured, else by title and
// parent.
// An error means WorkPoint could not be asked: the entity may exist.
func (s *Service) findExisting(ctx context.Context, key string,
	fields map[string]any) (int, bool, error) {
	lctx, cancel := tail(ctx)
	defer cancel()
	log := zerolog.Ctx(ctx)

	field, value := "Title", fields["Title"].(string)
	if s.cfg.SourceField != "" {
		field, value = s.cfg.SourceField, key
	}
	items, err := s.wp.FindByField(lctx, s.cfg.ModuleID, field, value, 50)
	if err != nil {
		log.Warn().Err(err).Msg("could not look for the entity")
		return 0, false, err
	}
	for _, it := range items {
		if s.cfg.SourceField == "" && !sameParent(it, fields, s.parentField()) {
			continue
		}
		log.Info().Int("entity_id", it.ID).Msg("found the entity an unanswered create made")
		return it.ID, true, nil
	}
	return 0, false, nil
}

func (s *Service) parentField() string {
	if s.cfg.ParentField != "" {
		return s.cfg.ParentField
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.module != nil {
		return s.module.m.ParentRelationName
	}
	return ""
}

// sameParent reports whether the item has the parent fields asks for.
func sameParent(it workpoint.ListItem, fields map[string]any, parentField string) bool {
	want, ok := fields[parentField].(int)
	if parentField == "" || !ok {
		return true
	}
	got, found := it.Field(parentField)
	return !found || got.Value == strconv.Itoa(want)
}

// complete records the entity id. A failure is logged, not returned: the
// entity exists, and the next request for the key finds it in WorkPoint.
func (s *Service) complete(ctx context.Context, c *ledger.Claim, id int) {
	lctx, cancel := tail(ctx)
	defer cancel()
	if err := s.cfg.Ledger.Complete(lctx, c, id); err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Int("entity_id", id).
			Msg("could not record the entity in the ledger")
	}
}

// release gives the key up after a create WorkPoint refused.
func (s *Service) release(ctx context.Context, c *ledger.Claim) {
	lctx, cancel := tail(ctx)
	defer cancel()
	if err := s.cfg.Ledger.Release(lctx, c); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not release the ledger claim")
	}
}

// notCreated reports whether err proves WorkPoint created nothing: it
// answered with a refusal, or the request never left (a token or secret
// failure surfaces as an error without an answer from WorkPoint).
func notCreated(err error) bool {
	var we *workpoint.Error
	if !errors.As(err, &we) {
		return true
	}
	if we.Status == 0 {
		// No answer: certain only if the call was never sent.
		return we.NotSent
	}
	// A refusal proves it; a 5xx, or a 2xx that could not be read, does not.
	return we.Status >= 400 && we.Status < 500
}

func (s *Service) owner() string {
	return s.cfg.Owner + "/" + strconv.FormatInt(rand.Int64(), 36)
}

// tail returns a context for the work after the create (looking for the
// entity, writing the ledger): it outlives a caller that went away, but
// not the request's own deadline, which the create left margin for.
func tail(ctx context.Context) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok || time.Until(d) < time.Second {
		d = time.Now().Add(time.Second)
	}
	return context.WithDeadline(context.WithoutCancel(ctx), d)
}

// withMargin returns ctx shortened by margin, so that after the create the
// ledger can still be written and the answer sent.
func withMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, d.Add(-margin))
	}
	return context.WithCancel(ctx)
}
