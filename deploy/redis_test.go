package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisConf returns the directives of redis.conf, the last one winning, as
// Redis reads them.
func redisConf(t *testing.T) map[string]string {
	t.Helper()
	conf := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(read(t, "redis/redis.conf")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		conf[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	return conf
}

// The durability and safety settings the deployment relies on.
var wantRedis = map[string]string{
	"appendonly":                "yes",
	"appendfsync":               "everysec",
	"maxmemory-policy":          "noeviction",
	"aof-use-rdb-preamble":      "yes",
	"no-appendfsync-on-rewrite": "no",
	"save":                      `""`,
}

func TestRedisConf(t *testing.T) {
	conf := redisConf(t)
	for k, v := range wantRedis {
		if conf[k] != v {
			t.Errorf("redis.conf: %s %q; want %q", k, conf[k], v)
		}
	}
	if conf["maxmemory"] == "" {
		t.Error("redis.conf: set maxmemory, or noeviction never applies and Redis grows until the OOM killer ends it")
	}
	if _, ok := conf["dir"]; ok {
		t.Error("redis.conf: a dir directive makes the file fail where that directory does not exist; use the working directory")
	}
	text := string(read(t, "redis/redis.conf"))
	for _, topic := range []string{"always", "power", "kill -9", "cluster-enabled"} {
		if !strings.Contains(text, topic) {
			t.Errorf("redis.conf should explain %q in its comments", topic)
		}
	}
}

// TestRedisConfLoads starts the real redis-server with the file (on a
// loopback port and a temporary directory) and reads the settings back, so
// a directive this Redis does not know fails here, not in production.
func TestRedisConfLoads(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed; `make test` installs it")
		}
		t.Skip("redis-server is not installed; `make test` installs it")
	}
	conf, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	conf += "/redis/redis.conf"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	var out bytes.Buffer
	cmd := exec.Command(bin, conf, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}) // closed when the process has exited
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})

	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
	defer rdb.Close()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(ctx).Err() != nil {
		select {
		case <-done:
			t.Fatalf("redis-server refused deploy/redis/redis.conf: %v\n%s", waitErr, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server with redis.conf did not answer PING\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for k, v := range wantRedis {
		got, err := rdb.ConfigGet(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Trim(v, `"`); got[k] != want {
			t.Errorf("running redis-server: %s is %q; want %q", k, got[k], want)
		}
	}
	// A receipt-sized write is fsynced into the AOF directory.
	if err := rdb.Set(ctx, "deploy-test", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + "/appendonlydir"); err != nil {
		t.Errorf("no AOF directory: %v", err)
	}
}
