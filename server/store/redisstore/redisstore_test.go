package redisstore_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/redisstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

func open(t testing.TB, url string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestConformance runs the suite with a fresh redis-server per test; the
// reopen hook restarts that server, which then reloads its AOF.
func TestConformance(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		servers = map[consent.Store]*redistest.Server{}
	)
	storetest.Run(t,
		func(t *testing.T) consent.Store {
			rs := redistest.Start(t)
			s := open(t, rs.URL())
			mu.Lock()
			servers[s] = rs
			mu.Unlock()
			return s
		},
		storetest.WithReopen(func(t *testing.T, s consent.Store) consent.Store {
			mu.Lock()
			rs := servers[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			rs.Restart()
			return open(t, rs.URL())
		}),
	)
}

// TestConformancePlain runs the suite with a script call per receipt, on
// the plain client instead of the autopipeliner.
func TestConformancePlain(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) consent.Store {
		return redisstore.New(redistest.Start(t).Client(), redisstore.WithAutoPipeline(false), redisstore.WithGroupCommit(false))
	})
}

// TestConformanceCluster runs the suite on a 3-master Redis Cluster: every
// script, pipeline and delete must stay within one slot or fan out to every
// master.
func TestConformanceCluster(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t, 3)
	client := cl.Client()
	storetest.Run(t, func(t *testing.T) consent.Store {
		err := client.ForEachMaster(context.Background(), func(ctx context.Context, m *redis.Client) error {
			return m.FlushAll(ctx).Err()
		})
		if err != nil {
			t.Fatalf("FLUSHALL: %v", err)
		}
		return redisstore.New(client)
	})
}

func TestOpenClusterURL(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t, 3)
	s := open(t, cl.URL())
	ctx := context.Background()
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	r := storetest.NewReceipt(site, time.Now())
	if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
		t.Fatalf("SaveReceipt on a cluster opened by URL: created=%v err=%v", created, err)
	}
}

func keys(t *testing.T, c *redis.Client, pattern string) []string {
	t.Helper()
	ks, err := c.Keys(context.Background(), pattern).Result()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(ks)
	return ks
}

