package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartReplica starts a redis-server that replicates primary, for t, and
// returns once its link to primary is up and the initial sync is done.
func StartReplica(t testing.TB, primary *Server) *Server {
	t.Helper()
	host, port, _ := net.SplitHostPort(primary.Addr)
	r := startWith(t, t.TempDir(), func() []string {
		args := []string{"--replicaof", host, port}
		if primary.password != "" {
			// The same password both ways: the replica may become primary.
			args = append(args, "--masterauth", primary.password, "--requirepass", primary.password)
		}
		return args
	}, nil, primary.password)
	r.waitLinkUp()
	// The replica says its link is up before the primary has its first
	// REPLCONF ACK and streams to it: until then WAIT does not count it.
	_, rport, _ := net.SplitHostPort(r.Addr)
	c := redis.NewClient(&redis.Options{Addr: primary.Addr, Password: primary.password})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		info, err := c.Info(context.Background(), "replication").Result()
		if err == nil && strings.Contains(info, "port="+rport+",state=online") {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: primary %s does not stream to replica %s within %v: %v\n%s", primary.Addr, r.Addr, startTimeout, err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLinkUp waits until the server, a replica, reports its link to its
// master up.
func (s *Server) waitLinkUp() {
	s.t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.password})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		info, err := c.Info(context.Background(), "replication").Result()
		if err == nil && strings.Contains(info, "master_link_status:up") {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redistest: replica %s not in sync within %v: %v\n%s", s.Addr, startTimeout, err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Sentinel is a primary with replicas under Redis Sentinel, one process
// each, as a Kubernetes Sentinel set-up runs them.
type Sentinel struct {
	// MasterName is the name the sentinels monitor the primary under.
	MasterName string
	// Addrs are the sentinels' host:port addresses.
	Addrs []string
	// Servers are the data nodes, the first primary at the start.
	Servers   []*Server
	Sentinels []*Server
	t         testing.TB
	password  string
}

// SentinelConfig shapes a Sentinel set-up; the zero value of a field takes
// its default.
type SentinelConfig struct {
	// Replicas of the primary (default 1).
	Replicas int
	// Sentinels (default 3, quorum 2).
	Sentinels int
	// DownAfter is down-after-milliseconds (default 1 s): how long the
	// primary may not answer before a failover starts.
	DownAfter time.Duration
	// Password, if set, is required by every data node and every sentinel
	// (requirepass), and the sentinels and replicas use it to reach the
	// data nodes (sentinel auth-pass, masterauth).
	Password string
}

// StartSentinel starts a primary, its replicas and the sentinels that
// watch them, for t, and returns once every sentinel knows every replica
// and every other sentinel.
func StartSentinel(t testing.TB, cfg SentinelConfig) *Sentinel {
	t.Helper()
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Sentinels == 0 {
		cfg.Sentinels = 3
	}
	if cfg.DownAfter == 0 {
		cfg.DownAfter = time.Second
	}
	st := &Sentinel{MasterName: "samtykke", t: t, password: cfg.Password}
	primary := startWith(t, t.TempDir(), func() []string {
		if cfg.Password == "" {
			return nil
		}
		return []string{"--requirepass", cfg.Password, "--masterauth", cfg.Password}
	}, nil, cfg.Password)
	st.Servers = append(st.Servers, primary)
	for range cfg.Replicas {
		st.Servers = append(st.Servers, StartReplica(t, primary))
	}
	host, port, _ := net.SplitHostPort(primary.Addr)
	quorum := cfg.Sentinels/2 + 1
	for i := range cfg.Sentinels {
		dir := filepath.Join(t.TempDir(), "sentinel"+strconv.Itoa(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s := startWith(t, dir, nil, func(int) string {
			auth := ""
			if cfg.Password != "" {
				auth = fmt.Sprintf("requirepass %[2]s\nsentinel auth-pass %[1]s %[2]s\n", st.MasterName, cfg.Password)
			}
			// auth-pass names a master, so it follows monitor.
			return fmt.Sprintf("sentinel monitor %[1]s %[2]s %[3]s %[4]d\n"+
				"sentinel down-after-milliseconds %[1]s %[5]d\n"+
				"sentinel failover-timeout %[1]s %[6]d\n"+
				"sentinel parallel-syncs %[1]s %[7]d\n",
				st.MasterName, host, port, quorum, cfg.DownAfter.Milliseconds(),
				// A failover that stalls is retried after this long.
				max(10*cfg.DownAfter, 5*time.Second).Milliseconds(), cfg.Replicas) + auth
		}, cfg.Password)
		st.Sentinels = append(st.Sentinels, s)
		st.Addrs = append(st.Addrs, s.Addr)
	}
	st.waitKnown(cfg.Replicas, cfg.Sentinels)
	return st
}

// waitKnown waits until every sentinel has found every replica (from the
// primary's INFO) and every other sentinel (through the primary's hello
// channel, every 2 s): until then a failover could lack its quorum.
func (st *Sentinel) waitKnown(replicas, sentinels int) {
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range st.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, Password: st.password})
		for {
			m, err := c.Master(context.Background(), st.MasterName).Result()
			if err == nil && m["num-slaves"] == strconv.Itoa(replicas) && m["num-other-sentinels"] == strconv.Itoa(sentinels-1) {
				break
			}
			if time.Now().After(deadline) {
				c.Close()
				st.t.Fatalf("redistest: sentinel %s does not know the set-up after 30 s: %v %v", s.Addr, m, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
}

// URL returns the redis+sentinel:// URL of the set-up.
func (st *Sentinel) URL() string {
	auth := ""
	if st.password != "" {
		auth = ":" + st.password + "@"
	}
	return "redis+sentinel://" + auth + strings.Join(st.Addrs, ",") + "/" + st.MasterName
}

// Primary returns the data node a running sentinel names as the primary
// now (nil if none answers).
func (st *Sentinel) Primary() *Server {
	for _, s := range st.Sentinels {
		if !s.Running() {
			continue
		}
		c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, Password: st.password, MaxRetries: -1})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		addr, err := c.GetMasterAddrByName(ctx, st.MasterName).Result()
		cancel()
		c.Close()
		if err != nil || len(addr) != 2 {
			continue
		}
		for _, n := range st.Servers {
			if n.Addr == net.JoinHostPort(addr[0], addr[1]) {
				return n
			}
		}
	}
	return nil
}

// WaitNewPrimary waits until every running sentinel names a primary other
// than old, and returns it.
func (st *Sentinel) WaitNewPrimary(old *Server, timeout time.Duration) *Server {
	st.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var agreed *Server
		for _, s := range st.Sentinels {
			c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, Password: st.password, MaxRetries: -1})
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			addr, err := c.GetMasterAddrByName(ctx, st.MasterName).Result()
			cancel()
			c.Close()
			var named *Server
			if err == nil && len(addr) == 2 {
				for _, n := range st.Servers {
					if n.Addr == net.JoinHostPort(addr[0], addr[1]) {
						named = n
					}
				}
			}
			if named == nil || named == old || (agreed != nil && named != agreed) {
				agreed = nil
				break
			}
			agreed = named
		}
		if agreed != nil {
			return agreed
		}
		if time.Now().After(deadline) {
			st.t.Fatalf("redistest: the sentinels did not agree on a new primary within %v", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
