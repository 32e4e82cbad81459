package consent

import "time"

// The audit log of a site: who changed what, when, and from which config
// version to which. Every write of a site appends an entry in the same
// atomic write (SiteWrite), so no change goes unlogged; other actions (a
// visitor's erasure, consent.erase) append with Store.AppendAudit. Entries
// are never changed. A site's log is small (people act, not visitors) and
// is kept while the site exists; purging a site removes it with the rest.

// AuditAction names what was done.
type AuditAction string

const (
	AuditSiteCreate  AuditAction = "site.create"
	AuditSiteUpdate  AuditAction = "site.update"
	AuditSiteDelete  AuditAction = "site.delete"
	AuditSiteRestore AuditAction = "site.restore"
	AuditSitePurge   AuditAction = "site.purge"
	// AuditConsentErase: one visitor's receipts were erased on request
	// (GDPR Art. 17); their leaves stay, so the site's seals still verify.
	AuditConsentErase AuditAction = "consent.erase"
)

// AuditEntry is one line of a site's audit log.
type AuditEntry struct {
	At time.Time `json:"at"`
	// Actor is "admin token" for the admin API (the operator), or the
	// dashboard user's email.
	Actor  string      `json:"actor"`
	Action AuditAction `json:"action"`
	SiteID string      `json:"site_id"`
	// FromVersion and ToVersion are the config versions before and after,
	// when the action changed it.
	FromVersion string `json:"from_version,omitempty"`
	ToVersion   string `json:"to_version,omitempty"`
	// Summary says what changed, in a line.
	Summary string `json:"summary,omitempty"`
}

// SiteWrite is one write of a site with the proof it leaves: the snapshot
// of the version it brings into force and the audit entry. The store writes
// all of it or none of it.
type SiteWrite struct {
	Site Site
	// Create: the site is new (ErrConflict if its id is taken, by a live
	// or a deleted site); otherwise it must exist (ErrNotFound).
	Create bool
	// Snapshot, when set, is stored unless its version is stored already:
	// snapshots are immutable, the first one stored for a version stays.
	Snapshot *Snapshot
	Audit    AuditEntry
}

// DeletedSite is a site deleted by its owner and hidden: no public route
// serves it and no list shows it, but its receipts, counters, snapshots
// and audit log are kept until PurgeAfter, so that a deletion by mistake
// destroys no proof and can be undone (Store.RestoreSite).
type DeletedSite struct {
	Site       Site      `json:"site"`
	DeletedAt  time.Time `json:"deleted_at"`
	DeletedBy  string    `json:"deleted_by"`
	PurgeAfter time.Time `json:"purge_after"`
}
