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
	// DeleteSite removes a site, live or deleted (MarkSiteDeleted), with
	// its receipts, counters, tag warnings, snapshots and audit log: it is
	// the purge. ErrNotFound if there is none.
	DeleteSite(ctx context.Context, id string) error
	// Site returns one site, or ErrNotFound.
	Site(ctx context.Context, id string) (Site, error)
	// Sites returns every site, in no particular order.
	Sites(ctx context.Context) ([]Site, error)

	// SaveReceipt stores r and adds 1 to each of counters in r's day and
	// hour buckets (by r.ServerTime), all at once. site is r's site as the
	// caller read it (its retention sets how long r is kept), so the store
	// need not read it again; the store still answers ErrNotFound if the
	// site has been deleted since. If a receipt with the same site and
	// receipt id exists, it stores and counts nothing and returns the stored
	// receipt with created false.
	SaveReceipt(ctx context.Context, site Site, r Receipt, counters []Counter) (stored Receipt, created bool, err error)
	// Receipts returns every receipt of a consent id, oldest first; an empty
	// slice when there are none, also for an unknown site.
	Receipts(ctx context.Context, siteID, consentID string) ([]Receipt, error)
	// ReceiptsBetween calls fn with every receipt of the site whose
	// ServerTime lies in [from, to), oldest first (receipts with the same
	// ServerTime in receipt id order). It stops at the first error fn
	// returns and returns that error. It reads in pages, so memory stays flat
	// however long the period, and fn is never called inside a database
	// transaction: a slow consumer (an audit export streamed to a browser)
	// does not hold up writers. Receipts written or purged while it runs may
	// or may not be seen. An unknown site has no receipts: fn is not called
	// and the result is nil.
	ReceiptsBetween(ctx context.Context, siteID string, from, to time.Time, fn func(Receipt) error) error
	// CountImpression adds 1 to each of counters in the day and hour buckets
	// holding at; ErrNotFound if the site does not exist.
	CountImpression(ctx context.Context, siteID string, at time.Time, counters []Counter) error
	// Counters returns the non-empty buckets of granularity g whose start lies
	// in [from, to); an empty slice when there are none, also for an unknown
	// site.
	Counters(ctx context.Context, siteID string, g Granularity, from, to time.Time) ([]CounterBucket, error)

	// Purge enforces retention for one site as of now: it deletes the
	// receipts whose ServerTime is before now minus the site's RetentionDays
	// (with every index entry that points to them), and the counter buckets
	// whose start is before now minus their granularity's Retention(). The
	// result depends only on now and the stored data, never on the
	// database's own clock, and a second call with the same now removes
	// nothing: several replicas may purge the same site at once, and each
	// removal is counted by exactly one of them. A large purge is done in
	// several short writes rather than one long one; if it fails part-way,
	// what was removed stays removed and the next call finishes the job.
	// ErrNotFound if the site does not exist.
	Purge(ctx context.Context, siteID string, now time.Time) (PurgeResult, error)

	// RecordTagWarnings counts one report of tags seen on pagePath at now
	// (see TagWarningReport; a tag listed twice counts twice, and
	// ParseTagWarnings lists each once): an entry per distinct vendor, kind and markup
	// (TagWarning.Key) gains 1 in count, pagePath as its most recent page
	// (at most MaxTagWarningPages distinct ones are kept), and now as its
	// last_seen if later, first_seen if earlier (kept as TagWarningTime).
	// A tag that would be a new entry while the site already has
	// MaxTagWarnings is dropped, and counted in dropped: what the owner has
	// not seen yet is never evicted. The whole report is one atomic write,
	// so reports from many replicas at once lose no count and never exceed
	// the bounds. ErrNotFound if the site does not exist.
	RecordTagWarnings(ctx context.Context, siteID, pagePath string, tags []TagWarning, now time.Time) (dropped int, err error)
	// TagWarnings returns the site's tag warnings, most recently seen first
	// (SortTagWarnings); an empty slice when there are none, also for an
	// unknown site.
	TagWarnings(ctx context.Context, siteID string) ([]StoredTagWarning, error)
	// ClearTagWarnings removes every tag warning of the site (its owner
	// fixed the tags); ErrNotFound if the site does not exist.
	ClearTagWarnings(ctx context.Context, siteID string) error

	// What was shown, the audit log, and deletion with a grace period
	// (snapshot.go, audit.go).

	// WriteSite stores w.Site (created or replaced as w.Create says), its
	// snapshot unless one of that version is stored, and the audit entry,
	// all at once.
	WriteSite(ctx context.Context, w SiteWrite) error
	// PutSnapshot stores snap unless its site already has one of that
	// version, and returns the one stored. ErrNotFound if the site does not
	// exist (live or deleted).
	PutSnapshot(ctx context.Context, snap Snapshot) (Snapshot, error)
	// Snapshot returns a site's snapshot of version, or ErrNotFound.
	// Deleted sites keep theirs until purged.
	Snapshot(ctx context.Context, siteID, version string) (Snapshot, error)
	// Snapshots returns every snapshot of a site, oldest first; an empty
	// slice when there are none, also for an unknown site.
	Snapshots(ctx context.Context, siteID string) ([]Snapshot, error)
	// AppendAudit adds e to the audit log of e.SiteID (live or deleted);
	// ErrNotFound if there is no such site.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// Audit returns a site's audit log, oldest first; an empty slice when
	// there is none, also for an unknown site.
	Audit(ctx context.Context, siteID string) ([]AuditEntry, error)
	// MarkSiteDeleted hides d.Site.ID (Site and Sites no longer return it,
	// and no receipt or count is stored for it) and keeps it with all its
	// data as d, and appends e; ErrNotFound if no live site has that id.
	MarkSiteDeleted(ctx context.Context, d DeletedSite, e AuditEntry) error
	// RestoreSite makes a deleted site live again, as it was, and appends
	// e; ErrNotFound if no deleted site has that id.
	RestoreSite(ctx context.Context, id string, e AuditEntry) error
	// DeletedSites returns the deleted sites not yet purged, in no
	// particular order.
	DeletedSites(ctx context.Context) ([]DeletedSite, error)

	// Setting returns a server-wide setting, or ErrNotFound.
	Setting(ctx context.Context, key string) (string, error)
	// SetSettingOnce stores value under key unless the key already has one,
	// and returns whichever value is stored. Replicas racing on first start
	// therefore agree on one admin token.
	SetSettingOnce(ctx context.Context, key, value string) (string, error)

	// Tamper evidence and erasure (seal.go).
	SealStore

	// Ping reports whether the store can be reached.
	Ping(ctx context.Context) error
	// Close releases the store; it is called once, at shutdown.
	Close() error
}

// PurgeResult says what one Purge removed.
type PurgeResult struct {
	Receipts    int64 `json:"receipts"`
	DayBuckets  int64 `json:"day_buckets"`
	HourBuckets int64 `json:"hour_buckets"`
}
