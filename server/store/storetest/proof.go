package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// The conformance tests of what was shown (snapshots), the audit log and
// deletion with a grace period. Run runs them with the others.
var proofTests = []struct {
	name string
	fn   func(t *testing.T, s consent.Store)
}{
	{"SnapshotOfReceiptKeepsOldTexts", testSnapshotOfReceiptKeepsOldTexts},
	{"SnapshotsImmutable", testSnapshotsImmutable},
	{"WriteSiteRefusals", testWriteSiteRefusals},
	{"DeleteAndRestoreSite", testDeleteAndRestoreSite},
	{"PurgeDeletedSite", testPurgeDeletedSite},
	{"AuditLog", testAuditLog},
}

var proofTime = time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)

// versioned returns site with settings applied under the version of what
// they show, and that snapshot, as the site write path makes them.
func versioned(site consent.Site, settings consent.SiteSettings, at time.Time) (consent.Site, consent.Snapshot) {
	shown := settings.ShownBy(nil)
	site.ApplyVersion(settings, shown.Version(), false, at)
	return site, consent.Snapshot{SiteID: site.ID, Version: site.ConfigVersion, CreatedAt: at, Author: "owner@sykkel.example", Shown: shown}
}

// writeNewSite creates a site as the write path does: with its first
// snapshot and a site.create audit entry.
func writeNewSite(t *testing.T, s consent.Store) (consent.Site, consent.Snapshot) {
	t.Helper()
	base := NewSite(t, SiteID())
	site, snap := versioned(consent.Site{ID: base.ID}, base.SiteSettings, proofTime)
	err := s.WriteSite(context.Background(), consent.SiteWrite{Site: site, Create: true, Snapshot: &snap,
		Audit: consent.AuditEntry{At: proofTime, Actor: "owner@sykkel.example", Action: consent.AuditSiteCreate, SiteID: site.ID, ToVersion: site.ConfigVersion}})
	if err != nil {
		t.Fatalf("WriteSite(create): %v", err)
	}
	return site, snap
}

func withTitle(settings consent.SiteSettings, title string) consent.SiteSettings {
	texts := map[string]consent.Texts{}
	for lang, t := range settings.Texts {
		texts[lang] = consent.Texts{}
		for k, v := range t {
			texts[lang][k] = v
		}
	}
	texts["nb"]["banner.title"] = title
	settings.Texts = texts
	return settings
}

// The test: texts edited after a receipt still show the old texts
// for that receipt.
func testSnapshotOfReceiptKeepsOldTexts(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site, _ := writeNewSite(t, s)
	site, first := versioned(site, withTitle(site.SiteSettings, "Før: vi bruker informasjonskapsler"), proofTime.Add(time.Minute))
	if err := s.WriteSite(ctx, consent.SiteWrite{Site: site, Snapshot: &first, Audit: consent.AuditEntry{At: proofTime, Action: consent.AuditSiteUpdate, SiteID: site.ID}}); err != nil {
		t.Fatal(err)
	}
	r := NewReceipt(site, proofTime.Add(time.Hour))
	save(t, s, r)

	edited, second := versioned(site, withTitle(site.SiteSettings, "Etter: nye ord"), proofTime.Add(2*time.Hour))
	if err := s.WriteSite(ctx, consent.SiteWrite{Site: edited, Snapshot: &second, Audit: consent.AuditEntry{At: proofTime, Action: consent.AuditSiteUpdate, SiteID: site.ID}}); err != nil {
		t.Fatal(err)
	}
	if edited.ConfigVersion == r.ConfigVersion {
		t.Fatal("editing the title kept the version")
	}
	stored := receipts(t, s, site.ID, r.ConsentID)
	if len(stored) != 1 {
		t.Fatalf("receipts = %d, want 1", len(stored))
	}
	snap, err := s.Snapshot(ctx, site.ID, stored[0].ConfigVersion)
	if err != nil {
		t.Fatalf("Snapshot of the receipt's version: %v", err)
	}
	if got := snap.Texts["nb"]["banner.title"]; got != "Før: vi bruker informasjonskapsler" {
		t.Errorf("the receipt's snapshot shows the title %q, want the one before the edit", got)
	}
	now, err := s.Snapshot(ctx, site.ID, edited.ConfigVersion)
	if err != nil || now.Texts["nb"]["banner.title"] != "Etter: nye ord" {
		t.Errorf("current snapshot: %q, %v", now.Texts["nb"]["banner.title"], err)
	}
	if snap.Shown.Version() != snap.Version {
		t.Errorf("stored snapshot hashes to %s, not its version %s", snap.Shown.Version(), snap.Version)
	}
}

