package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/clocktest"
	"github.com/samtykke/samtykke/server/retention"
)

// purgeNow is the injected "now" of the purge tests. It is off every
// second, millisecond and hour boundary on purpose: the Redis store keys
// receipts by millisecond and buckets by hour, and a cut-off rounded the
// wrong way shows up as one receipt or bucket too many or too few.
var purgeNow = time.Date(2026, 6, 1, 12, 30, 15, 123_456_789, time.UTC)

func purge(t *testing.T, s consent.Store, siteID string, now time.Time) consent.PurgeResult {
	t.Helper()
	res, err := s.Purge(context.Background(), siteID, now)
	if err != nil {
		t.Fatalf("Purge(%s, %v): %v", siteID, now, err)
	}
	return res
}

// between collects ReceiptsBetween, failing the test on an error.
func between(t *testing.T, s consent.Store, siteID string, from, to time.Time) []consent.Receipt {
	t.Helper()
	out := []consent.Receipt{}
	err := s.ReceiptsBetween(context.Background(), siteID, from, to, func(r consent.Receipt) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatalf("ReceiptsBetween(%s, %v, %v): %v", siteID, from, to, err)
	}
	return out
}

// sortReceipts orders receipts the way the store promises: server time, then
// receipt id.
func sortReceipts(rs []consent.Receipt) {
	sort.SliceStable(rs, func(i, j int) bool {
		if !rs[i].ServerTime.Equal(rs[j].ServerTime) {
			return rs[i].ServerTime.Before(rs[j].ServerTime)
		}
		return rs[i].ReceiptID < rs[j].ReceiptID
	})
}

func createSiteRetention(t *testing.T, s consent.Store, days int) consent.Site {
	t.Helper()
	site := NewSite(t, SiteID())
	site.RetentionDays = days
	if err := s.CreateSite(context.Background(), site); err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	return site
}

func testPurgeReceipts(t *testing.T, s consent.Store) {
	site := createSiteRetention(t, s, consent.MinRetentionDays)
	// Another site with the default retention and receipts of the same
	// times: retention is per site.
	other := createSite(t, s)
	cutoff := purgeNow.AddDate(0, 0, -consent.MinRetentionDays)

	visitor := NewReceipt(site, cutoff).ConsentID // has receipts on both sides
	gone := NewReceipt(site, cutoff).ConsentID    // has receipts outside only
	tests := []struct {
		name    string
		at      time.Time
		consent string
		kept    bool
	}{
		{"a year before the cut-off", cutoff.AddDate(-1, 0, 0), gone, false},
		{"an hour before", cutoff.Add(-time.Hour), visitor, false},
		{"1 ms before", cutoff.Add(-time.Millisecond), gone, false},
		{"1 ns before (same millisecond)", cutoff.Add(-time.Nanosecond), visitor, false},
		{"at the cut-off", cutoff, visitor, true},
		{"1 ns after", cutoff.Add(time.Nanosecond), visitor, true},
		{"1 ms after", cutoff.Add(time.Millisecond), "", true},
		{"a day after", cutoff.AddDate(0, 0, 1), visitor, true},
		{"now", purgeNow, "", true},
	}
	var kept, keptOfVisitor, all []consent.Receipt
	for _, tt := range tests {
		r := NewReceipt(site, tt.at)
		if tt.consent != "" {
			r.ConsentID = tt.consent
		}
		all = append(all, r)
		if tt.kept {
			kept = append(kept, r)
			if r.ConsentID == visitor {
				keptOfVisitor = append(keptOfVisitor, r)
			}
		}
	}
	// Stored newest first, so no store can rely on arrival order.
	for i := len(all) - 1; i >= 0; i-- {
		save(t, s, all[i])
		o := NewReceipt(other, all[i].ServerTime)
		save(t, s, o)
	}

	res := purge(t, s, site.ID, purgeNow)
	if want := int64(len(all) - len(kept)); res.Receipts != want {
		t.Errorf("Purge removed %d receipts, want %d", res.Receipts, want)
	}
	sortReceipts(kept)
	sameJSON(t, "receipts left (ReceiptsBetween of all time)", between(t, s, site.ID, time.Unix(0, 0), purgeNow.Add(time.Hour)), kept)
	sameJSON(t, "Receipts of a consent id with receipts on both sides", receipts(t, s, site.ID, visitor), keptOfVisitor)
	if rs := receipts(t, s, site.ID, gone); len(rs) != 0 {
		t.Errorf("Receipts of a consent id whose receipts are all past retention = %d, want none", len(rs))
	}
	for i, tt := range tests {
		got := between(t, s, site.ID, tt.at, tt.at.Add(time.Nanosecond))
		if tt.kept != (len(got) == 1) {
			t.Errorf("%s: kept = %v, want %v", tt.name, len(got) == 1, tt.kept)
		}
		if len(got) == 1 && got[0].ReceiptID != all[i].ReceiptID {
			t.Errorf("%s: found receipt %s, want %s", tt.name, got[0].ReceiptID, all[i].ReceiptID)
		}
	}
	if n := len(between(t, s, other.ID, time.Unix(0, 0), purgeNow.Add(time.Hour))); n != len(all) {
		t.Errorf("the other site has %d receipts after purging this one, want %d", n, len(all))
	}

	// The same purge again, as a second replica would run it, removes
	// nothing; a later one removes what has aged out since.
	if again := purge(t, s, site.ID, purgeNow); again.Receipts != 0 {
		t.Errorf("second Purge with the same now removed %d receipts, want 0", again.Receipts)
	}
	later := purge(t, s, site.ID, purgeNow.Add(24*time.Hour))
	if later.Receipts != 3 {
		t.Errorf("Purge a day later removed %d receipts, want 3", later.Receipts)
	}

	// The visitor can still decide again, and sees only what is kept.
	r := NewReceipt(site, purgeNow.Add(time.Minute))
	r.ConsentID = visitor
	if _, created := save(t, s, r); !created {
		t.Error("SaveReceipt after Purge: created = false")
	}
	if rs := receipts(t, s, site.ID, visitor); len(rs) != 2 || rs[1].ReceiptID != r.ReceiptID {
		t.Errorf("Receipts after Purge and a new receipt = %d receipts, want 2 ending with the new one", len(rs))
	}
}

