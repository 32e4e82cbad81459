// Package storetest is the conformance suite every consent.Store runs. Both
// stores call Run from their own tests against a real database, so the API
// behaves the same whichever one an operator picks, and a new store is done
// when this suite passes.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// Opener returns a new, empty store for one test. It should register
// t.Cleanup to close the store and remove its data.
type Opener func(t *testing.T) consent.Store

// Option changes how Run tests a store.
type Option func(*suite)

// WithReopen lets the suite test durability: reopen must close s and return a
// store on the same data, the way a restart of consentd (and, for Redis, of
// redis-server) would.
func WithReopen(reopen func(t *testing.T, s consent.Store) consent.Store) Option {
	return func(su *suite) { su.reopen = reopen }
}

type suite struct {
	open   Opener
	reopen func(t *testing.T, s consent.Store) consent.Store
}

// Run runs the conformance suite against stores made by open.
func Run(t *testing.T, open Opener, opts ...Option) {
	su := &suite{open: open}
	for _, o := range opts {
		o(su)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s consent.Store)
	}{
		{"Sites", testSites},
		{"UpdateSite", testUpdateSite},
		{"DeleteSite", testDeleteSite},
		{"SaveReceipt", testSaveReceipt},
		{"DuplicateReceipt", testDuplicateReceipt},
		{"ReceiptsOfConsent", testReceiptsOfConsent},
		{"ReceiptsPerSite", testReceiptsPerSite},
		{"UnknownSite", testUnknownSite},
		{"CounterBuckets", testCounterBuckets},
		{"CounterRange", testCounterRange},
		{"ConcurrentDuplicates", testConcurrentDuplicates},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Settings", testSettings},
		{"ConcurrentSettings", testConcurrentSettings},
		{"Ping", testPing},
		{"PurgeReceipts", testPurgeReceipts},
		{"PurgeCounters", testPurgeCounters},
		{"PurgeUnknownSite", testPurgeUnknownSite},
		{"ConcurrentPurge", testConcurrentPurge},
		{"ReceiptsBetween", testReceiptsBetween},
		{"ReceiptsBetweenPages", testReceiptsBetweenPages},
		{"Janitor", testJanitor},
		{"TagWarnings", testTagWarnings},
		{"TagWarningsBound", testTagWarningsBound},
		{"ConcurrentTagWarnings", testConcurrentTagWarnings},
		{"TagWarningsDeletedWithSite", testTagWarningsDeletedWithSite},
	}
	tests = append(tests, proofTests...) // proof.go
	tests = append(tests, sealTests...)  // seal.go
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, su.open(t)) })
	}
	t.Run("Reopen", func(t *testing.T) {
		if su.reopen == nil {
			t.Skip("store under test gave no reopen hook")
		}
		su.testReopen(t)
	})
}

// Fixed times around a UTC midnight: a bucket mistake by one hour or one
// day, or a bucket taken in local time, shows up as a wrong key.
var (
	lateEvening = time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
	// 2026-03-02T00:10Z, given in +01:00 on purpose: buckets are UTC.
	afterMidnight = time.Date(2026, 3, 2, 1, 10, 0, 0, oslo)
	dayOne        = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	dayTwo        = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	dayThree      = time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
)

func createSite(t *testing.T, s consent.Store) consent.Site {
	t.Helper()
	site := NewSite(t, SiteID())
	if err := s.CreateSite(context.Background(), site); err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	return site
}

// save stores r as the receipt handler does: with its site as read from
// the store, and the counters the domain says r adds to.
func save(t *testing.T, s consent.Store, r consent.Receipt) (consent.Receipt, bool) {
	t.Helper()
	site, err := s.Site(context.Background(), r.SiteID)
	if err != nil {
		t.Fatalf("Site(%s): %v", r.SiteID, err)
	}
	stored, created, err := s.SaveReceipt(context.Background(), site, r, r.CounterFields())
	if err != nil {
		t.Fatalf("SaveReceipt: %v", err)
	}
	return stored, created
}

func receipts(t *testing.T, s consent.Store, siteID, consentID string) []consent.Receipt {
	t.Helper()
	rs, err := s.Receipts(context.Background(), siteID, consentID)
	if err != nil {
		t.Fatalf("Receipts: %v", err)
	}
	return rs
}