// TestKeyLayout pins the documented key names and their TTLs: operators
// size memory and write runbooks from them.
func TestKeyLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	c := rs.Client()
	s := redisstore.New(c)

	site := storetest.NewSite(t, "layout1")
	site.RetentionDays = 90
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 15, 4, 0, 0, time.UTC)
	r := storetest.NewReceipt(site, at)
	if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSettingOnce(ctx, "admin_token_sha256", "x"); err != nil {
		t.Fatal(err)
	}

	want := []string{
		"samtykke:setting:admin_token_sha256",
		"samtykke:sites",
		"samtykke:{layout1}:buckets:d",
		"samtykke:{layout1}:buckets:h",
		"samtykke:{layout1}:cid:" + r.ConsentID,
		"samtykke:{layout1}:d:20261123",
		"samtykke:{layout1}:h:2026112315",
		"samtykke:{layout1}:log",
		"samtykke:{layout1}:rid:" + r.ReceiptID,
		"samtykke:{layout1}:site",
		// Tamper evidence (seal.go).
		"samtykke:{layout1}:seq",
		"samtykke:{layout1}:leaves",
		"samtykke:{layout1}:seqs",
	}
	sort.Strings(want)
	if got := keys(t, c, "*"); !equal(got, want) {
		t.Errorf("keys after one receipt:\n got %q\nwant %q", got, want)
	}

	day := 24 * time.Hour
	ttls := []struct {
		key  string
		want time.Duration // -1: no expiry
	}{
		{"samtykke:{layout1}:site", -1},
		{"samtykke:sites", -1},
		{"samtykke:setting:admin_token_sha256", -1},
		{"samtykke:{layout1}:log", 90 * day},
		{"samtykke:{layout1}:cid:" + r.ConsentID, 90 * day},
		{"samtykke:{layout1}:rid:" + r.ReceiptID, 8 * day},
		{"samtykke:{layout1}:d:20261123", consent.Day.Retention()},
		{"samtykke:{layout1}:h:2026112315", consent.Hour.Retention()},
		{"samtykke:{layout1}:buckets:d", consent.Day.Retention()},
		{"samtykke:{layout1}:buckets:h", consent.Hour.Retention()},
		// Leaves outlive the receipts they prove.
		{"samtykke:{layout1}:seq", -1},
		{"samtykke:{layout1}:leaves", -1},
		{"samtykke:{layout1}:seqs", -1},
	}
	for _, tt := range ttls {
		got, err := c.TTL(ctx, tt.key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if tt.want < 0 {
			if got != -1 {
				t.Errorf("TTL %s = %v, want none", tt.key, got)
			}
			continue
		}
		if got > tt.want || got < tt.want-time.Minute {
			t.Errorf("TTL %s = %v, want %v", tt.key, got, tt.want)
		}
	}

	// A bucket's TTL is set once, on first write: later writes must not
	// push it out, or a bucket written every day would never expire.
	dayKey := "samtykke:{layout1}:d:20261123"
	if err := c.Expire(ctx, dayKey, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	hourKey := "samtykke:{layout1}:h:2026112315"
	if err := c.Expire(ctx, hourKey, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.CountImpression(ctx, site.ID, at, []consent.Counter{{Measure: consent.MeasureImpressions}}); err != nil {
		t.Fatal(err)
	}
	r2 := storetest.NewReceipt(site, at)
	if _, _, err := s.SaveReceipt(ctx, site, r2, r2.CounterFields()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{dayKey, hourKey} {
		if ttl := c.TTL(ctx, k).Val(); ttl > time.Hour {
			t.Errorf("later writes moved the TTL of %s to %v", k, ttl)
		}
	}
	if n := c.XLen(ctx, "samtykke:{layout1}:log").Val(); n != 2 {
		t.Errorf("log holds %d entries, want 2", n)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// DeleteSite must leave no key of the site behind (Redis has no cascade),
// and touch no other site's keys, even one whose id is a prefix.
func TestDeleteSiteRemovesEveryKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	c := rs.Client()
	s := redisstore.New(c)

	a, b := storetest.NewSite(t, "shop"), storetest.NewSite(t, "shop2")
	for _, site := range []consent.Site{a, b} {
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
		// Enough receipts to need several SCAN pages and UNLINK batches.
		for i := 0; i < 600; i++ {
			r := storetest.NewReceipt(site, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour))
			if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := len(keys(t, c, "samtykke:{shop2}:*"))

	if err := s.DeleteSite(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if left := keys(t, c, "samtykke:{shop}:*"); len(left) != 0 {
		t.Errorf("DeleteSite left %d keys, e.g. %s", len(left), left[0])
	}
	if after := len(keys(t, c, "samtykke:{shop2}:*")); after != before {
		t.Errorf("DeleteSite(shop) changed shop2's keys: %d → %d", before, after)
	}
	if c.SIsMember(ctx, "samtykke:sites", a.ID).Val() {
		t.Error("samtykke:sites still names the deleted site")
	}
}

// A DeleteSite cut off after removing the site key leaves data and a set
// member behind; Sites must not list it, and a second DeleteSite or a
// CreateSite of the same id must clean up.
func TestInterruptedDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	c := rs.Client()
	s := redisstore.New(c)

	interrupted := func(id string) consent.Receipt {
		site := storetest.NewSite(t, id)
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
		r := storetest.NewReceipt(site, time.Date(2026, 3, 2, 0, 10, 0, 0, time.UTC))
		if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
			t.Fatal(err)
		}
		c.Del(ctx, "samtykke:{"+id+"}:site") // the first step of DeleteSite, then a crash
		return r
	}

	interrupted("half1")
	sites, err := s.Sites(ctx)
	if err != nil || len(sites) != 0 {
		t.Errorf("Sites with a dangling member = %v, %v; want none", sites, err)
	}
	if err := s.DeleteSite(ctx, "half1"); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("DeleteSite of a half-deleted site: err = %v, want ErrNotFound", err)
	}
	if left := keys(t, c, "samtykke:{half1}:*"); len(left) != 0 {
		t.Errorf("second DeleteSite left %q", left)
	}
	if c.SIsMember(ctx, "samtykke:sites", "half1").Val() {
		t.Error("second DeleteSite left the set member")
	}

	r := interrupted("half2")
	site := storetest.NewSite(t, "half2")
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatalf("CreateSite over a half-deleted site: %v", err)
	}
	if rs, _ := s.Receipts(ctx, "half2", r.ConsentID); len(rs) != 0 {
		t.Errorf("a re-created site inherited %d receipts", len(rs))
	}
	if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
		t.Errorf("re-created site remembers an old receipt id: created=%v err=%v", created, err)
	}
}

// A replica that cached a site must still refuse receipts and impressions
// once another replica deleted it, and leave no keys behind.
func TestDeletedOnAnotherReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	a, b := open(t, rs.URL()), open(t, rs.URL())

	site := storetest.NewSite(t, "gone")
	if err := a.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	r := storetest.NewReceipt(site, time.Now())
	if _, _, err := a.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteSite(ctx, site.ID); err != nil {
		t.Fatal(err)
	}

	r2 := storetest.NewReceipt(site, time.Now())
	if _, _, err := a.SaveReceipt(ctx, site, r2, r2.CounterFields()); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("SaveReceipt on a replica that cached the deleted site: err = %v, want ErrNotFound", err)
	}
	if err := a.CountImpression(ctx, site.ID, time.Now(), []consent.Counter{{Measure: consent.MeasureImpressions}}); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("CountImpression for the deleted site: err = %v, want ErrNotFound", err)
	}
	if left := keys(t, rs.Client(), "samtykke:{gone}:*"); len(left) != 0 {
		t.Errorf("writes after DeleteSite left %q", left)
	}
}

