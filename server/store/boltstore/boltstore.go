// Package boltstore is the embedded consent.Store: one bbolt file in the data
// directory, for a single consentd that needs no database server. Every write
// is one bbolt transaction, fsynced before it returns, so a receipt and its
// counters are stored together or not at all, and an acknowledged receipt
// survives a crash or power loss.
//
// Layout (bucket names in quotes):
//
//	"sites"     site id → site JSON
//	"settings"  key → value
//	"data"      one nested bucket per site id, holding:
//	    "receipts"  receipt id → receipt JSON
//	    "consents"  consent id, 0x00, server time (8 bytes, big-endian, sortable), receipt id → empty
//	    "day"       "YYYYMMDD" → counters JSON ({"field": n, …})
//	    "hour"      "YYYYMMDDHH" → counters JSON
//
// Per-site data lives in one nested bucket so DeleteSite is a single
// DeleteBucket. Consent keys sort by time within a consent id, so a prefix
// scan returns a visitor's receipts oldest first without sorting. Bucket keys
// sort chronologically, so a dashboard range is one cursor walk; a bucket's
// counters are one value rather than a nested bucket per bucket, so a year of
// days is 365 reads.
//
// Retention is not enforced here yet: receipts and counters stay until the
// site is deleted.
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

var (
	bktSites    = []byte("sites")
	bktSettings = []byte("settings")
	bktData     = []byte("data")
	bktReceipts = []byte("receipts")
	bktConsents = []byte("consents")
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
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bktSites, bktSettings, bktData} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: initialise %s: %w", path, err)
	}
	return &Store{db: db, dir: dir}, nil
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

func decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return nil
}

// siteData returns the nested bucket of a site, or ErrNotFound.
func siteData(tx *bolt.Tx, siteID string) (*bolt.Bucket, error) {
	if siteID == "" {
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
	return s.update(ctx, func(tx *bolt.Tx) error {
		id := []byte(site.ID)
		sites := tx.Bucket(bktSites)
		if sites.Get(id) != nil {
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
		for _, name := range [][]byte{bktReceipts, bktConsents, bktDay, bktHour} {
			if _, err := b.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
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
		sites := tx.Bucket(bktSites)
		if id == "" || sites.Get([]byte(id)) == nil {
			return consent.ErrNotFound
		}
		if err := sites.Delete([]byte(id)); err != nil {
			return err
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

// consentKey orders a consent id's receipts by server time. The sign bit is
// flipped so that times before 1970 would still sort first.
func consentKey(r consent.Receipt) []byte {
	k := consentPrefix(r.ConsentID)
	k = binary.BigEndian.AppendUint64(k, uint64(r.ServerTime.UnixNano())^(1<<63))
	return append(k, r.ReceiptID...)
}

func (s *Store) SaveReceipt(ctx context.Context, r consent.Receipt, counters []string) (consent.Receipt, bool, error) {
	if r.ReceiptID == "" {
		return consent.Receipt{}, false, errors.New("boltstore: receipt id is empty")
	}
	data, err := json.Marshal(r)
	if err != nil {
		return consent.Receipt{}, false, err
	}
	var (
		stored  consent.Receipt
		created bool
	)
	err = s.update(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, r.SiteID)
		if err != nil {
			return err
		}
		receipts := b.Bucket(bktReceipts)
		if prev := receipts.Get([]byte(r.ReceiptID)); prev != nil {
			return decode(prev, &stored)
		}
		if err := receipts.Put([]byte(r.ReceiptID), data); err != nil {
			return err
		}
		if err := b.Bucket(bktConsents).Put(consentKey(r), nil); err != nil {
			return err
		}
		if err := addCounters(b, r.ServerTime, counters); err != nil {
			return err
		}
		stored, created = r, true
		return nil
	})
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

func (s *Store) CountImpression(ctx context.Context, siteID string, at time.Time, counters []string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if err != nil {
			return err
		}
		return addCounters(b, at, counters)
	})
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

// addCounters adds 1 to each field in the day and hour buckets holding at.
// A field listed twice counts twice, as HINCRBY would.
func addCounters(site *bolt.Bucket, at time.Time, fields []string) error {
	for _, g := range []consent.Granularity{consent.Day, consent.Hour} {
		b := granularityBucket(site, g)
		key := bucketKey(g, at)
		m := map[string]int64{}
		if data := b.Get(key); data != nil {
			if err := decode(data, &m); err != nil {
				return err
			}
		}
		for _, f := range fields {
			m[f]++
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
