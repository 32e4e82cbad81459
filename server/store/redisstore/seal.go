package redisstore

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/consent"
)

// Tamper evidence (consent.SealStore). save_receipts.lua assigns each new
// receipt the site's next seq (INCR of seqKey) and writes its leaf in the
// same script, so a seq is visible only with its receipt, and seqs follow
// the order in which scripts ran, whichever replica sent them. Leaves,
// checkpoints and tombstones have no TTL and are never purged: a
// checkpoint's tree needs all of its leaves to prove any one of them, and a
// leaf is about 100 bytes.

var (
	//go:embed add_checkpoint.lua
	addCheckpointSrc string
	addCheckpoint    = redis.NewScript(addCheckpointSrc)

	//go:embed erase_consent.lua
	eraseConsentSrc string
	eraseConsent    = redis.NewScript(eraseConsentSrc)

	//go:embed backfill_leaves.lua
	backfillLeavesSrc string
	backfillLeaves    = redis.NewScript(backfillLeavesSrc)
)

func init() { scripts = append(scripts, addCheckpoint, eraseConsent, backfillLeaves) }

func (s *Store) Leaves(ctx context.Context, siteID string, from int64, limit int) ([]consent.Leaf, int64, error) {
	if err := s.backfill(ctx, siteID); err != nil {
		return nil, 0, err
	}
	highest, err := s.rdb.Get(ctx, seqKey(siteID)).Int64()
	if errors.Is(err, redis.Nil) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, unavailable(err)
	}
	from = max(from, 1)
	to := min(highest, from+int64(limit)-1)
	if to < from {
		return nil, highest, nil
	}
	// Read after the counter: every seq up to it was written by a script
	// that has finished.
	fields := make([]string, 0, to-from+1)
	for seq := from; seq <= to; seq++ {
		fields = append(fields, strconv.FormatInt(seq, 10))
	}
	vals, err := s.rdb.HMGet(ctx, leavesKey(siteID), fields...).Result()
	if err != nil {
		return nil, 0, unavailable(err)
	}
	out := make([]consent.Leaf, 0, len(vals))
	for i, v := range vals {
		l := consent.Leaf{Seq: from + int64(i), Hash: consent.GapHash}
		if raw, ok := v.(string); ok {
			if l, err = parseLeaf(l.Seq, raw); err != nil {
				return nil, 0, err
			}
		}
		out = append(out, l)
	}
	return out, highest, nil
}

func parseLeaf(seq int64, raw string) (consent.Leaf, error) {
	if len(raw) < 64 {
		return consent.Leaf{}, fmt.Errorf("redisstore: leaf %d: %q", seq, raw)
	}
	return consent.Leaf{Seq: seq, Hash: raw[:64], ReceiptID: raw[64:]}, nil
}

// backfill gives receipts stored before seqs existed their seqs, once per
// site: it walks the log in order and backfill_leaves.lua skips receipts
// that have one. Receipts stored since the upgrade got theirs first, so old
// receipts come after them in seal order; within the old ones the order is
// the log's (server time, but for receipts filed late).
func (s *Store) backfill(ctx context.Context, siteID string) error {
	done, err := s.rdb.Exists(ctx, leavesBackfilledKey(siteID)).Result()
	if err != nil {
		return unavailable(err)
	}
	if done == 1 {
		return nil
	}
	keys := []string{seqKey(siteID), leavesKey(siteID), seqsKey(siteID)}
	start := "-"
	for {
		msgs, err := s.rdb.XRangeN(ctx, logKey(siteID), start, "+", purgePage).Result()
		if err != nil {
			return unavailable(err)
		}
		args := make([]any, 0, 2*len(msgs))
		for _, m := range msgs {
			var r consent.Receipt
			if err := json.Unmarshal([]byte(entryJSON(m)), &r); err != nil {
				return fmt.Errorf("redisstore: receipt %s: %w", m.ID, err)
			}
			args = append(args, r.ReceiptID, consent.ReceiptHash(r))
		}
		if len(args) > 0 {
			if err := backfillLeaves.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
				return unavailable(err)
			}
		}
		if len(msgs) < purgePage {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	return unavailable(s.rdb.Set(ctx, leavesBackfilledKey(siteID), "1", 0).Err())
}

func (s *Store) LeavesOf(ctx context.Context, siteID string, receiptIDs []string) (map[string]consent.Leaf, error) {
	out := map[string]consent.Leaf{}
	if len(receiptIDs) == 0 {
		return out, nil
	}
	seqs, err := s.rdb.HMGet(ctx, seqsKey(siteID), receiptIDs...).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	var fields []string
	for _, v := range seqs {
		if seq, ok := v.(string); ok {
			fields = append(fields, seq)
		}
	}
	if len(fields) == 0 {
		return out, nil
	}
	vals, err := s.rdb.HMGet(ctx, leavesKey(siteID), fields...).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	for i, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue
		}
		seq, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redisstore: seq %q: %w", fields[i], err)
		}
		l, err := parseLeaf(seq, raw)
		if err != nil {
			return nil, err
		}
		out[l.ReceiptID] = l
	}
	return out, nil
}

func (s *Store) AddCheckpoint(ctx context.Context, cp consent.Checkpoint) error {
	data, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	if cp.LastSeq < cp.FirstSeq {
		return consent.ErrConflict
	}
	n, err := addCheckpoint.Run(ctx, s.rdb, []string{siteKey(cp.SiteID), checkpointsKey(cp.SiteID)},
		cp.Number, cp.FirstSeq, cp.FirstSeq-1, data).Int()
	switch {
	case err != nil:
		return unavailable(err)
	case n < 0:
		return consent.ErrNotFound
	case n == 0:
		return consent.ErrConflict
	}
	return nil
}

func (s *Store) Checkpoints(ctx context.Context, siteID string) ([]consent.Checkpoint, error) {
	raw, err := s.rdb.LRange(ctx, checkpointsKey(siteID), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]consent.Checkpoint, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			return nil, fmt.Errorf("redisstore: checkpoint %d of %s: %w", i+1, siteID, err)
		}
	}
	return out, nil
}

func (s *Store) EraseConsent(ctx context.Context, siteID, consentID string, at time.Time, actor string) ([]consent.Tombstone, error) {
	// The tombstone's JSON is written by the script, all but its tail,
	// which is encoded here so that the actor is escaped properly.
	tail, err := json.Marshal(struct {
		ErasedAt time.Time `json:"erased_at"`
		Actor    string    `json:"actor"`
	}{at.UTC(), actor})
	if err != nil {
		return nil, err
	}
	keys := []string{siteKey(siteID), logKey(siteID), consentIDKey(siteID, consentID), seqsKey(siteID), erasedKey(siteID)}
	res, err := eraseConsent.Run(ctx, s.rdb, keys, ","+string(tail[1:])).StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil, consent.ErrNotFound
	}
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]consent.Tombstone, len(res))
	for i, raw := range res {
		if err := json.Unmarshal([]byte(raw), &out[i]); err != nil {
			return nil, fmt.Errorf("redisstore: tombstone %q: %w", raw, err)
		}
	}
	return out, nil
}

func (s *Store) Tombstones(ctx context.Context, siteID string) ([]consent.Tombstone, error) {
	raw, err := s.rdb.HVals(ctx, erasedKey(siteID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]consent.Tombstone, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			return nil, fmt.Errorf("redisstore: tombstone %q: %w", r, err)
		}
	}
	slices.SortFunc(out, func(a, b consent.Tombstone) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}
