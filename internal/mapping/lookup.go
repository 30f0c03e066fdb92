package mapping

import (
	"context"
	"fmt"
	"sync"
	"time"

	"projectsync/internal/workpoint"
)

// Finder finds the entities of a business module by title;
// *workpoint.Client is one.
type Finder interface {
	FindByTitle(ctx context.Context, moduleID, title string, limit int) (
		[]workpoint.ListItem, error)
}

var _ Finder = (*workpoint.Client)(nil)

// LookupError reports a lookup value that names no entity, or more than
// one, in the business module the mapping names.
type LookupError struct {
	// Column is the body member the value came from, such as "Customer",
	// or "fields.Customer" in a composed body. Empty when the value was
	// not resolved for a column.
	Column string
	// Field is the WorkPoint field the column fills.
	Field string
	// Module is the GUID of the business module searched.
	Module string
	// Title is the title looked for.
	Title string
	// Found is how many entities have the title: 0, or 2 for two or more.
	Found int
}

func (e *LookupError) Error() string {
	what := "no entity"
	if e.Found > 1 {
		what = "more than one entity"
	}
	return fmt.Sprintf("mapping: look up %q for column %s: %s with that title in "+
		"business module %s", e.Title, e.Column, what, e.Module)
}

// maxCached bounds how many titles a [Resolver] remembers.
const maxCached = 1024

// Resolver finds the entity a lookup's title names, and remembers what it
// found for a while, so repeated titles cost one query. It is safe for
// concurrent use.
type Resolver struct {
	f   Finder
	ttl time.Duration

	mu    sync.Mutex
	found map[string]cachedID
}

type cachedID struct {
	id int
	at time.Time
}

// NewResolver returns a Resolver that searches with f and reuses an id it
// found for ttl. A ttl of zero or less means five minutes.
func NewResolver(f Finder, ttl time.Duration) *Resolver {
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	return &Resolver{f: f, ttl: ttl, found: make(map[string]cachedID)}
}

// Resolve returns the id of the one entity of the business module with
// the title. None or several is a [*LookupError] without Column and Field;
// a failed query is WorkPoint's error.
func (r *Resolver) Resolve(ctx context.Context, module, title string) (int, error) {
	key := module + "\x00" + title
	if id, ok := r.cached(key); ok {
		return id, nil
	}

	items, err := r.f.FindByTitle(ctx, module, title, 2)
	if err != nil {
		return 0, fmt.Errorf("mapping: look up %q in business module %s: %w", title, module, err)
	}
	if len(items) != 1 {
		return 0, &LookupError{Module: module, Title: title, Found: len(items)}
	}
	r.remember(key, items[0].ID)
	return items[0].ID, nil
}

func (r *Resolver) cached(key string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.found[key]
	if !ok || time.Since(c.at) > r.ttl {
		return 0, false
	}
	return c.id, true
}

// remember keeps an id, dropping stale entries, or all of them, when the
// cache is full.
func (r *Resolver) remember(key string, id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.found) >= maxCached {
		for k, c := range r.found {
			if time.Since(c.at) > r.ttl {
				delete(r.found, k)
			}
		}
		if len(r.found) >= maxCached {
			clear(r.found)
		}
	}
	r.found[key] = cachedID{id: id, at: time.Now()}
}
