package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// batchOf makes the requests of one batch, as SaveReceipt would.
func batchOf(t *testing.T, rs ...consent.Receipt) []*saveReq {
	t.Helper()
	var out []*saveReq
	for _, r := range rs {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &saveReq{ctx: context.Background(), r: r, data: data, counters: r.CounterFields(), days: 90})
	}
	return out
}

func newBatchStore(t *testing.T) (*Store, *redis.Client, consent.Site) {
	t.Helper()
	rs := redistest.Start(t)
	c := rs.Client()
	s := New(c)
	site := storetest.NewSite(t, "batch1")
	if err := s.CreateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	return s, c, site
}

// One batch may hold a receipt id twice (a retry racing its original) and a
// receipt stored before: the first copy by server time is stored and
// counted once, every other copy is a duplicate that returns it.
func TestBatchDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c, site := newBatchStore(t)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	before := storetest.NewReceipt(site, at)
	if _, created, err := s.SaveReceipt(ctx, site, before, before.CounterFields()); err != nil || !created {
		t.Fatalf("SaveReceipt: created=%v err=%v", created, err)
	}
	r1 := storetest.NewReceipt(site, at.Add(time.Second))
	r2 := storetest.NewReceipt(site, at.Add(2*time.Second))
	retry := r1
	retry.ServerTime = at.Add(3 * time.Second) // the retry got a later server time
	again := before
	again.ServerTime = at.Add(4 * time.Second)
	batch := batchOf(t, retry, r2, again, r1)
	s.saveBatch(ctx, site.ID, batch)

	for _, req := range batch {
		if req.err != nil {
			t.Fatalf("receipt %s: %v", req.r.ReceiptID, req.err)
		}
	}
	got := func(r consent.Receipt) []*saveReq {
		var out []*saveReq
		for _, req := range batch {
			if req.r.ReceiptID == r.ReceiptID && req.r.ServerTime.Equal(r.ServerTime) {
				out = append(out, req)
			}
		}
		return out
	}
	check := func(name string, r consent.Receipt, created bool, stored consent.Receipt) {
		t.Helper()
		reqs := got(r)
		if len(reqs) != 1 {
			t.Fatalf("%s: %d requests", name, len(reqs))
		}
		req := reqs[0]
		if req.created != created || !req.stored.ServerTime.Equal(stored.ServerTime) || req.stored.ReceiptID != stored.ReceiptID {
			t.Errorf("%s: created=%v stored at %v; want created=%v stored at %v", name, req.created, req.stored.ServerTime, created, stored.ServerTime)
		}
	}
	check("r1", r1, true, r1)
	check("r2", r2, true, r2)
	check("retry of r1 in the same batch", retry, false, r1)
	check("retry of an earlier receipt", again, false, before)

	if n := c.XLen(ctx, logKey(site.ID)).Val(); n != 3 {
		t.Errorf("log holds %d entries, want 3", n)
	}
	bs, err := s.Counters(ctx, site.ID, consent.Hour, at, at.Add(time.Hour))
	if err != nil || len(bs) != 1 || bs[0].Counters["decisions"] != 3 {
		t.Errorf("hour counters = %+v, %v; want 3 decisions", bs, err)
	}
	if rs, err := s.Receipts(ctx, site.ID, r1.ConsentID); err != nil || len(rs) != 1 {
		t.Errorf("Receipts of r1's consent id = %d, %v; want 1", len(rs), err)
	}
}

// A batch for a deleted site answers ErrNotFound to every receipt and
// writes nothing.
func TestBatchDeletedSite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c, site := newBatchStore(t)
	if err := s.DeleteSite(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	batch := batchOf(t, storetest.NewReceipt(site, at), storetest.NewReceipt(site, at))
	s.saveBatch(ctx, site.ID, batch)
	for _, req := range batch {
		if !errors.Is(req.err, consent.ErrNotFound) || req.created {
			t.Errorf("receipt %s: created=%v err=%v; want ErrNotFound", req.r.ReceiptID, req.created, req.err)
		}
	}
	if ks := c.Keys(ctx, "samtykke:{batch1}:*").Val(); len(ks) != 0 {
		t.Errorf("a batch for a deleted site wrote %q", ks)
	}
}

