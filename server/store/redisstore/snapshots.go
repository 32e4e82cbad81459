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
)

// What was shown, the audit log and deletion with a grace period; the keys
// are described in keys.go.

var (
	//go:embed write_site.lua
	writeSiteSrc string
	writeSite    = redis.NewScript(writeSiteSrc)

	//go:embed put_snapshot.lua
	putSnapshotSrc string
	putSnapshot    = redis.NewScript(putSnapshotSrc)

	//go:embed append_audit.lua
	appendAuditSrc string
	appendAudit    = redis.NewScript(appendAuditSrc)

	//go:embed mark_site_deleted.lua
	markSiteDeletedSrc string
	markSiteDeleted    = redis.NewScript(markSiteDeletedSrc)

	//go:embed restore_site.lua
	restoreSiteSrc string
	restoreSite    = redis.NewScript(restoreSiteSrc)
)

// deletion is the deletion key's JSON: a DeletedSite without its site.
type deletion struct {
	DeletedAt  time.Time `json:"deleted_at"`
	DeletedBy  string    `json:"deleted_by"`
	PurgeAfter time.Time `json:"purge_after"`
}

func (s *Store) WriteSite(ctx context.Context, w consent.SiteWrite) error {
	id := w.Site.ID
	if id == "" {
		return errors.New("redisstore: site id is empty")
	}
	site, err := json.Marshal(w.Site)
	if err != nil {
		return err
	}
	entry, err := json.Marshal(w.Audit)
	if err != nil {
		return err
	}
	version, snap := "", []byte{}
	if w.Snapshot != nil {
		if snap, err = json.Marshal(w.Snapshot); err != nil {
			return err
		}
		version = w.Snapshot.Version
	}
	create := "0"
	if w.Create {
		create = "1"
		if err := s.claimSiteID(ctx, id); err != nil {
			return err
		}
	}
	n, err := writeSite.Run(ctx, s.rdb, []string{siteKey(id), deletedSiteKey(id), snapshotsKey(id), auditKey(id)},
		create, site, version, snap, entry).Int()
	switch {
	case err != nil:
		return unavailable(err)
	case n == 0:
		return consent.ErrNotFound
	case n < 0:
		return consent.ErrConflict
	}
	return nil
}

// claimSiteID adds a new site's id to the set of sites, as CreateSite does:
// into the set first, so the set never misses a site that exists. A member
// with neither a live nor a deleted site is left from an interrupted
// purge, which is finished so the new site starts empty.
func (s *Store) claimSiteID(ctx context.Context, id string) error {
	added, err := s.rdb.SAdd(ctx, sitesKey(), id).Result()
	if err != nil || added == 1 {
		return unavailable(err)
	}
	n, err := s.rdb.Exists(ctx, siteKey(id), deletedSiteKey(id)).Result()
	if err != nil {
		return unavailable(err)
	}
	if n > 0 {
		return consent.ErrConflict
	}
	return s.deleteSiteData(ctx, id)
}

func (s *Store) PutSnapshot(ctx context.Context, snap consent.Snapshot) (consent.Snapshot, error) {
	data, err := json.Marshal(snap)
	if err != nil {
		return consent.Snapshot{}, err
	}
	id := snap.SiteID
	stored, err := putSnapshot.Run(ctx, s.rdb, []string{siteKey(id), deletedSiteKey(id), snapshotsKey(id)}, snap.Version, data).Text()
	if errors.Is(err, redis.Nil) {
		return consent.Snapshot{}, consent.ErrNotFound
	}
	if err != nil {
		return consent.Snapshot{}, unavailable(err)
	}
	var out consent.Snapshot
	if err := json.Unmarshal([]byte(stored), &out); err != nil {
		return consent.Snapshot{}, fmt.Errorf("redisstore: snapshot %s of site %s: %w", snap.Version, id, err)
	}
	return out, nil
}

