package consent

import (
	"context"
	"time"
)

// Store is what the domain needs from persistence. A store wraps every error
// that means "could not reach the database" with ErrUnavailable, so the API
// answers 503 with Retry-After and the snippet retries later.
// The embedded store (bbolt)
// and the Redis store implement it and pass one conformance suite
// (server/store/storetest). Every method that writes does so atomically:
// either all of it is stored or none of it.
type Store interface {
	// CreateSite stores a new site; ErrConflict if the id is taken.
	CreateSite(ctx context.Context, s Site) error
	// UpdateSite replaces a site; ErrNotFound if there is none.
	UpdateSite(ctx context.Context, s Site) error
	// DeleteSite removes a site with its receipts and counters; ErrNotFound
	// if there is none.
	DeleteSite(ctx context.Context, id string) error
	// Site returns one site, or ErrNotFound.
	Site(ctx context.Context, id string) (Site, error)
	// Sites returns every site, in no particular order.
	Sites(ctx context.Context) ([]Site, error)

	// SaveReceipt stores r and adds 1 to each of counters in r's day and
	// hour buckets (by r.ServerTime), all at once. If a receipt with the same
	// site and receipt id exists, it stores and counts nothing and returns the
	// stored receipt with created false.
	SaveReceipt(ctx context.Context, r Receipt, counters []string) (stored Receipt, created bool, err error)
	// Receipts returns every receipt of a consent id, oldest first; an empty
	// slice when there are none.
	Receipts(ctx context.Context, siteID, consentID string) ([]Receipt, error)
	// CountImpression adds 1 to each of counters in the day and hour buckets
	// holding at.
	CountImpression(ctx context.Context, siteID string, at time.Time, counters []string) error
	// Counters returns the non-empty buckets of granularity g whose start lies
	// in [from, to).
	Counters(ctx context.Context, siteID string, g Granularity, from, to time.Time) ([]CounterBucket, error)

	// Setting returns a server-wide setting, or ErrNotFound.
	Setting(ctx context.Context, key string) (string, error)
	// SetSettingOnce stores value under key unless the key already has one,
	// and returns whichever value is stored. Replicas racing on first start
	// therefore agree on one admin token.
	SetSettingOnce(ctx context.Context, key, value string) (string, error)

	// Ping reports whether the store can be reached.
	Ping(ctx context.Context) error
	// Close releases the store; it is called once, at shutdown.
	Close() error
}