// Receipts of one batch may fall into different hours and days: each
// bucket gets its own counts, TTL and index entry.
func TestBatchAcrossBuckets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c, site := newBatchStore(t)
	late := time.Date(2026, 3, 1, 23, 59, 59, 0, time.UTC)
	early := late.Add(2 * time.Second)
	batch := batchOf(t, storetest.NewReceipt(site, early), storetest.NewReceipt(site, late), storetest.NewReceipt(site, early))
	s.saveBatch(ctx, site.ID, batch)
	for _, req := range batch {
		if req.err != nil || !req.created {
			t.Fatalf("created=%v err=%v", req.created, req.err)
		}
	}
	for _, tt := range []struct {
		g    consent.Granularity
		name string
		n    int64
	}{
		{consent.Day, "20260301", 1}, {consent.Day, "20260302", 2},
		{consent.Hour, "2026030123", 1}, {consent.Hour, "2026030200", 2},
	} {
		key := bucketKeyOf(site.ID, tt.g, tt.name)
		if n, _ := c.HGet(ctx, key, "decisions").Int64(); n != tt.n {
			t.Errorf("%s decisions = %d, want %d", key, n, tt.n)
		}
		if ttl := c.TTL(ctx, key).Val(); ttl < tt.g.Retention()-time.Minute {
			t.Errorf("TTL %s = %v", key, ttl)
		}
		if err := c.ZScore(ctx, bucketIndexKey(site.ID, tt.g), tt.name).Err(); err != nil {
			t.Errorf("%s is not in its index: %v", key, err)
		}
	}
}

// A failure part-way through a batch (here a consent list of the wrong
// type) reaches every request; the receipts before it are complete,
// counters included, and those after it untouched.
func TestBatchErrorPartWay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c, site := newBatchStore(t)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	first, bad, after := storetest.NewReceipt(site, at), storetest.NewReceipt(site, at.Add(time.Second)), storetest.NewReceipt(site, at.Add(2*time.Second))
	c.Set(ctx, consentIDKey(site.ID, bad.ConsentID), "not a list", 0)
	batch := batchOf(t, after, bad, first)
	s.saveBatch(ctx, site.ID, batch)
	for _, req := range batch {
		if req.err == nil || !strings.Contains(req.err.Error(), "WRONGTYPE") {
			t.Errorf("receipt %s: err = %v, want WRONGTYPE", req.r.ReceiptID, req.err)
		}
	}
	if rs, err := s.Receipts(ctx, site.ID, first.ConsentID); err != nil || len(rs) != 1 {
		t.Errorf("the receipt before the failure: Receipts = %d, %v; want it", len(rs), err)
	}
	if c.Exists(ctx, receiptIDKey(site.ID, after.ReceiptID)).Val() != 0 || c.Exists(ctx, consentIDKey(site.ID, after.ConsentID)).Val() != 0 {
		t.Error("the receipt after the failure was written")
	}
	// The first and the failing one are in the log and counted (the
	// failing one got as far as its idempotency key), the last is not.
	if n := c.XLen(ctx, logKey(site.ID)).Val(); n != 2 {
		t.Errorf("log holds %d entries, want 2", n)
	}
	bs, err := s.Counters(ctx, site.ID, consent.Hour, at, at.Add(time.Hour))
	if err != nil || len(bs) != 1 || bs[0].Counters["decisions"] != 2 {
		t.Errorf("hour counters = %+v, %v; want 2 decisions", bs, err)
	}
	// A retry of the last one stores it.
	if _, created, err := s.SaveReceipt(ctx, site, after, after.CounterFields()); err != nil || !created {
		t.Errorf("retry after the failed batch: created=%v err=%v", created, err)
	}
}

// A request that gives up while it waits for its batch answers at once,
// and is not sent if its batch had not left yet.
func TestBatchGiveUpWhileQueued(t *testing.T) {
	t.Parallel()
	s, c, site := newBatchStore(t)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	// A batch of the site is in flight.
	q := &siteQueue{}
	s.qmu.Lock()
	s.queues[site.ID] = q
	s.qmu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	r := storetest.NewReceipt(site, at)
	done := make(chan error)
	go func() {
		_, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields())
		done <- err
	}()
	for {
		s.qmu.Lock()
		n := len(q.reqs)
		s.qmu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, consent.ErrUnavailable) {
		t.Errorf("SaveReceipt given up: err = %v, want ErrUnavailable", err)
	}
	s.drain(site.ID, q) // the batch in flight came back
	if c.Exists(context.Background(), receiptIDKey(site.ID, r.ReceiptID)).Val() != 0 {
		t.Error("a receipt given up before its batch left was written")
	}
	if len(s.queues) != 0 {
		t.Errorf("queues left behind: %v", s.queues)
	}
}

// Concurrent receipts of one site share script calls, and the queues are
// gone once they are all answered.
func TestGroupCommitBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c, site := newBatchStore(t)
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	const writers, each = 32, 20
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				r := storetest.NewReceipt(site, at)
				if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
					t.Errorf("SaveReceipt: created=%v err=%v", created, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	stats := c.Info(ctx, "commandstats").Val()
	var calls int
	for _, line := range strings.Split(stats, "\r\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_evalsha:calls="); ok {
			num, _, _ := strings.Cut(rest, ",")
			calls, _ = strconv.Atoi(num)
		}
	}
	if calls == 0 || calls >= writers*each {
		t.Errorf("%d receipts took %d EVALSHAs; want fewer", writers*each, calls)
	}
	t.Logf("%d receipts in %d script calls", writers*each, calls)
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if len(s.queues) != 0 {
		t.Errorf("queues left behind: %v", s.queues)
	}
}
