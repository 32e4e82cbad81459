package redisstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/storetest"
)

func TestNewClientSentinel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		url              string
		user, pass, db   string
		sentUser, sentPw string
		err              string
	}{
		{url: "redis+sentinel://s1:26379,s2:26379,s3:26379/mymaster"},
		{url: "redis+sentinel://:secret@s1:26379/mymaster?db=2", pass: "secret", db: "2", sentPw: "secret"},
		{url: "redis+sentinel://u:pw@s1:26379/mymaster/3?sentinel_password=other", user: "u", pass: "pw", db: "3", sentUser: "u", sentPw: "other"},
		{url: "rediss+sentinel://s1:26379/mymaster?sentinel_username=&sentinel_password=&dial_timeout=1s", db: ""},
		{url: "redis+sentinel://s1:26379", err: "no master name"},
		{url: "redis+sentinel://s1:26379/m/1/2", err: "is not /<master name>"},
		{url: "redis+sentinel://s1:26379/m/1?db=2", err: "two databases"},
		{url: "redis+sentinel://:pw@s1:26379/m?password=x", err: "unexpected option password"},
		{url: "redis+sentinel://:topsecret@s1:26379/m?bogus=1", err: "unexpected option"},
	} {
		c, _, err := newClient(tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want one containing %q", tt.url, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "topsecret") {
				t.Errorf("%s: the error shows the password: %v", tt.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		fc, ok := c.(*redis.Client)
		if !ok {
			t.Errorf("%s: a %T, want a failover *redis.Client", tt.url, c)
			continue
		}
		o := fc.Options()
		db := ""
		if o.DB != 0 {
			db = strconv.Itoa(o.DB)
		}
		if o.Username != tt.user || o.Password != tt.pass || db != tt.db || !o.ContextTimeoutEnabled {
			t.Errorf("%s: user %q pass %q db %q ctx %v; want %q %q %q true", tt.url, o.Username, o.Password, db, o.ContextTimeoutEnabled, tt.user, tt.pass, tt.db)
		}
		c.Close()
	}
}

// TestConformanceSentinel runs the suite on a primary with a replica under
// three sentinels, through the redis+sentinel:// URL, with min_replicas=1:
// every receipt goes through WAIT.
func TestConformanceSentinel(t *testing.T) {
	st := redistest.StartSentinel(t, redistest.SentinelConfig{Replicas: 1})
	var mu sync.Mutex
	storetest.Run(t, func(t *testing.T) consent.Store {
		mu.Lock()
		defer mu.Unlock()
		// A replica_timeout the replica meets even on a machine busy
		// with other tests (below read_timeout, 3 s).
		s, err := Open(context.Background(), st.URL()+"?min_replicas=1&replica_timeout=2500ms")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.rdb.FlushAll(context.Background()).Err(); err != nil {
			t.Fatalf("FLUSHALL: %v", err)
		}
		return s
	})
}

// TestSentinelFailover kills -9 the primary of a Sentinel set-up (two
// replicas, three sentinels, down-after-milliseconds 1000) under load, with
// min_replicas=1, and checks that receipts are accepted again within
// failoverBound and that every acknowledged receipt is there afterwards,
// counted once.
func TestSentinelFailover(t *testing.T) {
	st := redistest.StartSentinel(t, redistest.SentinelConfig{Replicas: 2})
	s, err := Open(context.Background(), st.URL()+"?min_replicas=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	l := startLoad(s, site, 4, 5*time.Millisecond)
	defer l.halt()
	waitFor(t, 20*time.Second, "receipts before the kill", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.acked) > 100
	})
	primary := st.Primary()
	killed := time.Now()
	l.mark(killed)
	primary.Kill()
	newPrimary := st.WaitNewPrimary(primary, 30*time.Second)
	promoted := time.Since(killed)
	var firstOK time.Time
	waitFor(t, 30*time.Second, "receipts accepted after the failover", func() bool {
		firstOK, _, _ = l.recovered()
		return !firstOK.IsZero()
	})
	_, failed, lastErr := l.recovered()
	t.Logf("killed primary %s; sentinels named %s %.1f s after the kill; first receipt accepted again %.1f s after the kill; %d attempts failed meanwhile (last: %v)",
		primary.Addr, newPrimary.Addr, promoted.Seconds(), firstOK.Sub(killed).Seconds(), failed, lastErr)
	if d := firstOK.Sub(killed); d > failoverBound {
		t.Errorf("receipts accepted again %.1f s after the kill; want within %v", d.Seconds(), failoverBound)
	}
	// Under the lock: the load's goroutines are still appending.
	l.mu.Lock()
	n := len(l.acked)
	l.mu.Unlock()
	waitFor(t, 10*time.Second, "receipts after the failover", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.acked) > n+100
	})
	l.verify(t, s)
}

// TestSentinelAuth: data nodes and sentinels that require a password are
// reached with the password of the URL's user info; a wrong one is refused
// at Open.
func TestSentinelAuth(t *testing.T) {
	ctx := context.Background()
	st := redistest.StartSentinel(t, redistest.SentinelConfig{Replicas: 1, Password: "s3cret-pw"})
	s, err := Open(ctx, st.URL()+"?min_replicas=1&replica_timeout=2500ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	r := storetest.NewReceipt(site, time.Now())
	if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
		t.Fatalf("SaveReceipt: created=%v err=%v", created, err)
	}
	wrong := strings.Replace(st.URL(), "s3cret-pw", "wrong-pw", 1)
	octx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if s, err := Open(octx, wrong); err == nil {
		s.Close()
		t.Fatal("Open with a wrong password succeeded")
	} else if strings.Contains(err.Error(), "wrong-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
}
