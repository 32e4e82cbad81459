package redisstore_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/redisstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// The write scripts do a bucket's upkeep (its TTL and its index entry) only
// when the write finds the bucket without its first field. Whichever kind of
// event comes first, receipt or impression, the bucket ends up indexed with
// a TTL from its first write, and a bucket that Purge deleted is indexed
// again when a write creates it anew.
func TestBucketUpkeep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	c := rs.Client()
	s := redisstore.New(c)
	site := storetest.NewSite(t, "upkeep1")
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	const (
		tag  = "samtykke:{upkeep1}:"
		dIdx = tag + "buckets:d"
		hIdx = tag + "buckets:h"
	)
	receipt := func(at time.Time) {
		t.Helper()
		r := storetest.NewReceipt(site, at)
		if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
			t.Fatalf("SaveReceipt: created=%v err=%v", created, err)
		}
	}
	impression := func(at time.Time) {
		t.Helper()
		if err := s.CountImpression(ctx, site.ID, at, storetest.NewImpression(site, at).CounterFields()); err != nil {
			t.Fatal(err)
		}
	}
	indexed := func(index, name string, start time.Time) {
		t.Helper()
		score, err := c.ZScore(ctx, index, name).Result()
		if err != nil {
			t.Errorf("%s does not list %s: %v", index, name, err)
		} else if int64(score) != start.Unix() {
			t.Errorf("%s scores %s %v, want %d", index, name, score, start.Unix())
		}
	}
	ttl := func(key string, want time.Duration) {
		t.Helper()
		got := c.TTL(ctx, key).Val()
		if got > want || got < want-time.Minute {
			t.Errorf("TTL %s = %v, want %v", key, got, want)
		}
	}

	// Receipts first, then impressions, in hour 10; the other way round in
	// hour 11 (a new hour bucket in an existing day bucket).
	h10 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	h11 := h10.Add(time.Hour)
	receipt(h10.Add(time.Minute))
	receipt(h10.Add(2 * time.Minute))
	impression(h10.Add(3 * time.Minute))
	impression(h11.Add(time.Minute))
	receipt(h11.Add(2 * time.Minute))
	indexed(dIdx, "20260302", h10.Truncate(24*time.Hour))
	indexed(hIdx, "2026030210", h10)
	indexed(hIdx, "2026030211", h11)
	for _, k := range []string{tag + "h:2026030210", tag + "h:2026030211"} {
		ttl(k, consent.Hour.Retention())
	}
	ttl(tag+"d:20260302", consent.Day.Retention())
	ttl(hIdx, consent.Hour.Retention())
	ttl(dIdx, consent.Day.Retention())
	// The receipt that came second to hour 11 counted, but left the TTL
	// the impression started.
	if err := c.Expire(ctx, tag+"h:2026030211", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	receipt(h11.Add(3 * time.Minute))
	impression(h11.Add(4 * time.Minute))
	if got := c.TTL(ctx, tag+"h:2026030211").Val(); got > time.Hour {
		t.Errorf("a later write moved the TTL of an existing bucket to %v", got)
	}
	bs, err := s.Counters(ctx, site.ID, consent.Hour, h11, h11.Add(time.Hour))
	if err != nil || len(bs) != 1 || bs[0].Counters["decisions"] != 2 || bs[0].Counters["impressions"] != 2 {
		t.Errorf("hour 11 counters = %+v, %v; want 2 decisions and 2 impressions", bs, err)
	}

	// Purge drops the hour buckets and their index entries; a late write
	// into such an hour makes the bucket anew, and indexes it again, so the
	// next Purge finds it.
	now := h10.Add(consent.Hour.Retention()).Add(2 * time.Hour)
	res, err := s.Purge(ctx, site.ID, now)
	if err != nil || res.HourBuckets != 2 {
		t.Fatalf("Purge = %+v, %v; want 2 hour buckets", res, err)
	}
	if n := c.ZCard(ctx, hIdx).Val(); n != 0 {
		t.Fatalf("hour index lists %d buckets after Purge", n)
	}
	impression(h10.Add(5 * time.Minute))
	indexed(hIdx, "2026030210", h10)
	receipt(h11.Add(5 * time.Minute))
	indexed(hIdx, "2026030211", h11)
	res, err = s.Purge(ctx, site.ID, now)
	if err != nil || res.HourBuckets != 2 {
		t.Errorf("second Purge = %+v, %v; want the 2 re-made hour buckets", res, err)
	}
}

// A counter named twice counts twice, as the Store contract (and HINCRBY)
// has it, in both scripts.
func TestDuplicateCounterFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	s := redisstore.New(rs.Client())
	site := storetest.NewSite(t, "dup1")
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	r := storetest.NewReceipt(site, at)
	// Counters named by their measure alone are stored under it: "x".
	c := func(names ...consent.Measure) []consent.Counter {
		out := make([]consent.Counter, len(names))
		for i, n := range names {
			out[i] = consent.Counter{Measure: n}
		}
		return out
	}
	if _, _, err := s.SaveReceipt(ctx, site, r, c("decisions", "x", "decisions", "y", "x", "x")); err != nil {
		t.Fatal(err)
	}
	if err := s.CountImpression(ctx, site.ID, at, c("impressions", "x", "impressions")); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"decisions": 2, "x": 4, "y": 1, "impressions": 2}
	for _, g := range []consent.Granularity{consent.Day, consent.Hour} {
		bs, err := s.Counters(ctx, site.ID, g, at.Add(-48*time.Hour), at.Add(48*time.Hour))
		if err != nil || len(bs) != 1 {
			t.Fatalf("%s Counters = %+v, %v", g, bs, err)
		}
		for f, n := range want {
			if bs[0].Counters[f] != n {
				t.Errorf("%s counter %s = %d, want %d", g, f, bs[0].Counters[f], n)
			}
		}
	}
}

