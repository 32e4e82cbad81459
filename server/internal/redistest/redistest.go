// Package redistest starts real redis-server processes for tests. Samtykke's
// Redis code is tested against the real thing, never a mock: the behaviour
// that matters (Lua atomicity, EXPIRE NX, stream trimming, AOF durability,
// cluster slots) only exists in Redis itself.
//
// Every server runs on a free loopback port with its data in t.TempDir(),
// with AOF on (appendfsync everysec, RDB off), so tests that restart a server
// also exercise the durability setting production uses.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/internal/logtest"
)

// startTimeout bounds how long a server may take to answer PING; loading a
// test's AOF takes milliseconds, so this only fires when something is broken.
const startTimeout = 15 * time.Second

// Server is one redis-server process owned by a test.
type Server struct {
	// Addr is host:port of the server; it stays the same across Restart.
	Addr string

	t    testing.TB
	bin  string
	dir  string
	port int
	args []string // extra arguments (cluster mode, replicas)
	conf string   // config file to start with (a sentinel's, which it rewrites)
	// password is the server's requirepass, if any: the test's own
	// clients (Client, readiness) authenticate with it.
	password string

	mu   sync.Mutex
	proc *process
}

type process struct {
	cmd  *exec.Cmd
	out  *logtest.Buffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid once done is closed
}

// Start starts a redis-server for t and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, t.TempDir(), nil)
}

func start(t testing.TB, dir string, extra func() []string) *Server {
	t.Helper()
	return startWith(t, dir, extra, nil, "")
}

