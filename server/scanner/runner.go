package scanner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// Defaults of a Runner's zero fields.
const (
	DefaultTimeLimit      = 30 * time.Minute
	DefaultHeartbeatEvery = 10 * time.Second
	// DefaultInterval is how often the schedule scans a site: monthly, as
	// the commercial platforms do.
	DefaultInterval   = 30 * 24 * time.Hour
	DefaultCheckEvery = time.Hour
)

// Runner runs scans: at most one per site across every replica sharing the
// store (StartScan is the lock), each in the background with a total time
// limit, a heartbeat that keeps the lock, and its result stored at the
// end. Every replica runs one; the schedule (Run) starts the scans that are
// due and marks failed the ones whose replica died.
type Runner struct {
	Store   Store
	Sites   consent.Store
	Crawler Crawler
	Now     func() time.Time
	Logger  *slog.Logger
	// TimeLimit bounds one scan as a whole.
	TimeLimit time.Duration
	// HeartbeatEvery is how often a running scan renews its lock and
	// stores its progress; a scan is stale after three missed beats.
	HeartbeatEvery time.Duration
	// Interval is how often the schedule scans each site; negative turns
	// the schedule off. CheckEvery is how often it looks.
	Interval   time.Duration
	CheckEvery time.Duration
	// Finished, when set, is told each scan's outcome and its number of
	// violations (for the metrics).
	Finished func(outcome Status, violations int)
	// OpenViolations, when set, is given after each schedule round the
	// violations of every site's latest finished scan, summed by that
	// scan's outcome (a failed scan has none), and the sites by that
	// outcome.
	OpenViolations func(violations, sites map[Status]int)

	mu     sync.Mutex
	base   context.Context
	stop   context.CancelFunc
	active sync.WaitGroup
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// StaleAfter is how long a running scan may go without a heartbeat before
// it counts as abandoned.
func (r *Runner) StaleAfter() time.Duration {
	return 3 * orDefault(r.HeartbeatEvery, DefaultHeartbeatEvery)
}

// context is what scans run under: Close cancels it.
func (r *Runner) context() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base == nil {
		r.base, r.stop = context.WithCancel(context.Background())
	}
	return r.base
}

// NewScanID is sortable by time and unique across replicas.
func NewScanID(at time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return at.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Start begins a scan of a site and returns it as stored (running); the
// scan goes on in the background. ErrRunning if one is running anywhere,
// ErrNotFound for an unknown site.
func (r *Runner) Start(ctx context.Context, siteID string, trigger Trigger) (Scan, error) {
	base := r.context()
	if r.Crawler == nil {
		return Scan{}, fmt.Errorf("%w: the runner has no crawler", consent.ErrUnavailable)
	}
	if base.Err() != nil {
		return Scan{}, fmt.Errorf("%w: the scanner is shutting down", consent.ErrUnavailable)
	}
	site, err := r.Sites.Site(ctx, siteID)
	if err != nil {
		return Scan{}, err
	}
	now := r.now()
	s := Scan{ID: NewScanID(now), SiteID: site.ID, Status: Running, Trigger: trigger, StartedAt: now,
		Heartbeat: now, Origins: append([]string{}, site.Origins...)}
	if err := r.Store.StartScan(ctx, s, now.Add(-r.StaleAfter())); err != nil {
		return Scan{}, err
	}
	r.active.Add(1)
	go func() {
		defer r.active.Done()
		r.run(base, site, s)
	}()
	return s, nil
}

// run crawls, classifies and stores; whatever happens, the scan ends
// stored as done or failed.
func (r *Runner) run(base context.Context, site consent.Site, s Scan) {
	ctx, cancel := context.WithTimeout(base, orDefault(r.TimeLimit, DefaultTimeLimit))
	defer cancel()

	var (
		mu       sync.Mutex
		progress Progress
	)
	beat := time.NewTicker(orDefault(r.HeartbeatEvery, DefaultHeartbeatEvery))
	defer beat.Stop()
	beatDone := make(chan struct{})
	go func() {
		defer close(beatDone)
		for {
			select {
			case <-ctx.Done():
				return
			case <-beat.C:
			}
			mu.Lock()
			s.Progress = progress
			mu.Unlock()
			s.Heartbeat = r.now()
			if err := r.Store.UpdateScan(ctx, s); errors.Is(err, ErrLostLock) {
				r.log().Warn("scanner: lost the lock of a running scan; stopping it", "site", s.SiteID, "scan", s.ID)
				cancel()
				return
			} else if err != nil && ctx.Err() == nil {
				r.log().Warn("scanner: heartbeat failed", "site", s.SiteID, "scan", s.ID, "err", err)
			}
		}
	}()

	obs, err := r.Crawler.Crawl(ctx, site, func(p Progress) {
		mu.Lock()
		progress = p
		mu.Unlock()
	})
	cancel()
	<-beatDone

	end := r.now()
	s.FinishedAt, s.Heartbeat = &end, end
	s.Progress = progress
	if err == nil && base.Err() != nil {
		err = errors.New("consentd stopped during the scan")
	}
	if err != nil {
		s.Status, s.Error = Failed, err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			s.Error = "the scan took longer than its limit of " + orDefault(r.TimeLimit, DefaultTimeLimit).String()
		}
	} else {
		// The site as it is now: the owner may have declared vendors
		// while the scan ran.
		store, cancelStore := context.WithTimeout(context.Background(), 15*time.Second)
		if fresh, ferr := r.Sites.Site(store, site.ID); ferr == nil {
			site = fresh
		}
		Classify(site, &obs)
		s.Status = Done
		s.Pages, s.Cookies, s.Storage, s.Requests = obs.Pages, obs.Cookies, obs.Storage, obs.Requests
		s.Progress.PagesDone = len(obs.Pages)
		s.Report = BuildReport(site, s, r.previous(store, s))
		cancelStore()
	}
	store, cancelStore := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelStore()
	if err := r.Store.FinishScan(store, s); err != nil {
		r.log().Error("scanner: storing a finished scan failed", "site", s.SiteID, "scan", s.ID, "err", err)
		return
	}
	violations := 0
	if s.Report != nil {
		violations = s.Report.Counts.Violations
	}
	r.log().Info("scanner: scan finished", "site", s.SiteID, "scan", s.ID, "status", s.Status,
		"pages", len(s.Pages), "violations", violations, "err", s.Error)
	if r.Finished != nil {
		r.Finished(s.Status, violations)
	}
}

