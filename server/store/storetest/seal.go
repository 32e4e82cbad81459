package storetest

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/seal"
)

// The conformance tests of consent.SealStore: seqs and leaves, checkpoints,
// erasure. They run from Run, on every store.
var sealTests = []struct {
	name string
	fn   func(t *testing.T, s consent.Store)
}{
	{"SealLeaves", testSealLeaves},
	{"SealCheckpoints", testSealCheckpoints},
	{"ConcurrentSeal", testConcurrentSeal},
	{"EraseConsent", testEraseConsent},
	{"SealAfterPurge", testSealAfterPurge},
}

var quiet = slog.New(slog.DiscardHandler)

// TestKey returns a fresh signing key.
func TestKey(t testing.TB) seal.Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return seal.Key{Private: priv, ID: seal.KeyID(priv.Public().(ed25519.PublicKey))}
}

func sealNow(t *testing.T, sl *seal.Sealer, siteID string) []consent.Checkpoint {
	t.Helper()
	cps, err := sl.Seal(context.Background(), siteID)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return cps
}

func leaves(t *testing.T, s consent.Store, siteID string) ([]consent.Leaf, int64) {
	t.Helper()
	ls, highest, err := s.Leaves(context.Background(), siteID, 1, 1000)
	if err != nil {
		t.Fatalf("Leaves: %v", err)
	}
	return ls, highest
}

// VerifyBundle builds the proof bundle of a consent id as the admin API
// does, round-trips it through JSON, and verifies it with key.
func VerifyBundle(t *testing.T, s consent.Store, key seal.Key, siteID, consentID string) seal.Report {
	t.Helper()
	b := seal.Builder{Store: s, Keys: []seal.PublicKey{key.Public()}}
	bundle, err := b.Bundle(context.Background(), siteID, consentID)
	if err != nil {
		t.Fatalf("Bundle: %v", err)
	}
	data, err := json.Marshal(bundle)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := seal.NewKeySet([]seal.PublicKey{key.Public()})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := seal.Verify(data, keys)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// Each new receipt gets the next seq and a leaf holding its hash; a
// duplicate gets none.
func testSealLeaves(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	if ls, highest := leaves(t, s, site.ID); len(ls) != 0 || highest != 0 {
		t.Fatalf("Leaves of a new site = %v, %d; want none", ls, highest)
	}
	var rs []consent.Receipt
	for i := range 3 {
		r := NewReceipt(site, afterMidnight.Add(time.Duration(i)*time.Minute))
		save(t, s, r)
		rs = append(rs, r)
	}
	save(t, s, rs[1]) // a duplicate
	ls, highest := leaves(t, s, site.ID)
	if highest != 3 || len(ls) != 3 {
		t.Fatalf("Leaves = %d leaves, highest %d; want 3, 3", len(ls), highest)
	}
	for i, l := range ls {
		want := consent.Leaf{Seq: int64(i + 1), ReceiptID: rs[i].ReceiptID, Hash: consent.ReceiptHash(rs[i])}
		sameJSON(t, fmt.Sprintf("leaf %d", i+1), l, want)
	}
	of, err := s.LeavesOf(context.Background(), site.ID, []string{rs[2].ReceiptID, uuid.NewString()})
	if err != nil {
		t.Fatalf("LeavesOf: %v", err)
	}
	sameJSON(t, "LeavesOf", of, map[string]consent.Leaf{rs[2].ReceiptID: ls[2]})
	if page, _, err := s.Leaves(context.Background(), site.ID, 2, 1); err != nil || len(page) != 1 || page[0].Seq != 2 {
		t.Errorf("Leaves(from 2, limit 1) = %v, %v; want seq 2", page, err)
	}
	if page, _, _ := s.Leaves(context.Background(), "nosuchsite", 1, 10); len(page) != 0 {
		t.Errorf("Leaves of an unknown site = %v", page)
	}
}

// Checkpoints chain, cover every leaf once, and verify; a checkpoint that
// does not follow the last one is refused.
func testSealCheckpoints(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site := createSite(t, s)
	key := TestKey(t)
	sl := &seal.Sealer{Logger: quiet, Store: s, Key: key, Now: func() time.Time { return afterMidnight.Add(time.Hour) }}
	if cps := sealNow(t, sl, site.ID); len(cps) != 0 {
		t.Fatalf("Seal of a site with no receipts wrote %v", cps)
	}
	visitor := NewReceipt(site, afterMidnight)
	save(t, s, visitor)
	save(t, s, NewReceipt(site, afterMidnight))
	first := sealNow(t, sl, site.ID)
	if len(first) != 1 || first[0].Number != 1 || first[0].FirstSeq != 1 || first[0].LastSeq != 2 || first[0].Prev != "" {
		t.Fatalf("first Seal = %+v; want checkpoint 1 over seqs 1–2", first)
	}
	if again := sealNow(t, sl, site.ID); len(again) != 0 {
		t.Fatalf("Seal with nothing new wrote %v", again)
	}
	later := NewReceipt(site, afterMidnight)
	later.ConsentID = visitor.ConsentID
	save(t, s, later)
	second := sealNow(t, sl, site.ID)
	if len(second) != 1 || second[0].FirstSeq != 3 || second[0].LastSeq != 3 || second[0].Prev != first[0].Hash() {
		t.Fatalf("second Seal = %+v; want checkpoint 2 over seq 3, chained to 1", second)
	}
	stored, err := s.Checkpoints(ctx, site.ID)
	if err != nil {
		t.Fatalf("Checkpoints: %v", err)
	}
	sameJSON(t, "Checkpoints", stored, append(first, second...))

	stale := first[0]
	stale.Number, stale.Prev = 2, first[0].Hash()
	if err := s.AddCheckpoint(ctx, stale); !errors.Is(err, consent.ErrConflict) {
		t.Errorf("AddCheckpoint of a checkpoint that does not follow the last = %v, want ErrConflict", err)
	}
	gone := second[0]
	gone.SiteID = "nosuchsite"
	gone.Number, gone.FirstSeq = 1, 1
	if err := s.AddCheckpoint(ctx, gone); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("AddCheckpoint for an unknown site = %v, want ErrNotFound", err)
	}

	rep := VerifyBundle(t, s, key, site.ID, visitor.ConsentID)
	if !rep.OK || rep.Receipts != 2 {
		t.Fatalf("bundle of a sealed visitor: %+v; want ok with 2 receipts", rep)
	}
	// Unsealed receipts are named, and fail the check.
	fresh := NewReceipt(site, afterMidnight)
	fresh.ConsentID = visitor.ConsentID
	fresh.ServerTime = afterMidnight.Add(time.Minute)
	save(t, s, fresh)
	rep = VerifyBundle(t, s, key, site.ID, visitor.ConsentID)
	if rep.OK || rep.FirstFailed == nil || rep.FirstFailed.ReceiptID != fresh.ReceiptID {
		t.Fatalf("bundle with an unsealed receipt: %+v; want it named", rep)
	}
}

