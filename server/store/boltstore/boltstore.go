// Package boltstore is the embedded consent.Store: one bbolt file in the data
// directory, for a single consentd that needs no database server. Every write
// happens in a bbolt transaction that is fsynced before the call returns, so
// a receipt and its counters are stored together or not at all, and an
// acknowledged receipt survives a crash or power loss.
//
// Receipts and impressions go through db.Batch: concurrent writers share one
// transaction and so one fsync (group commit), which is what bounds the
// throughput of a disk-backed store. Each caller's changes are still
// all-or-nothing, because a batch either commits as a whole or is retried
// without the caller that failed (see SaveReceipt).
//
// Layout (bucket names in quotes):
//
//	"sites"     site id → site JSON
//	"settings"  key → value
//	"data"      one nested bucket per site id, holding:
//	    "receipts"  receipt id → receipt JSON
//	    "consents"  consent id, 0x00, server time (8 bytes, big-endian, sortable), receipt id → empty
//	    "bytime"    server time (8 bytes, as above), receipt id → consent id
//	    "day"       "YYYYMMDD" → counters JSON ({"field": n, …})
//	    "hour"      "YYYYMMDDHH" → counters JSON
//	    "tagwarnings"  tag warning key (consent.TagWarning.Key) → consent.StoredTagWarning JSON;
//	                   made by the site's first report (tagwarnings.go)
//	    "leaves", "seqs", "checkpoints", "erased"  tamper evidence and erasure (seal.go)
//
// Per-site data lives in one nested bucket so DeleteSite is a single
// DeleteBucket. Consent keys sort by time within a consent id, so a prefix
// scan returns a visitor's receipts oldest first without sorting. "bytime"
// orders a site's receipts by server time, so an audit export of a period and
// a retention purge are each one cursor walk from a point in time; its value,
// the consent id, is what Purge needs to find the "consents" key, so a purge
// never decodes a receipt. Bucket keys sort chronologically, so a dashboard
// range is one cursor walk; a bucket's counters are one value rather than a
// nested bucket per bucket, so a year of days is 365 reads.
//
// Retention is enforced by Purge, which consentd's janitor
// (server/retention) calls for every site once an hour.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/samtykke/samtykke/server/consent"
)

// FileName is the database file inside the data directory.
const FileName = "samtykke.db"

// lockTimeout is how long Open waits for bbolt's file lock. Without one a
// second consentd on the same directory would hang forever at start.
const lockTimeout = 2 * time.Second

// maxBatchDelay is how long the first write of a batch waits for others to
// join it before the batch's transaction starts. bbolt closes a batch when
// its timer fires, even if the previous commit still holds the write lock,
// so under a steady stream of receipts each commit carries what arrived in
// one delay. For the commits to keep up, that must be at least what arrives
// during one commit: the delay must not be shorter than an fsync. Fsyncs
// take 1–3 ms on the disks consentd runs on, and more on a busy one. Fed
// receipts at a fixed rate on a shared 2-core machine, one transaction per
// receipt topped out at 360–480/s; batches reached 2,300–3,000/s with a
// 5 ms delay but 1,900–2,200/s with 2 ms, which once fell to 700/s of
// 1,000/s offered while the disk was busy. bbolt's default of 10 ms did no
// better than 5 ms there and doubles what the delay costs: the wait of a
// lone receipt on an idle server, here up to 5 ms, which no visitor sees
// because the snippet sends receipts in the background.
const maxBatchDelay = 5 * time.Millisecond

// purgeBatch bounds the receipts (three deletes each) or counter buckets
// that one Purge transaction removes, so that a first purge of years of data
// holds the write lock for milliseconds at a time, not seconds, and
// receipts keep flowing in between.
const purgeBatch = 1000

// exportPage is how many receipts ReceiptsBetween reads per read
// transaction. Its callback runs between transactions: a long-lived bbolt
// read transaction would stop the file from growing (a remap waits for every
// reader), and so stall every writer behind a slow download.
const exportPage = 500

