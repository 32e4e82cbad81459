package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// SiteCache keeps recently read sites in memory: every receipt needs its
// site (origins, config versions), and a store round trip per receipt would
// cost more than the write itself. Entries live for ttl, so another replica's
// change is seen within ttl; this replica's own changes are seen at once.
type SiteCache struct {
	store consent.Store
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	sites map[string]cachedSite
}

type cachedSite struct {
	site    consent.Site
	err     error // ErrNotFound is cached too, so unknown ids cannot hammer the store
	expires time.Time
}

// NewSiteCache returns a cache whose entries live for ttl.
func NewSiteCache(store consent.Store, ttl time.Duration, now func() time.Time) *SiteCache {
	return &SiteCache{store: store, ttl: ttl, now: now, sites: map[string]cachedSite{}}
}

// get returns the site, from memory when fresh.
func (c *SiteCache) get(ctx context.Context, id string) (consent.Site, error) {
	c.mu.Lock()
	e, ok := c.sites[id]
	c.mu.Unlock()
	if ok && c.now().Before(e.expires) {
		return e.site, e.err
	}
	return c.refresh(ctx, id)
}

// refresh reads the site from the store, bypassing the cache.
func (c *SiteCache) refresh(ctx context.Context, id string) (consent.Site, error) {
	s, err := c.store.Site(ctx, id)
	if err != nil && err != consent.ErrNotFound {
		return consent.Site{}, err
	}
	c.mu.Lock()
	if len(c.sites) > 10000 {
		// Bounded: a flood of made-up site ids must not grow memory.
		c.sites = map[string]cachedSite{}
	}
	c.sites[id] = cachedSite{site: s, err: err, expires: c.now().Add(c.ttl)}
	c.mu.Unlock()
	return s, err
}

// Forget drops a site after this replica changed it, so the change reaches
// visitors at once instead of when the entry expires.
func (c *SiteCache) Forget(id string) {
	c.mu.Lock()
	delete(c.sites, id)
	c.mu.Unlock()
}
