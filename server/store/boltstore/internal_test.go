package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/store/storetest"
)

func openT(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// bbolt runs a batch again without the function that failed, and so runs
// every other function of the batch twice. SaveReceipt must then still say
// created for exactly one of the calls with one receipt id, hand the others
// the receipt that was kept, and count once. The test makes a batch of 16
// saves (8 receipt ids, each sent twice with different contents, as a
// retrying or hostile client would) and one function that fails after them.
func TestBatchRetryCreatesOnce(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir())
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	const ids = 8
	// The batch starts only once it is full, so all 17 calls share it.
	s.db.MaxBatchSize = 2*ids + 1
	s.db.MaxBatchDelay = time.Minute

	type result struct {
		sent, stored consent.Receipt
		created      bool
		err          error
	}
	results := make(chan result, 2*ids)
	var wg sync.WaitGroup
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i := 0; i < ids; i++ {
		a := storetest.NewReceipt(site, at.Add(time.Duration(i)*time.Minute))
		b := a
		b.Action, b.Choices = consent.RejectAll, consent.Choices{Necessary: true}
		b.ServerTime = a.ServerTime.Add(time.Second)
		for _, r := range []consent.Receipt{a, b} {
			wg.Add(1)
			go func(r consent.Receipt) {
				defer wg.Done()
				stored, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields())
				results <- result{r, stored, created, err}
			}(r)
		}
	}
	// Let the saves join the batch first, so the failure comes after they
	// have written (if this sleep is not enough the test is weaker, not
	// wrong: see seen below).
	time.Sleep(200 * time.Millisecond)
	boom := errors.New("boom")
	var seen []int
	err := s.db.Batch(func(tx *bolt.Tx) error {
		n := 0
		c := tx.Bucket(bktData).Bucket([]byte(site.ID)).Bucket(bktReceipts).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		seen = append(seen, n)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing batch function: err = %v", err)
	}
	wg.Wait()
	close(results)
	if len(seen) != 2 || seen[0] == 0 {
		t.Fatalf("the failing function saw %v receipts on its runs; the test needs it to run after the saves, then alone", seen)
	}
	t.Logf("the failing function ran after %d saves, which bbolt then ran again", seen[0])

	byID := map[string][]result{}
	for r := range results {
		if r.err != nil {
			t.Fatalf("SaveReceipt: %v", r.err)
		}
		byID[r.sent.ReceiptID] = append(byID[r.sent.ReceiptID], r)
	}
	var kept []consent.Receipt
	for id, rs := range byID {
		var created []consent.Receipt
		for _, r := range rs {
			if r.created {
				created = append(created, r.sent)
			}
		}
		if len(created) != 1 {
			t.Errorf("receipt %s: %d calls said created, want 1", id, len(created))
			continue
		}
		kept = append(kept, created[0])
		for _, r := range rs {
			if !r.created && jsonOf(t, r.stored) != jsonOf(t, created[0]) {
				t.Errorf("receipt %s: the duplicate got back %s, want the kept receipt %s", id, jsonOf(t, r.stored), jsonOf(t, created[0]))
			}
		}
		got, err := s.Receipts(ctx, site.ID, created[0].ConsentID)
		if err != nil || len(got) != 1 || jsonOf(t, got[0]) != jsonOf(t, created[0]) {
			t.Errorf("receipt %s: Receipts = %v, %v; want only the kept one", id, got, err)
		}
	}
	want := map[string]int64{}
	for _, r := range kept {
		for _, c := range r.CounterFields() {
			want[c.String()]++
		}
	}
	day := consent.Day.Truncate(at)
	bs, err := s.Counters(ctx, site.ID, consent.Day, day, day.AddDate(0, 0, 1))
	if err != nil || len(bs) != 1 {
		t.Fatalf("Counters = %v, %v", bs, err)
	}
	if jsonOf(t, bs[0].Counters) != jsonOf(t, want) {
		t.Errorf("counters after a retried batch:\n got %s\nwant %s", jsonOf(t, bs[0].Counters), jsonOf(t, want))
	}
	var between int
	_ = s.ReceiptsBetween(ctx, site.ID, at, at.AddDate(0, 0, 1), func(consent.Receipt) error { between++; return nil })
	if between != ids {
		t.Errorf("time index holds %d receipts, want %d", between, ids)
	}
}

