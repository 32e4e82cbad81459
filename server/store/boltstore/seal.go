package boltstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/samtykke/samtykke/server/consent"
)

// Tamper evidence (consent.SealStore). Each site's bucket also holds:
//
//	"leaves"       seq (8 bytes, big-endian) → leaf hash (64 hex bytes) + receipt id;
//	               the bucket's own sequence is the site's last seq
//	"seqs"         receipt id → seq (8 bytes); Purge removes a purged receipt's
//	"checkpoints"  number (8 bytes, big-endian) → consent.Checkpoint JSON
//	"erased"       receipt id → consent.Tombstone JSON
//
// SaveReceipt assigns the seq (NextSequence of "leaves") in the transaction
// that stores the receipt, so a seq is never visible before its receipt is
// committed, and bbolt has one writer at a time, so seqs follow commit order.
// Leaves are never removed, not by Purge nor by erasure: they are small
// (about 100 bytes) and a checkpoint's tree needs all of its leaves to prove
// any one of them.
var (
	bktLeaves      = []byte("leaves")
	bktSeqs        = []byte("seqs")
	bktCheckpoints = []byte("checkpoints")
	bktErased      = []byte("erased")
	sealBuckets    = [][]byte{bktLeaves, bktSeqs, bktCheckpoints, bktErased}
)

// leavesBuildingKey, a plain key in a site's bucket, marks seqs that
// addLeaves has not finished assigning; its value is the last "bytime" key
// done.
var leavesBuildingKey = []byte("leaves-building")

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// addLeaves gives the receipts of sites stored before seqs existed their
// seqs and leaves, in server time order (the "bytime" index), in
// transactions of a few thousand receipts, resuming after a crash. It runs in
// Open, before any receipt can arrive, so the old receipts come first.
func addLeaves(db *bolt.DB) error {
	var todo [][]byte
	err := db.Update(func(tx *bolt.Tx) error {
		all := tx.Bucket(bktData)
		var ids [][]byte
		if err := all.ForEachBucket(func(id []byte) error {
			ids = append(ids, bytes.Clone(id))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			b := all.Bucket(id)
			if b.Bucket(bktLeaves) == nil {
				for _, name := range sealBuckets {
					if _, err := b.CreateBucketIfNotExists(name); err != nil {
						return err
					}
				}
				if err := b.Put(leavesBuildingKey, []byte{}); err != nil {
					return err
				}
			}
			if b.Get(leavesBuildingKey) != nil {
				todo = append(todo, id)
			}
		}
		return nil
	})
	for _, id := range todo {
		for done := false; err == nil && !done; {
			err = db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bktData).Bucket(id)
				after := b.Get(leavesBuildingKey)
				receipts := b.Bucket(bktReceipts)
				c := b.Bucket(bktByTime).Cursor()
				var k []byte
				if len(after) == 0 {
					k, _ = c.First()
				} else if k, _ = c.Seek(after); bytes.Equal(k, after) {
					k, _ = c.Next()
				}
				var last []byte
				for n := 0; k != nil && n < 5*purgeBatch; k, _ = c.Next() {
					var r consent.Receipt
					if err := decode(receipts.Get(k[8:]), &r); err != nil {
						return err
					}
					if _, err := putLeaf(b, r); err != nil {
						return err
					}
					last = append(last[:0], k...)
					n++
				}
				if k == nil {
					done = true
					return b.Delete(leavesBuildingKey)
				}
				return b.Put(leavesBuildingKey, last)
			})
		}
	}
	return err
}

// putLeaf assigns r its seq and stores its leaf, in the caller's write
// transaction.
func putLeaf(site *bolt.Bucket, r consent.Receipt) (uint64, error) {
	leaves, err := site.CreateBucketIfNotExists(bktLeaves)
	if err != nil {
		return 0, err
	}
	seqs, err := site.CreateBucketIfNotExists(bktSeqs)
	if err != nil {
		return 0, err
	}
	seq, err := leaves.NextSequence()
	if err != nil {
		return 0, err
	}
	if err := leaves.Put(seqKey(seq), append([]byte(consent.ReceiptHash(r)), r.ReceiptID...)); err != nil {
		return 0, err
	}
	return seq, seqs.Put([]byte(r.ReceiptID), seqKey(seq))
}

func decodeLeaf(k, v []byte) (consent.Leaf, error) {
	if len(k) != 8 || len(v) < 64 {
		return consent.Leaf{}, fmt.Errorf("%w: leaf %x", errCorrupt, k)
	}
	return consent.Leaf{Seq: int64(binary.BigEndian.Uint64(k)), Hash: string(v[:64]), ReceiptID: string(v[64:])}, nil
}

