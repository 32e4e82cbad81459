package boltstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/scanner"
)

// Scans live in the site's bucket, so DeleteSite removes them too:
//
//	"data" / <site id> / "scans"          scan id → scanner.Scan JSON
//	"data" / <site id> / "scan-running"   the id of the running scan (the lock)
//
// bbolt has one writer at a time, so checking the lock and taking it in one
// transaction is all the locking a single consentd needs.
var (
	bktScans       = []byte("scans")
	scanRunningKey = []byte("scan-running")
)

var _ scanner.Store = (*Store)(nil)

func putScan(b *bolt.Bucket, s scanner.Scan) error {
	scans, err := b.CreateBucketIfNotExists(bktScans)
	if err != nil {
		return err
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return scans.Put([]byte(s.ID), data)
}

// runningScan returns the site's running scan, if any.
func runningScan(b *bolt.Bucket) (scanner.Scan, bool, error) {
	id := b.Get(scanRunningKey)
	scans := b.Bucket(bktScans)
	if id == nil || scans == nil {
		return scanner.Scan{}, false, nil
	}
	data := scans.Get(id)
	if data == nil {
		return scanner.Scan{}, false, nil
	}
	var s scanner.Scan
	if err := decode(data, &s); err != nil {
		return scanner.Scan{}, false, err
	}
	return s, true, nil
}

// failStale stores the running scan as failed if its heartbeat is before
// staleBefore, and releases the lock.
func failStale(b *bolt.Bucket, staleBefore, at time.Time) (bool, error) {
	s, ok, err := runningScan(b)
	if err != nil || !ok || !s.Heartbeat.Before(staleBefore) {
		return false, err
	}
	scanner.MarkAbandoned(&s, at)
	if err := putScan(b, s); err != nil {
		return false, err
	}
	return true, b.Delete(scanRunningKey)
}

func (s *Store) StartScan(ctx context.Context, scan scanner.Scan, staleBefore time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, scan.SiteID)
		if err != nil {
			return err
		}
		if _, err := failStale(b, staleBefore, scan.StartedAt); err != nil {
			return err
		}
		if _, running, err := runningScan(b); err != nil {
			return err
		} else if running {
			return scanner.ErrRunning
		}
		if err := putScan(b, scan); err != nil {
			return err
		}
		return b.Put(scanRunningKey, []byte(scan.ID))
	})
}

// holding returns the site's bucket if scan is its running scan.
func holding(tx *bolt.Tx, scan scanner.Scan) (*bolt.Bucket, error) {
	b, err := siteData(tx, scan.SiteID)
	if errors.Is(err, consent.ErrNotFound) {
		return nil, scanner.ErrLostLock
	}
	if err != nil {
		return nil, err
	}
	if string(b.Get(scanRunningKey)) != scan.ID {
		return nil, scanner.ErrLostLock
	}
	return b, nil
}

// updateHeld runs fn in a write transaction if scan holds its site's lock.
// The lost lock travels outside the transaction's error, which wrap would
// turn into ErrUnavailable.
func (s *Store) updateHeld(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	lost := false
	err := s.update(ctx, func(tx *bolt.Tx) error {
		err := fn(tx)
		lost = errors.Is(err, scanner.ErrLostLock)
		if lost {
			return nil
		}
		return err
	})
	if err == nil && lost {
		return scanner.ErrLostLock
	}
	return err
}

func (s *Store) UpdateScan(ctx context.Context, scan scanner.Scan) error {
	return s.updateHeld(ctx, func(tx *bolt.Tx) error {
		b, err := holding(tx, scan)
		if err != nil {
			return err
		}
		return putScan(b, scan)
	})
}

func (s *Store) FinishScan(ctx context.Context, scan scanner.Scan) error {
	return s.updateHeld(ctx, func(tx *bolt.Tx) error {
		b, err := holding(tx, scan)
		if err != nil {
			return err
		}
		if err := putScan(b, scan); err != nil {
			return err
		}
		if err := b.Delete(scanRunningKey); err != nil {
			return err
		}
		// Scan ids sort by start time, so the oldest are first.
		scans := b.Bucket(bktScans)
		n := scans.Stats().KeyN
		var old [][]byte
		c := scans.Cursor()
		for k, _ := c.First(); k != nil && n-len(old) > scanner.KeptScans; k, _ = c.Next() {
			old = append(old, append([]byte(nil), k...))
		}
		for _, k := range old {
			if err := scans.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) FailStaleScan(ctx context.Context, siteID string, staleBefore, at time.Time) (bool, error) {
	var failed bool
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if err != nil {
			return err
		}
		failed, err = failStale(b, staleBefore, at)
		return err
	})
	return failed, err
}

func (s *Store) Scan(ctx context.Context, siteID, scanID string) (scanner.Scan, error) {
	var out scanner.Scan
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if err != nil {
			return err
		}
		scans := b.Bucket(bktScans)
		if scans == nil {
			return consent.ErrNotFound
		}
		data := scans.Get([]byte(scanID))
		if data == nil {
			return consent.ErrNotFound
		}
		return decode(data, &out)
	})
	return out, err
}

func (s *Store) Scans(ctx context.Context, siteID string) ([]scanner.Scan, error) {
	out := []scanner.Scan{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		scans := b.Bucket(bktScans)
		if scans == nil {
			return nil
		}
		return scans.ForEach(func(_, data []byte) error {
			var sc scanner.Scan
			if err := decode(data, &sc); err != nil {
				return err
			}
			out = append(out, sc)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	scanner.SortNewestFirst(out)
	return out, nil
}
