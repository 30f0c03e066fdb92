package project

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"projectsync/internal/ledger"
	"projectsync/internal/workpoint"
)

// WorkPoint is what the use case needs of the WorkPoint Web API;
// *workpoint.Client provides it.
type WorkPoint interface {
	BusinessModule(ctx context.Context, id string) (workpoint.BusinessModule, error)
	FindByTitle(ctx context.Context, moduleID, title string, limit int) ([]workpoint.ListItem, error)
	FindByField(ctx context.Context, moduleID, field, value string, limit int) ([]workpoint.ListItem, error)
	Create(ctx context.Context, moduleID string, fields map[string]any) (int, error)
}

var _ WorkPoint = (*workpoint.Client)(nil)

// Config is the part of the settings the use case needs.
type Config struct {
	// ModuleID is the business module entities are created in.
	ModuleID string
	// DefaultParent is the parent used when a request names none: a
	// numeric id or a title. Empty means no parent.
	DefaultParent string
	// ParentModuleID and ParentField override the module's own parent
	// definition. Empty means as WorkPoint defines it.
	ParentModuleID string
	ParentField    string
	// CacheTTL is how long module definitions and parent ids found by
	// title are reused. Zero means five minutes.
	CacheTTL time.Duration

	// Ledger records claims and outcomes per idempotency key. Nil means
	// every request creates.
	Ledger ledger.Ledger
	// Owner names this instance in ledger claims.
	Owner string
	// Lease is how long a claim keeps others waiting before anything was
	// sent to WorkPoint. Zero means 90 seconds.
	Lease time.Duration
	// SettleTime is how long a create that got no answer may still
	// complete in WorkPoint: until then, requests for the same key wait;
	// after it, the next one checks WorkPoint before creating. Zero means
	// three minutes.
	SettleTime time.Duration
	// SourceField is the internal name of a text field that stores the
	// idempotency key on the entity, so a lost create is found exactly.
	// Empty means a lost create is looked for by title and parent.
	SourceField string
}

// Result is the outcome of a successful [Service.Sync].
type Result struct {
	EntityID         int    `json:"entityId"`
	Title            string `json:"title"`
	BusinessModuleID string `json:"businessModuleId"`
	ParentID         int    `json:"parentId,omitempty"`
	ParentTitle      string `json:"parent,omitempty"`
	SourceID         string `json:"sourceId,omitempty"`
	// Created is false when the entity existed already and was not
	// created again.
	Created bool `json:"created"`
}

// ParentError reports a parent that cannot be resolved: none or several
// entities have its title, or the module has no parent module.
type ParentError struct {
	Parent   ParentRef
	ModuleID string
	// Found is how many entities have the title.
	Found int
	// NoParentModule is set when the business module defines no parent.
	NoParentModule bool
}

func (e *ParentError) Error() string {
	if e.NoParentModule {
		return fmt.Sprintf("project: resolve parent %s: business module %s has no parent module",
			e.Parent, e.ModuleID)
	}
	return fmt.Sprintf("project: resolve parent %s: %d entities found in business module %s",
		e.Parent, e.Found, e.ModuleID)
}

// Service creates entities. It is safe for concurrent use.
type Service struct {
	wp  WorkPoint
	cfg Config

	mu      sync.Mutex
	module  *cachedModule
	parents map[string]cachedParent
}

type cachedModule struct {
	m  workpoint.BusinessModule
	at time.Time
}

type cachedParent struct {
	id int
	at time.Time
}

// NewService returns a Service creating entities through wp.
func NewService(wp WorkPoint, cfg Config) *Service {
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 5 * time.Minute
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 90 * time.Second
	}
	if cfg.SettleTime <= 0 {
		cfg.SettleTime = 3 * time.Minute
	}
	return &Service{wp: wp, cfg: cfg, parents: make(map[string]cachedParent)}
}

