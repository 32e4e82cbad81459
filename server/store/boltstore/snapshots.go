package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/samtykke/samtykke/server/consent"
)

// What was shown, the audit log and deletion with a grace period. Layout
// added to the one in boltstore.go:
//
//	"deleted"   site id → consent.DeletedSite JSON; a deleted site leaves
//	            "sites" for here in one transaction, and its "data" bucket
//	            stays as it is until DeleteSite purges it
//	"data"/<site id>/
//	    "snapshots"  config version → consent.Snapshot JSON; written once
//	    "audit"      sequence (8 bytes, big-endian) → consent.AuditEntry JSON
//
// The new buckets are made by their first write, so files from before them
// need no migration.

var (
	bktDeleted   = []byte("deleted")
	bktSnapshots = []byte("snapshots")
	bktAudit     = []byte("audit")
)

// siteKnown reports whether id is a live or a deleted site.
func siteKnown(tx *bolt.Tx, id string) bool {
	if id == "" {
		return false
	}
	if tx.Bucket(bktSites).Get([]byte(id)) != nil {
		return true
	}
	d := tx.Bucket(bktDeleted)
	return d != nil && d.Get([]byte(id)) != nil
}

// dataBucket returns the site's nested bucket, made if a site stored
// without one (it cannot happen, but proof must not be lost to it).
func dataBucket(tx *bolt.Tx, id string) (*bolt.Bucket, error) {
	return tx.Bucket(bktData).CreateBucketIfNotExists([]byte(id))
}

// proofData returns the nested bucket of a live or deleted site, or
// ErrNotFound: snapshots and the audit log stay readable until the purge.
func proofData(tx *bolt.Tx, siteID string) (*bolt.Bucket, error) {
	if siteID == "" {
		return nil, consent.ErrNotFound
	}
	b := tx.Bucket(bktData).Bucket([]byte(siteID))
	if b == nil {
		return nil, consent.ErrNotFound
	}
	return b, nil
}

func putSnapshot(tx *bolt.Tx, snap consent.Snapshot) (consent.Snapshot, error) {
	b, err := dataBucket(tx, snap.SiteID)
	if err != nil {
		return consent.Snapshot{}, err
	}
	snaps, err := b.CreateBucketIfNotExists(bktSnapshots)
	if err != nil {
		return consent.Snapshot{}, err
	}
	if prev := snaps.Get([]byte(snap.Version)); prev != nil {
		var stored consent.Snapshot
		return stored, decode(prev, &stored)
	}
	data, err := json.Marshal(snap)
	if err != nil {
		return consent.Snapshot{}, err
	}
	return snap, snaps.Put([]byte(snap.Version), data)
}

func appendAudit(tx *bolt.Tx, e consent.AuditEntry) error {
	b, err := dataBucket(tx, e.SiteID)
	if err != nil {
		return err
	}
	log, err := b.CreateBucketIfNotExists(bktAudit)
	if err != nil {
		return err
	}
	seq, err := log.NextSequence()
	if err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return log.Put(binary.BigEndian.AppendUint64(nil, seq), data)
}

func (s *Store) WriteSite(ctx context.Context, w consent.SiteWrite) error {
	if w.Site.ID == "" {
		return errors.New("boltstore: site id is empty")
	}
	data, err := json.Marshal(w.Site)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if w.Create {
			if err := createSite(tx, w.Site.ID, data); err != nil {
				return err
			}
		} else {
			sites := tx.Bucket(bktSites)
			if sites.Get([]byte(w.Site.ID)) == nil {
				return consent.ErrNotFound
			}
			if err := sites.Put([]byte(w.Site.ID), data); err != nil {
				return err
			}
		}
		if w.Snapshot != nil {
			if _, err := putSnapshot(tx, *w.Snapshot); err != nil {
				return err
			}
		}
		return appendAudit(tx, w.Audit)
	})
}

func (s *Store) PutSnapshot(ctx context.Context, snap consent.Snapshot) (consent.Snapshot, error) {
	var stored consent.Snapshot
	err := s.update(ctx, func(tx *bolt.Tx) error {
		if !siteKnown(tx, snap.SiteID) {
			return consent.ErrNotFound
		}
		var err error
		stored, err = putSnapshot(tx, snap)
		return err
	})
	return stored, err
}

func (s *Store) Snapshot(ctx context.Context, siteID, version string) (consent.Snapshot, error) {
	var snap consent.Snapshot
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := proofData(tx, siteID)
		if err != nil {
			return err
		}
		snaps := b.Bucket(bktSnapshots)
		if snaps == nil || version == "" {
			return consent.ErrNotFound
		}
		data := snaps.Get([]byte(version))
		if data == nil {
			return consent.ErrNotFound
		}
		return decode(data, &snap)
	})
	return snap, err
}

func (s *Store) Snapshots(ctx context.Context, siteID string) ([]consent.Snapshot, error) {
	out := []consent.Snapshot{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := proofData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		snaps := b.Bucket(bktSnapshots)
		if snaps == nil {
			return nil
		}
		return snaps.ForEach(func(_, data []byte) error {
			var snap consent.Snapshot
			if err := decode(data, &snap); err != nil {
				return err
			}
			out = append(out, snap)
			return nil
		})
	})
	consent.SortSnapshots(out)
	return out, err
}

func (s *Store) AppendAudit(ctx context.Context, e consent.AuditEntry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if !siteKnown(tx, e.SiteID) {
			return consent.ErrNotFound
		}
		return appendAudit(tx, e)
	})
}

func (s *Store) Audit(ctx context.Context, siteID string) ([]consent.AuditEntry, error) {
	out := []consent.AuditEntry{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := proofData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		log := b.Bucket(bktAudit)
		if log == nil {
			return nil
		}
		return log.ForEach(func(_, data []byte) error {
			var e consent.AuditEntry
			if err := decode(data, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

func (s *Store) MarkSiteDeleted(ctx context.Context, d consent.DeletedSite, e consent.AuditEntry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		id := []byte(d.Site.ID)
		sites := tx.Bucket(bktSites)
		data := sites.Get(id)
		if data == nil || len(id) == 0 {
			return consent.ErrNotFound
		}
		// The site as stored, not as the caller read it: a write in
		// between must not be undone by a restore.
		if err := decode(data, &d.Site); err != nil {
			return err
		}
		deleted, err := tx.CreateBucketIfNotExists(bktDeleted)
		if err != nil {
			return err
		}
		rec, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := deleted.Put(id, rec); err != nil {
			return err
		}
		if err := sites.Delete(id); err != nil {
			return err
		}
		return appendAudit(tx, e)
	})
}

func (s *Store) RestoreSite(ctx context.Context, id string, e consent.AuditEntry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		deleted := tx.Bucket(bktDeleted)
		if deleted == nil || id == "" || deleted.Get([]byte(id)) == nil {
			return consent.ErrNotFound
		}
		var d consent.DeletedSite
		if err := decode(deleted.Get([]byte(id)), &d); err != nil {
			return err
		}
		data, err := json.Marshal(d.Site)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bktSites).Put([]byte(id), data); err != nil {
			return err
		}
		if err := deleted.Delete([]byte(id)); err != nil {
			return err
		}
		return appendAudit(tx, e)
	})
}

func (s *Store) DeletedSites(ctx context.Context) ([]consent.DeletedSite, error) {
	out := []consent.DeletedSite{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		deleted := tx.Bucket(bktDeleted)
		if deleted == nil {
			return nil
		}
		return deleted.ForEach(func(_, data []byte) error {
			var d consent.DeletedSite
			if err := decode(data, &d); err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}
