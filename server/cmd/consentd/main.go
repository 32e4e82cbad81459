// Command consentd is Samtykke's consent server: it serves the banner
// snippet and its configuration, stores consent receipts, counts banner
// impressions for the dashboard and exposes Prometheus metrics.
//
// With no settings it runs on an embedded store under ./data; set
// SAMTYKKE_REDIS_URL to use Redis. See `consentd -h` for every setting.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/config"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/retention"
	"github.com/samtykke/samtykke/server/seal"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/redisstore"
)

func main() {
	// consentd keeps little live memory (sites, caches), so the default GC
	// target makes it collect often under load; a larger one trades a few
	// megabytes for CPU. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "consentd:", err)
		os.Exit(1)
	}
}

// run starts the server and blocks until ctx is cancelled, then shuts down
// in order: stop accepting, finish requests in flight, close the store.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "verify" {
		return runVerify(args[1:], stdout, stderr)
	}
	cfg, err := config.Load(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogFormat, cfg.LogLevel, stderr)
	// go-redis reports pool trouble through its own logger; send it to ours
	// so operators see one format.
	redis.SetLogger(redisLogger{log})

	store, storeName, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()

	tokenHash, newToken, err := adminToken(ctx, store, cfg.AdminToken)
	if err != nil {
		return err
	}
	writer := httpapi.SiteWriter{Store: store, Now: time.Now, DeleteGrace: cfg.DeleteGrace}
	demoID := ""
	if cfg.Demo {
		if err := ensureDemoSite(ctx, writer, cfg.PublicURL); err != nil {
			return fmt.Errorf("demo site: %w", err)
		}
		demoID = demoSiteID
	}
	// Config versions are never rewritten at start (a release with other
	// built-in texts would flip them during a rolling upgrade); sites from
	// before snapshots get one of their current version instead.
	if n, err := writer.Reconstruct(ctx); err != nil {
		return fmt.Errorf("storing snapshots of config versions: %w", err)
	} else if n > 0 {
		log.Info("stored the snapshot of the current config version of sites saved before snapshots", "sites", n)
	}

	sealKey, err := seal.LoadKey(ctx, store, cfg.SealKeyFile)
	if err != nil {
		return fmt.Errorf("SAMTYKKE_SEAL_KEY_FILE: %w", err)
	}
	if cfg.SealKeyFile == "" {
		log.Warn("seal: checkpoints are signed with a key kept in the store; set SAMTYKKE_SEAL_KEY_FILE so that whoever can change the store cannot also sign", "key_id", sealKey.ID)
	}
	sealer := &seal.Sealer{Store: store, Key: sealKey, Logger: log}

	build := buildInfo()
	reg := metrics.NewRegistry()
	m := metrics.New(reg, build)
	opts := httpapi.Options{
		PublicURL:      cfg.PublicURL,
		AdminTokenHash: tokenHash,
		TrustedProxies: cfg.TrustedProxies,
		DemoSiteID:     demoID,
		Logger:         log,
		Metrics:        m,
		Gatherer:       reg,
		IngestRate:     cfg.IngestRate,
		// The dashboard and the user API, on the same store.
		Accounts:           store,
		SessionIdleTimeout: cfg.SessionIdleTimeout,
		Sealer:             sealer,
	}
	var opsHandler http.Handler
	if cfg.MetricsAddr != "" {
		// /metrics moves to the operators' listener; health answers on
		// both, for probes there and load balancers here.
		opsHandler = httpapi.Ops(store, opts)
		opts.Gatherer = nil
	}
	scans := newScanRunner(cfg, store, m, log)
	opts.Scanner = scans
	srv := httpapi.HTTPServer(cfg.Addr, httpapi.New(store, opts), log)
	// Listen before announcing, so a taken port fails with a clear message.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("SAMTYKKE_ADDR: cannot listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	var opsSrv *http.Server
	var opsLn net.Listener
	metricsAt := ln.Addr().String()
	if opsHandler != nil {
		opsSrv = httpapi.HTTPServer(cfg.MetricsAddr, opsHandler, log)
		if opsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("SAMTYKKE_METRICS_ADDR: cannot listen on %s: %w", cfg.MetricsAddr, err)
		}
		defer opsLn.Close()
		metricsAt = opsLn.Addr().String()
	}
	log.Info("consentd started", "addr", ln.Addr().String(), "metrics_addr", metricsAt, "public_url", cfg.PublicURL,
		"store", storeName, "version", build.Version, "ingest_rate", cfg.IngestRate)
	printWelcome(stdout, cfg, newToken)

	// Retention runs in every replica; a purge is idempotent, so replicas
	// racing on it remove each receipt once between them.
	janitorCtx, stopJanitor := context.WithCancel(context.Background())
	janitorDone := make(chan struct{})
	go func() {
		defer close(janitorDone)
		(&retention.Janitor{Store: store, Logger: log}).Run(janitorCtx)
	}()
	defer func() { stopJanitor(); <-janitorDone }()
	stopScans := runScanSchedule(scans)
	defer stopScans()

	// Sealing runs in every replica too: a checkpoint is stored only if it
	// follows the last one, so racing replicas write each one once.
	sealerCtx, stopSealer := context.WithCancel(context.Background())
	sealerDone := make(chan struct{})
	go func() {
		defer close(sealerDone)
		sealer.Run(sealerCtx, 0)
	}()
	defer func() { stopSealer(); <-sealerDone }()

	serveErr := make(chan error, 2)
	go func() { serveErr <- fmt.Errorf("http server: %w", srv.Serve(ln)) }()
	if opsSrv != nil {
		go func() { serveErr <- fmt.Errorf("metrics server: %w", opsSrv.Serve(opsLn)) }()
	}
	select {
	case err := <-serveErr:
		srv.Close()
		if opsSrv != nil {
			opsSrv.Close()
		}
		return err
	case <-ctx.Done():
	}

	// In order: the public listener stops accepting and finishes its
	// requests in flight while the operators' listener still answers
	// (Prometheus sees the drain, probes still get answers); then the
	// operators' listener; then the store.
	log.Info("shutting down: finishing requests in flight", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		if opsSrv != nil {
			opsSrv.Close()
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	if opsSrv != nil {
		if err := opsSrv.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("shutdown of the metrics listener: %w", err)
		}
	}
	stopJanitor()
	<-janitorDone
	stopSealer()
	<-sealerDone
	stopScans()
	if err := store.Close(); err != nil {
		return fmt.Errorf("closing the store: %w", err)
	}
	log.Info("stopped")
	return nil
}