// Sync creates the entity req describes, at most once per idempotency
// key: a request for a key already done answers with the same entity id
// and Created false.
func (s *Service) Sync(ctx context.Context, req Request) (Result, error) {
	log := zerolog.Ctx(ctx)
	res := Result{Title: req.Title, BusinessModuleID: s.cfg.ModuleID, SourceID: req.SourceID}

	fields := make(map[string]any, len(req.Fields)+3)
	for k, v := range req.Fields {
		fields[k] = v
	}
	fields["Title"] = req.Title

	parent, err := s.parentRef(req)
	if err != nil {
		return Result{}, err
	}
	if parent != nil {
		field, id, err := s.resolveParent(ctx, *parent)
		if err != nil {
			return Result{}, err
		}
		fields[field] = id
		res.ParentID, res.ParentTitle = id, parent.Title
		log.Debug().Int("parent_id", id).Str("parent_field", field).Msg("parent resolved")
	}

	key := req.Key()
	if key == "" || s.cfg.Ledger == nil {
		id, err := s.create(ctx, fields)
		if err != nil {
			return Result{}, err
		}
		res.EntityID, res.Created = id, true
		return res, nil
	}
	key = s.cfg.ModuleID + "|" + key
	if s.cfg.SourceField != "" {
		fields[s.cfg.SourceField] = key
	}
	return s.once(ctx, key, fields, res)
}

// parentRef picks the request's parent, else the default of the settings.
func (s *Service) parentRef(req Request) (*ParentRef, error) {
	if req.Parent != nil {
		return req.Parent, nil
	}
	d := strings.TrimSpace(s.cfg.DefaultParent)
	if d == "" {
		return nil, nil
	}
	if n, err := strconv.Atoi(d); err == nil && n > 0 {
		return &ParentRef{ID: n}, nil
	}
	return &ParentRef{Title: d}, nil
}

// resolveParent returns the relation field and the parent's entity id.
func (s *Service) resolveParent(ctx context.Context, p ParentRef) (string, int, error) {
	m, err := s.moduleDefinition(ctx)
	if err != nil {
		return "", 0, err
	}
	parentModule, field := s.cfg.ParentModuleID, s.cfg.ParentField
	if parentModule == "" {
		parentModule = m.Parent
	}
	if field == "" {
		field = m.ParentRelationName
	}
	if parentModule == "" || field == "" {
		return "", 0, &ParentError{Parent: p, ModuleID: s.cfg.ModuleID, NoParentModule: true}
	}
	if p.ID > 0 {
		return field, p.ID, nil
	}

	key := parentModule + "\x00" + p.Title
	if id, ok := s.cachedParent(key); ok {
		return field, id, nil
	}
	items, err := s.wp.FindByTitle(ctx, parentModule, p.Title, 2)
	if err != nil {
		return "", 0, err
	}
	if len(items) != 1 {
		return "", 0, &ParentError{Parent: p, ModuleID: parentModule, Found: len(items)}
	}
	s.mu.Lock()
	s.parents[key] = cachedParent{id: items[0].ID, at: time.Now()}
	s.mu.Unlock()
	return field, items[0].ID, nil
}

func (s *Service) cachedParent(key string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.parents[key]
	if !ok || time.Since(c.at) > s.cfg.CacheTTL {
		return 0, false
	}
	return c.id, true
}

// moduleDefinition returns the business module, cached.
func (s *Service) moduleDefinition(ctx context.Context) (workpoint.BusinessModule, error) {
	s.mu.Lock()
	if c := s.module; c != nil && time.Since(c.at) < s.cfg.CacheTTL {
		s.mu.Unlock()
		return c.m, nil
	}
	s.mu.Unlock()

	m, err := s.wp.BusinessModule(ctx, s.cfg.ModuleID)
	if err != nil {
		return workpoint.BusinessModule{}, err
	}
	s.mu.Lock()
	s.module = &cachedModule{m: m, at: time.Now()}
	s.mu.Unlock()
	return m, nil
}
