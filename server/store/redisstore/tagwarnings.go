package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// tagWarningEntry is an entry of the tag-warnings hash as
// record_tag_warnings.lua writes it.
type tagWarningEntry struct {
	Vendor string   `json:"vendor"`
	Kind   string   `json:"kind"`
	Markup string   `json:"markup"`
	Count  int64    `json:"count"`
	First  int64    `json:"first"` // ms since 1970
	Last   int64    `json:"last"`
	Pages  []string `json:"pages"`
}

// RecordTagWarnings is one script call: the bound is checked and every
// count added in one atomic step on the site's slot.
func (s *Store) RecordTagWarnings(ctx context.Context, siteID, pagePath string, tags []consent.TagWarning, now time.Time) (int, error) {
	keys := []string{siteKey(siteID), tagWarningsKey(siteID)}
	args := make([]any, 0, 4+4*len(tags))
	args = append(args, consent.TagWarningTime(now).UnixMilli(), pagePath, consent.MaxTagWarnings, consent.MaxTagWarningPages)
	for _, t := range tags {
		args = append(args, t.Key(), t.Vendor, string(t.Kind), t.Markup)
	}
	hot, done := s.hot()
	n, err := recordTagWarnings.Run(ctx, hot, keys, args...).Int()
	done()
	if err != nil {
		return 0, unavailable(err)
	}
	if n < 0 {
		return 0, consent.ErrNotFound
	}
	return n, nil
}

func (s *Store) TagWarnings(ctx context.Context, siteID string) ([]consent.StoredTagWarning, error) {
	raw, err := s.rdb.HGetAll(ctx, tagWarningsKey(siteID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]consent.StoredTagWarning, 0, len(raw))
	for key, data := range raw {
		e := tagWarningEntry{Pages: []string{}}
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return nil, fmt.Errorf("redisstore: tag warning %s of site %s: %w", key, siteID, err)
		}
		out = append(out, consent.StoredTagWarning{
			TagWarning: consent.TagWarning{Vendor: e.Vendor, Kind: consent.TagKind(e.Kind), Markup: e.Markup},
			Pages:      e.Pages, Count: e.Count,
			FirstSeen: time.UnixMilli(e.First).UTC(), LastSeen: time.UnixMilli(e.Last).UTC(),
		})
	}
	consent.SortTagWarnings(out)
	return out, nil
}

func (s *Store) ClearTagWarnings(ctx context.Context, siteID string) error {
	n, err := clearTagWarnings.Run(ctx, s.rdb, []string{siteKey(siteID), tagWarningsKey(siteID)}).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return consent.ErrNotFound
	}
	return nil
}