func counters(t *testing.T, s consent.Store, siteID string, g consent.Granularity, from, to time.Time) []consent.CounterBucket {
	t.Helper()
	bs, err := s.Counters(context.Background(), siteID, g, from, to)
	if err != nil {
		t.Fatalf("Counters(%s, %s, %v, %v): %v", siteID, g, from, to, err)
	}
	for _, b := range bs {
		if b.Start.Location() != time.UTC {
			t.Errorf("bucket start %v is not in UTC", b.Start)
		}
	}
	return bs
}

// count returns one counter of the bucket starting at start, 0 if absent.
func count(t *testing.T, s consent.Store, siteID string, g consent.Granularity, start time.Time, field string) int64 {
	t.Helper()
	for _, b := range counters(t, s, siteID, g, start, g.Step(start)) {
		if b.Start.Equal(start) {
			return b.Counters[field]
		}
	}
	return 0
}

// tally is what lists of counters add up to, by stored name.
func tally(lists ...[]consent.Counter) map[string]int64 {
	return plus(map[string]int64{}, lists...)
}

// plus returns a copy of stored counters m with lists of counters added.
func plus(m map[string]int64, lists ...[]consent.Counter) map[string]int64 {
	out := make(map[string]int64, len(m))
	for f, n := range m {
		out[f] = n
	}
	for _, l := range lists {
		for _, c := range l {
			out[c.String()]++
		}
	}
	return out
}

func testSites(t *testing.T, s consent.Store) {
	ctx := context.Background()
	a, b := createSite(t, s), createSite(t, s)

	got, err := s.Site(ctx, a.ID)
	if err != nil {
		t.Fatalf("Site: %v", err)
	}
	sameJSON(t, "Site after CreateSite", got, a)

	// A second create with the same id must not overwrite the first.
	dup := NewSite(t, a.ID)
	dup.Name = "Someone else"
	if err := s.CreateSite(ctx, dup); !errors.Is(err, consent.ErrConflict) {
		t.Errorf("CreateSite with a taken id: err = %v, want ErrConflict", err)
	}
	got, _ = s.Site(ctx, a.ID)
	sameJSON(t, "Site after a refused duplicate CreateSite", got, a)

	if _, err := s.Site(ctx, SiteID()); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Site(unknown): err = %v, want ErrNotFound", err)
	}

	all, err := s.Sites(ctx)
	if err != nil {
		t.Fatalf("Sites: %v", err)
	}
	byID := map[string]consent.Site{}
	for _, x := range all {
		byID[x.ID] = x
	}
	if len(all) != 2 {
		t.Errorf("Sites returned %d sites, want 2", len(all))
	}
	sameJSON(t, "Sites()[a]", byID[a.ID], a)
	sameJSON(t, "Sites()[b]", byID[b.ID], b)
}

func testUpdateSite(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site := createSite(t, s)

	settings := site.SiteSettings
	settings.Name = "Sykkelbutikken AS"
	settings.RetentionDays = 400
	settings.Origins = []string{"https://sykkel.example"}
	site.Apply(settings, time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC))
	if err := s.UpdateSite(ctx, site); err != nil {
		t.Fatalf("UpdateSite: %v", err)
	}
	got, err := s.Site(ctx, site.ID)
	if err != nil {
		t.Fatalf("Site: %v", err)
	}
	sameJSON(t, "Site after UpdateSite", got, site)

	// Updating must never create: a stale admin tab editing a deleted site
	// would otherwise bring it back.
	ghost := NewSite(t, SiteID())
	if err := s.UpdateSite(ctx, ghost); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("UpdateSite(unknown): err = %v, want ErrNotFound", err)
	}
	if _, err := s.Site(ctx, ghost.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Site after UpdateSite(unknown): err = %v, want ErrNotFound", err)
	}
}

