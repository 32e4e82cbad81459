package httpapi

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/samtykke/samtykke/server/consent"
)

// siteCacheSize bounds the cache: a flood of made-up site ids must not grow
// memory, and evicting the least recently used keeps the sites that receive
// receipts instead of dropping them all at once.
const siteCacheSize = 10000

// SiteCache keeps recently read sites in memory: every receipt needs its
// site (origins, config versions), and a store round trip per receipt would
// cost more than the write itself. Entries live for ttl, so another replica's
// change is seen within ttl; this replica's own changes are seen at once.
type SiteCache struct {
	store consent.Store
	ttl   time.Duration
	now   func() time.Time
	sites *expirable.LRU[string, cachedSite]
	// snapshots holds the snapshots of the versions served, by site id and
	// version. Snapshots are immutable, so an entry never goes stale and
	// needs no TTL; a new version is a new key.
	snapshots *expirable.LRU[string, consent.Snapshot]
}

type cachedSite struct {
	site consent.Site
	err  error // ErrNotFound is cached too, so unknown ids cannot hammer the store
	// expires is checked against the injected clock, so tests that move
	// time see entries expire; the LRU's own ttl (on the wall clock) only
	// frees memory of entries nobody asks for.
	expires time.Time
}

// NewSiteCache returns a cache whose entries live for ttl.
func NewSiteCache(store consent.Store, ttl time.Duration, now func() time.Time) *SiteCache {
	return &SiteCache{store: store, ttl: ttl, now: now, sites: expirable.NewLRU[string, cachedSite](siteCacheSize, nil, ttl),
		snapshots: expirable.NewLRU[string, consent.Snapshot](siteCacheSize, nil, 0)}
}

// get returns the site, from memory when fresh.
func (c *SiteCache) get(ctx context.Context, id string) (consent.Site, error) {
	if e, ok := c.sites.Get(id); ok && c.now().Before(e.expires) {
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
	c.sites.Add(id, cachedSite{site: s, err: err, expires: c.now().Add(c.ttl)})
	return s, err
}

// Forget drops a site after this replica changed it, so the change reaches
// visitors at once instead of when the entry expires.
func (c *SiteCache) Forget(id string) {
	c.sites.Remove(id)
}

// shown returns the stored snapshot of site's current version, which the
// config and the declaration are built from. found is false for a site
// stored before snapshots whose snapshot is not reconstructed yet (consentd
// does that at start): it is served from its settings, as before.
func (c *SiteCache) shown(ctx context.Context, site consent.Site) (snap consent.Snapshot, found bool, err error) {
	key := site.ID + "\x00" + site.ConfigVersion
	if snap, ok := c.snapshots.Get(key); ok {
		return snap, true, nil
	}
	snap, err = c.store.Snapshot(ctx, site.ID, site.ConfigVersion)
	if errors.Is(err, consent.ErrNotFound) {
		return consent.Snapshot{}, false, nil
	}
	if err != nil {
		return consent.Snapshot{}, false, err
	}
	c.snapshots.Add(key, snap)
	return snap, true, nil
}
