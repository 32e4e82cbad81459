package boltstore

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/seal"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// A receipt changed in the file after it was sealed is found: its bundle
// names it and fails, and another visitor's still verifies.
func TestSealFindsReceiptChangedInFile(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir())
	site := storetest.NewSite(t, storetest.SiteID())
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

	// Someone with the file turns a refusal of marketing into consent.
	changed := victim
	changed.Choices.Marketing = true
	changed.Action = consent.AcceptAll
	data, _ := json.Marshal(changed)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bktData).Bucket([]byte(site.ID)).Bucket(bktReceipts).Put([]byte(victim.ReceiptID), data)
	}); err != nil {
		t.Fatal(err)
	}
	rep := storetest.VerifyBundle(t, s, key, site.ID, victim.ConsentID)
	if rep.OK || rep.FirstFailed == nil || rep.FirstFailed.ReceiptID != victim.ReceiptID {
		t.Fatalf("bundle of a changed receipt: %+v; want it named", rep)
	}
	if rep := storetest.VerifyBundle(t, s, key, site.ID, other.ConsentID); !rep.OK {
		t.Errorf("another visitor's bundle: %+v", rep)
	}
}

// A file from before seqs existed gets them when opened, in server time
// order, and its receipts can then be sealed.
func TestOpenAssignsSeqsToOldReceipts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openT(t, dir)
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	late := storetest.NewReceipt(site, at.Add(time.Hour))
	early := storetest.NewReceipt(site, at)
	for _, r := range []consent.Receipt{late, early} {
		if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
			t.Fatal(err)
		}
	}
	// As the file was before: no seal buckets.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bktData).Bucket([]byte(site.ID))
		for _, name := range sealBuckets {
			if err := b.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openT(t, dir)
	ls, highest, err := s.Leaves(ctx, site.ID, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if highest != 2 || len(ls) != 2 || ls[0].ReceiptID != early.ReceiptID || ls[1].ReceiptID != late.ReceiptID {
		t.Fatalf("leaves after reopening = %+v (highest %d); want early, late", ls, highest)
	}
	key := storetest.TestKey(t)
	if _, err := (&seal.Sealer{Store: s, Key: key}).Seal(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	if rep := storetest.VerifyBundle(t, s, key, site.ID, early.ConsentID); !rep.OK {
		t.Errorf("bundle of an old receipt: %+v", rep)
	}
}
