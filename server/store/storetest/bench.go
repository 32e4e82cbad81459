package storetest

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// BenchSaveReceipt measures storing distinct receipts one after another, the
// latency one ingest request pays, and from parallel goroutines, the
// throughput of a busy server: "parallel" runs one writer per CPU, as
// RunParallel does by default, and "parallel32" 32 writers whatever the
// CPU count, closer to a server with many requests in flight (each waits
// mostly on the disk or the network, not on a CPU), which is where a store
// that shares one commit among concurrent writers shows what it gains.
func BenchSaveReceipt(b *testing.B, s consent.Store) {
	ctx := context.Background()
	site := NewSite(b, SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	fields := NewReceipt(site, at).CounterFields()
	run := func(pb interface{ Next() bool }) {
		for pb.Next() {
			r := NewReceipt(site, at)
			if _, created, err := s.SaveReceipt(ctx, site, r, fields); err != nil || !created {
				b.Fatalf("SaveReceipt: created=%v err=%v", created, err)
			}
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		run(loop{b})
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) { run(pb) })
	})
	b.Run("parallel32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) { run(pb) })
	})
}

type loop struct{ b *testing.B }

func (l loop) Next() bool { return l.b.Loop() }

// CounterFields20 is a realistic day's set of counter fields: every field a
// mix of receipts and impressions in one language, device class and config
// version produces (about 20).
func CounterFields20(site consent.Site) []consent.Counter {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seen := map[consent.Counter]bool{}
	var out []consent.Counter
	add := func(fs []consent.Counter) {
		for _, f := range fs {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	add(NewImpression(site, at).CounterFields())
	for _, c := range []struct {
		a   consent.Action
		ch  consent.Choices
		gpc bool
	}{
		{consent.AcceptAll, consent.Choices{Necessary: true, Statistics: true, Marketing: true}, false},
		{consent.RejectAll, consent.Choices{Necessary: true}, true},
		{consent.Custom, consent.Choices{Necessary: true, Statistics: true}, false},
	} {
		r := NewReceipt(site, at)
		r.Action, r.Choices, r.GPC = c.a, c.ch, c.gpc
		add(r.CounterFields())
	}
	return out
}

// BenchCounters365 measures the dashboard's heaviest common read: a year of
// daily buckets of about 20 fields each.
func BenchCounters365(b *testing.B, s consent.Store) {
	ctx := context.Background()
	site := NewSite(b, SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		b.Fatal(err)
	}
	fields := CounterFields20(site)
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 365)
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if err := s.CountImpression(ctx, site.ID, d.Add(13*time.Hour), fields); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ReportMetric(float64(len(fields)), "fields/bucket")
	b.ResetTimer()
	for b.Loop() {
		bs, err := s.Counters(ctx, site.ID, consent.Day, from, to)
		if err != nil {
			b.Fatal(err)
		}
		if len(bs) != 365 || len(bs[0].Counters) != len(fields) {
			b.Fatalf("got %d buckets, want 365 of %d fields", len(bs), len(fields))
		}
	}
}