func (s *Store) Snapshot(ctx context.Context, siteID, version string) (consent.Snapshot, error) {
	data, err := s.rdb.HGet(ctx, snapshotsKey(siteID), version).Bytes()
	if errors.Is(err, redis.Nil) {
		return consent.Snapshot{}, consent.ErrNotFound
	}
	if err != nil {
		return consent.Snapshot{}, unavailable(err)
	}
	var snap consent.Snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return consent.Snapshot{}, fmt.Errorf("redisstore: snapshot %s of site %s: %w", version, siteID, err)
	}
	return snap, nil
}

func (s *Store) Snapshots(ctx context.Context, siteID string) ([]consent.Snapshot, error) {
	raw, err := s.rdb.HGetAll(ctx, snapshotsKey(siteID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]consent.Snapshot, 0, len(raw))
	for version, data := range raw {
		var snap consent.Snapshot
		if err := json.Unmarshal([]byte(data), &snap); err != nil {
			return nil, fmt.Errorf("redisstore: snapshot %s of site %s: %w", version, siteID, err)
		}
		out = append(out, snap)
	}
	consent.SortSnapshots(out)
	return out, nil
}

func (s *Store) AppendAudit(ctx context.Context, e consent.AuditEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	id := e.SiteID
	n, err := appendAudit.Run(ctx, s.rdb, []string{siteKey(id), deletedSiteKey(id), auditKey(id)}, data).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return consent.ErrNotFound
	}
	return nil
}

func (s *Store) Audit(ctx context.Context, siteID string) ([]consent.AuditEntry, error) {
	raw, err := s.rdb.LRange(ctx, auditKey(siteID), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]consent.AuditEntry, 0, len(raw))
	for _, data := range raw {
		var e consent.AuditEntry
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return nil, fmt.Errorf("redisstore: audit entry of site %s: %w", siteID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Store) MarkSiteDeleted(ctx context.Context, d consent.DeletedSite, e consent.AuditEntry) error {
	meta, err := json.Marshal(deletion{DeletedAt: d.DeletedAt, DeletedBy: d.DeletedBy, PurgeAfter: d.PurgeAfter})
	if err != nil {
		return err
	}
	entry, err := json.Marshal(e)
	if err != nil {
		return err
	}
	id := d.Site.ID
	n, err := markSiteDeleted.Run(ctx, s.rdb, []string{siteKey(id), deletedSiteKey(id), deletionKey(id), auditKey(id)}, meta, entry).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return consent.ErrNotFound
	}
	return nil
}

func (s *Store) RestoreSite(ctx context.Context, id string, e consent.AuditEntry) error {
	entry, err := json.Marshal(e)
	if err != nil {
		return err
	}
	n, err := restoreSite.Run(ctx, s.rdb, []string{siteKey(id), deletedSiteKey(id), deletionKey(id), auditKey(id)}, entry).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return consent.ErrNotFound
	}
	return nil
}

func (s *Store) DeletedSites(ctx context.Context) ([]consent.DeletedSite, error) {
	ids, err := s.rdb.SMembers(ctx, sitesKey()).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	sites := make([]*redis.StringCmd, len(ids))
	metas := make([]*redis.StringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			sites[i] = p.Get(ctx, deletedSiteKey(id))
			metas[i] = p.Get(ctx, deletionKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	out := []consent.DeletedSite{}
	for i, id := range ids {
		site, err1 := sites[i].Bytes()
		meta, err2 := metas[i].Bytes()
		if errors.Is(err1, redis.Nil) || errors.Is(err2, redis.Nil) {
			continue // a live site, or one being purged
		}
		if err := errors.Join(err1, err2); err != nil {
			return nil, unavailable(err)
		}
		var d consent.DeletedSite
		var m deletion
		if err := errors.Join(json.Unmarshal(site, &d.Site), json.Unmarshal(meta, &m)); err != nil {
			return nil, fmt.Errorf("redisstore: deleted site %s: %w", id, err)
		}
		d.DeletedAt, d.DeletedBy, d.PurgeAfter = m.DeletedAt, m.DeletedBy, m.PurgeAfter
		out = append(out, d)
	}
	return out, nil
}