var (
	bktSites    = []byte("sites")
	bktSettings = []byte("settings")
	bktData     = []byte("data")
	bktReceipts = []byte("receipts")
	bktConsents = []byte("consents")
	bktByTime   = []byte("bytime")
	bktDay      = []byte("day")
	bktHour     = []byte("hour")
)

// Store is a consent.Store on one bbolt file.
type Store struct {
	db        *bolt.DB
	dir       string
	closeOnce sync.Once
	closeErr  error
}

var _ consent.Store = (*Store)(nil)

// Open creates dir if needed and opens (or creates) dir/samtykke.db. It fails
// after a few seconds if another process holds the file.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: data directory %s is in use by another consentd (%s stayed locked for %v)", dir, path, lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	db.MaxBatchDelay = maxBatchDelay
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bktSites, bktSettings, bktData} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = addByTimeIndex(db)
	}
	if err == nil {
		err = addLeaves(db)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: initialise %s: %w", path, err)
	}
	return &Store{db: db, dir: dir}, nil
}

// buildingKey, a plain key in a site's bucket, marks a "bytime" index that
// addByTimeIndex has not finished; its value is the last receipt id indexed.
var buildingKey = []byte("bytime-building")

// addByTimeIndex gives sites stored before the "bytime" index existed their
// index, so that Purge and ReceiptsBetween see their older receipts too. It
// works in transactions of a few thousand receipts and records how far it
// got, so a crash part-way resumes instead of leaving a half index.
func addByTimeIndex(db *bolt.DB) error {
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
			if b.Bucket(bktByTime) == nil {
				if _, err := b.CreateBucket(bktByTime); err != nil {
					return err
				}
				if err := b.Put(buildingKey, []byte{}); err != nil {
					return err
				}
			}
			if b.Get(buildingKey) != nil {
				todo = append(todo, id)
			}
		}
		return nil
	})
	for _, id := range todo {
		for done := false; err == nil && !done; {
			err = db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bktData).Bucket(id)
				bt := b.Bucket(bktByTime)
				after := b.Get(buildingKey)
				c := b.Bucket(bktReceipts).Cursor()
				k, v := c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
				var last []byte
				for n := 0; k != nil && n < 5*purgeBatch; k, v = c.Next() {
					var r consent.Receipt
					if err := decode(v, &r); err != nil {
						return err
					}
					if err := bt.Put(byTimeKey(r), []byte(r.ConsentID)); err != nil {
						return err
					}
					last = append(last[:0], k...)
					n++
				}
				if k == nil {
					done = true
					return b.Delete(buildingKey)
				}
				return b.Put(buildingKey, last)
			})
		}
	}
	return err
}

// Dir returns the data directory the store was opened on.
func (s *Store) Dir() string { return s.dir }

// Close closes the database file; later calls return ErrUnavailable.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.db.Close() })
	return s.closeErr
}

// errCorrupt marks stored bytes that do not decode: a bug or a damaged file,
// which retrying will not fix, so it is not ErrUnavailable.
var errCorrupt = errors.New("boltstore: corrupt record")

// wrap turns bbolt and I/O failures into ErrUnavailable and passes the
// domain's own answers through.
func wrap(err error) error {
	switch {
	case err == nil,
		errors.Is(err, consent.ErrNotFound),
		errors.Is(err, consent.ErrConflict),
		errors.Is(err, errCorrupt),
		errors.Is(err, context.Canceled),
		errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%w: %v", consent.ErrUnavailable, err)
}

func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	// A request whose client has gone must not write.
	if err := ctx.Err(); err != nil {
		return err
	}
	return wrap(s.db.Update(fn))
}

func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return wrap(s.db.View(fn))
}

// batch runs fn in a transaction shared with other concurrent callers (see
// the package comment). bbolt may run fn more than once: when another
// caller's function fails, the whole shared transaction is rolled back and
// run again without it, and the one that failed is then run alone. So fn must
// (a) set every result it reports afresh on each run, since only the last run
// is the one committed, and (b) return an error only for a real failure: an
// error makes bbolt roll back and redo the batch for everyone, so an ordinary
// answer such as "no such site" is reported through a variable instead.
func (s *Store) batch(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return wrap(s.db.Batch(fn))
}

func decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return nil
}

// siteData returns the nested bucket of a live site, or ErrNotFound: a
// deleted site (snapshots.go) keeps its bucket but takes no more writes.
func siteData(tx *bolt.Tx, siteID string) (*bolt.Bucket, error) {
	if siteID == "" || tx.Bucket(bktSites).Get([]byte(siteID)) == nil {
		return nil, consent.ErrNotFound
	}
	b := tx.Bucket(bktData).Bucket([]byte(siteID))
	if b == nil {
		return nil, consent.ErrNotFound
	}
	return b, nil
}

func (s *Store) CreateSite(ctx context.Context, site consent.Site) error {
	if site.ID == "" {
		return errors.New("boltstore: site id is empty")
	}
	data, err := json.Marshal(site)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error { return createSite(tx, site.ID, data) })
}

// createSite stores a new site's JSON and makes its buckets; ErrConflict if
// the id is taken, also by a deleted site that is not purged yet.
func createSite(tx *bolt.Tx, siteID string, data []byte) error {
	id := []byte(siteID)
	sites := tx.Bucket(bktSites)
	if siteKnown(tx, siteID) {
		return consent.ErrConflict
	}
	if err := sites.Put(id, data); err != nil {
		return err
	}
	all := tx.Bucket(bktData)
	if all.Bucket(id) != nil {
		// Cannot happen (DeleteSite removes both in one transaction),
		// but a new site must never inherit old receipts.
		if err := all.DeleteBucket(id); err != nil {
			return err
		}
	}
	b, err := all.CreateBucket(id)
	if err != nil {
		return err
	}
	for _, name := range append([][]byte{bktReceipts, bktConsents, bktByTime, bktDay, bktHour}, sealBuckets...) {
		if _, err := b.CreateBucket(name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) UpdateSite(ctx context.Context, site consent.Site) error {
	data, err := json.Marshal(site)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		sites := tx.Bucket(bktSites)
		if site.ID == "" || sites.Get([]byte(site.ID)) == nil {
			return consent.ErrNotFound
		}
		return sites.Put([]byte(site.ID), data)
	})
}

func (s *Store) DeleteSite(ctx context.Context, id string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if !siteKnown(tx, id) {
			return consent.ErrNotFound
		}
		if err := tx.Bucket(bktSites).Delete([]byte(id)); err != nil {
			return err
		}
		if deleted := tx.Bucket(bktDeleted); deleted != nil {
			if err := deleted.Delete([]byte(id)); err != nil {
				return err
			}
		}
		err := tx.Bucket(bktData).DeleteBucket([]byte(id))
		if errors.Is(err, bolterrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
}

func (s *Store) Site(ctx context.Context, id string) (consent.Site, error) {
	var site consent.Site
	err := s.view(ctx, func(tx *bolt.Tx) error {
		data := tx.Bucket(bktSites).Get([]byte(id))
		if data == nil || id == "" {
			return consent.ErrNotFound
		}
		return decode(data, &site)
	})
	return site, err
}

func (s *Store) Sites(ctx context.Context) ([]consent.Site, error) {
	sites := []consent.Site{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bktSites).ForEach(func(_, data []byte) error {
			var site consent.Site
			if err := decode(data, &site); err != nil {
				return err
			}
			sites = append(sites, site)
			return nil
		})
	})
	return sites, err
}

// consentPrefix is the start of every index key of one consent id; the 0x00
// separator keeps "abc" from matching "abcd".
func consentPrefix(consentID string) []byte {
	return append([]byte(consentID), 0)
}

// timeBytes encodes t so that byte order is time order: nanoseconds since
// 1970, big-endian, with the sign bit flipped so that times before 1970 would
// still sort first.
func timeBytes(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())^(1<<63))
}

// consentKey orders a consent id's receipts by server time.
func consentKey(r consent.Receipt) []byte {
	return consentKeyOf([]byte(r.ConsentID), timeBytes(r.ServerTime), []byte(r.ReceiptID))
}