func testDeleteSite(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site, other := createSite(t, s), createSite(t, s)
	r := NewReceipt(site, afterMidnight)
	save(t, s, r)
	if err := s.CountImpression(ctx, site.ID, lateEvening, NewImpression(site, lateEvening).CounterFields()); err != nil {
		t.Fatal(err)
	}
	ro := NewReceipt(other, afterMidnight)
	save(t, s, ro)

	if err := s.DeleteSite(ctx, site.ID); err != nil {
		t.Fatalf("DeleteSite: %v", err)
	}
	if _, err := s.Site(ctx, site.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Site after DeleteSite: err = %v, want ErrNotFound", err)
	}
	all, _ := s.Sites(ctx)
	for _, x := range all {
		if x.ID == site.ID {
			t.Errorf("Sites still lists deleted site %s", site.ID)
		}
	}
	if err := s.DeleteSite(ctx, site.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("second DeleteSite: err = %v, want ErrNotFound", err)
	}

	// A new site that reuses the id must start empty: no receipts, no
	// counters, and no memory of old receipt ids.
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatalf("CreateSite after DeleteSite: %v", err)
	}
	if rs := receipts(t, s, site.ID, r.ConsentID); len(rs) != 0 {
		t.Errorf("Receipts after DeleteSite = %d receipts, want none", len(rs))
	}
	for _, g := range []consent.Granularity{consent.Day, consent.Hour} {
		if bs := counters(t, s, site.ID, g, dayOne, dayThree); len(bs) != 0 {
			t.Errorf("%s counters after DeleteSite = %v, want none", g, bs)
		}
	}
	if _, created := save(t, s, r); !created {
		t.Error("SaveReceipt of a receipt id from before DeleteSite: created = false, want true")
	}

	// The other site is untouched.
	if rs := receipts(t, s, other.ID, ro.ConsentID); len(rs) != 1 {
		t.Errorf("other site's receipts after DeleteSite = %d, want 1", len(rs))
	}
	if n := count(t, s, other.ID, consent.Day, dayTwo, "decisions"); n != 1 {
		t.Errorf("other site's decisions after DeleteSite = %d, want 1", n)
	}
}

func testSaveReceipt(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	r := NewReceipt(site, afterMidnight)
	stored, created := save(t, s, r)
	if !created {
		t.Error("created = false for a new receipt")
	}
	sameJSON(t, "stored receipt", stored, r)

	rs := receipts(t, s, site.ID, r.ConsentID)
	if len(rs) != 1 {
		t.Fatalf("Receipts = %d receipts, want 1", len(rs))
	}
	sameJSON(t, "Receipts()[0]", rs[0], r)
}

func testDuplicateReceipt(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	first := NewReceipt(site, afterMidnight)
	save(t, s, first)
	before := counters(t, s, site.ID, consent.Day, dayOne, dayThree)

	// A retry that differs (a buggy or hostile client) must not replace the
	// proof already on file, nor count twice.
	second := first
	second.Action = consent.AcceptAll
	second.Choices = consent.Choices{Necessary: true, Statistics: true, Marketing: true}
	second.ServerTime = afterMidnight.Add(2 * time.Hour)
	stored, created := save(t, s, second)
	if created {
		t.Error("created = true for a receipt id already stored")
	}
	sameJSON(t, "receipt returned for a duplicate", stored, first)

	sameJSON(t, "day counters after a duplicate", counters(t, s, site.ID, consent.Day, dayOne, dayThree), before)
	if bs := counters(t, s, site.ID, consent.Hour, dayTwo.Add(2*time.Hour), dayThree); len(bs) != 0 {
		t.Errorf("a duplicate created hour buckets %v", bs)
	}
	if rs := receipts(t, s, site.ID, first.ConsentID); len(rs) != 1 {
		t.Errorf("Receipts after a duplicate = %d, want 1", len(rs))
	}
}

func testReceiptsOfConsent(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	first := NewReceipt(site, afterMidnight)
	first.PreviousReceiptID = ""
	later := NewReceipt(site, afterMidnight.Add(time.Second))
	later.ConsentID = first.ConsentID
	later.PreviousReceiptID = first.ReceiptID
	later.Action = consent.Withdraw
	later.Choices = consent.Choices{Necessary: true}
	latest := NewReceipt(site, afterMidnight.Add(2*time.Second))
	latest.ConsentID = first.ConsentID
	latest.PreviousReceiptID = later.ReceiptID

	// latest arrives before later (an outbox retry from a second tab):
	// order is by server time, not arrival.
	save(t, s, first)
	save(t, s, latest)
	save(t, s, later)
	// Another visitor's receipt must not show up.
	save(t, s, NewReceipt(site, afterMidnight))

	rs := receipts(t, s, site.ID, first.ConsentID)
	sameJSON(t, "Receipts, oldest first", rs, []consent.Receipt{first, later, latest})

	none := receipts(t, s, site.ID, "6f0d3d9e-8a8e-4a43-9c53-9b0e2f6f9d11")
	if none == nil || len(none) != 0 {
		t.Errorf("Receipts of an unknown consent id = %#v, want an empty, non-nil slice", none)
	}
}