func testPurgeCounters(t *testing.T, s consent.Store) {
	// Both granularities at once, with a cut-off on a bucket boundary and
	// one between boundaries: a bucket is purged when its start is before
	// the cut-off, whatever its end.
	aligned := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, now := range []time.Time{purgeNow, aligned} {
		t.Run(now.Format(time.RFC3339Nano), func(t *testing.T) {
			ctx := context.Background()
			site := createSite(t, s)
			var times []time.Time
			for _, g := range []consent.Granularity{consent.Day, consent.Hour} {
				cutoff := now.Add(-g.Retention())
				firstKept := g.Truncate(cutoff)
				if firstKept.Before(cutoff) {
					firstKept = g.Step(firstKept)
				}
				lastPurged := g.Truncate(firstKept.Add(-time.Nanosecond))
				times = append(times,
					lastPurged.AddDate(0, 0, -30),   // long gone
					lastPurged,                      // the last bucket to go: its first instant…
					firstKept.Add(-time.Nanosecond), // …and its last
					firstKept,                       // the first bucket to stay
					firstKept.Add(time.Minute))
			}
			times = append(times, now)
			want := map[consent.Granularity]map[string]int64{consent.Day: {}, consent.Hour: {}}
			wantGone := map[consent.Granularity]map[time.Time]bool{consent.Day: {}, consent.Hour: {}}
			for _, at := range times {
				if err := s.CountImpression(ctx, site.ID, at, []consent.Counter{{Measure: consent.MeasureImpressions}}); err != nil {
					t.Fatalf("CountImpression(%v): %v", at, err)
				}
				for _, g := range []consent.Granularity{consent.Day, consent.Hour} {
					start := g.Truncate(at)
					if start.Before(now.Add(-g.Retention())) {
						wantGone[g][start] = true
					} else {
						want[g][start.Format(time.RFC3339)]++
					}
				}
			}

			res := purge(t, s, site.ID, now)
			if res.DayBuckets != int64(len(wantGone[consent.Day])) || res.HourBuckets != int64(len(wantGone[consent.Hour])) {
				t.Errorf("Purge removed %d day and %d hour buckets, want %d and %d",
					res.DayBuckets, res.HourBuckets, len(wantGone[consent.Day]), len(wantGone[consent.Hour]))
			}
			if res.Receipts != 0 {
				t.Errorf("Purge removed %d receipts from a site with none", res.Receipts)
			}
			for _, g := range []consent.Granularity{consent.Day, consent.Hour} {
				got := map[string]int64{}
				for _, b := range counters(t, s, site.ID, g, now.AddDate(-5, 0, 0), now.Add(time.Hour)) {
					got[b.Start.Format(time.RFC3339)] = b.Counters["impressions"]
				}
				if fmt.Sprint(got) != fmt.Sprint(want[g]) {
					t.Errorf("%s buckets after Purge:\n got %v\nwant %v", g, got, want[g])
				}
			}
			if again := purge(t, s, site.ID, now); again != (consent.PurgeResult{}) {
				t.Errorf("second Purge with the same now = %+v, want nothing removed", again)
			}
		})
	}
}