func consentKeyOf(consentID, at, receiptID []byte) []byte {
	k := make([]byte, 0, len(consentID)+1+len(at)+len(receiptID))
	k = append(append(append(k, consentID...), 0), at...)
	return append(k, receiptID...)
}

// byTimeKey orders a site's receipts by server time, then receipt id.
func byTimeKey(r consent.Receipt) []byte {
	return append(timeBytes(r.ServerTime), r.ReceiptID...)
}

// SaveReceipt needs nothing of site: retention is enforced by Purge, which
// reads the site itself, and whether the site still exists is checked in the
// write's own transaction.
func (s *Store) SaveReceipt(ctx context.Context, _ consent.Site, r consent.Receipt, counters []consent.Counter) (consent.Receipt, bool, error) {
	if r.ReceiptID == "" {
		return consent.Receipt{}, false, errors.New("boltstore: receipt id is empty")
	}
	data, err := json.Marshal(r)
	if err != nil {
		return consent.Receipt{}, false, err
	}
	var (
		stored          consent.Receipt
		created, noSite bool
	)
	err = s.batch(ctx, func(tx *bolt.Tx) error {
		// This may be a second run after a rolled-back one (see batch), so
		// every result is set from this transaction alone. The duplicate
		// check below is what makes a rerun safe: a run that was rolled back
		// left nothing behind, so the rerun finds no receipt and stores it
		// (created); a receipt found here was committed by an earlier
		// transaction, or written earlier in this one by another call of
		// the batch with the same receipt id, and either way this call
		// reports it as a duplicate. Exactly one call per receipt id sees
		// created true, in whichever run is finally committed.
		stored, created, noSite = consent.Receipt{}, false, false
		b, err := siteData(tx, r.SiteID)
		if errors.Is(err, consent.ErrNotFound) {
			noSite = true
			return nil
		}
		receipts := b.Bucket(bktReceipts)
		if prev := receipts.Get([]byte(r.ReceiptID)); prev != nil {
			return decode(prev, &stored)
		}
		if erased := b.Bucket(bktErased); erased != nil && erased.Get([]byte(r.ReceiptID)) != nil {
			// Erased on the visitor's request: a retry from their
			// browser's outbox must not store it again.
			stored = r
			return nil
		}
		if _, err := putLeaf(b, r); err != nil {
			return err
		}
		if err := receipts.Put([]byte(r.ReceiptID), data); err != nil {
			return err
		}
		if err := b.Bucket(bktConsents).Put(consentKey(r), nil); err != nil {
			return err
		}
		if err := b.Bucket(bktByTime).Put(byTimeKey(r), []byte(r.ConsentID)); err != nil {
			return err
		}
		if err := addCounters(b, r.ServerTime, counters); err != nil {
			return err
		}
		stored, created = r, true
		return nil
	})
	if err == nil && noSite {
		err = consent.ErrNotFound
	}
	if err != nil {
		return consent.Receipt{}, false, err
	}
	return stored, created, nil
}

