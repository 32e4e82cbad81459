package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// With min_replicas=1 a receipt is acknowledged only once the replica has
// it; with the replica gone it is refused as unavailable (503), and its
// retry is acknowledged as a duplicate once a replica is back.
func TestMinReplicas(t *testing.T) {
	ctx := context.Background()
	primary := redistest.Start(t)
	replica := redistest.StartReplica(t, primary)
	// Generous: the replica must answer within it while other tests load
	// the machine.
	s, err := Open(ctx, primary.URL()+"?min_replicas=1&replica_timeout=1500ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	rc := replica.Client()
	for i := range 20 {
		r := storetest.NewReceipt(site, time.Now())
		if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
			t.Fatalf("SaveReceipt: created=%v err=%v", created, err)
		}
		// Acknowledged: the replica has it already, no waiting.
		if n, err := rc.XLen(ctx, logKey(site.ID)).Result(); err != nil || n != int64(i+1) {
			t.Fatalf("after %d acknowledged receipts the replica's log holds %d (%v)", i+1, n, err)
		}
	}

	replica.Stop()
	r := storetest.NewReceipt(site, time.Now())
	start := time.Now()
	_, _, err = s.SaveReceipt(ctx, site, r, r.CounterFields())
	if !errors.Is(err, consent.ErrUnavailable) {
		t.Fatalf("SaveReceipt with no replica: %v; want ErrUnavailable", err)
	}
	if d := time.Since(start); d < 1500*time.Millisecond || d > 6*time.Second {
		t.Errorf("refused after %v; want after replica_timeout (1.5s)", d)
	}

	replica.Restart()
	var created bool
	waitFor(t, 15*time.Second, "the retry acknowledged", func() bool {
		_, created, err = s.SaveReceipt(ctx, site, r, r.CounterFields())
		return err == nil
	})
	if created {
		t.Errorf("the retry was stored anew; want a duplicate of the receipt the master already had")
	}
}

func TestMinReplicasURL(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]int{
		"redis://a:6379/0?min_replicas=2":                                                               2,
		"redis://a:6379/0?min_replicas=1&replica_timeout=250ms":                                         1,
		"redis+cluster://a:7000,b:7000?min_replicas=1":                                                  1,
		"redis+sentinel://s1:26379,s2:26379/mymaster?min_replicas=1&read_timeout=5s&replica_timeout=4s": 1,
		"redis://a:6379/0": 0,
	} {
		c, opts, err := newClient(url)
		if err != nil {
			t.Errorf("%s: %v", url, err)
			continue
		}
		c.Close()
		var cfg config
		for _, o := range opts {
			o(&cfg)
		}
		if cfg.minReplicas != want {
			t.Errorf("%s: min replicas %d, want %d", url, cfg.minReplicas, want)
		}
	}
	for _, url := range []string{
		"redis://a:6379/0?min_replicas=x",
		"redis://a:6379/0?min_replicas=-1",
		"redis://a:6379/0?min_replicas=1&replica_timeout=soon",
		"redis://a:6379/0?min_replicas=1&replica_timeout=3s", // not shorter than read_timeout
	} {
		if _, _, err := newClient(url); err == nil {
			t.Errorf("%s: accepted", url)
		}
	}
}