func testReceiptsPerSite(t *testing.T, s consent.Store) {
	a, b := createSite(t, s), createSite(t, s)
	ra := NewReceipt(a, afterMidnight)
	rb := ra
	rb.SiteID = b.ID
	rb.ConfigVersion = b.ConfigVersion
	rb.Action = consent.RejectAll
	rb.Choices = consent.Choices{Necessary: true}

	// Receipt ids come from browsers; the same id on two sites is two
	// receipts, never a duplicate.
	if _, created := save(t, s, ra); !created {
		t.Error("site a: created = false")
	}
	if _, created := save(t, s, rb); !created {
		t.Error("site b, same receipt id: created = false, want true")
	}
	sameJSON(t, "site a receipts", receipts(t, s, a.ID, ra.ConsentID), []consent.Receipt{ra})
	sameJSON(t, "site b receipts", receipts(t, s, b.ID, rb.ConsentID), []consent.Receipt{rb})
	if n := count(t, s, a.ID, consent.Day, dayTwo, "action:reject_all"); n != 0 {
		t.Errorf("site a counted site b's reject_all: %d", n)
	}
	if n := count(t, s, b.ID, consent.Day, dayTwo, "action:reject_all"); n != 1 {
		t.Errorf("site b action:reject_all = %d, want 1", n)
	}
}

func testUnknownSite(t *testing.T, s consent.Store) {
	ctx := context.Background()
	ghost := NewSite(t, SiteID())
	r := NewReceipt(ghost, afterMidnight)
	if _, _, err := s.SaveReceipt(ctx, ghost, r, r.CounterFields()); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("SaveReceipt for an unknown site: err = %v, want ErrNotFound", err)
	}
	if err := s.CountImpression(ctx, ghost.ID, lateEvening, []consent.Counter{{Measure: consent.MeasureImpressions}}); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("CountImpression for an unknown site: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteSite(ctx, ghost.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("DeleteSite(unknown): err = %v, want ErrNotFound", err)
	}
	if rs := receipts(t, s, ghost.ID, r.ConsentID); len(rs) != 0 {
		t.Errorf("Receipts for an unknown site = %v, want none", rs)
	}
	if bs := counters(t, s, ghost.ID, consent.Day, dayOne, dayThree); len(bs) != 0 {
		t.Errorf("Counters for an unknown site = %v, want none", bs)
	}
}

// seedBuckets writes one impression late on day one and two receipts just
// after midnight (UTC) on day two, and returns the expected buckets.
func seedBuckets(t *testing.T, s consent.Store, site consent.Site) (day, hour []consent.CounterBucket) {
	t.Helper()
	imp := NewImpression(site, lateEvening)
	if err := s.CountImpression(context.Background(), site.ID, imp.At, imp.CounterFields()); err != nil {
		t.Fatalf("CountImpression: %v", err)
	}
	r1 := NewReceipt(site, afterMidnight)
	r2 := NewReceipt(site, afterMidnight.Add(40*time.Minute))
	r2.Action, r2.GPC = consent.GPC, true
	r2.Choices = consent.Choices{Necessary: true}
	save(t, s, r1)
	save(t, s, r2)

	impFields := tally(imp.CounterFields())
	recFields := tally(r1.CounterFields(), r2.CounterFields())
	day = []consent.CounterBucket{{Start: dayOne, Counters: impFields}, {Start: dayTwo, Counters: recFields}}
	hour = []consent.CounterBucket{
		{Start: dayOne.Add(23 * time.Hour), Counters: impFields},
		{Start: dayTwo, Counters: recFields},
	}
	return day, hour
}

func testCounterBuckets(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	day, hour := seedBuckets(t, s, site)
	sameJSON(t, "day buckets", counters(t, s, site.ID, consent.Day, dayOne, dayThree), day)
	sameJSON(t, "hour buckets", counters(t, s, site.ID, consent.Hour, dayOne, dayThree), hour)

	// Spot-check names the dashboard reads, so a change in CounterFields
	// that stores drop silently is caught here too.
	for field, want := range map[string]int64{
		"decisions": 2, "action:custom": 1, "action:gpc": 1, "gpc:decisions": 1,
		"statistics:granted": 1, "statistics:denied": 1, "marketing:denied": 2,
		"lang:nb:decisions": 2, "device:mobile:decisions": 2,
	} {
		if got := day[1].Counters[field]; got != want {
			t.Fatalf("fixture: %s = %d, want %d", field, got, want)
		}
		if got := count(t, s, site.ID, consent.Day, dayTwo, field); got != want {
			t.Errorf("day %s = %d, want %d", field, got, want)
		}
	}
}