// With Redis down every call says ErrUnavailable (the API's 503), and once
// it is back nothing of the refused write is there.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	s := open(t, rs.URL())
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	r := storetest.NewReceipt(site, time.Date(2026, 3, 2, 0, 10, 0, 0, time.UTC))
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

	rs.Stop()
	calls := map[string]func() error{
		"SaveReceipt": func() error { _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); return err },
		"CountImpression": func() error {
			return s.CountImpression(ctx, site.ID, r.ServerTime, []consent.Counter{{Measure: consent.MeasureImpressions}})
		},
		"Receipts": func() error { _, err := s.Receipts(ctx, site.ID, r.ConsentID); return err },
		"Counters": func() error { _, err := s.Counters(ctx, site.ID, consent.Day, day, day.AddDate(0, 0, 1)); return err },
		"Site":     func() error { _, err := s.Site(ctx, site.ID); return err },
		"Sites":    func() error { _, err := s.Sites(ctx); return err },
		"CreateSite": func() error {
			return s.CreateSite(ctx, storetest.NewSite(t, storetest.SiteID()))
		},
		"DeleteSite":     func() error { return s.DeleteSite(ctx, site.ID) },
		"SetSettingOnce": func() error { _, err := s.SetSettingOnce(ctx, "k", "v"); return err },
		"Ping":           func() error { return s.Ping(ctx) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, consent.ErrUnavailable) {
			t.Errorf("%s with Redis down: err = %v, want ErrUnavailable", name, err)
		}
	}
	// A request deadline bounds the wait, too.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Ping(short); !errors.Is(err, consent.ErrUnavailable) {
		t.Errorf("Ping with a deadline: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Ping with a 50ms deadline took %v", d)
	}

	rs.Restart()
	waitPing(t, s)
	if rcpts, err := s.Receipts(ctx, site.ID, r.ConsentID); err != nil || len(rcpts) != 0 {
		t.Errorf("after restart: Receipts = %d, %v; want none", len(rcpts), err)
	}
	if bs, err := s.Counters(ctx, site.ID, consent.Day, day, day.AddDate(0, 0, 1)); err != nil || len(bs) != 0 {
		t.Errorf("after restart: Counters = %v, %v; want none", bs, err)
	}
	if _, err := s.Site(ctx, site.ID); err != nil {
		t.Errorf("after restart: Site: %v (DeleteSite with Redis down must not have half-run)", err)
	}
	if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
		t.Errorf("retry after restart: created=%v err=%v; want created", created, err)
	}
}

// waitPing waits for the client to reconnect: after a burst of failed dials
// go-redis probes the server once a second before it dials again.
func waitPing(t *testing.T, s consent.Store) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := s.Ping(context.Background())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no PONG 5s after restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Nothing listens on port 1.
	if _, err := redisstore.Open(ctx, "redis://127.0.0.1:1/0"); !errors.Is(err, consent.ErrUnavailable) {
		t.Errorf("Open of a closed port: err = %v, want ErrUnavailable", err)
	}
	if _, err := redisstore.Open(ctx, "http://127.0.0.1:6379"); err == nil {
		t.Error("Open accepted an http:// URL")
	}
}

func BenchmarkSaveReceipt(b *testing.B) {
	rs := redistest.Start(b)
	storetest.BenchSaveReceipt(b, open(b, rs.URL()))
}

// BenchmarkSaveReceiptOptions compares the write path with group commit
// and autopipelining each on and off.
func BenchmarkSaveReceiptOptions(b *testing.B) {
	for _, o := range []struct {
		name   string
		gc, ap bool
	}{{"plain", false, false}, {"autopipeline", false, true}, {"groupcommit", true, false}, {"both", true, true}} {
		b.Run(o.name, func(b *testing.B) {
			rs := redistest.Start(b)
			storetest.BenchSaveReceipt(b, redisstore.New(rs.Client(), redisstore.WithGroupCommit(o.gc), redisstore.WithAutoPipeline(o.ap)))
		})
	}
}

func BenchmarkCounters365(b *testing.B) {
	rs := redistest.Start(b)
	storetest.BenchCounters365(b, open(b, rs.URL()))
}

// BenchmarkSaveReceiptMinReplicas measures what min_replicas=1 costs: the
// same primary with one replica (both on loopback, AOF everysec), the
// write path acknowledging on the primary alone and after WAIT 1.
func BenchmarkSaveReceiptMinReplicas(b *testing.B) {
	primary := redistest.Start(b)
	redistest.StartReplica(b, primary)
	for _, o := range []struct{ name, query string }{{"primary", ""}, {"min_replicas=1", "?min_replicas=1"}} {
		b.Run(o.name, func(b *testing.B) {
			storetest.BenchSaveReceipt(b, open(b, primary.URL()+o.query))
		})
	}
}