func (s *Store) Leaves(ctx context.Context, siteID string, from int64, limit int) ([]consent.Leaf, int64, error) {
	var (
		out     []consent.Leaf
		highest int64
	)
	from = max(from, 1)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		leaves := b.Bucket(bktLeaves)
		if leaves == nil {
			return nil
		}
		highest = int64(leaves.Sequence())
		c := leaves.Cursor()
		next := from
		for k, v := c.Seek(seqKey(uint64(from))); k != nil && len(out) < limit; k, v = c.Next() {
			l, err := decodeLeaf(k, v)
			if err != nil {
				return err
			}
			for ; next < l.Seq && len(out) < limit; next++ {
				out = append(out, consent.Leaf{Seq: next, Hash: consent.GapHash})
			}
			if len(out) < limit {
				out = append(out, l)
				next = l.Seq + 1
			}
		}
		for ; next <= highest && len(out) < limit; next++ {
			out = append(out, consent.Leaf{Seq: next, Hash: consent.GapHash})
		}
		return nil
	})
	return out, highest, err
}

func (s *Store) LeavesOf(ctx context.Context, siteID string, receiptIDs []string) (map[string]consent.Leaf, error) {
	out := map[string]consent.Leaf{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		seqs, leaves := b.Bucket(bktSeqs), b.Bucket(bktLeaves)
		if seqs == nil || leaves == nil {
			return nil
		}
		for _, rid := range receiptIDs {
			k := seqs.Get([]byte(rid))
			if k == nil {
				continue
			}
			l, err := decodeLeaf(k, leaves.Get(k))
			if err != nil {
				return err
			}
			out[rid] = l
		}
		return nil
	})
	return out, err
}

func (s *Store) AddCheckpoint(ctx context.Context, cp consent.Checkpoint) error {
	data, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, cp.SiteID)
		if err != nil {
			return err
		}
		cps, err := b.CreateBucketIfNotExists(bktCheckpoints)
		if err != nil {
			return err
		}
		var last consent.Checkpoint
		if k, v := cps.Cursor().Last(); k != nil {
			if err := decode(v, &last); err != nil {
				return err
			}
		}
		if cp.Number != last.Number+1 || cp.FirstSeq != last.LastSeq+1 || cp.LastSeq < cp.FirstSeq {
			return consent.ErrConflict
		}
		return cps.Put(seqKey(uint64(cp.Number)), data)
	})
}

func (s *Store) Checkpoints(ctx context.Context, siteID string) ([]consent.Checkpoint, error) {
	out := []consent.Checkpoint{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		cps := b.Bucket(bktCheckpoints)
		if cps == nil {
			return nil
		}
		return cps.ForEach(func(_, v []byte) error {
			var cp consent.Checkpoint
			if err := decode(v, &cp); err != nil {
				return err
			}
			out = append(out, cp)
			return nil
		})
	})
	return out, err
}

// EraseConsent removes the receipts of a consent id from "receipts",
// "consents" and "bytime" in one transaction, and files a tombstone for
// each under its receipt id (which SaveReceipt then treats as taken).
// bbolt does not wipe the pages it frees: the erased bytes stay in the
// file's free pages until later writes reuse them, and in backups taken
// before. An operator who must remove them at once compacts the file
// offline (`bbolt compact`, with consentd stopped).
func (s *Store) EraseConsent(ctx context.Context, siteID, consentID string, at time.Time, actor string) ([]consent.Tombstone, error) {
	out := []consent.Tombstone{}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		out = out[:0]
		b, err := siteData(tx, siteID)
		if err != nil {
			return err
		}
		erased, err := b.CreateBucketIfNotExists(bktErased)
		if err != nil {
			return err
		}
		seqs := b.Bucket(bktSeqs)
		receipts, consents, byTime := b.Bucket(bktReceipts), b.Bucket(bktConsents), b.Bucket(bktByTime)
		prefix := consentPrefix(consentID)
		var keys [][]byte
		c := consents.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			atKey, rid := k[len(prefix):len(prefix)+8], k[len(prefix)+8:]
			ts := consent.Tombstone{ReceiptID: string(rid), ErasedAt: at.UTC(), Actor: actor}
			if seqs != nil {
				if v := seqs.Get(rid); v != nil {
					ts.Seq = int64(binary.BigEndian.Uint64(v))
				}
			}
			data, err := json.Marshal(ts)
			if err != nil {
				return err
			}
			for _, del := range []struct {
				b *bolt.Bucket
				k []byte
			}{{receipts, rid}, {consents, k}, {byTime, append(bytes.Clone(atKey), rid...)}} {
				if err := del.b.Delete(del.k); err != nil {
					return err
				}
			}
			if err := erased.Put(rid, data); err != nil {
				return err
			}
			out = append(out, ts)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) Tombstones(ctx context.Context, siteID string) ([]consent.Tombstone, error) {
	out := []consent.Tombstone{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		erased := b.Bucket(bktErased)
		if erased == nil {
			return nil
		}
		return erased.ForEach(func(_, v []byte) error {
			var ts consent.Tombstone
			if err := decode(v, &ts); err != nil {
				return err
			}
			out = append(out, ts)
			return nil
		})
	})
	sortTombstones(out)
	return out, err
}

func sortTombstones(ts []consent.Tombstone) {
	slices.SortFunc(ts, func(a, b consent.Tombstone) int { return cmp.Compare(a.Seq, b.Seq) })
}
