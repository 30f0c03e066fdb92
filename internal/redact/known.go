package redact

import (
	"slices"
	"sync"
	"sync/atomic"
)

// atomicStrings is a copy-on-write list: reads take no lock.
type atomicStrings struct {
	mu sync.Mutex
	p  atomic.Pointer[[]string]
}

func (a *atomicStrings) load() []string {
	if p := a.p.Load(); p != nil {
		return *p
	}
	return nil
}

func (a *atomicStrings) add(v string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cur := a.load()
	if slices.Contains(cur, v) {
		return
	}
	next := append(slices.Clone(cur), v)
	a.p.Store(&next)
}
