// Package config reads consentd's settings from flags and SAMTYKKE_*
// environment variables into one struct with defaults. A flag wins over the
// variable of the same name; a bad value stops the start with a message that
// names the setting.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of consentd.
type Config struct {
	// Addr is where the HTTP server listens.
	Addr string
	// MetricsAddr, when set, is a second listener for operators: /metrics,
	// /healthz and /readyz, and /metrics leaves the public listener. Empty
	// keeps /metrics on Addr, which suits a single binary on a laptop.
	MetricsAddr string
	// DataDir holds the embedded store; unused when RedisURL is set.
	DataDir string
	// RedisURL switches the store to Redis (single server, Sentinel or Cluster).
	RedisURL string
	// AdminToken, when set, is the admin API's bearer token. When empty a
	// token is generated on first start, kept (hashed) in the store and
	// printed once.
	AdminToken string
	// PublicURL is where visitors' browsers reach this server: the snippet
	// tag and the receipt links are built from it.
	PublicURL string
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Demo serves /demo and keeps a sample site with id "demo".
	Demo bool
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// after SIGTERM.
	ShutdownTimeout time.Duration
	// LogFormat is "text" or "json".
	LogFormat string
	// LogLevel is the least severe level written. Per-request lines are
	// Debug, so an operator chasing a problem turns them on without a
	// rebuild; Info keeps a busy server's log to what needs attention.
	LogLevel slog.Level
	// SessionIdleTimeout ends a dashboard session unused for this long
	// (besides the absolute 12 hours after signing in).
	SessionIdleTimeout time.Duration
	// IngestRate is how many receipts and impressions per second one
	// network (/24 or /48) may send to one site; 0 turns the limit off.
	IngestRate float64
	// DeleteGrace is how long a deleted site is kept, hidden, before the
	// janitor purges it; its owners can restore it until then.
	DeleteGrace time.Duration

	// SealKeyFile is a PEM file with the Ed25519 private key that signs
	// checkpoints (server/seal). Empty: a key is generated once and kept
	// in the store, where whoever can read the store can also read it.
	SealKeyFile string

	// Scanner configures the cookie scanner (scanner.go).
	Scanner Scanner
}

// setting describes one option: its flag, variable, default and how to parse
// it, so that flags, environment and help text stay in step.
type setting struct {
	flag, env, def, usage string
	set                   func(c *Config, v string) error
}

