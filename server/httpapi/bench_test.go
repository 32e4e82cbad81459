package httpapi_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/redisstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// BenchmarkStatsYear measures what a marketer waits for: the dashboard's
// stats endpoint, over real HTTP with a session, for one site and a year of
// daily buckets (about 20 counters each, three config versions' worth of
// breakdowns). The budget is 50 ms per request.
func BenchmarkStatsYear(b *testing.B) {
	b.Run("bolt", func(b *testing.B) {
		st, err := boltstore.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchStats(b, st)
	})
	b.Run("redis", func(b *testing.B) {
		rs := redistest.Start(b)
		st, err := redisstore.Open(context.Background(), rs.URL())
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchStats(b, st)
	})
}

func benchStats(b *testing.B, st store) {
	ctx := context.Background()
	site := storetest.NewSite(b, storetest.SiteID())
	if err := st.CreateSite(ctx, site); err != nil {
		b.Fatal(err)
	}
	fields := storetest.CounterFields20(site)
	from := time.Date(2025, 11, 23, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 365)
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if err := st.CountImpression(ctx, site.ID, d.Add(13*time.Hour), fields); err != nil {
			b.Fatal(err)
		}
	}
	now := func() time.Time { return to }
	reg := prometheus.NewRegistry()
	e := httpapi.New(st, httpapi.Options{
		PublicURL: publicURL, AdminTokenHash: sha256.Sum256([]byte(adminToken)),
		Metrics: metrics.New(reg, metrics.Build{}), Gatherer: reg, Now: now,
		Accounts: st, PasswordParams: accounts.TestParams,
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	token, se := accounts.NewSession("", true, to)
	// An operator's session, as signing in with the admin token opens it:
	// it names the token it was opened with.
	se.AdminToken = accounts.AdminTokenFingerprint(sha256.Sum256([]byte(adminToken)))
	if err := st.CreateSession(ctx, se); err != nil {
		b.Fatal(err)
	}
	url := srv.URL + "/dashboard/api/sites/" + site.ID + "/stats?from=2025-11-23&to=2026-11-22&granularity=day"
	get := func() {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Cookie", httpapi.CookieName+"="+token)
		res, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || n < 10000 {
			b.Fatalf("stats: %d, %d bytes", res.StatusCode, n)
		}
	}
	get()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		get()
	}
	if per := time.Since(start) / time.Duration(b.N); per > 50*time.Millisecond {
		b.Errorf("a year of daily stats took %v per request, over the 50 ms budget", per)
	}
}
