package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/accounts/accountstest"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/redisstore"
)

// One redis-server for the whole suite, flushed before each test: starting
// one per test would cost more than the tests.
func TestAccountsConformance(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	client := rs.Client()
	accountstest.Run(t, func(t *testing.T) accounts.Store {
		if err := client.FlushAll(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		return redisstore.New(client)
	})
}

// On a 3-master Cluster every script and MULTI stays on the {accounts} slot.
func TestAccountsConformanceCluster(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t, 3)
	client := cl.Client()
	accountstest.Run(t, func(t *testing.T) accounts.Store {
		err := client.ForEachMaster(context.Background(), func(ctx context.Context, m *redis.Client) error {
			return m.FlushAll(ctx).Err()
		})
		if err != nil {
			t.Fatalf("FLUSHALL: %v", err)
		}
		return redisstore.New(client)
	})
}

// TestAccountKeyLayout pins the documented account keys: all under one hash
// tag, sessions and failure windows expiring on their own.
func TestAccountKeyLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	c := rs.Client()
	s := redisstore.New(c)
	u := accountstest.NewUser(t, false)
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.SetGrant(ctx, accounts.Grant{UserID: u.ID, SiteID: "shop", Role: accounts.Viewer}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	_, se := accounts.NewSession(u.ID, false, now)
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	lim := accounts.Limit{Max: 5, Window: time.Minute}
	if _, err := s.ReserveAttempt(ctx, []accounts.ThrottleKey{{Key: "n:192.0.2.0", Limit: lim}}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.NoteFailedSignIn(ctx, u.ID, "192.0.2.0/24", now); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"samtykke:{accounts}:email:" + u.Email,
		"samtykke:{accounts}:failed-sign-ins:" + u.ID,
		"samtykke:{accounts}:grants:" + u.ID,
		"samtykke:{accounts}:session:" + se.TokenHash,
		"samtykke:{accounts}:sessions:" + u.ID,
		"samtykke:{accounts}:site-grants:shop",
		"samtykke:{accounts}:throttle:n:192.0.2.0",
		"samtykke:{accounts}:user:" + u.ID,
		"samtykke:{accounts}:users",
	}
	got := keys(t, c, "*")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("keys:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, k := range []string{"samtykke:{accounts}:session:" + se.TokenHash, "samtykke:{accounts}:sessions:" + u.ID} {
		if ttl := c.PTTL(ctx, k).Val(); ttl <= accounts.SessionLifetime-time.Minute || ttl > accounts.SessionLifetime {
			t.Errorf("TTL of %s = %v, want the session's lifetime", k, ttl)
		}
	}
	if ttl := c.PTTL(ctx, "samtykke:{accounts}:throttle:n:192.0.2.0").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("throttle window TTL = %v, want at most a minute", ttl)
	}
	if ttl := c.PTTL(ctx, "samtykke:{accounts}:failed-sign-ins:"+u.ID).Val(); ttl <= accounts.FailedSignInsKept-time.Minute || ttl > accounts.FailedSignInsKept {
		t.Errorf("failed sign-ins TTL = %v, want %v", ttl, accounts.FailedSignInsKept)
	}
	if ttl := c.TTL(ctx, "samtykke:{accounts}:user:"+u.ID).Val(); ttl != -1 {
		t.Errorf("a user expires (%v)", ttl)
	}
}

// A touched session keeps its Redis TTL: otherwise the record would stay
// in Redis for ever after the session ended.
func TestTouchSessionKeepsTTL(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	client := rs.Client()
	st := redisstore.New(client)
	ctx := context.Background()
	now := time.Now().UTC()
	u := accountstest.NewUser(t, false)
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, se := accounts.NewSession(u.ID, false, now)
	if err := st.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if err := st.TouchSession(ctx, se.TokenHash, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	ttl := client.PTTL(ctx, "samtykke:{accounts}:session:"+se.TokenHash).Val()
	if ttl <= accounts.SessionLifetime-time.Minute || ttl > accounts.SessionLifetime {
		t.Errorf("TTL after a touch = %v, want about %v", ttl, accounts.SessionLifetime)
	}
}