func (s *Store) Receipts(ctx context.Context, siteID, consentID string) ([]consent.Receipt, error) {
	out := []consent.Receipt{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		receipts := b.Bucket(bktReceipts)
		prefix := consentPrefix(consentID)
		c := b.Bucket(bktConsents).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			rid := k[len(prefix)+8:]
			data := receipts.Get(rid)
			if data == nil {
				return fmt.Errorf("%w: consent index names missing receipt %s", errCorrupt, rid)
			}
			var r consent.Receipt
			if err := decode(data, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) CountImpression(ctx context.Context, siteID string, at time.Time, counters []consent.Counter) error {
	var noSite bool
	err := s.batch(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		noSite = errors.Is(err, consent.ErrNotFound) // set on every run, see batch
		if noSite {
			return nil
		}
		return addCounters(b, at, counters)
	})
	if err == nil && noSite {
		err = consent.ErrNotFound
	}
	return err
}

// ReceiptsBetween walks the "bytime" index from "from" in pages of
// exportPage receipts, one read transaction each, and calls fn between them.
func (s *Store) ReceiptsBetween(ctx context.Context, siteID string, from, to time.Time, fn func(consent.Receipt) error) error {
	if !from.Before(to) {
		return nil
	}
	lo, hi := timeBytes(from), timeBytes(to)
	var after []byte // the last index key read; the next page starts after it
	for {
		page := make([]consent.Receipt, 0, exportPage)
		more := false
		err := s.view(ctx, func(tx *bolt.Tx) error {
			b, err := siteData(tx, siteID)
			if errors.Is(err, consent.ErrNotFound) {
				return nil
			}
			receipts := b.Bucket(bktReceipts)
			c := b.Bucket(bktByTime).Cursor()
			var k []byte
			if after == nil {
				k, _ = c.Seek(lo)
			} else if k, _ = c.Seek(after); bytes.Equal(k, after) {
				k, _ = c.Next()
			}
			for ; k != nil && bytes.Compare(k[:8], hi) < 0; k, _ = c.Next() {
				if len(page) == exportPage {
					more = true
					break
				}
				data := receipts.Get(k[8:])
				if data == nil {
					return fmt.Errorf("%w: time index names missing receipt %s", errCorrupt, k[8:])
				}
				var r consent.Receipt
				if err := decode(data, &r); err != nil {
					return err
				}
				page = append(page, r)
				after = append(after[:0], k...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
	}
}

// Purge deletes what is past retention in transactions of at most
// purgeBatch receipts or buckets. Each transaction is complete in itself (a
// receipt goes with both of its index entries), so stopping between them,
// on an error or a cancelled ctx, leaves a consistent store that the next
// Purge finishes.
func (s *Store) Purge(ctx context.Context, siteID string, now time.Time) (consent.PurgeResult, error) {
	var res consent.PurgeResult
	var site consent.Site
	err := s.view(ctx, func(tx *bolt.Tx) error {
		data := tx.Bucket(bktSites).Get([]byte(siteID))
		if data == nil || siteID == "" {
			return consent.ErrNotFound
		}
		return decode(data, &site)
	})
	if err != nil {
		return res, err
	}
	days := site.RetentionDays
	if days <= 0 {
		days = consent.DefaultRetentionDays
	}
	cutoff := timeBytes(now.Add(-time.Duration(days) * 24 * time.Hour))
	for more := true; more; {
		var n int64
		err := s.update(ctx, func(tx *bolt.Tx) error {
			n, more = 0, false
			b, err := siteData(tx, siteID)
			if err != nil {
				return err
			}
			byTime, receipts, consents := b.Bucket(bktByTime), b.Bucket(bktReceipts), b.Bucket(bktConsents)
			// The receipt's leaf stays (see seal.go); its seq lookup goes.
			seqs := b.Bucket(bktSeqs)
			// Collect first, delete after: deleting under a live cursor
			// makes bbolt skip keys.
			type doomed struct{ key, consentID []byte }
			var batch []doomed
			c := byTime.Cursor()
			for k, v := c.First(); k != nil && bytes.Compare(k[:8], cutoff) < 0; k, v = c.Next() {
				if len(batch) == purgeBatch {
					more = true
					break
				}
				batch = append(batch, doomed{bytes.Clone(k), bytes.Clone(v)})
			}
			for _, d := range batch {
				at, rid := d.key[:8], d.key[8:]
				if err := receipts.Delete(rid); err != nil {
					return err
				}
				if err := consents.Delete(consentKeyOf(d.consentID, at, rid)); err != nil {
					return err
				}
				if err := byTime.Delete(d.key); err != nil {
					return err
				}
				if seqs != nil {
					if err := seqs.Delete(rid); err != nil {
						return err
					}
				}
			}
			n = int64(len(batch))
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Receipts += n
	}
	for _, g := range []consent.Granularity{consent.Day, consent.Hour} {
		// A bucket starts before the cut-off exactly when its key sorts
		// before the key of the first bucket starting at or after it.
		hi := bucketKey(g, firstStartAtOrAfter(g, now.Add(-g.Retention())))
		for more := true; more; {
			var n int64
			err := s.update(ctx, func(tx *bolt.Tx) error {
				n, more = 0, false
				b, err := siteData(tx, siteID)
				if err != nil {
					return err
				}
				buckets := granularityBucket(b, g)
				var keys [][]byte
				c := buckets.Cursor()
				for k, _ := c.First(); k != nil && bytes.Compare(k, hi) < 0; k, _ = c.Next() {
					if len(keys) == purgeBatch {
						more = true
						break
					}
					keys = append(keys, bytes.Clone(k))
				}
				for _, k := range keys {
					if err := buckets.Delete(k); err != nil {
						return err
					}
				}
				n = int64(len(keys))
				return nil
			})
			if err != nil {
				return res, err
			}
			if g == consent.Hour {
				res.HourBuckets += n
			} else {
				res.DayBuckets += n
			}
		}
	}
	return res, nil
}

// bucketKey names the counter bucket of granularity g that holds t, in UTC.
// The format sorts chronologically, which Counters relies on.
func bucketKey(g consent.Granularity, t time.Time) []byte {
	if g == consent.Hour {
		return t.UTC().AppendFormat(nil, "2006010215")
	}
	return t.UTC().AppendFormat(nil, "20060102")
}

func parseBucketKey(g consent.Granularity, k []byte) (time.Time, error) {
	layout := "20060102"
	if g == consent.Hour {
		layout = "2006010215"
	}
	t, err := time.Parse(layout, string(k))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: counter bucket key %q", errCorrupt, k)
	}
	return t, nil
}

func granularityBucket(site *bolt.Bucket, g consent.Granularity) *bolt.Bucket {
	if g == consent.Hour {
		return site.Bucket(bktHour)
	}
	return site.Bucket(bktDay)
}

// addCounters adds 1 to each counter in the day and hour buckets holding at,
// stored under its name (Counter.String): the one place the embedded store
// names counters. A counter listed twice counts twice, as HINCRBY would.
func addCounters(site *bolt.Bucket, at time.Time, counters []consent.Counter) error {
	for _, g := range []consent.Granularity{consent.Day, consent.Hour} {
		b := granularityBucket(site, g)
		key := bucketKey(g, at)
		m := map[string]int64{}
		if data := b.Get(key); data != nil {
			if err := decode(data, &m); err != nil {
				return err
			}
		}
		for _, c := range counters {
			m[c.String()]++
		}
		data, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := b.Put(key, data); err != nil {
			return err
		}
	}
	return nil
}

// firstStartAtOrAfter returns the first bucket start that is not before t.
func firstStartAtOrAfter(g consent.Granularity, t time.Time) time.Time {
	start := g.Truncate(t)
	if start.Before(t) {
		start = g.Step(start)
	}
	return start
}

func (s *Store) Counters(ctx context.Context, siteID string, g consent.Granularity, from, to time.Time) ([]consent.CounterBucket, error) {
	if !g.Valid() {
		return nil, fmt.Errorf("boltstore: unknown granularity %q", g)
	}
	out := []consent.CounterBucket{}
	// Buckets starting in [from, to) are those with keys in
	// [key(first start ≥ from), key(first start ≥ to)).
	lo := bucketKey(g, firstStartAtOrAfter(g, from))
	hi := bucketKey(g, firstStartAtOrAfter(g, to))
	if bytes.Compare(lo, hi) >= 0 {
		return out, nil
	}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		c := granularityBucket(b, g).Cursor()
		for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, v = c.Next() {
			start, err := parseBucketKey(g, k)
			if err != nil {
				return err
			}
			m := map[string]int64{}
			if err := decode(v, &m); err != nil {
				return err
			}
			out = append(out, consent.CounterBucket{Start: start, Counters: m})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var value string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bktSettings).Get([]byte(key))
		if v == nil {
			return consent.ErrNotFound
		}
		value = string(v)
		return nil
	})
	return value, err
}

func (s *Store) SetSettingOnce(ctx context.Context, key, value string) (string, error) {
	var stored string
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bktSettings)
		if v := b.Get([]byte(key)); v != nil {
			stored = string(v)
			return nil
		}
		stored = value
		return b.Put([]byte(key), []byte(value))
	})
	return stored, err
}

// Ping reports whether the database file is open and readable.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(tx *bolt.Tx) error { return nil })
}