// When the log's newest entries are gone (Purge's XDEL keeps the stream's
// last generated id), a receipt older than that id still gets an id at the
// last generated millisecond, and "late" says by how much.
func TestLateReceiptAfterNewestDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	c := rs.Client()
	s := redisstore.New(c)
	site := storetest.NewSite(t, "late2")
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ms := at.UnixMilli()
	save := func(r consent.Receipt) string {
		t.Helper()
		if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
			t.Fatalf("SaveReceipt: created=%v err=%v", created, err)
		}
		return c.Get(ctx, "samtykke:{late2}:rid:"+r.ReceiptID).Val()
	}
	save(storetest.NewReceipt(site, at))
	newest := save(storetest.NewReceipt(site, at.Add(50*time.Millisecond)))
	if err := c.XDel(ctx, "samtykke:{late2}:log", newest).Err(); err != nil {
		t.Fatal(err)
	}
	// The newest remaining entry is at +0 ms, the last generated id at +50.
	r := storetest.NewReceipt(site, at.Add(10*time.Millisecond))
	if id, want := save(r), strconv.FormatInt(ms+50, 10)+"-1"; id != want {
		t.Errorf("log id %s, want %s", id, want)
	}
	if late := c.Get(ctx, "samtykke:{late2}:late").Val(); late != "40" {
		t.Errorf("late = %q, want 40", late)
	}
	var got []string
	err := s.ReceiptsBetween(ctx, site.ID, at.Add(10*time.Millisecond), at.Add(11*time.Millisecond), func(x consent.Receipt) error {
		got = append(got, x.ReceiptID)
		return nil
	})
	if err != nil || len(got) != 1 || got[0] != r.ReceiptID {
		t.Errorf("ReceiptsBetween = %v, %v; want [%s]", got, err, r.ReceiptID)
	}
}

// Receipts saved from many goroutines at once, through the autopipeliner or
// not, in group commits or not, all arrive once, with ids that never run before their server time,
// and "late" covers every gap.
func TestConcurrentSaves(t *testing.T) {
	t.Parallel()
	for _, opt := range []struct{ ap, gc bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
		t.Run("autopipeline="+strconv.FormatBool(opt.ap)+",groupcommit="+strconv.FormatBool(opt.gc), func(t *testing.T) {
			ctx := context.Background()
			rs := redistest.Start(t)
			c := rs.Client()
			s := redisstore.New(c, redisstore.WithAutoPipeline(opt.ap), redisstore.WithGroupCommit(opt.gc))
			site := storetest.NewSite(t, "many1")
			if err := s.CreateSite(ctx, site); err != nil {
				t.Fatal(err)
			}
			const writers, each = 32, 50
			base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			rcpts := make([][]consent.Receipt, writers)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						// Server times that interleave across writers,
						// so ids must often be filed late.
						r := storetest.NewReceipt(site, base.Add(time.Duration(i*writers+(w*7)%writers)*time.Millisecond))
						if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
							errs <- err
							return
						}
						// A retry is a duplicate.
						if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || created {
							errs <- err
							return
						}
						rcpts[w] = append(rcpts[w], r)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("concurrent SaveReceipt: %v", err)
			}
			late, _ := c.Get(ctx, "samtykke:{many1}:late").Int64()
			for _, rs := range rcpts {
				for _, r := range rs {
					id := c.Get(ctx, "samtykke:{many1}:rid:"+r.ReceiptID).Val()
					msPart, _, _ := strings.Cut(id, "-")
					ms, err := strconv.ParseInt(msPart, 10, 64)
					if err != nil {
						t.Fatalf("id %q: %v", id, err)
					}
					if gap := ms - r.ServerTime.UnixMilli(); gap < 0 || gap > late {
						t.Errorf("receipt at %d ms filed at %s: gap %d, late %d", r.ServerTime.UnixMilli(), id, gap, late)
					}
				}
			}
			if n := c.XLen(ctx, "samtykke:{many1}:log").Val(); n != writers*each {
				t.Errorf("log holds %d entries, want %d", n, writers*each)
			}
			n := 0
			err := s.ReceiptsBetween(ctx, site.ID, base, base.Add(time.Hour), func(consent.Receipt) error { n++; return nil })
			if err != nil || n != writers*each {
				t.Errorf("ReceiptsBetween found %d, %v; want %d", n, err, writers*each)
			}
			bs, err := s.Counters(ctx, site.ID, consent.Hour, base, base.Add(time.Hour))
			if err != nil || len(bs) != 1 || bs[0].Counters["decisions"] != writers*each {
				t.Errorf("hour counters = %+v, %v; want %d decisions", bs, err, writers*each)
			}
		})
	}
}

// Open loads every script, so EVALSHA never has to fall back to EVAL.
func TestOpenLoadsScripts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	s := open(t, rs.URL())
	c := rs.Client()
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	r := storetest.NewReceipt(site, time.Now())
	if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
		t.Fatal(err)
	}
	if err := s.CountImpression(ctx, site.ID, time.Now(), []consent.Counter{{Measure: consent.MeasureImpressions}}); err != nil {
		t.Fatal(err)
	}
	stats := c.Info(ctx, "commandstats").Val()
	if !strings.Contains(stats, "cmdstat_evalsha:calls=2,") {
		t.Errorf("want 2 EVALSHA calls, commandstats:\n%s", stats)
	}
	if strings.Contains(stats, "cmdstat_eval:") {
		t.Errorf("a script fell back to EVAL, commandstats:\n%s", stats)
	}
}