// Sealers racing each other while receipts arrive: every receipt ends up
// in exactly one checkpoint, and the chain is whole.
func testConcurrentSeal(t *testing.T, s consent.Store) {
	site := createSite(t, s)
	key := TestKey(t)
	const writers, each, sealers = 4, 25, 3
	var wg sync.WaitGroup
	errc := make(chan error, writers*each+sealers*100)
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r := NewReceipt(site, afterMidnight.Add(time.Duration(w*each+i)*time.Millisecond))
				if _, _, err := s.SaveReceipt(context.Background(), site, r, r.CounterFields()); err != nil {
					errc <- err
				}
			}
		}()
	}
	var sw sync.WaitGroup
	for range sealers {
		sw.Add(1)
		go func() {
			defer sw.Done()
			sl := &seal.Sealer{Logger: quiet, Store: s, Key: key}
			for {
				if _, err := sl.Seal(context.Background(), site.ID); err != nil {
					errc <- err
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	sw.Wait()
	sealNow(t, &seal.Sealer{Logger: quiet, Store: s, Key: key}, site.ID)
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	cps, err := s.Checkpoints(context.Background(), site.ID)
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
	if next != writers*each+1 {
		t.Fatalf("checkpoints cover seqs up to %d, want %d", next-1, writers*each)
	}
}

// Erasing a visitor removes their receipts from every read, keeps the
// counters and the leaves, and the rest still verifies.
func testEraseConsent(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site := createSite(t, s)
	key := TestKey(t)
	sl := &seal.Sealer{Logger: quiet, Store: s, Key: key}
	gone := NewReceipt(site, afterMidnight)
	gone2 := NewReceipt(site, afterMidnight.Add(time.Minute))
	gone2.ConsentID = gone.ConsentID
	kept := NewReceipt(site, afterMidnight.Add(2*time.Minute))
	for _, r := range []consent.Receipt{gone, gone2, kept} {
		save(t, s, r)
	}
	sealNow(t, sl, site.ID)
	beforeLeaves, _ := leaves(t, s, site.ID)
	beforeDays := counters(t, s, site.ID, consent.Day, dayOne, dayThree)

	at := afterMidnight.Add(time.Hour)
	ts, err := s.EraseConsent(ctx, site.ID, gone.ConsentID, at, "admin")
	if err != nil {
		t.Fatalf("EraseConsent: %v", err)
	}
	sameJSON(t, "tombstones", ts, []consent.Tombstone{
		{ReceiptID: gone.ReceiptID, Seq: 1, ErasedAt: at.UTC(), Actor: "admin"},
		{ReceiptID: gone2.ReceiptID, Seq: 2, ErasedAt: at.UTC(), Actor: "admin"},
	})
	if rs := receipts(t, s, site.ID, gone.ConsentID); len(rs) != 0 {
		t.Errorf("Receipts of an erased visitor = %v", rs)
	}
	sameJSON(t, "ReceiptsBetween after erasure", between(t, s, site.ID, dayOne, dayThree), []consent.Receipt{kept})
	sameJSON(t, "day counters after erasure", counters(t, s, site.ID, consent.Day, dayOne, dayThree), beforeDays)
	afterLeaves, _ := leaves(t, s, site.ID)
	sameJSON(t, "leaves after erasure", afterLeaves, beforeLeaves)
	stones, err := s.Tombstones(ctx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "Tombstones", stones, ts)

	// Idempotent: nothing left to erase.
	if again, err := s.EraseConsent(ctx, site.ID, gone.ConsentID, at, "admin"); err != nil || len(again) != 0 {
		t.Errorf("second EraseConsent = %v, %v; want none", again, err)
	}
	if _, err := s.EraseConsent(ctx, "nosuchsite", gone.ConsentID, at, "admin"); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("EraseConsent of an unknown site = %v, want ErrNotFound", err)
	}
	// The browser's outbox sending an erased receipt again stores nothing.
	if _, created := save(t, s, gone); created {
		t.Error("an erased receipt was stored again")
	}
	if rs := receipts(t, s, site.ID, gone.ConsentID); len(rs) != 0 {
		t.Errorf("Receipts after an erased receipt was sent again = %v", rs)
	}
	// A new decision of the same visitor is a new record.
	fresh := NewReceipt(site, afterMidnight.Add(3*time.Minute))
	fresh.ConsentID = gone.ConsentID
	if _, created := save(t, s, fresh); !created {
		t.Fatal("a new receipt of an erased consent id was not stored")
	}
	sameJSON(t, "Receipts after a new decision", receipts(t, s, site.ID, gone.ConsentID), []consent.Receipt{fresh})
	sealNow(t, sl, site.ID)
	if rep := VerifyBundle(t, s, key, site.ID, gone.ConsentID); !rep.OK || rep.Receipts != 1 {
		t.Errorf("bundle after erasure and a new decision: %+v", rep)
	}
	if rep := VerifyBundle(t, s, key, site.ID, kept.ConsentID); !rep.OK || rep.Receipts != 1 {
		t.Errorf("bundle of another visitor after erasure: %+v", rep)
	}
	// The tombstones' leaves are still sealed.
	p, err := seal.NewProver(ctx, s, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	proved, err := seal.ProveTombstones(ctx, s, p, site.ID, stones)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range proved {
		if pt.Checkpoint != 1 || pt.LeafHash != beforeLeaves[pt.Seq-1].Hash {
			t.Errorf("tombstone %+v: want its leaf, in checkpoint 1", pt)
		}
	}
}

// Purge leaves the leaves: the receipts left still prove against
// checkpoints that also covered purged ones.
func testSealAfterPurge(t *testing.T, s consent.Store) {
	site := createSiteRetention(t, s, 30)
	key := TestKey(t)
	old := NewReceipt(site, purgeNow.AddDate(0, 0, -40))
	young := NewReceipt(site, purgeNow.AddDate(0, 0, -1))
	save(t, s, old)
	save(t, s, young)
	sealNow(t, &seal.Sealer{Logger: quiet, Store: s, Key: key}, site.ID)
	if res := purge(t, s, site.ID, purgeNow); res.Receipts != 1 {
		t.Fatalf("Purge removed %d receipts, want 1", res.Receipts)
	}
	if ls, _ := leaves(t, s, site.ID); len(ls) != 2 {
		t.Errorf("leaves after Purge = %d, want 2", len(ls))
	}
	if rep := VerifyBundle(t, s, key, site.ID, young.ConsentID); !rep.OK || rep.Receipts != 1 {
		t.Errorf("bundle after Purge: %+v", rep)
	}
}
