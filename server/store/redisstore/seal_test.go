package redisstore_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/seal"
	"github.com/samtykke/samtykke/server/store/redisstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// A receipt changed in Redis after it was sealed is found: its bundle
// names it and fails, and another visitor's still verifies.
func TestSealFindsReceiptChangedInRedis(t *testing.T) {
	ctx := context.Background()
	c := redistest.Start(t).Client()
	s := redisstore.New(c)
	site := storetest.NewSite(t, "tamper1")
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	victim := storetest.NewReceipt(site, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	other := storetest.NewReceipt(site, victim.ServerTime.Add(time.Second))
	for _, r := range []consent.Receipt{victim, other} {
		if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
			t.Fatal(err)
		}
	}
	key := storetest.TestKey(t)
	if _, err := (&seal.Sealer{Store: s, Key: key}).Seal(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	if rep := storetest.VerifyBundle(t, s, key, site.ID, victim.ConsentID); !rep.OK {
		t.Fatalf("untouched bundle: %+v", rep)
	}

	// A stream entry cannot be edited, so the log is written anew with
	// the same ids, the victim's receipt turned into consent to marketing.
	log := "samtykke:{tamper1}:log"
	entries, err := c.XRange(ctx, log, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Del(ctx, log).Err(); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		raw := e.Values["r"].(string)
		var r consent.Receipt
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			t.Fatal(err)
		}
		if r.ReceiptID == victim.ReceiptID {
			r.Choices.Marketing, r.Action = true, consent.AcceptAll
			data, _ := json.Marshal(r)
			raw = string(data)
		}
		if err := c.XAdd(ctx, &redis.XAddArgs{Stream: log, ID: e.ID, Values: []any{"r", raw}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	rep := storetest.VerifyBundle(t, s, key, site.ID, victim.ConsentID)
	if rep.OK || rep.FirstFailed == nil || rep.FirstFailed.ReceiptID != victim.ReceiptID {
		t.Fatalf("bundle of a changed receipt: %+v; want it named", rep)
	}
	if rep := storetest.VerifyBundle(t, s, key, site.ID, other.ConsentID); !rep.OK {
		t.Errorf("another visitor's bundle: %+v", rep)
	}
}

// Receipts stored before seqs existed get theirs on the first Leaves, after
// those stored since, in log order, once.
func TestLeavesBackfillOldReceipts(t *testing.T) {
	ctx := context.Background()
	c := redistest.Start(t).Client()
	s := redisstore.New(c)
	site := storetest.NewSite(t, "old1")
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	old1, old2 := storetest.NewReceipt(site, at), storetest.NewReceipt(site, at.Add(time.Minute))
	for _, r := range []consent.Receipt{old1, old2} {
		if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
			t.Fatal(err)
		}
	}
	// As Redis was before: no seqs.
	if err := c.Del(ctx, "samtykke:{old1}:seq", "samtykke:{old1}:leaves", "samtykke:{old1}:seqs").Err(); err != nil {
		t.Fatal(err)
	}
	recent := storetest.NewReceipt(site, at.Add(time.Hour))
	if _, _, err := s.SaveReceipt(ctx, site, recent, recent.CounterFields()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		ls, highest, err := s.Leaves(ctx, site.ID, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if highest != 3 || len(ls) != 3 || ls[0].ReceiptID != recent.ReceiptID ||
			ls[1].ReceiptID != old1.ReceiptID || ls[2].ReceiptID != old2.ReceiptID {
			t.Fatalf("leaves = %+v (highest %d); want recent, old1, old2", ls, highest)
		}
	}
}

// Two replicas (two stores, each with its own connections) on one Redis
// Cluster take receipts and seal at once: every receipt is in exactly one
// checkpoint, the chain is whole, and every visitor's bundle verifies.
func TestSealTwoReplicasOnCluster(t *testing.T) {
	ctx := context.Background()
	cl := redistest.StartCluster(t, 3)
	a, err := redisstore.Open(ctx, cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := redisstore.Open(ctx, cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	site := storetest.NewSite(t, "replicas1")
	if err := a.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	key := storetest.TestKey(t)
	const each = 60
	var saved [2][]consent.Receipt
	errc := make(chan error, 4)
	var wg sync.WaitGroup
	for i, s := range []*redisstore.Store{a, b} {
		wg.Add(2)
		go func() { // a replica taking receipts
			defer wg.Done()
			for j := range each {
				r := storetest.NewReceipt(site, time.Date(2026, 3, 2, 10, 0, j, i, time.UTC))
				if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
					errc <- err
					return
				}
				saved[i] = append(saved[i], r)
			}
		}()
		go func() { // the same replica sealing meanwhile
			defer wg.Done()
			sl := &seal.Sealer{Store: s, Key: key}
			for range 20 {
				if _, err := sl.Seal(ctx, site.ID); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if _, err := (&seal.Sealer{Store: b, Key: key}).Seal(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	cps, err := a.Checkpoints(ctx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	next, prev := int64(1), ""
	for i, cp := range cps {
		if cp.Number != int64(i+1) || cp.FirstSeq != next || cp.Prev != prev {
			t.Fatalf("checkpoint %d = %+v; want number %d from seq %d", i, cp, i+1, next)
		}
		next, prev = cp.LastSeq+1, cp.Hash()
	}
	if next != 2*each+1 {
		t.Fatalf("checkpoints cover seqs up to %d, want %d", next-1, 2*each)
	}
	for _, r := range []consent.Receipt{saved[0][0], saved[1][each-1], saved[0][each/2]} {
		if rep := storetest.VerifyBundle(t, b, key, site.ID, r.ConsentID); !rep.OK || rep.Receipts != 1 {
			t.Errorf("bundle of %s: %+v", r.ConsentID, rep)
		}
	}
}