var settings = []setting{
	{"addr", "SAMTYKKE_ADDR", ":8080", "address to listen on", func(c *Config, v string) error {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return errors.New("must be host:port or :port, such as :8080")
		}
		c.Addr = v
		return nil
	}},
	{"metrics-addr", "SAMTYKKE_METRICS_ADDR", "", "address of a second listener for /metrics, /healthz and /readyz only (default: /metrics on -addr)", func(c *Config, v string) error {
		if v == "" {
			c.MetricsAddr = ""
			return nil
		}
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return errors.New("must be host:port or :port, such as :9464")
		}
		c.MetricsAddr = v
		return nil
	}},
	{"data-dir", "SAMTYKKE_DATA_DIR", "./data", "directory of the embedded store", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{"redis-url", "SAMTYKKE_REDIS_URL", "", "use Redis at this URL instead of the embedded store, e.g. redis://127.0.0.1:6379/0", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || !strings.HasPrefix(u.Scheme, "redis") {
			return errors.New("must be a URL such as redis://127.0.0.1:6379/0")
		}
		c.RedisURL = v
		return nil
	}},
	{"admin-token", "SAMTYKKE_ADMIN_TOKEN", "", "bearer token of the admin API (generated on first start when empty)", func(c *Config, v string) error {
		if v != "" && len(v) < 16 {
			return errors.New("must be at least 16 characters long")
		}
		c.AdminToken = v
		return nil
	}},
	{"public-url", "SAMTYKKE_PUBLIC_URL", "", "URL where browsers reach this server (default: http://localhost:<port>)", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return errors.New("must be an origin such as https://consent.example.com")
		}
		c.PublicURL = strings.TrimSuffix(v, "/")
		return nil
	}},
	{"trusted-proxies", "SAMTYKKE_TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is believed", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", s)
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
		return nil
	}},
	{"demo", "SAMTYKKE_DEMO", "true", "serve /demo with a sample site", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		c.Demo = b
		return nil
	}},
	{"shutdown-timeout", "SAMTYKKE_SHUTDOWN_TIMEOUT", "20s", "how long requests in flight may take to finish on SIGTERM", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("must be a positive duration such as 20s")
		}
		c.ShutdownTimeout = d
		return nil
	}},
	{"session-idle-timeout", "SAMTYKKE_SESSION_IDLE_TIMEOUT", "30m", "how long a dashboard session may go unused before it ends, from 1m to 12h (the absolute limit)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		// At least a minute: the last use is written at most once a
		// minute. At most the 12 hours every session ends after anyway.
		if err != nil || d < time.Minute || d > 12*time.Hour {
			return errors.New("must be a duration from 1m to 12h, such as 30m")
		}
		c.SessionIdleTimeout = d
		return nil
	}},
	{"delete-grace", "SAMTYKKE_DELETE_GRACE", "30d", "how long a deleted site is kept, hidden and restorable, before its receipts and everything else are purged: days (30d) or a duration (72h), from 1h to 365d", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if days, ok := strings.CutSuffix(v, "d"); ok {
			n, perr := strconv.Atoi(days)
			d, err = time.Duration(n)*24*time.Hour, perr
		}
		if err != nil || d < time.Hour || d > 365*24*time.Hour {
			return errors.New("must be a number of days such as 30d, or a duration such as 72h, from 1h to 365d")
		}
		c.DeleteGrace = d
		return nil
	}},
	{"ingest-rate", "SAMTYKKE_INGEST_RATE", "10", "receipts and impressions per second one network (/24 or /48) may send to one site, in bursts of 20 s of it; 0 turns the limit off", func(c *Config, v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return errors.New("must be a number of receipts per second such as 10, or 0 for no limit")
		}
		c.IngestRate = r
		return nil
	}},
	{"log-format", "SAMTYKKE_LOG_FORMAT", "text", "log format: text or json", func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return errors.New(`must be "text" or "json"`)
		}
		c.LogFormat = v
		return nil
	}},
	{"log-level", "SAMTYKKE_LOG_LEVEL", "info", "least severe log level written: debug, info, warn or error (debug adds a line per request)", func(c *Config, v string) error {
		// Only the four names: slog's parser would also take "info+2"
		// or "WARN", which an operator would not expect to work.
		levels := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}
		l, ok := levels[v]
		if !ok {
			return errors.New(`must be "debug", "info", "warn" or "error"`)
		}
		c.LogLevel = l
		return nil
	}},
	{"seal-key-file", "SAMTYKKE_SEAL_KEY_FILE", "", "PEM file with the Ed25519 private key that signs checkpoints (default: a key generated once and kept in the store)", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if _, err := os.Stat(v); err != nil {
			return fmt.Errorf("cannot read it: %w", err)
		}
		c.SealKeyFile = v
		return nil
	}},
}

// Load reads args (without the program name) and the environment through
// getenv. Errors name the flag or variable at fault.
func Load(args []string, getenv func(string) string, usageOut io.Writer) (Config, error) {
	fs := flag.NewFlagSet("consentd", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	values := make([]*string, len(settings))
	for i, s := range settings {
		values[i] = fs.String(s.flag, "", s.usage+" (env "+s.env+", default "+strconv.Quote(s.def)+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q; consentd takes only flags", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	var c Config
	for i, s := range settings {
		v, source := s.def, ""
		if e := getenv(s.env); e != "" {
			v, source = e, s.env
		}
		if given[s.flag] {
			v, source = *values[i], "-"+s.flag
		}
		if err := s.set(&c, v); err != nil {
			if source == "" {
				source = s.env
			}
			return Config{}, fmt.Errorf("%s: %q %w", source, v, err)
		}
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return Config{}, fmt.Errorf("SAMTYKKE_METRICS_ADDR: %q is SAMTYKKE_ADDR too; leave it empty to serve /metrics there", c.MetricsAddr)
	}
	if c.PublicURL == "" {
		_, port, _ := net.SplitHostPort(c.Addr)
		c.PublicURL = "http://localhost:" + port
	}
	return c, nil
}