// previous is the site's latest finished scan before s, for the diff.
func (r *Runner) previous(ctx context.Context, s Scan) *Scan {
	list, err := r.Store.Scans(ctx, s.SiteID)
	if err != nil {
		return nil
	}
	for _, p := range list {
		if p.ID != s.ID && p.Status == Done && p.StartedAt.Before(s.StartedAt) {
			full, err := r.Store.Scan(ctx, s.SiteID, p.ID)
			if err != nil {
				return nil
			}
			return &full
		}
	}
	return nil
}

// Wait returns once no scan started by this runner is running.
func (r *Runner) Wait() { r.active.Wait() }

// Close stops the scans this runner is running (each is stored as failed)
// and waits for them.
func (r *Runner) Close() {
	r.context()
	r.mu.Lock()
	r.stop()
	r.mu.Unlock()
	r.active.Wait()
}

// Run is the schedule: every CheckEvery, until ctx ends, it marks stale
// scans failed and starts the scans that are due. Several replicas may run
// it at once: StartScan lets only one of them start a given scan.
func (r *Runner) Run(ctx context.Context) {
	tick := time.NewTicker(orDefault(r.CheckEvery, DefaultCheckEvery))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := r.Round(ctx); err != nil && ctx.Err() == nil {
			r.log().Error("scanner: schedule round failed; trying again at the next", "err", err)
		}
	}
}

// Round is one look at every site: stale scans are marked failed, due ones
// started, and the open violations reported.
func (r *Runner) Round(ctx context.Context) error {
	sites, err := r.Sites.Sites(ctx)
	if err != nil {
		return fmt.Errorf("scanner: listing sites: %w", err)
	}
	interval := orDefault(r.Interval, DefaultInterval)
	violations, outcomes := map[Status]int{Done: 0, Failed: 0}, map[Status]int{Done: 0, Failed: 0}
	var errs []error
	for _, site := range sites {
		now := r.now()
		if _, err := r.Store.FailStaleScan(ctx, site.ID, now.Add(-r.StaleAfter()), now); err != nil && !errors.Is(err, consent.ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		list, err := r.Store.Scans(ctx, site.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, s := range list {
			if s.Status == Running {
				continue
			}
			outcomes[s.Status]++
			if s.Report != nil {
				violations[s.Status] += s.Report.Counts.Violations
			}
			break
		}
		due := len(list) == 0 || !list[0].StartedAt.After(now.Add(-interval))
		if interval > 0 && due && len(site.Origins) > 0 {
			if _, err := r.Start(ctx, site.ID, TriggerSchedule); err != nil && !errors.Is(err, ErrRunning) && !errors.Is(err, consent.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	if r.OpenViolations != nil {
		r.OpenViolations(violations, outcomes)
	}
	return errors.Join(errs...)
}