// A receipt for an unknown site must not fail the batch it shares with
// others: that would roll back and redo everyone's work. A function that
// joins the batch first counts how often bbolt runs it.
func TestUnknownSiteDoesNotFailTheBatch(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir())
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	s.db.MaxBatchSize = 4
	s.db.MaxBatchDelay = time.Minute
	var wg sync.WaitGroup
	var runs int
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = s.db.Batch(func(*bolt.Tx) error { runs++; return nil })
	}()
	time.Sleep(100 * time.Millisecond) // let it be first in the batch
	ghost := storetest.NewSite(t, storetest.SiteID())
	errs := make([]error, 3)
	for i, r := range []consent.Receipt{storetest.NewReceipt(site, time.Now()), storetest.NewReceipt(ghost, time.Now()), storetest.NewReceipt(site, time.Now())} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.SaveReceipt(ctx, site, r, r.CounterFields())
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], consent.ErrNotFound) {
		t.Errorf("errors = %v, want nil, ErrNotFound, nil", errs)
	}
	if runs != 1 {
		t.Errorf("the batch ran %d times, want once", runs)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A data file written before the "bytime" index existed gets one when it is
// opened, also when a previous Open stopped half-way, so Purge and
// ReceiptsBetween see its older receipts.
func TestOpenIndexesOlderFiles(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		// prepare turns a current file into an older or half-upgraded one.
		prepare func(tx *bolt.Tx, site *bolt.Bucket, ids [][]byte) error
	}{
		{"no index", func(tx *bolt.Tx, site *bolt.Bucket, _ [][]byte) error {
			return site.DeleteBucket(bktByTime)
		}},
		{"stopped half-way", func(tx *bolt.Tx, site *bolt.Bucket, ids [][]byte) error {
			// Index entries for the first half of the receipt ids (in key
			// order) are there; the marker names the last one done.
			bt := site.Bucket(bktByTime)
			var drop [][]byte
			c := bt.Cursor()
			half := ids[len(ids)/2-1]
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if bytes.Compare(k[8:], half) > 0 {
					drop = append(drop, bytes.Clone(k))
				}
			}
			for _, k := range drop {
				if err := bt.Delete(k); err != nil {
					return err
				}
			}
			return site.Put(buildingKey, half)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir)
			site := storetest.NewSite(t, storetest.SiteID())
			site.RetentionDays = consent.MinRetentionDays
			if err := s.CreateSite(ctx, site); err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			var ids [][]byte
			for i := 0; i < 20; i++ {
				r := storetest.NewReceipt(site, start.AddDate(0, 0, i))
				if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, []byte(r.ReceiptID))
			}
			sort.Slice(ids, func(i, j int) bool { return bytes.Compare(ids[i], ids[j]) < 0 })
			err := s.db.Update(func(tx *bolt.Tx) error {
				return tt.prepare(tx, tx.Bucket(bktData).Bucket([]byte(site.ID)), ids)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			s = openT(t, dir)
			var n int
			last := time.Time{}
			err = s.ReceiptsBetween(ctx, site.ID, start, start.AddDate(1, 0, 0), func(r consent.Receipt) error {
				if r.ServerTime.Before(last) {
					t.Errorf("out of order: %v after %v", r.ServerTime, last)
				}
				last = r.ServerTime
				n++
				return nil
			})
			if err != nil || n != 20 {
				t.Errorf("ReceiptsBetween after Open = %d receipts, %v; want 20", n, err)
			}
			// Receipts of days 0–9 are past 30 days on day 40.
			res, err := s.Purge(ctx, site.ID, start.AddDate(0, 0, 40))
			if err != nil || res.Receipts != 10 {
				t.Errorf("Purge after Open = %+v, %v; want 10 receipts", res, err)
			}
			_ = s.db.View(func(tx *bolt.Tx) error {
				if tx.Bucket(bktData).Bucket([]byte(site.ID)).Get(buildingKey) != nil {
					t.Error("the upgrade marker is still there")
				}
				return nil
			})
		})
	}
}