// Purge of a site that does not exist is ErrNotFound, like every other write
// to one; the janitor skips sites deleted after it listed them.
func testPurgeUnknownSite(t *testing.T, s consent.Store) {
	for _, id := range []string{SiteID(), ""} {
		if _, err := s.Purge(context.Background(), id, purgeNow); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("Purge(%q): err = %v, want ErrNotFound", id, err)
		}
	}
	site := createSite(t, s)
	save(t, s, NewReceipt(site, afterMidnight))
	if err := s.DeleteSite(context.Background(), site.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Purge(context.Background(), site.ID, purgeNow); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Purge of a deleted site: err = %v, want ErrNotFound", err)
	}
}

// A purge that runs while receipts keep arriving, on two "replicas" at
// once, removes each old receipt exactly once and no new one.
func testConcurrentPurge(t *testing.T, s consent.Store) {
	site := createSiteRetention(t, s, consent.MinRetentionDays)
	cutoff := purgeNow.AddDate(0, 0, -consent.MinRetentionDays)
	const n = 300
	for i := 0; i < n; i++ {
		save(t, s, NewReceipt(site, cutoff.Add(-time.Duration(i+1)*time.Minute)))
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		removed int64
		errs    []error
	)
	for p := 0; p < 2; p++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			res, err := s.Purge(context.Background(), site.ID, purgeNow)
			mu.Lock()
			defer mu.Unlock()
			removed += res.Receipts
			if err != nil {
				errs = append(errs, err)
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				r := NewReceipt(site, cutoff.Add(time.Duration(i)*time.Second))
				if _, _, err := s.SaveReceipt(context.Background(), site, r, r.CounterFields()); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		t.Fatal(err)
	}
	if removed != n {
		t.Errorf("two concurrent purges removed %d receipts in all, want %d", removed, n)
	}
	if got := len(between(t, s, site.ID, time.Unix(0, 0), purgeNow)); got != 40 {
		t.Errorf("%d receipts left, want the 40 written during the purge", got)
	}
}

func testReceiptsBetween(t *testing.T, s consent.Store) {
	site, other := createSite(t, s), createSite(t, s)
	from := time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)
	to := from.Add(time.Hour)
	at := []time.Time{
		from.Add(-time.Nanosecond), // out: before from
		from,                       // in: from is inclusive
		from.Add(time.Nanosecond),
		from.Add(time.Millisecond + 2),
		from.Add(time.Millisecond + 1), // same millisecond as the one above, earlier
		from.Add(30 * time.Minute),
		from.Add(30 * time.Minute), // a tie: ordered by receipt id
		from.Add(30 * time.Minute),
		to.Add(-time.Nanosecond), // in
		to,                       // out: to is exclusive
		to.Add(time.Hour),
	}
	var want []consent.Receipt
	var rs []consent.Receipt
	for _, t0 := range at {
		r := NewReceipt(site, t0)
		rs = append(rs, r)
		if !t0.Before(from) && t0.Before(to) {
			want = append(want, r)
		}
	}
	// Arrival order is not time order.
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	for _, r := range rs {
		save(t, s, r)
		// The other site gets receipts at the same times.
		save(t, s, NewReceipt(other, r.ServerTime))
	}
	sortReceipts(want)
	sameJSON(t, "ReceiptsBetween(from, to)", between(t, s, site.ID, from, to), want)

	tests := []struct {
		name     string
		site     string
		from, to time.Time
		n        int
	}{
		{"from equals to", site.ID, from, from, 0},
		{"to before from", site.ID, to, from, 0},
		{"one nanosecond", site.ID, from, from.Add(time.Nanosecond), 1},
		{"the tie", site.ID, from.Add(30 * time.Minute), from.Add(30*time.Minute + 1), 3},
		{"given in another zone", site.ID, from.In(oslo), to.In(oslo), len(want)},
		{"all", site.ID, time.Unix(0, 0), to.Add(24 * time.Hour), len(at)},
		{"unknown site", SiteID(), time.Unix(0, 0), to.Add(24 * time.Hour), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := between(t, s, tt.site, tt.from, tt.to); len(got) != tt.n {
				t.Errorf("got %d receipts, want %d", len(got), tt.n)
			}
		})
	}

	// fn's error stops the walk and comes back as it is.
	stop := errors.New("client went away")
	calls := 0
	err := s.ReceiptsBetween(context.Background(), site.ID, from, to, func(consent.Receipt) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("ReceiptsBetween with fn failing on the 3rd receipt: err = %v after %d calls, want %v after 3", err, calls, stop)
	}
}

