package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// This file is the one place sites are written: the admin API
// (/v1/admin/sites, admin.go) and the dashboard's API (/dashboard/api/sites,
// dashboard_sites.go) both read settings with ReadSettings, write through
// the server's SiteWriter and answer a SiteView.

// SiteWriter creates, changes and deletes sites. Each change is stored and
// then reported to Changed, so that whoever asked for it, the API's cache
// forgets the old site at once instead of after its TTL.
//
// Every write leaves proof (consent/snapshot.go, consent/audit.go): a new
// config version is stored as the snapshot of what visitors are shown, in
// the same atomic write as the site and an audit entry naming the actor.
// Deleting hides a site for a grace period rather than destroying its
// receipts; only Purge destroys them.
type SiteWriter struct {
	Store consent.Store
	// Now is the clock; it stamps creation, updates and config versions.
	Now func() time.Time
	// Changed, when set, is called after a site was changed or deleted.
	Changed func(siteID string)
	// DeleteGrace is how long a deleted site can be restored before the
	// janitor purges it.
	DeleteGrace time.Duration
	// Defaults are the built-in texts snapshots resolve; nil for this
	// binary's (tests play other releases with it).
	Defaults func(lang string) consent.Texts
}

// SnippetBuild is the hash of the banner bundle this binary serves, as
// recorded in the snapshots it saves.
func SnippetBuild() string { return bundleHash }

// actorAdmin is the audit log's actor for the admin token (the operator).
const actorAdmin = "admin token"

// Plan is what saving settings on a site would do, worked out without
// storing anything: the site as it would be stored, the snapshot of a new
// version (nil when what visitors see is unchanged), and what changed.
type Plan struct {
	Site     consent.Site
	Snapshot *consent.Snapshot
	Diff     consent.VersionDiff
	// AsksAgain: visitors who decided before are asked again, because the
	// change is material or the owner asked for it.
	AsksAgain bool
}

// Plan works out an update of site (as loaded) to settings. askAgain is the
// owner's choice to ask every visitor again even for a minor change.
func (w SiteWriter) Plan(ctx context.Context, site consent.Site, settings consent.SiteSettings, askAgain bool, actor string) (Plan, error) {
	now := w.Now().UTC()
	shown := settings.ShownBy(w.Defaults)
	prev, err := w.Store.Snapshot(ctx, site.ID, site.ConfigVersion)
	if errors.Is(err, consent.ErrNotFound) {
		// A version from before snapshots, not reconstructed yet: compare
		// with its settings as this binary shows them.
		prev, err = site.ReconstructedSnapshot(bundleHash, w.Defaults, now), nil
	}
	if err != nil {
		return Plan{}, err
	}
	diff := consent.Diff(prev.Shown, shown)
	diff.From, diff.To = site.ConfigVersion, site.ConfigVersion
	next := site
	if prev.Shown.Version() == shown.Version() {
		next.ApplyVersion(settings, site.ConfigVersion, true, now)
		return Plan{Site: next, Diff: diff}, nil
	}
	asks := diff.Material || askAgain
	diff.To = shown.Version()
	next.ApplyVersion(settings, diff.To, !asks, now)
	snap := &consent.Snapshot{SiteID: site.ID, Version: diff.To, CreatedAt: now, Author: actor, SnippetBuild: bundleHash, Shown: shown}
	return Plan{Site: next, Snapshot: snap, Diff: diff, AsksAgain: asks}, nil
}

// Create stores a new site with a fresh id.
func (w SiteWriter) Create(ctx context.Context, settings consent.SiteSettings, actor string) (consent.Site, error) {
	return w.CreateAs(ctx, NewSiteID(), settings, actor)
}

// CreateAs stores a new site with the given id (the demo site's is fixed);
// ErrConflict if it is taken.
func (w SiteWriter) CreateAs(ctx context.Context, id string, settings consent.SiteSettings, actor string) (consent.Site, error) {
	now := w.Now().UTC()
	shown := settings.ShownBy(w.Defaults)
	site := consent.Site{ID: id}
	site.ApplyVersion(settings, shown.Version(), false, now)
	snap := consent.Snapshot{SiteID: site.ID, Version: site.ConfigVersion, CreatedAt: now, Author: actor, SnippetBuild: bundleHash, Shown: shown}
	err := w.Store.WriteSite(ctx, consent.SiteWrite{Site: site, Create: true, Snapshot: &snap,
		Audit: consent.AuditEntry{At: now, Actor: actor, Action: consent.AuditSiteCreate, SiteID: site.ID,
			ToVersion: site.ConfigVersion, Summary: "created " + strconv.Quote(site.Name)}})
	if err != nil {
		return consent.Site{}, err
	}
	return site, nil
}

