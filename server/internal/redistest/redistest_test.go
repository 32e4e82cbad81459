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