func testSnapshotsImmutable(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site, snap := writeNewSite(t, s)
	other := snap
	other.Author, other.Texts = "someone@else.example", map[string]consent.Texts{"en": {"banner.title": "overwritten"}}
	got, err := s.PutSnapshot(ctx, other)
	if err != nil {
		t.Fatalf("PutSnapshot: %v", err)
	}
	sameJSON(t, "PutSnapshot of a stored version", got, snap)
	// Replicas racing to store one version: one wins, every caller gets it.
	var wg sync.WaitGroup
	results := make([]consent.Snapshot, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := snap
			x.Version, x.Author = "race", string(rune('a'+i))
			results[i], _ = s.PutSnapshot(ctx, x)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.Author != results[0].Author || r.Author == "" {
			t.Fatalf("racing PutSnapshot returned different snapshots: %q and %q", r.Author, results[0].Author)
		}
	}
	all, err := s.Snapshots(ctx, site.ID)
	if err != nil || len(all) != 2 {
		t.Fatalf("Snapshots = %d, %v; want 2", len(all), err)
	}
	if _, err := s.Snapshot(ctx, site.ID, "nosuchversion"); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Snapshot of an unknown version: %v, want ErrNotFound", err)
	}
	if _, err := s.PutSnapshot(ctx, consent.Snapshot{SiteID: SiteID(), Version: "v"}); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("PutSnapshot for an unknown site: %v, want ErrNotFound", err)
	}
	if none, err := s.Snapshots(ctx, SiteID()); err != nil || len(none) != 0 {
		t.Errorf("Snapshots of an unknown site = %v, %v", none, err)
	}
}

// A refused write stores nothing: no site, no snapshot, no audit entry.
func testWriteSiteRefusals(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site, _ := writeNewSite(t, s)
	taken, snap := versioned(consent.Site{ID: site.ID}, withTitle(site.SiteSettings, "Tatt"), proofTime)
	err := s.WriteSite(ctx, consent.SiteWrite{Site: taken, Create: true, Snapshot: &snap, Audit: consent.AuditEntry{Action: consent.AuditSiteCreate, SiteID: site.ID}})
	if !errors.Is(err, consent.ErrConflict) {
		t.Fatalf("WriteSite(create) of a taken id: %v, want ErrConflict", err)
	}
	if _, err := s.Snapshot(ctx, site.ID, snap.Version); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("a refused create stored its snapshot: %v", err)
	}
	if log, _ := s.Audit(ctx, site.ID); len(log) != 1 {
		t.Errorf("audit log after a refused create: %d entries, want 1", len(log))
	}
	missing, snap2 := versioned(consent.Site{ID: SiteID()}, site.SiteSettings, proofTime)
	err = s.WriteSite(ctx, consent.SiteWrite{Site: missing, Snapshot: &snap2, Audit: consent.AuditEntry{Action: consent.AuditSiteUpdate, SiteID: missing.ID}})
	if !errors.Is(err, consent.ErrNotFound) {
		t.Fatalf("WriteSite(update) of an unknown site: %v, want ErrNotFound", err)
	}
	if _, err := s.Site(ctx, missing.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("a refused update created the site: %v", err)
	}
	if snaps, _ := s.Snapshots(ctx, missing.ID); len(snaps) != 0 {
		t.Errorf("a refused update stored %d snapshots", len(snaps))
	}
}