func testCounterRange(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	day, hour := seedBuckets(t, s, site)
	h := func(d time.Time, n int) time.Time { return d.Add(time.Duration(n) * time.Hour) }
	tests := []struct {
		name     string
		g        consent.Granularity
		from, to time.Time
		want     []consent.CounterBucket
	}{
		{"day: both", consent.Day, dayOne, dayThree, day},
		{"day: to is exclusive", consent.Day, dayOne, dayTwo, day[:1]},
		{"day: from is inclusive", consent.Day, dayTwo, dayThree, day[1:]},
		{"day: a bucket starting before from is out", consent.Day, h(dayOne, 12), dayThree, day[1:]},
		{"day: a bucket starting before an unaligned to is in", consent.Day, dayOne, h(dayTwo, 1), day},
		{"day: wide range", consent.Day, dayOne.AddDate(-1, 0, 0), dayOne.AddDate(1, 0, 0), day},
		{"day: empty range", consent.Day, dayThree, dayThree.AddDate(0, 0, 7), nil},
		{"day: to before from", consent.Day, dayThree, dayOne, nil},
		{"hour: both", consent.Hour, h(dayOne, 23), h(dayTwo, 1), hour},
		{"hour: to is exclusive", consent.Hour, h(dayOne, 23), dayTwo, hour[:1]},
		{"hour: from is inclusive", consent.Hour, dayTwo, h(dayTwo, 1), hour[1:]},
		{"hour: next hour is empty", consent.Hour, h(dayTwo, 1), h(dayTwo, 2), nil},
		{"hour: unaligned from", consent.Hour, h(dayOne, 23).Add(time.Minute), dayThree, hour[1:]},
		{"hour: range given in another zone", consent.Hour, h(dayOne, 23).In(oslo), h(dayTwo, 1).In(oslo), hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := counters(t, s, site.ID, tt.g, tt.from, tt.to)
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			sameJSON(t, fmt.Sprintf("Counters(%s, %v, %v)", tt.g, tt.from, tt.to), got, tt.want)
		})
	}
}

func testConcurrentDuplicates(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	r := NewReceipt(site, afterMidnight)
	const n = 50
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		errs    []error
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stored, c, err := s.SaveReceipt(context.Background(), site, r, r.CounterFields())
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if c {
				created++
			}
			if jsonOf(t, stored) != jsonOf(t, r) {
				errs = append(errs, fmt.Errorf("stored receipt differs: %s", jsonOf(t, stored)))
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d SaveReceipt calls failed, first: %v", len(errs), n, errs[0])
	}
	if created != 1 {
		t.Errorf("%d of %d concurrent saves of one receipt said created, want exactly 1", created, n)
	}
	sameJSON(t, "day counters", counters(t, s, site.ID, consent.Day, dayTwo, dayThree),
		[]consent.CounterBucket{{Start: dayTwo, Counters: tally(r.CounterFields())}})
	if rs := receipts(t, s, site.ID, r.ConsentID); len(rs) != 1 {
		t.Errorf("Receipts = %d, want 1", len(rs))
	}
}