// 2,500 receipts is more than a page of either store, so the walk must carry
// on across pages without losing, repeating or reordering a receipt. They
// are written by concurrent writers, so they arrive out of order.
func testReceiptsBetweenPages(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	from := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	const n = 2500
	want := make([]consent.Receipt, n)
	for i := range want {
		// 997 ms apart: pages end in the middle of seconds, and several
		// receipts share a second.
		want[i] = NewReceipt(site, from.Add(time.Duration(i)*997*time.Millisecond))
	}
	work := make(chan consent.Receipt)
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				if _, _, err := s.SaveReceipt(context.Background(), site, r, r.CounterFields()); err != nil {
					errc <- err
				}
			}
		}()
	}
	for _, r := range want {
		work <- r
	}
	close(work)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("SaveReceipt: %v", err)
	}

	var got []string
	err := s.ReceiptsBetween(context.Background(), site.ID, from, from.Add(24*time.Hour), func(r consent.Receipt) error {
		got = append(got, r.ReceiptID)
		return nil
	})
	if err != nil {
		t.Fatalf("ReceiptsBetween: %v", err)
	}
	if len(got) != n {
		t.Fatalf("ReceiptsBetween streamed %d receipts, want %d", len(got), n)
	}
	for i := range want {
		if got[i] != want[i].ReceiptID {
			t.Fatalf("receipt %d is %s, want %s (out of order, repeated or lost)", i, got[i], want[i].ReceiptID)
		}
	}
}

// testJanitor runs the retention janitor over a whole store while its clock
// moves on: each site loses its receipts when its own retention has passed,
// and counters go when theirs has.
func testJanitor(t *testing.T, s consent.Store) {
	ctx := context.Background()
	short := createSiteRetention(t, s, consent.MinRetentionDays)
	long := createSiteRetention(t, s, 400)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := clocktest.New(start)
	j := &retention.Janitor{Store: s, Now: clk.Now}

	rShort, rLong := NewReceipt(short, start), NewReceipt(long, start)
	save(t, s, rShort)
	save(t, s, rLong)
	left := func(site consent.Site) (receipts, days, hours int) {
		t.Helper()
		receipts = len(between(t, s, site.ID, start.Add(-time.Hour), start.Add(time.Hour)))
		days = len(counters(t, s, site.ID, consent.Day, start.AddDate(0, 0, -1), start.AddDate(0, 0, 1)))
		hours = len(counters(t, s, site.ID, consent.Hour, start.AddDate(0, 0, -1), start.AddDate(0, 0, 1)))
		return
	}
	steps := []struct {
		name                string
		advance             time.Duration
		short, long         [3]int // receipts, day buckets, hour buckets left
		shortGone, longGone bool   // Receipts of the consent id is empty
	}{
		{"at once", 0, [3]int{1, 1, 1}, [3]int{1, 1, 1}, false, false},
		{"a day on", 24 * time.Hour, [3]int{1, 1, 1}, [3]int{1, 1, 1}, false, false},
		{"just past the short retention", (consent.MinRetentionDays-1)*24*time.Hour + time.Nanosecond, [3]int{0, 1, 1}, [3]int{1, 1, 1}, true, false},
		{"past the hour buckets' retention", consent.HourCounterRetention, [3]int{0, 1, 0}, [3]int{1, 1, 0}, true, false},
		{"past the long retention", 400 * 24 * time.Hour, [3]int{0, 1, 0}, [3]int{0, 1, 0}, true, true},
		{"past the day buckets' retention", consent.DayCounterRetention, [3]int{0, 0, 0}, [3]int{0, 0, 0}, true, true},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		if err := j.PurgeAll(ctx); err != nil {
			t.Fatalf("%s: PurgeAll: %v", st.name, err)
		}
		for _, c := range []struct {
			site consent.Site
			r    consent.Receipt
			want [3]int
			gone bool
		}{{short, rShort, st.short, st.shortGone}, {long, rLong, st.long, st.longGone}} {
			rc, d, h := left(c.site)
			if got := [3]int{rc, d, h}; got != c.want {
				t.Errorf("%s: site with %d days' retention has %v (receipts, day, hour buckets), want %v",
					st.name, c.site.RetentionDays, got, c.want)
			}
			if n := len(receipts(t, s, c.site.ID, c.r.ConsentID)); (n == 0) != c.gone {
				t.Errorf("%s: Receipts of the consent id = %d receipts, want gone=%v", st.name, n, c.gone)
			}
		}
	}
}
