package redisstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// failoverBound is how soon after the kill of a master receipts of its
// slots must be accepted again (the goal, with
// cluster-node-timeout 2000: Redis itself promotes the replica 2.5–4 s
// after the kill).
const failoverBound = 8 * time.Second

// load sends receipts of one site from several writers, each retrying a
// receipt that failed with the same id (as the snippet's outbox does), and
// records what was acknowledged and when.
type load struct {
	s    *Store
	site consent.Site

	mu       sync.Mutex
	sent     []consent.Receipt // every receipt tried
	acked    []consent.Receipt // answered created or duplicate
	created  int
	firstOK  time.Time // first acknowledgement at or after since
	since    time.Time
	failures int // failed attempts at or after since
	lastErr  error
	attempts atomic.Int64
	stop     chan struct{}
	wg       sync.WaitGroup
}

func startLoad(s *Store, site consent.Site, writers int, pause time.Duration) *load {
	l := &load{s: s, site: site, stop: make(chan struct{})}
	for range writers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				r := storetest.NewReceipt(site, time.Now())
				l.mu.Lock()
				l.sent = append(l.sent, r)
				l.mu.Unlock()
				for {
					select {
					case <-l.stop:
						return
					default:
					}
					// Each attempt as an HTTP request would make it: with a
					// deadline.
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					at := time.Now()
					_, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields())
					cancel()
					l.attempts.Add(1)
					l.mu.Lock()
					if err == nil {
						l.acked = append(l.acked, r)
						if created {
							l.created++
						}
						if !l.since.IsZero() && l.firstOK.IsZero() && !at.Before(l.since) {
							l.firstOK = time.Now()
						}
					} else if !l.since.IsZero() && !at.Before(l.since) {
						l.failures++
						l.lastErr = err
					}
					l.mu.Unlock()
					if err == nil {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(pause)
			}
		}()
	}
	return l
}

// mark starts counting failures and looking for the first acknowledgement
// of an attempt that began at t or later.
func (l *load) mark(t time.Time) {
	l.mu.Lock()
	l.since, l.firstOK, l.failures = t, time.Time{}, 0
	l.mu.Unlock()
}

func (l *load) recovered() (time.Time, int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.firstOK, l.failures, l.lastErr
}

