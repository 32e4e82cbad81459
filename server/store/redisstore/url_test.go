package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestNewClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		cluster bool
		addrs   []string
		db      int
		tls     bool
		user    string
		pass    string
		err     string
	}{
		{url: "redis://127.0.0.1:6379/0", addrs: []string{"127.0.0.1:6379"}},
		{url: "redis://localhost/3", addrs: []string{"localhost:6379"}, db: 3},
		{url: "rediss://u:p%40ss@redis.example:6380/1?dial_timeout=2s", addrs: []string{"redis.example:6380"}, db: 1, tls: true, user: "u", pass: "p@ss"},
		{url: "redis://:secret@10.0.0.1:6379", addrs: []string{"10.0.0.1:6379"}, pass: "secret"},
		{url: "redis://[::1]:6379", addrs: []string{"[::1]:6379"}},
		{url: "redis://10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000", cluster: true,
			addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}},
		{url: "redis+cluster://10.0.0.1:7000", cluster: true, addrs: []string{"10.0.0.1:7000"}},
		{url: "rediss+cluster://u:pw@a:7000,b:7000/0?read_timeout=1s", cluster: true, addrs: []string{"a:7000", "b:7000"},
			tls: true, user: "u", pass: "pw"},
		{url: "redis://10.0.0.1:7000?cluster=true", cluster: true, addrs: []string{"10.0.0.1:7000"}},
		{url: "redis://10.0.0.1:6379?cluster=false", addrs: []string{"10.0.0.1:6379"}},
		{url: "redis+cluster://a:7000,b:7000/2", err: "only database 0"},
		{url: "redis://a:7000,,b:7000", err: "empty address"},
		{url: "redis://a:6379?cluster=perhaps", err: "not true or false"},
		{url: "redis://a:6379?no_such_option=1", err: "unexpected option"},
		{url: "memcached://a:11211", err: "invalid Redis URL scheme"},
		{url: "a:6379", err: "want redis://host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, _, err := newClient(tt.url)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var (
				addrs      []string
				db         int
				tls        bool
				user, pass string
				ctxTimeout bool
			)
			switch c := c.(type) {
			case *redis.Client:
				if tt.cluster {
					t.Fatal("got a single-server client, want a cluster client")
				}
				o := c.Options()
				addrs, db, tls, user, pass, ctxTimeout = []string{o.Addr}, o.DB, o.TLSConfig != nil, o.Username, o.Password, o.ContextTimeoutEnabled
			case *redis.ClusterClient:
				if !tt.cluster {
					t.Fatal("got a cluster client, want a single-server client")
				}
				o := c.Options()
				addrs, tls, user, pass, ctxTimeout = o.Addrs, o.TLSConfig != nil, o.Username, o.Password, o.ContextTimeoutEnabled
			default:
				t.Fatalf("client is a %T", c)
			}
			if strings.Join(addrs, " ") != strings.Join(tt.addrs, " ") || db != tt.db || tls != tt.tls || user != tt.user || pass != tt.pass {
				t.Errorf("got addrs=%v db=%d tls=%v user=%q pass=%q; want addrs=%v db=%d tls=%v user=%q pass=%q",
					addrs, db, tls, user, pass, tt.addrs, tt.db, tt.tls, tt.user, tt.pass)
			}
			if !ctxTimeout {
				t.Error("ContextTimeoutEnabled is off: request deadlines would not bound Redis calls")
			}
		})
	}
}

func TestNewClientKeepsOptions(t *testing.T) {
	t.Parallel()
	c, _, err := newClient("redis+cluster://a:7000,b:7000?read_timeout=1500ms")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.(*redis.ClusterClient).Options().ReadTimeout; got != 1500*time.Millisecond {
		t.Errorf("read_timeout = %v, want 1.5s", got)
	}
}

// autopipeline= and groupcommit= are the store's, not go-redis's: they are
// taken out of the URL before go-redis parses the rest.
func TestNewClientStoreOptions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		url    string
		want   bool // autopipeline
		wantGC bool
		err    string
	}{
		{url: "redis://a:6379/0", want: defaultAutoPipeline, wantGC: defaultGroupCommit},
		{url: "redis://a:6379/0?autopipeline=false", want: false, wantGC: defaultGroupCommit},
		{url: "redis://a:6379/0?read_timeout=1s&autopipeline=true", want: true, wantGC: defaultGroupCommit},
		{url: "redis+cluster://a:7000,b:7000?autopipeline=0", want: false, wantGC: defaultGroupCommit},
		{url: "redis://a:6379/0?groupcommit=false&dial_timeout=1s", want: defaultAutoPipeline, wantGC: false},
		{url: "redis://a:6379/0?groupcommit=false&autopipeline=false", want: false, wantGC: false},
		{url: "redis://a:6379?autopipeline=perhaps", err: "not true or false"},
		{url: "redis://a:6379?groupcommit=", err: "not true or false"},
	} {
		c, opts, err := newClient(tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want one containing %q", tt.url, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		cfg := config{autoPipeline: defaultAutoPipeline, groupCommit: defaultGroupCommit}
		for _, o := range opts {
			o(&cfg)
		}
		if cfg.autoPipeline != tt.want || cfg.groupCommit != tt.wantGC {
			t.Errorf("%s: autopipeline = %v, groupcommit = %v; want %v, %v", tt.url, cfg.autoPipeline, cfg.groupCommit, tt.want, tt.wantGC)
		}
		c.Close()
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"redis://u:secret@h:6379/0":    "redis://u:xxxxx@h:6379/0",
		"redis://:secret@h:6379":       "redis://:xxxxx@h:6379",
		"redis://h:6379/0":             "redis://h:6379/0",
		"redis://user@h:6379":          "redis://user@h:6379",
		"rediss://u:p@a:1,b:2?x=y@z":   "rediss://u:xxxxx@a:1,b:2?x=y@z",
		"redis://h:6379/0?password=pw": "redis://h:6379/0?password=pw",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
