package redisstore

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/consent"
)

// Purge removes a site's receipts past retention page by page: it reads a
// page of the oldest log entries (XRANGE), and one script deletes those past
// the cut-off (XDEL) with their consent-list and idempotency entries. Reading
// the entries first, rather than a bare XTRIM MINID, is what lets it clean
// the consent lists, so they never name deleted entries, decide by each
// receipt's own server time, to the nanosecond, where the id only says the
// millisecond, and count exactly what it removed. XDEL of the oldest entries
// frees whole stream nodes as it goes, so memory comes back as with XTRIM.
// Every step is idempotent, so replicas that purge at the same moment only
// share the work.
func (s *Store) Purge(ctx context.Context, siteID string, now time.Time) (consent.PurgeResult, error) {
	var res consent.PurgeResult
	site, err := s.Site(ctx, siteID)
	if err != nil {
		return res, err
	}
	cutoff := now.Add(-time.Duration(retentionOf(site)) * 24 * time.Hour)
	if res.Receipts, err = s.purgeLog(ctx, siteID, cutoff); err != nil {
		return res, err
	}
	if res.DayBuckets, err = s.purgeBuckets(ctx, siteID, consent.Day, now.Add(-consent.Day.Retention())); err != nil {
		return res, err
	}
	res.HourBuckets, err = s.purgeBuckets(ctx, siteID, consent.Hour, now.Add(-consent.Hour.Retention()))
	return res, err
}

// purgeLog deletes the receipts whose server time is before cutoff. An
// entry's id is never earlier than its receipt's server time, and at most
// "late" ms later, so those receipts all have ids before cutoff + late: that
// is the range read, and each entry's own server time decides.
func (s *Store) purgeLog(ctx context.Context, siteID string, cutoff time.Time) (int64, error) {
	late, err := s.late(ctx, siteID)
	if err != nil {
		return 0, err
	}
	cutMs := logMs(cutoff)
	log := logKey(siteID)
	start, end := "-", strconv.FormatInt(cutMs+late, 10) // an end of "ms" includes every sequence number
	var removed int64
	for {
		msgs, err := s.rdb.XRangeN(ctx, log, start, end, purgePage).Result()
		if err != nil {
			return removed, unavailable(err)
		}
		keys, ids := []string{log, seqsKey(siteID)}, []any{}
		for _, m := range msgs {
			var r struct {
				ReceiptID  string    `json:"receipt_id"`
				ConsentID  string    `json:"consent_id"`
				ServerTime time.Time `json:"server_time"`
			}
			if err := json.Unmarshal([]byte(entryJSON(m)), &r); err != nil {
				return removed, fmt.Errorf("redisstore: receipt %s: %w", m.ID, err)
			}
			if !r.ServerTime.Before(cutoff) {
				continue // filed late, still inside retention
			}
			keys = append(keys, consentIDKey(siteID, r.ConsentID), receiptIDKey(siteID, r.ReceiptID))
			ids = append(ids, m.ID, r.ReceiptID)
		}
		if len(ids) > 0 {
			n, err := purgeReceipts.Run(ctx, s.rdb, keys, ids...).Int64()
			if err != nil {
				return removed, unavailable(err)
			}
			removed += n
		}
		if len(msgs) < purgePage {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	// No final XTRIM MINID: every receipt before the cut-off has an id in
	// the range just read, and a trim would also drop any entry whose id is
	// before the cut-off but whose receipt is not (ids written by Redis's
	// clock, before ids followed server time). A receipt written into the
	// range while the pages were read is past retention already, and the
	// next round removes it.
	return removed, nil
}

// purgeBuckets deletes the buckets of granularity g that start before
// cutoff, found through the bucket index. DEL counts only keys it removed,
// so a bucket two replicas both delete is counted once.
func (s *Store) purgeBuckets(ctx context.Context, siteID string, g consent.Granularity, cutoff time.Time) (int64, error) {
	// Starts are whole seconds: start < cutoff ⇔ start < ⌈cutoff⌉.
	ceil := cutoff.Unix()
	if cutoff.Nanosecond() > 0 {
		ceil++
	}
	index := bucketIndexKey(siteID, g)
	by := &redis.ZRangeBy{Min: "-inf", Max: "(" + strconv.FormatInt(ceil, 10), Count: purgePage}
	var removed int64
	for {
		names, err := s.rdb.ZRangeByScore(ctx, index, by).Result()
		if err != nil {
			return removed, unavailable(err)
		}
		if len(names) == 0 {
			return removed, nil
		}
		dels := make([]*redis.IntCmd, len(names))
		members := make([]any, len(names))
		// One MULTI on the site's slot: the buckets and their index
		// entries go together.
		_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, name := range names {
				dels[i] = p.Del(ctx, bucketKeyOf(siteID, g, name))
				members[i] = name
			}
			p.ZRem(ctx, index, members...)
			return nil
		})
		if err != nil {
			return removed, unavailable(err)
		}
		for _, d := range dels {
			removed += d.Val()
		}
		if len(names) < purgePage {
			return removed, nil
		}
	}
}

