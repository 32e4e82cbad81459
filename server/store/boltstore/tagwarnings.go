package boltstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/samtykke/samtykke/server/consent"
)

// Tag warnings live in the site's bucket, so DeleteSite removes them with
// everything else:
//
//	"data" / <site id> / "tagwarnings"   TagWarning.Key() → consent.StoredTagWarning JSON
//
// The bucket is made by the first report: sites created before tag warnings
// existed have none until then.
var bktTagWarnings = []byte("tagwarnings")

// RecordTagWarnings goes through db.Batch like impressions: a site with a
// badly pasted tag reports it on every page view. The shared transaction
// is what makes the bound exact: entries are counted inside it, so
// concurrent reports cannot together pass MaxTagWarnings.
func (s *Store) RecordTagWarnings(ctx context.Context, siteID, pagePath string, tags []consent.TagWarning, now time.Time) (int, error) {
	now = consent.TagWarningTime(now)
	var (
		dropped int
		noSite  bool
	)
	err := s.batch(ctx, func(tx *bolt.Tx) error {
		dropped, noSite = 0, false // set on every run, see batch
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			noSite = true
			return nil
		}
		tw, err := b.CreateBucketIfNotExists(bktTagWarnings)
		if err != nil {
			return err
		}
		n := 0
		c := tw.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		for _, t := range tags {
			key := []byte(t.Key())
			var w consent.StoredTagWarning
			if data := tw.Get(key); data != nil {
				if err := decode(data, &w); err != nil {
					return err
				}
				w.Count++
				if now.After(w.LastSeen) {
					w.LastSeen = now
				}
				if now.Before(w.FirstSeen) {
					w.FirstSeen = now
				}
				w.Pages = withPage(w.Pages, pagePath)
			} else if n < consent.MaxTagWarnings {
				w = consent.StoredTagWarning{TagWarning: t, Count: 1, FirstSeen: now, LastSeen: now,
					Pages: withPage(nil, pagePath)}
				n++
			} else {
				dropped++
				continue
			}
			data, err := json.Marshal(w)
			if err != nil {
				return err
			}
			if err := tw.Put(key, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && noSite {
		err = consent.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return dropped, nil
}

// withPage puts page first in pages, once, and keeps the most recent
// consent.MaxTagWarningPages.
func withPage(pages []string, page string) []string {
	out := make([]string, 0, consent.MaxTagWarningPages)
	if page != "" {
		out = append(out, page)
	}
	for _, p := range pages {
		if p != page && len(out) < consent.MaxTagWarningPages {
			out = append(out, p)
		}
	}
	return out
}

func (s *Store) TagWarnings(ctx context.Context, siteID string) ([]consent.StoredTagWarning, error) {
	out := []consent.StoredTagWarning{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if errors.Is(err, consent.ErrNotFound) {
			return nil
		}
		tw := b.Bucket(bktTagWarnings)
		if tw == nil {
			return nil
		}
		return tw.ForEach(func(_, data []byte) error {
			var w consent.StoredTagWarning
			if err := decode(data, &w); err != nil {
				return err
			}
			out = append(out, w)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	consent.SortTagWarnings(out)
	return out, nil
}

func (s *Store) ClearTagWarnings(ctx context.Context, siteID string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, err := siteData(tx, siteID)
		if err != nil {
			return err
		}
		if err := b.DeleteBucket(bktTagWarnings); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
		return nil
	})
}