// The test: a deleted site can be restored within the grace
// period, with everything it had.
func testDeleteAndRestoreSite(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site, snap := writeNewSite(t, s)
	r := NewReceipt(site, afterMidnight)
	save(t, s, r)

	d := consent.DeletedSite{Site: site, DeletedAt: proofTime, DeletedBy: "owner@sykkel.example", PurgeAfter: proofTime.AddDate(0, 0, 30)}
	if err := s.MarkSiteDeleted(ctx, d, consent.AuditEntry{At: proofTime, Action: consent.AuditSiteDelete, SiteID: site.ID}); err != nil {
		t.Fatalf("MarkSiteDeleted: %v", err)
	}
	if _, err := s.Site(ctx, site.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Site of a deleted site: %v, want ErrNotFound", err)
	}
	all, _ := s.Sites(ctx)
	for _, x := range all {
		if x.ID == site.ID {
			t.Error("Sites lists a deleted site")
		}
	}
	deleted, err := s.DeletedSites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found *consent.DeletedSite
	for i := range deleted {
		if deleted[i].Site.ID == site.ID {
			found = &deleted[i]
		}
	}
	if found == nil {
		t.Fatal("DeletedSites does not list the deleted site")
	}
	sameJSON(t, "deleted site", *found, d)
	if _, _, err := s.SaveReceipt(ctx, site, NewReceipt(site, afterMidnight), nil); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("SaveReceipt for a deleted site: %v, want ErrNotFound", err)
	}
	if err := s.CreateSite(ctx, site); !errors.Is(err, consent.ErrConflict) {
		t.Errorf("CreateSite with a deleted site's id: %v, want ErrConflict", err)
	}
	if err := s.UpdateSite(ctx, site); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("UpdateSite of a deleted site: %v, want ErrNotFound", err)
	}
	if err := s.MarkSiteDeleted(ctx, d, consent.AuditEntry{SiteID: site.ID}); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("second MarkSiteDeleted: %v, want ErrNotFound", err)
	}
	if _, err := s.Snapshot(ctx, site.ID, snap.Version); err != nil {
		t.Errorf("a deleted site's snapshot: %v", err)
	}

	if err := s.RestoreSite(ctx, site.ID, consent.AuditEntry{At: proofTime, Action: consent.AuditSiteRestore, SiteID: site.ID}); err != nil {
		t.Fatalf("RestoreSite: %v", err)
	}
	got, err := s.Site(ctx, site.ID)
	if err != nil {
		t.Fatalf("Site after RestoreSite: %v", err)
	}
	sameJSON(t, "restored site", got, site)
	if rs := receipts(t, s, site.ID, r.ConsentID); len(rs) != 1 {
		t.Errorf("receipts after restore = %d, want 1", len(rs))
	}
	if deleted, _ := s.DeletedSites(ctx); len(deleted) != 0 {
		for _, x := range deleted {
			if x.Site.ID == site.ID {
				t.Error("DeletedSites still lists a restored site")
			}
		}
	}
	if err := s.RestoreSite(ctx, site.ID, consent.AuditEntry{SiteID: site.ID}); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("RestoreSite of a live site: %v, want ErrNotFound", err)
	}
	log, _ := s.Audit(ctx, site.ID)
	var actions []consent.AuditAction
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	sameJSON(t, "audit actions", actions, []consent.AuditAction{consent.AuditSiteCreate, consent.AuditSiteDelete, consent.AuditSiteRestore})
}

func testPurgeDeletedSite(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site, snap := writeNewSite(t, s)
	r := NewReceipt(site, afterMidnight)
	save(t, s, r)
	d := consent.DeletedSite{Site: site, DeletedAt: proofTime, PurgeAfter: proofTime}
	if err := s.MarkSiteDeleted(ctx, d, consent.AuditEntry{Action: consent.AuditSiteDelete, SiteID: site.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSite(ctx, site.ID); err != nil {
		t.Fatalf("DeleteSite of a deleted site: %v", err)
	}
	for _, x := range must(s.DeletedSites(ctx)) {
		if x.Site.ID == site.ID {
			t.Error("DeletedSites lists a purged site")
		}
	}
	if _, err := s.Snapshot(ctx, site.ID, snap.Version); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("snapshot after purge: %v, want ErrNotFound", err)
	}
	if log := must(s.Audit(ctx, site.ID)); len(log) != 0 {
		t.Errorf("audit log after purge: %d entries", len(log))
	}
	if err := s.RestoreSite(ctx, site.ID, consent.AuditEntry{SiteID: site.ID}); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("RestoreSite after purge: %v, want ErrNotFound", err)
	}
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatalf("CreateSite after purge: %v", err)
	}
	if rs := receipts(t, s, site.ID, r.ConsentID); len(rs) != 0 {
		t.Errorf("a purged site's receipts came back: %d", len(rs))
	}
}

func testAuditLog(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site, _ := writeNewSite(t, s)
	e := consent.AuditEntry{At: proofTime.Add(time.Minute), Actor: "admin token", Action: "consent.erase", SiteID: site.ID, Summary: "one visitor's receipts"}
	if err := s.AppendAudit(ctx, e); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	log, err := s.Audit(ctx, site.ID)
	if err != nil || len(log) != 2 {
		t.Fatalf("Audit = %d entries, %v; want 2", len(log), err)
	}
	if log[0].Action != consent.AuditSiteCreate || log[0].ToVersion != site.ConfigVersion {
		t.Errorf("first entry %+v", log[0])
	}
	sameJSON(t, "appended entry", log[1], e)
	if err := s.AppendAudit(ctx, consent.AuditEntry{SiteID: SiteID()}); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("AppendAudit for an unknown site: %v, want ErrNotFound", err)
	}
	if none, err := s.Audit(ctx, SiteID()); err != nil || len(none) != 0 {
		t.Errorf("Audit of an unknown site = %v, %v", none, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