// late returns the site's "late" value (see lateKey), 0 if unset.
func (s *Store) late(ctx context.Context, siteID string) (int64, error) {
	v, err := s.rdb.Get(ctx, lateKey(siteID)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, unavailable(err)
	}
	return v, nil
}

func entryJSON(m redis.XMessage) string {
	raw, _ := m.Values["r"].(string)
	return raw
}

// idMs returns the millisecond part of a stream id.
func idMs(id string) (int64, error) {
	ms, _, _ := strings.Cut(id, "-")
	return strconv.ParseInt(ms, 10, 64)
}

// ReceiptsBetween reads the log by id from "from" in pages of exportPage
// entries. Ids follow server time except for receipts filed late (see
// lateKey), so it reads "late" ms past "to", keeps only receipts of the
// period, and reorders through a small heap: once the page has reached id I,
// no later entry can hold a receipt older than I − late, so everything
// buffered before that is handed to fn. With no late receipts the heap holds
// at most one millisecond's worth.
func (s *Store) ReceiptsBetween(ctx context.Context, siteID string, from, to time.Time, fn func(consent.Receipt) error) error {
	if !from.Before(to) || to.UnixMilli() < 0 {
		return nil
	}
	late, err := s.late(ctx, siteID)
	if err != nil {
		return err
	}
	log := logKey(siteID)
	start := strconv.FormatInt(logMs(from), 10) + "-0"
	end := strconv.FormatInt(to.UnixMilli()+late, 10)
	var buf receiptHeap
	for {
		msgs, err := s.rdb.XRangeN(ctx, log, start, end, exportPage).Result()
		if err != nil {
			return unavailable(err)
		}
		for _, m := range msgs {
			var r consent.Receipt
			if err := json.Unmarshal([]byte(entryJSON(m)), &r); err != nil {
				return fmt.Errorf("redisstore: receipt %s: %w", m.ID, err)
			}
			if !r.ServerTime.Before(from) && r.ServerTime.Before(to) {
				heap.Push(&buf, r)
			}
			ms, err := idMs(m.ID)
			if err != nil {
				return fmt.Errorf("redisstore: log id %q: %w", m.ID, err)
			}
			horizon := time.UnixMilli(ms - late)
			for buf.Len() > 0 && buf[0].ServerTime.Before(horizon) {
				if err := fn(heap.Pop(&buf).(consent.Receipt)); err != nil {
					return err
				}
			}
		}
		if len(msgs) < exportPage {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	for buf.Len() > 0 {
		if err := fn(heap.Pop(&buf).(consent.Receipt)); err != nil {
			return err
		}
	}
	return nil
}

// receiptHeap orders receipts by server time, then receipt id, as
// consent.Store promises.
type receiptHeap []consent.Receipt

func (h receiptHeap) Len() int { return len(h) }
func (h receiptHeap) Less(i, j int) bool {
	if !h[i].ServerTime.Equal(h[j].ServerTime) {
		return h[i].ServerTime.Before(h[j].ServerTime)
	}
	return h[i].ReceiptID < h[j].ReceiptID
}
func (h receiptHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *receiptHeap) Push(x any)   { *h = append(*h, x.(consent.Receipt)) }
func (h *receiptHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}
