package project

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"projectsync/internal/ledger"
	"projectsync/internal/mapping"
	"projectsync/internal/workpoint"
)

// WorkPoint is what the use case needs of the WorkPoint Web API;
// *workpoint.Client provides it.
type WorkPoint interface {
	BusinessModule(ctx context.Context, id string) (workpoint.BusinessModule, error)
	FindByTitle(ctx context.Context, moduleID, title string,
		limit int) ([]workpoint.ListItem, error)
	FindByField(ctx context.Context, moduleID, field, value string,
		limit int) ([]workpoint.ListItem, error)
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

	// Mapping maps a request's columns to WorkPoint fields: a SharePoint
	// item sends only the columns it names, and a composed body's fields
	// that name a mapped column are read by it (see [Service.Sync]). Nil
	// means the item's own columns are sent under their names.
	Mapping *mapping.Map
	// ParentColumn is the SharePoint item column whose value names the
	// parent entity: a title, an entity id, or a lookup. It is never sent
	// as a field unless the mapping maps it. When the item has no value
	// in it, or the body is composed, the parent is chosen as without it.
	// Empty means no parent column.
	ParentColumn string
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

	lookups *mapping.Resolver // nil without a mapping

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
	s := &Service{wp: wp, cfg: cfg, parents: make(map[string]cachedParent)}
	if cfg.Mapping != nil {
		s.lookups = mapping.NewResolver(wp, cfg.CacheTTL)
	}
	return s
}

// Sync creates the entity req describes, at most once per idempotency
// key: a request for a key already done answers with the same entity id
// and Created false.
//
// The fields sent are those of [Config.Mapping] when set, else the
// request's own. The parent is, in this order: the composed body's
// parent; the value of the item's [Config.ParentColumn]; the relation
// field when the mapping fills it; the default parent. Every value is
// checked before WorkPoint is called.
func (s *Service) Sync(ctx context.Context, req Request) (Result, error) {
	log := zerolog.Ctx(ctx)
	res := Result{Title: req.Title, BusinessModuleID: s.cfg.ModuleID, SourceID: req.SourceID}

	if req.Parent == nil && req.Shape == ShapeItem && s.cfg.ParentColumn != "" {
		p, err := columnParent(s.cfg.ParentColumn, req.Columns[s.cfg.ParentColumn])
		if err != nil {
			return Result{}, err
		}
		req.Parent = p
	}
	fields, err := s.fields(ctx, req)
	if err != nil {
		return Result{}, err
	}
	if s.cfg.Mapping != nil {
		log.Debug().Int("fields", len(fields)).Msg("columns mapped")
	}
	fields["Title"] = req.Title

	if err := s.setParent(ctx, req, fields, &res); err != nil {
		return Result{}, err
	}

	key := req.Key()
	if key == "" || s.cfg.Ledger == nil {
		id, err := s.create(ctx, fields)
		if err != nil {
			return Result{}, s.parentRefused(err, fields, res)
		}
		res.EntityID, res.Created = id, true
		return res, nil
	}
	key = s.cfg.ModuleID + "|" + key
	if s.cfg.SourceField != "" {
		fields[s.cfg.SourceField] = key
	}
	out, err := s.once(ctx, key, fields, res)
	if err != nil {
		return Result{}, s.parentRefused(err, fields, res)
	}
	return out, nil
}

// parentRefused turns WorkPoint's refusal of the relation field, when the
// parent was given by an id nobody checked, into the parent's own error:
// the id names no entity.
func (s *Service) parentRefused(err error, fields map[string]any, res Result) error {
	var we *workpoint.Error
	if res.ParentID == 0 || res.ParentTitle != "" || !errors.As(err, &we) ||
		we.Kind() != workpoint.KindFields {
		return err
	}
	for name, v := range fields {
		id, ok := v.(int)
		if ok && id == res.ParentID && strings.Contains(we.Message, "'"+name+"'") {
			return &ParentError{Parent: ParentRef{ID: id}, ModuleID: s.cfg.ModuleID}
		}
	}
	return err
}

// setParent puts the parent's entity id in its relation field of fields
// and in res.
func (s *Service) setParent(ctx context.Context, req Request, fields map[string]any,
	res *Result) error {
	parent, isDefault := s.parentRef(req)
	if parent == nil {
		return nil
	}
	parentModule, field, err := s.relation(ctx, *parent)
	if err != nil {
		return err
	}
	if v, mapped := fields[field]; mapped && isDefault {
		// The field mapping filled the relation from a column; that wins
		// over the default parent.
		res.ParentID, _ = v.(int)
		return nil
	}

	id, err := s.parentID(ctx, parentModule, *parent)
	if err != nil {
		return err
	}
	fields[field] = id
	res.ParentID, res.ParentTitle = id, parent.Title
	zerolog.Ctx(ctx).Debug().Int("parent_id", id).Str("parent_field", field).
		Msg("parent resolved")
	return nil
}

// parentRef picks the request's parent, else the default of the settings;
// isDefault tells which.
func (s *Service) parentRef(req Request) (p *ParentRef, isDefault bool) {
	if req.Parent != nil {
		return req.Parent, false
	}
	d := strings.TrimSpace(s.cfg.DefaultParent)
	if d == "" {
		return nil, false
	}
	if n, err := strconv.Atoi(d); err == nil && n > 0 {
		return &ParentRef{ID: n}, true
	}
	return &ParentRef{Title: d}, true
}

// relation returns the parent business module and the relation field.
func (s *Service) relation(ctx context.Context, p ParentRef) (string, string, error) {
	m, err := s.moduleDefinition(ctx)
	if err != nil {
		return "", "", err
	}
	parentModule, field := s.cfg.ParentModuleID, s.cfg.ParentField
	if parentModule == "" {
		parentModule = m.Parent
	}
	if field == "" {
		field = m.ParentRelationName
	}
	if parentModule == "" || field == "" {
		return "", "", &ParentError{Parent: p, ModuleID: s.cfg.ModuleID, NoParentModule: true}
	}
	return parentModule, field, nil
}

// parentID returns the parent's entity id, looking a title up in the
// parent business module.
func (s *Service) parentID(ctx context.Context, parentModule string, p ParentRef) (int, error) {
	if p.ID > 0 {
		return p.ID, nil
	}

	key := parentModule + "\x00" + p.Title
	if id, ok := s.cachedParent(key); ok {
		return id, nil
	}
	items, err := s.wp.FindByTitle(ctx, parentModule, p.Title, 2)
	if err != nil {
		return 0, err
	}
	if len(items) != 1 {
		return 0, &ParentError{Parent: p, ModuleID: parentModule, Found: len(items)}
	}
	s.mu.Lock()
	s.parents[key] = cachedParent{id: items[0].ID, at: time.Now()}
	s.mu.Unlock()
	return items[0].ID, nil
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
