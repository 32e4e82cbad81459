package config

import (
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.RedisURL != "" || !c.Demo ||
		c.PublicURL != "http://localhost:8080" || c.ShutdownTimeout != 20*time.Second || c.TrustedProxies != nil {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadFlagBeatsEnv(t *testing.T) {
	c, err := Load([]string{"-addr", "127.0.0.1:9000"}, env(map[string]string{
		"SAMTYKKE_ADDR": ":7000", "SAMTYKKE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7/32",
		"SAMTYKKE_PUBLIC_URL": "https://consent.example.no/",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" {
		t.Errorf("Addr = %q, want the flag's value", c.Addr)
	}
	if c.PublicURL != "https://consent.example.no" {
		t.Errorf("PublicURL = %q", c.PublicURL)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0] != want[0] || c.TrustedProxies[1] != want[1] {
		t.Errorf("TrustedProxies = %v", c.TrustedProxies)
	}
}

func TestLoadErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"SAMTYKKE_ADDR": "8080"}, "SAMTYKKE_ADDR"},
		{nil, map[string]string{"SAMTYKKE_REDIS_URL": "localhost:6379"}, "SAMTYKKE_REDIS_URL"},
		{nil, map[string]string{"SAMTYKKE_TRUSTED_PROXIES": "10.0.0.0/33"}, `SAMTYKKE_TRUSTED_PROXIES: "10.0.0.0/33" "10.0.0.0/33" is not a CIDR`},
		{nil, map[string]string{"SAMTYKKE_PUBLIC_URL": "consent.example.no"}, "SAMTYKKE_PUBLIC_URL"},
		{nil, map[string]string{"SAMTYKKE_ADMIN_TOKEN": "short"}, "SAMTYKKE_ADMIN_TOKEN"},
		{nil, map[string]string{"SAMTYKKE_DEMO": "maybe"}, "SAMTYKKE_DEMO"},
		{[]string{"-shutdown-timeout", "soon"}, nil, "-shutdown-timeout"},
		{nil, map[string]string{"SAMTYKKE_SESSION_IDLE_TIMEOUT": "soon"}, `SAMTYKKE_SESSION_IDLE_TIMEOUT: "soon" must be a duration from 1m to 12h`},
		{nil, map[string]string{"SAMTYKKE_SESSION_IDLE_TIMEOUT": "0"}, "SAMTYKKE_SESSION_IDLE_TIMEOUT"},
		{nil, map[string]string{"SAMTYKKE_SESSION_IDLE_TIMEOUT": "30s"}, "SAMTYKKE_SESSION_IDLE_TIMEOUT"},
		{[]string{"-session-idle-timeout", "13h"}, nil, "-session-idle-timeout"},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		_, err := Load(tt.args, env(tt.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%v, %v) error = %v, want it to mention %q", tt.args, tt.env, err, tt.want)
		}
	}
}

// The operators' listener and the ingestion limit (issue 12, items 8 and 9).
func TestLoadMetricsAddrAndIngestRate(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "" || c.IngestRate != 10 {
		t.Errorf("defaults: MetricsAddr %q (want empty: /metrics on the main listener), IngestRate %v (want 10)", c.MetricsAddr, c.IngestRate)
	}
	c, err = Load([]string{"-ingest-rate", "0"}, env(map[string]string{"SAMTYKKE_METRICS_ADDR": "127.0.0.1:9464", "SAMTYKKE_INGEST_RATE": "50"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "127.0.0.1:9464" || c.IngestRate != 0 {
		t.Errorf("MetricsAddr %q, IngestRate %v; want 127.0.0.1:9464 and 0 (the flag's)", c.MetricsAddr, c.IngestRate)
	}
	if c, err := Load(nil, env(map[string]string{"SAMTYKKE_INGEST_RATE": "2.5"}), io.Discard); err != nil || c.IngestRate != 2.5 {
		t.Errorf("SAMTYKKE_INGEST_RATE=2.5: %v %v", c.IngestRate, err)
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SAMTYKKE_METRICS_ADDR": "9464"}, "SAMTYKKE_METRICS_ADDR"},
		{map[string]string{"SAMTYKKE_METRICS_ADDR": ":8080"}, "SAMTYKKE_METRICS_ADDR"},
		{map[string]string{"SAMTYKKE_INGEST_RATE": "-1"}, "SAMTYKKE_INGEST_RATE"},
		{map[string]string{"SAMTYKKE_INGEST_RATE": "lots"}, "SAMTYKKE_INGEST_RATE"},
		{map[string]string{"SAMTYKKE_INGEST_RATE": "NaN"}, "SAMTYKKE_INGEST_RATE"},
	} {
		if _, err := Load(nil, env(tt.env), io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%v) error = %v, want it to mention %q", tt.env, err, tt.want)
		}
	}
}

// The dashboard's idle timeout (issue 13): 30 minutes unless set.
func TestLoadSessionIdleTimeout(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want time.Duration
	}{
		{nil, nil, 30 * time.Minute},
		{nil, map[string]string{"SAMTYKKE_SESSION_IDLE_TIMEOUT": "1m"}, time.Minute},
		{[]string{"-session-idle-timeout", "12h"}, map[string]string{"SAMTYKKE_SESSION_IDLE_TIMEOUT": "10m"}, 12 * time.Hour},
	} {
		c, err := Load(tt.args, env(tt.env), io.Discard)
		if err != nil || c.SessionIdleTimeout != tt.want {
			t.Errorf("Load(%v, %v): %v, %v; want %v", tt.args, tt.env, c.SessionIdleTimeout, err, tt.want)
		}
	}
}

// SAMTYKKE_LOG_LEVEL (issue 15): info unless set, the four names only, and a
// wrong value names the variable.
func TestLoadLogLevel(t *testing.T) {
	tests := []struct {
		args    []string
		env     string
		want    slog.Level
		wantErr string
	}{
		{nil, "", slog.LevelInfo, ""},
		{nil, "debug", slog.LevelDebug, ""},
		{nil, "info", slog.LevelInfo, ""},
		{nil, "warn", slog.LevelWarn, ""},
		{nil, "error", slog.LevelError, ""},
		{[]string{"-log-level", "debug"}, "error", slog.LevelDebug, ""},
		{nil, "verbose", 0, `SAMTYKKE_LOG_LEVEL: "verbose" must be "debug", "info", "warn" or "error"`},
		{nil, "DEBUG", 0, "SAMTYKKE_LOG_LEVEL"},
		{nil, "info+2", 0, "SAMTYKKE_LOG_LEVEL"},
		{[]string{"-log-level", "trace"}, "", 0, "-log-level"},
	}
	for _, tt := range tests {
		c, err := Load(tt.args, env(map[string]string{"SAMTYKKE_LOG_LEVEL": tt.env}), io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Load(%v, SAMTYKKE_LOG_LEVEL=%q) error = %v, want it to mention %q", tt.args, tt.env, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.LogLevel != tt.want {
			t.Errorf("Load(%v, SAMTYKKE_LOG_LEVEL=%q) = %v, %v; want %v", tt.args, tt.env, c.LogLevel, err, tt.want)
		}
	}
}
