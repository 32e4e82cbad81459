package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/samtykke/samtykke/server/config"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/scanner"
	"github.com/samtykke/samtykke/server/scanner/browser"
)

// newScanRunner is the cookie scanner, or nil when no Chromium is
// configured (the API then answers a start with 503).
func newScanRunner(cfg config.Config, store consent.Store, m *metrics.Metrics, log *slog.Logger) *scanner.Runner {
	scans, ok := store.(scanner.Store)
	if cfg.Scanner.Chromium == "" || !ok {
		return nil
	}
	interval := cfg.Scanner.Interval
	if interval == 0 {
		interval = -1 // the schedule is off; scans run on demand
	}
	return &scanner.Runner{
		Store: scans, Sites: store, Logger: log,
		Crawler: &browser.Crawler{Chromium: cfg.Scanner.Chromium, PageLimit: cfg.Scanner.PageLimit,
			PageTimeout: cfg.Scanner.PageTimeout, Concurrency: cfg.Scanner.Concurrency, PageInterval: cfg.Scanner.PageInterval},
		TimeLimit: cfg.Scanner.TimeLimit,
		Interval:  interval,
		Finished: func(outcome scanner.Status, _ int) {
			m.Scans.Finished.WithLabelValues(string(outcome)).Inc()
		},
		OpenViolations: func(violations, sites map[scanner.Status]int) {
			for _, o := range []scanner.Status{scanner.Done, scanner.Failed} {
				m.Scans.OpenViolations.WithLabelValues(string(o)).Set(float64(violations[o]))
				m.Scans.Sites.WithLabelValues(string(o)).Set(float64(sites[o]))
			}
		},
	}
}

// runScanSchedule runs the scan schedule in the background, in every
// replica (StartScan's lock lets one of them start each due scan). The
// returned func stops it and the scans running here, which are stored as
// failed, and waits; it may be called more than once.
func runScanSchedule(r *scanner.Runner) (stop func()) {
	if r == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			r.Close()
		})
	}
}
