package retention_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/clocktest"
	"github.com/samtykke/samtykke/server/internal/logtest"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/retention"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/redisstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// The janitor's behaviour over many sites and both stores is part of the
// store conformance suite (storetest, "Janitor"); these tests cover Run:
// its schedule, its logging, stopping, and carrying on after errors.

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fixture creates a site that keeps receipts for 30 days and stores one
// receipt at start.
func fixture(t *testing.T, s consent.Store) (consent.Site, consent.Receipt) {
	t.Helper()
	site := storetest.NewSite(t, storetest.SiteID())
	site.RetentionDays = consent.MinRetentionDays
	if err := s.CreateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	r := storetest.NewReceipt(site, start)
	if _, _, err := s.SaveReceipt(context.Background(), site, r, r.CounterFields()); err != nil {
		t.Fatal(err)
	}
	return site, r
}

// eventually polls cond for up to 10 s: Run works on its own schedule.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func receiptsLeft(t *testing.T, s consent.Store, r consent.Receipt) int {
	t.Helper()
	rs, err := s.Receipts(context.Background(), r.SiteID, r.ConsentID)
	if err != nil {
		return -1
	}
	return len(rs)
}

// runJanitor starts j.Run and returns a stop function that cancels it and
// fails the test unless Run returns promptly.
func runJanitor(t *testing.T, j *retention.Janitor) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		j.Run(ctx)
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return within 5s of its context being cancelled")
		}
	}
	t.Cleanup(stop)
	return stop
}

func openBolt(t *testing.T) consent.Store {
	t.Helper()
	s, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Run purges as soon as it starts, without waiting for the first tick: a
// consentd restarted every few minutes must still enforce retention.
func TestRunPurgesAtStart(t *testing.T) {
	s := openBolt(t)
	_, r := fixture(t, s)
	clk := clocktest.New(start.AddDate(0, 0, consent.MinRetentionDays).Add(time.Second))
	var logs logtest.Buffer
	runJanitor(t, &retention.Janitor{Store: s, Now: clk.Now, Interval: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	eventually(t, "the receipt past retention is still there", func() bool { return receiptsLeft(t, s, r) == 0 })
	eventually(t, "nothing logged", func() bool { return strings.Contains(logs.String(), "retention: purged") })
	if l := logs.String(); !strings.Contains(l, "site="+r.SiteID) || !strings.Contains(l, "receipts=1") {
		t.Errorf("log does not say which site lost how many receipts:\n%s", l)
	}
}

// Then every Interval, with the time of each round: the receipt stays while
// the clock is inside its retention and goes in the first round after.
func TestRunPurgesEveryInterval(t *testing.T) {
	s := openBolt(t)
	_, r := fixture(t, s)
	clk := clocktest.New(start)
	var logs logtest.Buffer
	stop := runJanitor(t, &retention.Janitor{Store: s, Now: clk.Now, Interval: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	clk.Advance(consent.MinRetentionDays*24*time.Hour - time.Second)
	time.Sleep(100 * time.Millisecond) // several rounds
	if n := receiptsLeft(t, s, r); n != 1 {
		t.Fatalf("%d receipts a second before the end of retention, want 1", n)
	}
	clk.Advance(2 * time.Second)
	eventually(t, "the receipt outlived its retention", func() bool { return receiptsLeft(t, s, r) == 0 })
	stop()
	// Nothing to purge in most rounds, and nothing logged for them.
	if n := strings.Count(logs.String(), "retention: purged"); n != 1 {
		t.Errorf("%d purge lines logged, want 1:\n%s", n, logs.String())
	}
}

// A round that fails (the store is down) is logged and the next round
// tries again; Run itself never gives up.
func TestRunCarriesOnAfterErrors(t *testing.T) {
	rs := redistest.Start(t)
	s, err := redisstore.Open(context.Background(), rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	_, r := fixture(t, s)
	clk := clocktest.New(start)
	var logs logtest.Buffer
	runJanitor(t, &retention.Janitor{Store: s, Now: clk.Now, Interval: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	rs.Stop()
	eventually(t, "no error logged while Redis is down", func() bool {
		return strings.Contains(logs.String(), "retention: purge failed")
	})
	clk.Advance(consent.MinRetentionDays*24*time.Hour + time.Second)
	rs.Restart()
	eventually(t, "the janitor did not purge once Redis was back", func() bool { return receiptsLeft(t, s, r) == 0 })
}

// PurgeAll returns what went wrong, wrapped so that callers can tell a
// store that is down.
func TestPurgeAllReportsErrors(t *testing.T) {
	s, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fixture(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	j := &retention.Janitor{Store: s, Logger: slog.New(slog.DiscardHandler)}
	if err := j.PurgeAll(context.Background()); !errors.Is(err, consent.ErrUnavailable) {
		t.Errorf("PurgeAll on a closed store: err = %v, want ErrUnavailable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := j.PurgeAll(ctx); err == nil {
		t.Error("PurgeAll with a cancelled context: no error")
	}
}
