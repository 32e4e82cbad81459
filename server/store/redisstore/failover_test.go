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

	mu        sync.Mutex
	acked     []consent.Receipt // answered created or duplicate
	created   int
	firstOK   time.Time // first acknowledgement at or after since
	since     time.Time
	failures  int // failed attempts at or after since
	lastErr   error
	attempts  atomic.Int64
	stop      chan struct{}
	wg        sync.WaitGroup
	onFailure func(error)
}

func startLoad(s *Store, site consent.Site, writers int, pause time.Duration) *load {
	l := &load{s: s, site: site, stop: make(chan struct{})}
	for range writers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				r := storetest.NewReceipt(site, time.Now())
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
					_, created, err := s.SaveReceipt(ctx, r, r.CounterFields())
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
	close(l.stop)
	l.wg.Wait()
}

// sitesOnTwoMasters creates two sites whose slots two different masters
// serve.
func sitesOnTwoMasters(t *testing.T, s *Store, cl *redistest.Cluster) (victim, other consent.Site) {
	t.Helper()
	ctx := context.Background()
	victim = storetest.NewSite(t, storetest.SiteID())
	vm := cl.MasterOf(siteKey(victim.ID))
	for {
		other = storetest.NewSite(t, storetest.SiteID())
		if cl.MasterOf(siteKey(other.ID)) != vm {
			break
		}
	}
	for _, site := range []consent.Site{victim, other} {
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
	}
	return victim, other
}

// TestClusterFailover kills -9 the master of a site's slot under load and
// checks that receipts of that site are accepted again within
// failoverBound, that a site on another master never stops, and that Ping
// (what /readyz asks) answers again once the new master is known.
func TestClusterFailover(t *testing.T) {
	cl := redistest.StartClusterWith(t, redistest.ClusterConfig{Masters: 3, Replicas: 1, NodeTimeout: 2 * time.Second})
	s, err := Open(context.Background(), cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	victim, other := sitesOnTwoMasters(t, s, cl)
	master := cl.MasterOf(siteKey(victim.ID))

	lv := startLoad(s, victim, 4, 5*time.Millisecond)
	lo := startLoad(s, other, 2, 5*time.Millisecond)
	defer lv.halt()
	defer lo.halt()
	waitFor(t, 10*time.Second, "receipts before the kill", func() bool {
		lv.mu.Lock()
		defer lv.mu.Unlock()
		return len(lv.acked) > 200
	})

	killed := time.Now()
	lv.mark(killed)
	lo.mark(killed)
	master.Kill()
	// Until a replica takes over (cluster-node-timeout alone is 2 s), the
	// dead master holds the slot, and Ping says so.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	if err := s.Ping(ctx); err == nil {
		t.Errorf("Ping succeeded right after the kill of a master that still holds slots")
	}
	cancel()
	newMaster := cl.WaitNewMaster(siteKey(victim.ID), master, 20*time.Second)
	promoted := time.Since(killed)

	var firstOK time.Time
	waitFor(t, 20*time.Second, "a receipt of the failed slot accepted", func() bool {
		firstOK, _, _ = lv.recovered()
		return !firstOK.IsZero()
	})
	// Ping answers for the whole cluster: once a receipt is accepted again,
	// so is Ping, within a moment.
	pingOK := time.Time{}
	waitFor(t, 10*time.Second, "Ping", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if s.Ping(ctx) == nil {
			pingOK = time.Now()
			return true
		}
		return false
	})
	_, vfail, verr := lv.recovered()
	_, ofail, oerr := lo.recovered()
	t.Logf("killed master %s; replica %s promoted after %.1f s; first receipt accepted %.1f s after the kill (%d attempts failed meanwhile, last: %v); Ping ok after %.1f s; other site: %d failed attempts (%v)",
		master.Addr, newMaster.Addr, promoted.Seconds(), firstOK.Sub(killed).Seconds(), vfail, verr, pingOK.Sub(killed).Seconds(), ofail, oerr)
	if d := firstOK.Sub(killed); d > failoverBound {
		t.Errorf("receipts of the failed master's slot accepted again %.1f s after the kill; want within %v", d.Seconds(), failoverBound)
	}
	if ofail > 0 {
		t.Errorf("the site on another master failed %d times during the failover (last: %v); want none", ofail, oerr)
	}
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
