// Package retention enforces how long consentd keeps what it stores: each
// site's receipts for its RetentionDays, counter buckets for
// consent.Day.Retention() and consent.Hour.Retention(). A Janitor calls
// consent.Store.Purge for every site on a schedule, so retention holds
// without an operator's cron job and whichever store is in use. It also
// purges the sites deleted longer ago than their grace period.
//
// Several consentd replicas sharing one Redis each run a Janitor, with no
// leader election: Purge is idempotent (a receipt or bucket already gone is
// neither an error nor counted again), so concurrent or repeated purges only
// share or repeat work, and what is removed depends only on the time given,
// not on which replica removes it. Clocks a few seconds apart between
// replicas move a cut-off by as much, which retention periods of days and
// years do not notice.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// DefaultInterval is how often Run purges when Janitor.Interval is zero.
// Hour buckets are the finest thing that ages out, so purging more often
// would find nothing new; receipts leave within an hour of their time.
const DefaultInterval = time.Hour

// Janitor purges every site of Store, once when Run starts and then every
// Interval. The zero values of Now, Interval and Logger mean time.Now,
// DefaultInterval and slog.Default().
type Janitor struct {
	Store    consent.Store
	Now      func() time.Time
	Interval time.Duration
	Logger   *slog.Logger
}

func (j *Janitor) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j *Janitor) log() *slog.Logger {
	if j.Logger != nil {
		return j.Logger
	}
	return slog.Default()
}

// Run purges at once, then every Interval, until ctx is cancelled; it
// returns once a purge in progress has stopped, so the caller can close the
// store right after. An error is logged and the next round tries again:
// a store that is down for a while (Redis failing over) delays retention by
// an interval, it does not stop it.
func (j *Janitor) Run(ctx context.Context) {
	interval := j.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	// A ticker, not a sleep after each round: rounds start on a steady
	// beat, and one that overruns is followed at once by the next.
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := j.PurgeAll(ctx); err != nil && ctx.Err() == nil {
			j.log().ErrorContext(ctx, "retention: purge failed; trying again at the next round",
				"err", err, "next_in", interval.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// PurgeAll purges every site once, with one "now" for all, and logs what
// was removed; first it purges deleted sites past their grace period. A site that fails does not stop the others; the errors are
// returned joined. A site deleted after it was listed is skipped.
func (j *Janitor) PurgeAll(ctx context.Context) error {
	deletedErr := j.PurgeDeleted(ctx)
	err := j.purgeLive(ctx)
	return errors.Join(deletedErr, err)
}

// PurgeDeleted purges the sites deleted longer ago than their grace period
// (consent.DeletedSite.PurgeAfter), with every receipt, count, snapshot and
// audit entry. Replicas racing on one site are fine: the second finds it
// gone (ErrNotFound). A site restored a moment ago is not listed any more.
func (j *Janitor) PurgeDeleted(ctx context.Context) error {
	deleted, err := j.Store.DeletedSites(ctx)
	if err != nil {
		return fmt.Errorf("retention: listing deleted sites: %w", err)
	}
	now := j.now()
	var errs []error
	for _, d := range deleted {
		if now.Before(d.PurgeAfter) {
			continue
		}
		err := j.Store.DeleteSite(ctx, d.Site.ID)
		switch {
		case errors.Is(err, consent.ErrNotFound):
		case err != nil:
			errs = append(errs, fmt.Errorf("retention: purging deleted site %s: %w", d.Site.ID, err))
		default:
			j.log().InfoContext(ctx, "retention: purged a deleted site after its grace period", "site", d.Site.ID,
				"deleted_at", d.DeletedAt, "deleted_by", d.DeletedBy, "action", consent.AuditSitePurge)
		}
	}
	return errors.Join(errs...)
}

func (j *Janitor) purgeLive(ctx context.Context) error {
	sites, err := j.Store.Sites(ctx)
	if err != nil {
		return fmt.Errorf("retention: listing sites: %w", err)
	}
	now := j.now()
	var errs []error
	for _, site := range sites {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		res, err := j.Store.Purge(ctx, site.ID, now)
		if res != (consent.PurgeResult{}) {
			// Also after an error: what a failed purge removed is gone.
			j.log().InfoContext(ctx, "retention: purged", "site", site.ID,
				"receipts", res.Receipts, "day_buckets", res.DayBuckets, "hour_buckets", res.HourBuckets)
		}
		switch {
		case errors.Is(err, consent.ErrNotFound):
		case err != nil:
			errs = append(errs, fmt.Errorf("retention: site %s: %w", site.ID, err))
		}
	}
	return errors.Join(errs...)
}