// startWith is start with, if conf is not nil, a config file written by
// conf for the chosen port (a sentinel's), and the password the server
// requires (set by extra or conf), if any.
func startWith(t testing.TB, dir string, extra func() []string, conf func(port int) string, password string) *Server {
	t.Helper()
	bin := lookPath(t)
	// Another process can grab a port between our probe and redis binding
	// it, so pick a new port and try again a few times.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		s := &Server{t: t, bin: bin, dir: dir, port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), password: password}
		if extra != nil {
			s.args = extra()
		}
		if conf != nil {
			s.conf = filepath.Join(dir, "sentinel.conf")
			if err := os.WriteFile(s.conf, []byte(conf(port)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.launch(); err != nil {
			lastErr = err
			if strings.Contains(err.Error(), "Address already in use") {
				continue
			}
			break
		}
		t.Cleanup(s.Stop)
		return s
	}
	t.Fatalf("redistest: start redis-server: %v", lastErr)
	return nil
}

func lookPath(t testing.TB) string {
	t.Helper()
	bin, err := lookPathErr()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func lookPathErr() (string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("redistest: redis-server is not installed (%v); run `make test`, which installs it", err)
	}
	if _, err := exec.LookPath("redis-cli"); err != nil {
		return "", fmt.Errorf("redistest: redis-cli is not installed (%v); run `make test`, which installs it", err)
	}
	return bin, nil
}

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	port, err := freePortErr()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func freePortErr() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts the process and waits until it answers PING.
func (s *Server) launch() error {
	args := []string{
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(s.port),
		"--dir", s.dir,
		"--save", "",
		"--appendonly", "yes",
		"--appendfsync", "everysec",
		"--daemonize", "no",
		"--loglevel", "warning",
		// A replica's first sync starts at once, not after 5 s.
		"--repl-diskless-sync-delay", "0",
	}
	args = append(args, s.args...)
	if s.conf != "" {
		args = append([]string{s.conf, "--sentinel"}, args...)
	}
	cmd := exec.Command(s.bin, args...)
	out := &logtest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()

	if err := waitReady(s.Addr, s.password, p); err != nil {
		p.kill()
		return fmt.Errorf("%v\nredis-server output:\n%s", err, out.String())
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// waitReady polls PING until the server answers PONG. While Redis loads its
// AOF it answers LOADING, which counts as not ready yet.
func waitReady(addr, password string, p *process) error {
	c := redis.NewClient(&redis.Options{Addr: addr, Password: password, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("redis-server exited: %v", p.err)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err = c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("redis-server did not answer PING within %v: %v", startTimeout, err)
}

func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// URL returns a redis:// URL for the server, database 0.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Dir returns the server's data directory.
func (s *Server) Dir() string { return s.dir }

// Client returns a new client for the server, closed when the test ends.
// It keeps working across Stop and Restart, like a production client would.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.password, ContextTimeoutEnabled: true})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop shuts the server down with SIGTERM, which makes Redis fsync its AOF
// and exit, and waits for it. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	// A replica refuses to shut down while it writes its first AOF after
	// a sync ("Writing initial AOF, can't exit"), so ask again until it
	// goes.
	deadline := time.After(10 * time.Second)
	for {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
			return
		case <-time.After(250 * time.Millisecond):
			continue
		case <-deadline:
			if s.t == nil { // a Shared server, stopped after every test
				p.kill()
				return
			}
			s.t.Errorf("redistest: redis-server on %s ignored SIGTERM for 10s; killing it\n%s", s.Addr, p.out.String())
			p.kill()
			return
		}
	}
}

// Restart stops the server if it runs and starts it again on the same port
// and directory, so it reloads its AOF: what survives is what a real
// restart keeps.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.launch(); err != nil {
		s.t.Fatalf("redistest: restart redis-server on %s: %v", s.Addr, err)
	}
}

// Kill ends the server with SIGKILL, as a crash or a lost machine would:
// no AOF fsync, no goodbye to clients, replicas or the cluster bus. It waits
// until the process is gone. Restart brings it back on its AOF.
func (s *Server) Kill() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// Running reports whether the server's process is up (not stopped or
// killed by the test).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// Cluster is a Redis Cluster, one process per node.
type Cluster struct {
	// Addrs are the nodes' host:port addresses, masters first (in the
	// order of Nodes).
	Addrs []string
	Nodes []*Server
	t     testing.TB
	cfg   ClusterConfig
}

// ClusterConfig shapes a test cluster; the zero value of a field takes its
// default.
type ClusterConfig struct {
	// Masters is the number of masters (default 3, at least 3, as
	// redis-cli requires).
	Masters int
	// Replicas is the number of replicas of each master (default 0).
	Replicas int
	// NodeTimeout is cluster-node-timeout (default 5 s): how long a node
	// may not answer before the others flag it failed and a replica takes
	// over. Failover tests use 2 s to stay quick.
	NodeTimeout time.Duration
	// FullCoverage is cluster-require-full-coverage: with false (the
	// default here) the masters that are up keep serving their slots while
	// a failed master's replica is being promoted; with true every node
	// answers CLUSTERDOWN meanwhile.
	FullCoverage bool
}

// StartCluster starts a cluster of masters (at least 3, as redis-cli
// requires) for t and stops it when t ends.
func StartCluster(t testing.TB, masters int) *Cluster {
	t.Helper()
	return StartClusterWith(t, ClusterConfig{Masters: masters})
}

// StartClusterWith starts a cluster shaped by cfg for t and stops it when t
// ends. It returns once every node reports cluster_state:ok, knows every
// other node, and every replica's link to its master is up.
func StartClusterWith(t testing.TB, cfg ClusterConfig) *Cluster {
	t.Helper()
	if cfg.Masters == 0 {
		cfg.Masters = 3
	}
	if cfg.NodeTimeout == 0 {
		cfg.NodeTimeout = 5 * time.Second
	}
	if cfg.Masters < 3 {
		t.Fatalf("redistest: a Redis Cluster needs at least 3 masters, not %d", cfg.Masters)
	}
	c := &Cluster{t: t, cfg: cfg}
	coverage := "no"
	if cfg.FullCoverage {
		coverage = "yes"
	}
	nodes := cfg.Masters * (1 + cfg.Replicas)
	for i := 0; i < nodes; i++ {
		dir := filepath.Join(t.TempDir(), "node"+strconv.Itoa(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		n := start(t, dir, func() []string {
			// The bus port defaults to port+10000, which need not be free
			// (or even exist), so pick it explicitly (Redis ≥ 7.0).
			return []string{
				"--cluster-enabled", "yes",
				"--cluster-config-file", "nodes.conf",
				"--cluster-port", strconv.Itoa(freePort(t)),
				"--cluster-node-timeout", strconv.FormatInt(cfg.NodeTimeout.Milliseconds(), 10),
				"--cluster-require-full-coverage", coverage,
				// A replica whose link to its master was down for a while
				// (a busy test machine) would otherwise refuse to take over
				// (validity factor 10 × node timeout); the tests are about
				// following a failover, so every replica may stand.
				"--cluster-replica-validity-factor", "0",
			}
		})
		c.Nodes = append(c.Nodes, n)
		c.Addrs = append(c.Addrs, n.Addr)
	}

	// redis-cli makes the first Masters nodes masters and gives each the
	// next Replicas nodes as replicas (it warns that they share a host).
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(cfg.Replicas), "--cluster-yes")
	out, err := exec.Command("redis-cli", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	c.waitOK(nodes)
	return c
}

// waitOK waits until every node reports a healthy cluster that knows every
// node, and every replica's link to its master is up; until then clients
// may see CLUSTERDOWN, and a failover would find no replica in sync.
func (c *Cluster) waitOK(nodes int) {
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range c.Nodes {
		rc := redis.NewClient(&redis.Options{Addr: n.Addr})
		for {
			info, err := rc.ClusterInfo(context.Background()).Result()
			ok := err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(nodes)+"\r\n")
			if ok {
				var repl string
				repl, err = rc.Info(context.Background(), "replication").Result()
				ok = err == nil && (strings.Contains(repl, "role:master") || strings.Contains(repl, "master_link_status:up"))
				if !ok {
					info = repl
				}
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				rc.Close()
				c.t.Fatalf("redistest: cluster node %s not ok after 30s: %v\n%s", n.Addr, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		rc.Close()
	}
}

// Client returns a new cluster client, closed when the test ends.
func (c *Cluster) Client() *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs, ContextTimeoutEnabled: true})
	c.t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// URL returns a redis+cluster:// URL naming every node.
func (c *Cluster) URL() string { return "redis+cluster://" + strings.Join(c.Addrs, ",") }

// MasterOf returns the node that a running node says is the master of key's
// slot (nil if no running node answers or the slot has no master).
func (c *Cluster) MasterOf(key string) *Server {
	c.t.Helper()
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		addr, err := slotMaster(n.Addr, key)
		if err != nil {
			continue
		}
		for _, m := range c.Nodes {
			if m.Addr == addr {
				return m
			}
		}
	}
	return nil
}

// slotMaster asks the node at addr which address serves key's slot.
func slotMaster(addr, key string) (string, error) {
	rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	slot, err := rc.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", err
	}
	// CLUSTER SLOTS is deprecated for CLUSTER SHARDS (Redis 7), but
	// answers the one question asked here, the master of a slot range,
	// on every Redis version the tests start.
	slots, err := rc.ClusterSlots(ctx).Result() //lint:ignore SA1019 see above
	if err != nil {
		return "", err
	}
	for _, r := range slots {
		if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 {
			return r.Nodes[0].Addr, nil
		}
	}
	return "", fmt.Errorf("slot %d has no master", slot)
}

// WaitNewMaster waits until every running node names a master for key's
// slot other than old (a replica was promoted), and returns it.
func (c *Cluster) WaitNewMaster(key string, old *Server, timeout time.Duration) *Server {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		agreed := ""
		for _, n := range c.Nodes {
			if !n.Running() {
				continue
			}
			addr, err := slotMaster(n.Addr, key)
			if err != nil || addr == old.Addr || (agreed != "" && addr != agreed) {
				agreed = ""
				break
			}
			agreed = addr
		}
		for _, m := range c.Nodes {
			if agreed != "" && m.Addr == agreed {
				return m
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("redistest: no replica took over the slot of %q from %s within %v", key, old.Addr, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
