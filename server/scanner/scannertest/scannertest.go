// Package scannertest is the conformance suite every scanner.Store passes:
// the bbolt store and the Redis store run it in their own tests
// (scans_test.go), against a real file and a real redis-server.
package scannertest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/scanner"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// Stores is a store as the suite needs it: sites from consent.Store, scans
// from scanner.Store.
type Stores interface {
	consent.Store
	scanner.Store
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newScan(siteID string, at time.Time) scanner.Scan {
	return scanner.Scan{ID: scanner.NewScanID(at), SiteID: siteID, Status: scanner.Running,
		Trigger: scanner.TriggerAPI, StartedAt: at, Heartbeat: at, Origins: []string{"https://shop.example"}}
}

func finished(s scanner.Scan, at time.Time) scanner.Scan {
	s.Status, s.FinishedAt, s.Heartbeat = scanner.Done, &at, at
	s.Cookies = []scanner.CookieFinding{{Name: "_ga", Domain: ".shop.example", Path: "/",
		Seen: scanner.Seen{Phases: []scanner.Phase{scanner.BeforeDecision},
			FirstPages: map[scanner.Phase]string{scanner.BeforeDecision: "https://shop.example/"},
			Pages:      []string{"https://shop.example/"}}}}
	s.Report = &scanner.Report{Counts: scanner.Counts{Cookies: 1, Violations: 1}}
	return s
}

// Run runs every case on a fresh store from open.
func Run(t *testing.T, open func(t *testing.T) Stores) {
	ctx := context.Background()
	setup := func(t *testing.T) (Stores, consent.Site) {
		s := open(t)
		site := storetest.NewSite(t, storetest.SiteID())
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatalf("CreateSite: %v", err)
		}
		return s, site
	}

	t.Run("UnknownSite", func(t *testing.T) {
		s, _ := setup(t)
		if err := s.StartScan(ctx, newScan("nosuchsite", t0), t0.Add(-time.Minute)); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("StartScan on an unknown site = %v, want ErrNotFound", err)
		}
		if _, err := s.Scan(ctx, "nosuchsite", "x"); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("Scan of an unknown site = %v, want ErrNotFound", err)
		}
		list, err := s.Scans(ctx, "nosuchsite")
		if err != nil || list == nil || len(list) != 0 {
			t.Errorf("Scans of an unknown site = %v, %v; want an empty slice", list, err)
		}
	})

	t.Run("OneRunningScanPerSite", func(t *testing.T) {
		s, site := setup(t)
		a := newScan(site.ID, t0)
		if err := s.StartScan(ctx, a, t0.Add(-time.Minute)); err != nil {
			t.Fatalf("StartScan: %v", err)
		}
		b := newScan(site.ID, t0.Add(time.Second))
		if err := s.StartScan(ctx, b, t0.Add(-time.Minute)); !errors.Is(err, scanner.ErrRunning) || !errors.Is(err, consent.ErrConflict) {
			t.Fatalf("second StartScan = %v, want ErrRunning (a conflict)", err)
		}
		if _, err := s.Scan(ctx, site.ID, b.ID); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("the refused scan was stored: Scan = %v", err)
		}
		a.Progress = scanner.Progress{PagesFound: 3, PagesDone: 1}
		a.Heartbeat = t0.Add(10 * time.Second)
		if err := s.UpdateScan(ctx, a); err != nil {
			t.Fatalf("UpdateScan: %v", err)
		}
		got, err := s.Scan(ctx, site.ID, a.ID)
		if err != nil || got.Progress != a.Progress || !got.Heartbeat.Equal(a.Heartbeat) || got.Status != scanner.Running {
			t.Fatalf("Scan after UpdateScan = %+v, %v", got, err)
		}
		done := finished(a, t0.Add(time.Minute))
		if err := s.FinishScan(ctx, done); err != nil {
			t.Fatalf("FinishScan: %v", err)
		}
		if err := s.UpdateScan(ctx, a); !errors.Is(err, scanner.ErrLostLock) {
			t.Errorf("UpdateScan after FinishScan = %v, want ErrLostLock", err)
		}
		if err := s.FinishScan(ctx, done); !errors.Is(err, scanner.ErrLostLock) {
			t.Errorf("second FinishScan = %v, want ErrLostLock", err)
		}
		got, err = s.Scan(ctx, site.ID, a.ID)
		if err != nil || got.Status != scanner.Done || len(got.Cookies) != 1 || got.Cookies[0].Name != "_ga" ||
			got.Report == nil || got.Report.Counts.Violations != 1 {
			t.Fatalf("finished scan read back as %+v, %v", got, err)
		}
		if err := s.StartScan(ctx, b, t0.Add(-time.Minute)); err != nil {
			t.Fatalf("StartScan after the first finished: %v", err)
		}
		list, err := s.Scans(ctx, site.ID)
		if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
			t.Fatalf("Scans = %v, %v; want b then a", ids(list), err)
		}
	})

	t.Run("StaleScanFailsAndFreesTheLock", func(t *testing.T) {
		s, site := setup(t)
		a := newScan(site.ID, t0)
		if err := s.StartScan(ctx, a, t0.Add(-time.Minute)); err != nil {
			t.Fatalf("StartScan: %v", err)
		}
		// Its heartbeat at t0 is not before t0: still alive.
		if failed, err := s.FailStaleScan(ctx, site.ID, t0, t0.Add(time.Minute)); err != nil || failed {
			t.Fatalf("FailStaleScan of a live scan = %v, %v; want false", failed, err)
		}
		b := newScan(site.ID, t0.Add(2*time.Minute))
		if err := s.StartScan(ctx, b, t0.Add(time.Second)); err != nil {
			t.Fatalf("StartScan over a stale scan: %v", err)
		}
		got, err := s.Scan(ctx, site.ID, a.ID)
		if err != nil || got.Status != scanner.Failed || got.Error == "" || got.FinishedAt == nil {
			t.Fatalf("the stale scan = %+v, %v; want it failed with a reason", got, err)
		}
		if err := s.UpdateScan(ctx, a); !errors.Is(err, scanner.ErrLostLock) {
			t.Errorf("UpdateScan by the dead replica = %v, want ErrLostLock", err)
		}
		// b goes stale too, and the schedule's sweep fails it.
		if failed, err := s.FailStaleScan(ctx, site.ID, t0.Add(time.Hour), t0.Add(time.Hour)); err != nil || !failed {
			t.Fatalf("FailStaleScan = %v, %v; want true", failed, err)
		}
		got, err = s.Scan(ctx, site.ID, b.ID)
		if err != nil || got.Status != scanner.Failed || !got.FinishedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("swept scan = %+v, %v", got, err)
		}
		if err := s.StartScan(ctx, newScan(site.ID, t0.Add(2*time.Hour)), t0.Add(time.Hour)); err != nil {
			t.Errorf("StartScan after the sweep: %v", err)
		}
		if _, err := s.FailStaleScan(ctx, "nosuchsite", t0, t0); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("FailStaleScan of an unknown site = %v, want ErrNotFound", err)
		}
	})

	t.Run("KeepsTheNewestScans", func(t *testing.T) {
		s, site := setup(t)
		var last scanner.Scan
		for i := range scanner.KeptScans + 2 {
			at := t0.Add(time.Duration(i) * time.Hour)
			last = newScan(site.ID, at)
			if err := s.StartScan(ctx, last, at.Add(-time.Minute)); err != nil {
				t.Fatalf("StartScan %d: %v", i, err)
			}
			if err := s.FinishScan(ctx, finished(last, at.Add(time.Minute))); err != nil {
				t.Fatalf("FinishScan %d: %v", i, err)
			}
		}
		list, err := s.Scans(ctx, site.ID)
		if err != nil || len(list) != scanner.KeptScans || list[0].ID != last.ID {
			t.Fatalf("Scans = %d scans (first %v), %v; want the newest %d", len(list), ids(list[:1]), err, scanner.KeptScans)
		}
		if !list[len(list)-1].StartedAt.Equal(t0.Add(2 * time.Hour)) {
			t.Errorf("oldest kept scan started at %v, want %v", list[len(list)-1].StartedAt, t0.Add(2*time.Hour))
		}
	})

	t.Run("DeleteSiteRemovesScans", func(t *testing.T) {
		s, site := setup(t)
		a := newScan(site.ID, t0)
		if err := s.StartScan(ctx, a, t0); err != nil {
			t.Fatalf("StartScan: %v", err)
		}
		if err := s.DeleteSite(ctx, site.ID); err != nil {
			t.Fatalf("DeleteSite: %v", err)
		}
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatalf("CreateSite again: %v", err)
		}
		if _, err := s.Scan(ctx, site.ID, a.ID); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("scan of a deleted site: Scan = %v, want ErrNotFound", err)
		}
		if err := s.StartScan(ctx, newScan(site.ID, t0), t0.Add(-time.Minute)); err != nil {
			t.Errorf("the deleted site's lock outlived it: StartScan = %v", err)
		}
	})
}

func ids(list []scanner.Scan) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%s(%s)", s.ID, s.Status)
	}
	return out
}