func (l *load) halt() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// verify halts the load and checks, through s, that every acknowledged
// receipt is stored, none twice, and that the site's decision counter
// equals the receipts stored (acknowledged or not: a receipt whose
// acknowledgement was refused may still have been written).
func (l *load) verify(t *testing.T, s *Store) {
	t.Helper()
	l.halt()
	ctx := context.Background()
	acked := map[string]bool{}
	for _, r := range l.acked {
		acked[r.ReceiptID] = true
	}
	present, lost, twice := 0, 0, 0
	for _, r := range l.sent {
		got, err := s.Receipts(ctx, l.site.ID, r.ConsentID)
		if err != nil {
			t.Fatalf("Receipts: %v", err)
		}
		n := 0
		for _, g := range got {
			if g.ReceiptID == r.ReceiptID {
				n++
			}
		}
		switch {
		case n > 1:
			twice++
		case n == 0 && acked[r.ReceiptID]:
			if lost++; lost <= 5 {
				t.Errorf("receipt %s was acknowledged and is gone", r.ReceiptID)
			}
		}
		if n > 0 {
			present++
		}
	}
	now := time.Now()
	buckets, err := s.Counters(ctx, l.site.ID, consent.Hour, now.Add(-48*time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var decisions int64
	for _, b := range buckets {
		decisions += b.Counters["decisions"]
	}
	t.Logf("site %s: %d receipts sent, %d acknowledged, %d present, %d lost, %d stored twice, %d decisions counted",
		l.site.ID, len(l.sent), len(acked), present, lost, twice, decisions)
	if lost > 0 || twice > 0 || decisions != int64(present) {
		t.Errorf("lost %d acknowledged receipts, %d stored twice; %d decisions counted for %d receipts stored", lost, twice, decisions, present)
	}
}

// sitesOn creates a site whose slot master serves (on another master than
// master if other).
func sitesOn(t *testing.T, s *Store, cl *redistest.Cluster, master *redistest.Server, other bool) consent.Site {
	t.Helper()
	for {
		site := storetest.NewSite(t, storetest.SiteID())
		if m := cl.MasterOf(siteKey(site.ID)); master == nil || (m == master) != other {
			if err := s.CreateSite(context.Background(), site); err != nil {
				t.Fatal(err)
			}
			return site
		}
	}
}

// TestClusterFailover kills -9 the master of two sites' slots under load,
// on a cluster of 3 masters with 2 replicas each, and checks that receipts
// of those sites are accepted again within failoverBound, both through a
// store that acknowledges on the master alone and through one with
// min_replicas=1; that a site on another master never stops; that Ping
// (what /readyz asks) fails while the dead master holds the slots and
// answers again once the new master is known; and that with min_replicas=1
// every acknowledged receipt is still there afterwards, counted once.
func TestClusterFailover(t *testing.T) {
	cl := redistest.StartClusterWith(t, redistest.ClusterConfig{Masters: 3, Replicas: 2, NodeTimeout: 2 * time.Second})
	open := func(url string) *Store {
		s, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	plain := open(cl.URL())
	waiting := open(cl.URL() + "?min_replicas=1")
	victim := sitesOn(t, plain, cl, nil, false)
	master := cl.MasterOf(siteKey(victim.ID))
	victimW := sitesOn(t, waiting, cl, master, false)
	other := sitesOn(t, plain, cl, master, true)

	lv := startLoad(plain, victim, 3, 5*time.Millisecond)
	lw := startLoad(waiting, victimW, 3, 5*time.Millisecond)
	lo := startLoad(plain, other, 2, 5*time.Millisecond)
	defer lv.halt()
	defer lw.halt()
	defer lo.halt()
	waitFor(t, 20*time.Second, "receipts before the kill", func() bool {
		lv.mu.Lock()
		lw.mu.Lock()
		defer lv.mu.Unlock()
		defer lw.mu.Unlock()
		return len(lv.acked) > 100 && len(lw.acked) > 100
	})

	killed := time.Now()
	for _, l := range []*load{lv, lw, lo} {
		l.mark(killed)
	}
	master.Kill()
	// Until a replica takes over (cluster-node-timeout alone is 2 s), the
	// dead master holds the slot, and Ping says so.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	if err := plain.Ping(ctx); err == nil {
		t.Errorf("Ping succeeded right after the kill of a master that still holds slots")
	}
	cancel()
	newMaster := cl.WaitNewMaster(siteKey(victim.ID), master, 20*time.Second)
	promoted := time.Since(killed)

	var firstOK, firstOKW time.Time
	waitFor(t, 20*time.Second, "receipts of the failed slot accepted", func() bool {
		firstOK, _, _ = lv.recovered()
		firstOKW, _, _ = lw.recovered()
		return !firstOK.IsZero() && !firstOKW.IsZero()
	})
	pingOK := time.Time{}
	waitFor(t, 10*time.Second, "Ping", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if plain.Ping(ctx) == nil {
			pingOK = time.Now()
			return true
		}
		return false
	})
	// The site's stats (a pipeline of HGETALLs on the new master) are
	// readable again too, not only writes.
	statsOK := time.Time{}
	waitFor(t, 10*time.Second, "stats of the failed slot's site", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		now := time.Now()
		if _, err := plain.Counters(ctx, victim.ID, consent.Hour, now.Add(-time.Hour), now.Add(time.Hour)); err == nil {
			statsOK = time.Now()
			return true
		}
		return false
	})
	_, vfail, verr := lv.recovered()
	_, wfail, werr := lw.recovered()
	_, ofail, oerr := lo.recovered()
	t.Logf("killed master %s; replica %s promoted %.1f s after the kill; first receipt accepted again %.1f s after the kill (min_replicas=1: %.1f s); Ping ok again after %.1f s; stats read after %.1f s",
		master.Addr, newMaster.Addr, promoted.Seconds(), firstOK.Sub(killed).Seconds(), firstOKW.Sub(killed).Seconds(), pingOK.Sub(killed).Seconds(), statsOK.Sub(killed).Seconds())
	t.Logf("failed attempts meanwhile: %d (last: %v); min_replicas=1: %d (last: %v); site on another master: %d (%v)",
		vfail, verr, wfail, werr, ofail, oerr)
	for name, d := range map[string]time.Duration{"": firstOK.Sub(killed), " (min_replicas=1)": firstOKW.Sub(killed)} {
		if d > failoverBound {
			t.Errorf("receipts of the failed master's slot%s accepted again %.1f s after the kill; want within %v", name, d.Seconds(), failoverBound)
		}
	}
	if ofail > 0 {
		t.Errorf("the site on another master failed %d times during the failover (last: %v); want none", ofail, oerr)
	}
	// A little more load on the new master, then the check.
	waitFor(t, 10*time.Second, "receipts after the failover", func() bool {
		lw.mu.Lock()
		defer lw.mu.Unlock()
		return len(lw.acked) > 200
	})
	lw.verify(t, waiting)
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
