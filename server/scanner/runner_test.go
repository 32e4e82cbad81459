package scanner_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/scanner"
	"github.com/samtykke/samtykke/server/scanner/browser"
	"github.com/samtykke/samtykke/server/store/boltstore"
)

func site(t *testing.T, store consent.Store, origin string) consent.Site {
	t.Helper()
	settings := consent.SiteSettings{Name: "Butikk", Origins: []string{origin}, DefaultLanguage: "en",
		PrivacyPolicyURL: origin + "/privacy"}
	settings.Normalize()
	if err := settings.Validate(); err != nil {
		t.Fatal(err)
	}
	s := consent.Site{ID: "butikk"}
	s.Apply(settings, time.Now())
	if err := store.CreateSite(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRoundFailsAbandonedScans: a replica died mid-scan (its lock and its
// running scan are left in the store, without heartbeats); the next
// schedule round of any replica marks the scan failed and frees the site.
func TestRoundFailsAbandonedScans(t *testing.T) {
	ctx := context.Background()
	store, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := site(t, store, "https://butikk.example")
	now := time.Now().UTC()
	dead := scanner.Scan{ID: scanner.NewScanID(now.Add(-time.Hour)), SiteID: s.ID, Status: scanner.Running,
		StartedAt: now.Add(-time.Hour), Heartbeat: now.Add(-time.Hour)}
	if err := store.StartScan(ctx, dead, now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var violations, sites map[scanner.Status]int
	r := &scanner.Runner{Store: store, Sites: store, Interval: -1,
		OpenViolations: func(v, s map[scanner.Status]int) { violations, sites = v, s }}
	if err := r.Round(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := store.Scan(ctx, s.ID, dead.ID)
	if err != nil || got.Status != scanner.Failed || got.Error == "" {
		t.Fatalf("abandoned scan after a round: %+v, %v", got, err)
	}
	if sites[scanner.Failed] != 1 || violations[scanner.Done] != 0 {
		t.Errorf("reported sites %v, violations %v", sites, violations)
	}
}

// TestRoundStartsDueScans: the schedule scans a site that has never been
// scanned, once, even when two replicas' rounds race.
func TestRoundStartsDueScans(t *testing.T) {
	if _, err := os.Stat(browser.DefaultChromium); err != nil {
		t.Skip("no Chromium")
	}
	ctx := context.Background()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><p>Hei</p>`)
	}))
	t.Cleanup(page.Close)
	store, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := site(t, store, page.URL)
	replica := func() *scanner.Runner {
		return &scanner.Runner{Store: store, Sites: store,
			Crawler: &browser.Crawler{PageLimit: 1, PageInterval: time.Millisecond, BannerWait: 200 * time.Millisecond}}
	}
	a, b := replica(), replica()
	if err := a.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Round(ctx); err != nil {
		t.Fatal(err)
	}
	a.Wait()
	b.Wait()
	list, err := store.Scans(ctx, s.ID)
	if err != nil || len(list) != 1 || list[0].Status != scanner.Done || list[0].Trigger != scanner.TriggerSchedule {
		t.Fatalf("scans after two rounds: %+v, %v; want one scheduled, done", list, err)
	}
	// Not due again until the interval has passed.
	if err := a.Round(ctx); err != nil {
		t.Fatal(err)
	}
	a.Wait()
	if list, _ := store.Scans(ctx, s.ID); len(list) != 1 {
		t.Errorf("a second round scanned again: %d scans", len(list))
	}
}
