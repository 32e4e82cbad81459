package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/scanner"
)

var (
	//go:embed scan_start.lua
	scanStartSrc string
	scanStart    = redis.NewScript(scanStartSrc)

	//go:embed scan_update.lua
	scanUpdateSrc string
	scanUpdate    = redis.NewScript(scanUpdateSrc)

	//go:embed scan_fail_stale.lua
	scanFailStaleSrc string
	scanFailStale    = redis.NewScript(scanFailStaleSrc)
)

var _ scanner.Store = (*Store)(nil)

// startAttempts bounds StartScan's loop: each round either starts the scan,
// finds a live one, or fails a stale one and tries again.
const startAttempts = 3

func (s *Store) StartScan(ctx context.Context, scan scanner.Scan, staleBefore time.Time) error {
	data, err := json.Marshal(scan)
	if err != nil {
		return err
	}
	keys := []string{siteKey(scan.SiteID), scanRunningKey(scan.SiteID), scansKey(scan.SiteID), scanKey(scan.SiteID, scan.ID)}
	for range startAttempts {
		n, err := scanStart.Run(ctx, s.rdb, keys, scan.ID, data, scan.StartedAt.UnixMilli()).Int()
		if err != nil {
			return unavailable(err)
		}
		switch n {
		case 0:
			return consent.ErrNotFound
		case 1:
			return nil
		}
		failed, err := s.FailStaleScan(ctx, scan.SiteID, staleBefore, scan.StartedAt)
		if err != nil {
			return err
		}
		if !failed {
			return scanner.ErrRunning
		}
	}
	return scanner.ErrRunning
}

func (s *Store) storeRunning(ctx context.Context, scan scanner.Scan, release bool) error {
	data, err := json.Marshal(scan)
	if err != nil {
		return err
	}
	flag := "0"
	if release {
		flag = "1"
	}
	n, err := scanUpdate.Run(ctx, s.rdb, []string{scanRunningKey(scan.SiteID), scanKey(scan.SiteID, scan.ID)},
		scan.ID, data, flag).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return scanner.ErrLostLock
	}
	return nil
}

func (s *Store) UpdateScan(ctx context.Context, scan scanner.Scan) error {
	return s.storeRunning(ctx, scan, false)
}

func (s *Store) FinishScan(ctx context.Context, scan scanner.Scan) error {
	if err := s.storeRunning(ctx, scan, true); err != nil {
		return err
	}
	// Dropping the oldest scans is tidying, not part of finishing: if it
	// fails, the next finish drops them.
	old, err := s.rdb.ZRange(ctx, scansKey(scan.SiteID), 0, int64(-scanner.KeptScans-1)).Result()
	if err != nil || len(old) == 0 {
		return nil
	}
	_, _ = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range old {
			p.Del(ctx, scanKey(scan.SiteID, id))
			p.ZRem(ctx, scansKey(scan.SiteID), id)
		}
		return nil
	})
	return nil
}

func (s *Store) FailStaleScan(ctx context.Context, siteID string, staleBefore, at time.Time) (bool, error) {
	exists, err := s.rdb.Exists(ctx, siteKey(siteID)).Result()
	if err != nil {
		return false, unavailable(err)
	}
	if exists == 0 {
		return false, consent.ErrNotFound
	}
	id, err := s.rdb.Get(ctx, scanRunningKey(siteID)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, unavailable(err)
	}
	old, err := s.rdb.Get(ctx, scanKey(siteID, id)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, unavailable(err)
	}
	var scan scanner.Scan
	if old != "" {
		if err := json.Unmarshal([]byte(old), &scan); err != nil {
			return false, fmt.Errorf("redisstore: scan %s of site %s: %w", id, siteID, err)
		}
		if !scan.Heartbeat.Before(staleBefore) {
			return false, nil
		}
	} else {
		// A lock without its scan: only a partial restore makes one.
		scan = scanner.Scan{ID: id, SiteID: siteID, StartedAt: at}
	}
	scanner.MarkAbandoned(&scan, at)
	data, err := json.Marshal(scan)
	if err != nil {
		return false, err
	}
	n, err := scanFailStale.Run(ctx, s.rdb, []string{scanRunningKey(siteID), scanKey(siteID, id)}, id, old, data).Int()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

func (s *Store) Scan(ctx context.Context, siteID, scanID string) (scanner.Scan, error) {
	data, err := s.rdb.Get(ctx, scanKey(siteID, scanID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return scanner.Scan{}, consent.ErrNotFound
	}
	if err != nil {
		return scanner.Scan{}, unavailable(err)
	}
	var out scanner.Scan
	if err := json.Unmarshal(data, &out); err != nil {
		return scanner.Scan{}, fmt.Errorf("redisstore: scan %s of site %s: %w", scanID, siteID, err)
	}
	return out, nil
}

func (s *Store) Scans(ctx context.Context, siteID string) ([]scanner.Scan, error) {
	ids, err := s.rdb.ZRevRange(ctx, scansKey(siteID), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]scanner.Scan, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = scanKey(siteID, id)
	}
	// One MGET: the keys share the site's slot.
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // pruned between the two reads
		}
		var sc scanner.Scan
		if err := json.Unmarshal([]byte(str), &sc); err != nil {
			return nil, fmt.Errorf("redisstore: scan %s of site %s: %w", ids[i], siteID, err)
		}
		out = append(out, sc)
	}
	scanner.SortNewestFirst(out)
	return out, nil
}
