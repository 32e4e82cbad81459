package redistest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/samtykke/samtykke/server/internal/redistest"
)

func TestServerRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	s := redistest.Start(t)
	c := s.Client()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}

	s.Stop()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered after Stop")
	}

	s.Restart()
	got, err := c.Get(ctx, "k").Result()
	if err != nil || got != "v" {
		t.Fatalf("after restart GET k = %q, %v; want v (AOF should keep it)", got, err)
	}
}

func TestCluster(t *testing.T) {
	ctx := context.Background()
	cl := redistest.StartCluster(t, 3)
	c := cl.Client()
	// Keys spread over every master must all be reachable.
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		if err := c.Set(ctx, k, k, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
	var mu sync.Mutex
	masters := 0
	err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		mu.Lock()
		masters++
		mu.Unlock()
		return nil
	})
	if err != nil || masters != 3 {
		t.Fatalf("ForEachMaster saw %d masters (%v), want 3", masters, err)
	}
}

func TestReplicaAndSentinel(t *testing.T) {
	ctx := context.Background()
	st := redistest.StartSentinel(t, redistest.SentinelConfig{Replicas: 1})
	if p := st.Primary(); p != st.Servers[0] {
		t.Fatalf("the sentinels name %v as primary; want the first server", p)
	}
	c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: st.MasterName, SentinelAddrs: st.Addrs})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// WAIT 1: the replica has it.
	if n, err := c.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v", n, err)
	}
	if got, err := st.Servers[1].Client().Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("replica GET k = %q, %v", got, err)
	}
}

// Each test gets a database of its own on the shared server, empty, and
// emptied again when the test ends.
func TestSharedLendsEmptyDatabases(t *testing.T) {
	ctx := context.Background()
	sh := redistest.StartShared()
	t.Cleanup(sh.Close)
	var first, second string
	t.Run("first", func(t *testing.T) {
		first = sh.URL(t)
		second = sh.URL(t)
		if first == second {
			t.Fatalf("two tests at once were lent the same database %s", first)
		}
		for _, u := range []string{first, second} {
			opt, err := redis.ParseURL(u)
			if err != nil {
				t.Fatal(err)
			}
			c := redis.NewClient(opt)
			defer c.Close()
			if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
				t.Fatalf("%s holds %d keys (%v); want an empty database", u, n, err)
			}
			if err := c.Set(ctx, "k", u, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	again := sh.URL(t)
	if again != first && again != second {
		t.Fatalf("lent %s after %s and %s were given back; want one of those again", again, first, second)
	}
	opt, err := redis.ParseURL(again)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
		t.Fatalf("%s, lent again, holds %d keys (%v); want it flushed", again, n, err)
	}
}