func newLogger(format string, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// storage is what both stores provide: consent receipts and sites for the
// API, accounts and sessions for the dashboard.
type storage interface {
	consent.Store
	accounts.Store
}

func openStore(ctx context.Context, cfg config.Config) (storage, string, error) {
	if cfg.RedisURL != "" {
		openCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		s, err := redisstore.Open(openCtx, cfg.RedisURL)
		if err != nil {
			return nil, "", fmt.Errorf("SAMTYKKE_REDIS_URL: %w", err)
		}
		return s, "redis", nil
	}
	s, err := boltstore.Open(cfg.DataDir)
	if err != nil {
		return nil, "", fmt.Errorf("SAMTYKKE_DATA_DIR: %w", err)
	}
	return s, "embedded (" + cfg.DataDir + ")", nil
}

// adminTokenSetting holds the SHA-256 of a generated admin token. Only the
// hash is stored, so a copy of the database does not grant admin access.
const adminTokenSetting = "admin_token_sha256"

// adminToken returns the hash of the admin token in force, and the token
// itself when this start generated it (so it can be printed, once).
func adminToken(ctx context.Context, store consent.Store, configured string) ([32]byte, string, error) {
	if configured != "" {
		return sha256.Sum256([]byte(configured)), "", nil
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return [32]byte{}, "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	stored, err := store.SetSettingOnce(ctx, adminTokenSetting, hex.EncodeToString(sum[:]))
	if err != nil {
		return [32]byte{}, "", fmt.Errorf("admin token: %w", err)
	}
	var hash [32]byte
	if b, err := hex.DecodeString(stored); err != nil || len(b) != 32 {
		return hash, "", fmt.Errorf("admin token: the stored hash is damaged; set SAMTYKKE_ADMIN_TOKEN")
	} else {
		copy(hash[:], b)
	}
	if hash != sum {
		token = "" // generated by an earlier start (or another replica)
	}
	return hash, token, nil
}

const demoSiteID = "demo"

// ensureDemoSite keeps a sample site so that /demo works right after the
// first start. Its origins follow the public URL; on localhost both
// spellings of the loopback host are allowed, since people type either.
func ensureDemoSite(ctx context.Context, w httpapi.SiteWriter, publicURL string) error {
	origins := []string{publicURL}
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() == "localhost" {
		origins = append(origins, u.Scheme+"://127.0.0.1:"+u.Port())
	}
	settings := consent.SiteSettings{
		Name:             "Samtykke demo",
		Origins:          origins,
		DefaultLanguage:  "en",
		PrivacyPolicyURL: publicURL + "/demo#privacy",
		Integrations: consent.Integrations{
			GoogleAnalytics: &consent.GoogleAnalytics{MeasurementID: "G-DEMO2026"},
			Hotjar:          &consent.Hotjar{SiteID: 1234567},
			MetaPixel:       &consent.MetaPixel{PixelID: "1234567890123456"},
			HubSpot:         &consent.HubSpot{PortalID: "1234567"},
		},
	}
	settings.Normalize()
	if err := settings.Validate(); err != nil {
		return err
	}
	site, err := w.Store.Site(ctx, demoSiteID)
	if errors.Is(err, consent.ErrNotFound) {
		_, err = w.CreateAs(ctx, demoSiteID, settings, "consentd")
		if errors.Is(err, consent.ErrConflict) {
			return nil // another replica created it a moment ago (or it is deleted)
		}
		return err
	}
	if err != nil {
		return err
	}
	// Only the origins follow the public URL. The texts are never
	// rewritten at start: that is an edit, and a release's other built-in
	// texts must not make one.
	if equal(site.Origins, settings.Origins) {
		return nil
	}
	next := site.SiteSettings
	next.Origins = settings.Origins
	_, err = w.Update(ctx, site, next, false, "consentd")
	return err
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func printWelcome(w io.Writer, cfg config.Config, newToken string) {
	fmt.Fprintf(w, "\nSamtykke consentd is running at %s\n", cfg.PublicURL)
	if cfg.Demo {
		fmt.Fprintf(w, "  Demo:      %s/demo\n", cfg.PublicURL)
	}
	fmt.Fprintf(w, "  Dashboard: %s/dashboard (sign in with the admin token, then add users)\n", cfg.PublicURL)
	if cfg.MetricsAddr != "" {
		host, port, _ := net.SplitHostPort(cfg.MetricsAddr)
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "localhost"
		}
		fmt.Fprintf(w, "  Metrics:   http://%s/metrics (SAMTYKKE_METRICS_ADDR)\n", net.JoinHostPort(host, port))
	} else {
		fmt.Fprintf(w, "  Metrics:   %s/metrics\n", cfg.PublicURL)
	}
	fmt.Fprintf(w, "  API:       %s/openapi.json\n", cfg.PublicURL)
	token := "$SAMTYKKE_ADMIN_TOKEN"
	switch {
	case newToken != "":
		fmt.Fprintf(w, "\nAdmin token (shown only this once; keep it safe):\n\n  %s\n", newToken)
		token = newToken
	case cfg.AdminToken == "":
		fmt.Fprintf(w, "\nThe admin token was printed on the first start. Lost it? Restart with SAMTYKKE_ADMIN_TOKEN set to a new one.\n")
	}
	// The dashboard's form first: it explains each field, shows a wrong
	// value next to its field, previews the banner and gives the tag to
	// paste. curl is the alternative for scripts and machines without a
	// browser.
	fmt.Fprintf(w, `
Next: add your site in the dashboard. Sign in with the admin token and fill in "Add a site":

  %s/dashboard#/new

It shows the script tag to paste as the first script in <head> of every page.
Or with curl, then paste the "script_tag" from the answer:

  curl -X POST %s/v1/admin/sites \
    -H "Authorization: Bearer %s" -H "Content-Type: application/json" \
    -d '{"name":"My Shop","origins":["https://www.example.com"],"default_language":"nb",
         "privacy_policy_url":"https://www.example.com/personvern",
         "integrations":{"google_analytics":{"measurement_id":"G-ABC123"}}}'

`, cfg.PublicURL, cfg.PublicURL, token)
}

func buildInfo() metrics.Build {
	b := metrics.Build{Version: "dev", Revision: "unknown"}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				b.Revision = s.Value
			}
		}
	}
	return b
}