// Update applies settings to site, as loaded by the caller, and stores it:
// a new config version is recorded when what visitors see changed, as
// asking them again when the change is material or askAgain is set.
func (w SiteWriter) Update(ctx context.Context, site consent.Site, settings consent.SiteSettings, askAgain bool, actor string) (consent.Site, error) {
	plan, err := w.Plan(ctx, site, settings, askAgain, actor)
	if err != nil {
		return consent.Site{}, err
	}
	summary := plan.Diff.Summary()
	if plan.Snapshot != nil && plan.AsksAgain && !plan.Diff.Material {
		summary += "; visitors asked again by choice"
	}
	err = w.Store.WriteSite(ctx, consent.SiteWrite{Site: plan.Site, Snapshot: plan.Snapshot,
		Audit: consent.AuditEntry{At: plan.Site.UpdatedAt, Actor: actor, Action: consent.AuditSiteUpdate, SiteID: site.ID,
			FromVersion: site.ConfigVersion, ToVersion: plan.Site.ConfigVersion, Summary: summary}})
	if err != nil {
		return consent.Site{}, err
	}
	w.changed(site.ID)
	return plan.Site, nil
}

// Delete hides a site at once and keeps everything stored for it until the
// grace period ends, so a deletion by mistake can be undone (Restore).
func (w SiteWriter) Delete(ctx context.Context, site consent.Site, actor string) (consent.DeletedSite, error) {
	now := w.Now().UTC()
	d := consent.DeletedSite{Site: site, DeletedAt: now, DeletedBy: actor, PurgeAfter: now.Add(w.DeleteGrace)}
	err := w.Store.MarkSiteDeleted(ctx, d, consent.AuditEntry{At: now, Actor: actor, Action: consent.AuditSiteDelete,
		SiteID: site.ID, FromVersion: site.ConfigVersion, Summary: "deleted; purged after " + d.PurgeAfter.Format(time.RFC3339) + " unless restored"})
	if err != nil {
		return consent.DeletedSite{}, err
	}
	w.changed(site.ID)
	return d, nil
}

// Restore makes a deleted site live again, as it was.
func (w SiteWriter) Restore(ctx context.Context, id, actor string) error {
	err := w.Store.RestoreSite(ctx, id, consent.AuditEntry{At: w.Now().UTC(), Actor: actor, Action: consent.AuditSiteRestore, SiteID: id})
	if err != nil {
		return err
	}
	w.changed(id)
	return nil
}

// Purge removes a site, live or deleted, with everything stored for it:
// receipts, counts, snapshots and its audit log. The purge itself is
// logged by the caller, as the site's own log goes with it.
func (w SiteWriter) Purge(ctx context.Context, id string) error {
	if err := w.Store.DeleteSite(ctx, id); err != nil {
		return err
	}
	w.changed(id)
	return nil
}

// Reconstruct stores a snapshot of the current version of every site stored
// before snapshots existed, keeping its version (receipts carry it). It
// runs at every start and never changes a version: replicas of two
// releases with other built-in texts both call it, the first snapshot
// stored wins (Store.PutSnapshot), and both then serve that one. Versions
// older than the current one have no snapshot and are listed as such.
func (w SiteWriter) Reconstruct(ctx context.Context) (int, error) {
	sites, err := w.Store.Sites(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, site := range sites {
		_, err := w.Store.Snapshot(ctx, site.ID, site.ConfigVersion)
		if !errors.Is(err, consent.ErrNotFound) {
			if err != nil {
				return n, err
			}
			continue
		}
		snap := site.ReconstructedSnapshot(bundleHash, w.Defaults, w.Now().UTC())
		if _, err := w.Store.PutSnapshot(ctx, snap); err != nil && !errors.Is(err, consent.ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

func (w SiteWriter) changed(id string) {
	if w.Changed != nil {
		w.Changed(id)
	}
}

// ReadSettings decodes and validates the site settings of a request:
// every problem comes back at once, each under its field's JSON path, so
// that nothing is stored unless all is well.
func ReadSettings(c echo.Context) (consent.SiteSettings, error) {
	if ct := c.Request().Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return consent.SiteSettings{}, NewError(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"send the site as JSON with Content-Type: application/json")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return consent.SiteSettings{}, err
	}
	return consent.DecodeSiteSettings(body)
}

// SiteView is a site as both APIs show it: with the tag to paste and, in
// the dashboard, the signed-in person's role on it.
type SiteView struct {
	consent.Site
	Role      accounts.Role `json:"role,omitempty"`
	ScriptTag string        `json:"script_tag"`
}

// siteView is site as this server shows it to someone with role on it
// (none in the admin API).
func (s *server) siteView(site consent.Site, role accounts.Role) SiteView {
	return NewSiteView(s.PublicURL, site, role)
}

// NewSiteView returns the view of site served from publicURL.
func NewSiteView(publicURL string, site consent.Site, role accounts.Role) SiteView {
	return SiteView{Site: site, Role: role, ScriptTag: ScriptTag(publicURL, site.ID)}
}

// ScriptTag is the one line a site owner pastes as the first script in <head>.
// The site is named twice: ?site= brings the rules of the site's custom
// vendors with the script, before any other tag of the page can run, and
// data-site is what the banner reads (tags pasted before ?site= existed
// have only data-site, and get the catalogue's rules).
func ScriptTag(publicURL, siteID string) string {
	src := publicURL + "/samtykke.js?site=" + url.QueryEscape(siteID)
	return `<script src="` + html.EscapeString(src) + `" data-site="` + html.EscapeString(siteID) + `"></script>`
}

// NewSiteID returns a short random id. It is public (it is in every page's
// script tag) and serves as the Redis hash tag, so it is opaque, URL-safe and
// never a host name.
func NewSiteID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // never fails on supported platforms
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