func testConcurrentWrites(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	const n = 200
	rs := make([]consent.Receipt, n)
	var lists [][]consent.Counter
	for i := range rs {
		rs[i] = NewReceipt(site, afterMidnight.Add(time.Duration(i)*time.Second))
		if i%3 == 0 {
			rs[i].Action = consent.AcceptAll
			rs[i].Choices = consent.Choices{Necessary: true, Statistics: true, Marketing: true}
		}
		lists = append(lists, rs[i].CounterFields())
	}
	impFields := NewImpression(site, afterMidnight).CounterFields()
	for i := 0; i < n; i++ {
		lists = append(lists, impFields)
	}

	var wg sync.WaitGroup
	errc := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func(r consent.Receipt) {
			defer wg.Done()
			if _, created, err := s.SaveReceipt(context.Background(), site, r, r.CounterFields()); err != nil || !created {
				errc <- fmt.Errorf("SaveReceipt: created=%v err=%v", created, err)
			}
		}(rs[i])
		go func() {
			defer wg.Done()
			if err := s.CountImpression(context.Background(), site.ID, afterMidnight, impFields); err != nil {
				errc <- fmt.Errorf("CountImpression: %v", err)
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}

	want := tally(lists...)
	if want["decisions"] != n || want["impressions"] != n || want["action:accept_all"] != 67 {
		t.Fatalf("fixture: tally is off: %v", want)
	}
	sameJSON(t, "day counters after concurrent writes", counters(t, s, site.ID, consent.Day, dayTwo, dayThree),
		[]consent.CounterBucket{{Start: dayTwo, Counters: want}})
	// The receipts span 200 s from 00:10, so all land in the 00 hour.
	sameJSON(t, "hour counters after concurrent writes", counters(t, s, site.ID, consent.Hour, dayTwo, dayThree),
		[]consent.CounterBucket{{Start: dayTwo, Counters: want}})
	for _, r := range []consent.Receipt{rs[0], rs[n/2], rs[n-1]} {
		sameJSON(t, "Receipts of one of the concurrent writes", receipts(t, s, site.ID, r.ConsentID), []consent.Receipt{r})
	}
}

func testSettings(t *testing.T, s consent.Store) {
	ctx := context.Background()
	key := "admin_token_hash." + SiteID()
	if _, err := s.Setting(ctx, key); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Setting(unset): err = %v, want ErrNotFound", err)
	}
	steps := []struct{ set, want string }{
		{"first", "first"},
		{"second", "first"},
		{"", "first"},
	}
	for _, st := range steps {
		got, err := s.SetSettingOnce(ctx, key, st.set)
		if err != nil || got != st.want {
			t.Errorf("SetSettingOnce(%q) = %q, %v; want %q", st.set, got, err, st.want)
		}
	}
	if got, err := s.Setting(ctx, key); err != nil || got != "first" {
		t.Errorf("Setting = %q, %v; want first", got, err)
	}
	other := key + ".other"
	if got, err := s.SetSettingOnce(ctx, other, "x"); err != nil || got != "x" {
		t.Errorf("SetSettingOnce(other key) = %q, %v; want x", got, err)
	}
}

func testConcurrentSettings(t *testing.T, s consent.Store) {
	// Replicas racing on first start must agree on one value.
	key := "admin_token_hash." + SiteID()
	const n = 20
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i], errs[i] = s.SetSettingOnce(context.Background(), key, fmt.Sprintf("token-%d", i))
		}(i)
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("SetSettingOnce: %v", errs[i])
		}
	}
	sort.Strings(got)
	if got[0] != got[n-1] {
		t.Errorf("concurrent SetSettingOnce returned different values: %v", got)
	}
	if v, err := s.Setting(context.Background(), key); err != nil || v != got[0] {
		t.Errorf("Setting = %q, %v; want %q", v, err, got[0])
	}
}

func testPing(t *testing.T, s consent.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func (su *suite) testReopen(t *testing.T) {
	ctx := context.Background()
	s := su.open(t)
	site := createSite(t, s)
	day, hour := seedBuckets(t, s, site)
	r := NewReceipt(site, afterMidnight)
	save(t, s, r)
	day[1].Counters = plus(day[1].Counters, r.CounterFields())
	hour[1].Counters = day[1].Counters
	if _, err := s.SetSettingOnce(ctx, "admin_token_hash", "kept"); err != nil {
		t.Fatal(err)
	}
	record(t, s, site.ID, "/sykler", twNow, metaScript, hotjarPixel)
	warnings := tagWarnings(t, s, site.ID)

	s = su.reopen(t, s)

	got, err := s.Site(ctx, site.ID)
	if err != nil {
		t.Fatalf("Site after reopen: %v", err)
	}
	sameJSON(t, "Site after reopen", got, site)
	sameJSON(t, "Receipts after reopen", receipts(t, s, site.ID, r.ConsentID), []consent.Receipt{r})
	sameJSON(t, "day counters after reopen", counters(t, s, site.ID, consent.Day, dayOne, dayThree), day)
	sameJSON(t, "hour counters after reopen", counters(t, s, site.ID, consent.Hour, dayOne, dayThree), hour)
	if v, err := s.Setting(ctx, "admin_token_hash"); err != nil || v != "kept" {
		t.Errorf("Setting after reopen = %q, %v; want kept", v, err)
	}
	sameJSON(t, "TagWarnings after reopen", tagWarnings(t, s, site.ID), warnings)
	// Idempotency must survive too: a browser retrying across a restart.
	if _, created := save(t, s, r); created {
		t.Error("SaveReceipt after reopen of a receipt saved before: created = true, want false")
	}
}
