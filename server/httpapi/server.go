// Package httpapi is consentd's HTTP interface, built on echo: every route
// of the server is registered here, on one echo instance with one set of
// middleware, metrics and error answers. Handlers are thin: decode, call
// the domain and the store, map the result. Every error becomes a response
// in one place (handleError, errors.go).
//
// The files follow the routes:
//
//	server.go           New, Ops, middleware, /healthz, /readyz
//	errors.go           every error answer (Error, handleError)
//	static.go           /samtykke.js, /samtykke-ui.js, /openapi.json, /, /demo
//	public.go           /v1/sites/{site}/config, /receipts, /impressions, /consents/{id}
//	declaration.go      /v1/sites/{site}/declaration
//	tagwarnings.go      /v1/sites/{site}/tag-warnings, its admin and dashboard routes
//	ratelimit.go        the ingest limit of the public routes
//	sitecache.go        the public routes' cache of sites
//	sites.go            the one write path of sites (SiteWriter) and SiteView
//	admin.go            /v1/admin/sites (bearer token)
//	stats.go            /v1/admin/sites/{site}/stats, the dashboard's stats and CSV
//	users.go            /v1/admin/users and /dashboard/api/users
//	invites.go          /dashboard/api/users/invites, /dashboard/api/invites/*
//	dashboard.go        /dashboard (the UI's files, the preview page), the routes of /dashboard/api
//	auth.go             sessions: /dashboard/api/login, /logout, /session, CSRF, sign-in throttle
//	account.go          /dashboard/api/password
//	access.go           who may reach a site under /dashboard/api/sites/{site}
//	dashboard_sites.go  /dashboard/api/catalog, /dashboard/api/sites, /preview
//	exports.go          /dashboard/api/sites/{site}/receipts, /consents/{id}
//	seal.go             seal keys, sealing, verification, proof bundles, erasure (admin and dashboard)
//	kantara.go          a consent id's receipts as a Kantara Consent Receipt
//
// The dashboard's routes are served when Options.Accounts is set. Who may do
// what there is decided in one place: authenticate (session cookie →
// principal), checkCSRF (every change), and siteAccess (a site's routes: a
// user reaches only sites they were granted, an operator every site).
package httpapi

import (
	"context"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/scanner"
	"github.com/samtykke/samtykke/server/seal"
)

// Options configures the API.
type Options struct {
	// PublicURL is the origin browsers use to reach the server. When it is
	// https, every response carries Strict-Transport-Security.
	PublicURL string
	// AdminTokenHash is the SHA-256 of the admin API's bearer token.
	AdminTokenHash [32]byte
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// DemoSiteID, when set, enables /demo for that site.
	DemoSiteID string
	Logger     *slog.Logger
	Metrics    *metrics.Metrics
	// Gatherer, when set, serves /metrics. consentd leaves it unset on the
	// public handler when metrics have a listener of their own (Ops).
	Gatherer prometheus.Gatherer
	// IngestRate is how many receipts and impressions per second one
	// network (the /24 or /48 consent.TruncateIP keeps) may send to one
	// site, with bursts of IngestBurstSeconds of it; 0 turns the limit off.
	IngestRate float64
	// Now is the clock; tests set it.
	Now func() time.Time
	// SiteCacheTTL bounds how stale a replica's view of a site may be.
	SiteCacheTTL time.Duration

	// Accounts, when set, turns the dashboard on: its UI at /dashboard, its
	// JSON API under /dashboard/api (sessions, people, invites, sites,
	// reports, exports) and the operators' user API /v1/admin/users.
	// consentd passes its store, which keeps both sites and accounts.
	Accounts accounts.Store
	// PasswordParams are the argon2id costs of new passwords (default
	// accounts.DefaultParams).
	PasswordParams accounts.Params
	// EmailLimit and NetworkLimit bound failed sign-ins (defaults
	// accounts.EmailLimit and accounts.NetworkLimit).
	EmailLimit, NetworkLimit accounts.Limit
	// SessionIdleTimeout ends a dashboard session unused for this long
	// (SAMTYKKE_SESSION_IDLE_TIMEOUT; default accounts.DefaultIdleTimeout),
	// besides the absolute accounts.SessionLifetime.
	SessionIdleTimeout time.Duration

	// Sealer signs checkpoints (POST /v1/admin/sites/{site}/seal, proof
	// bundles). Nil: a key is generated once and kept in the store.
	Sealer *seal.Sealer

	// Scanner runs the cookie scans that the admin API and the dashboard
	// start (scans.go); nil answers a start with 503.
	Scanner *scanner.Runner

	// siteChanged, when set, is told of every site the write path changed
	// or deleted, after the cache forgot it; tests set it (export_test.go).
	siteChanged func(siteID string)

	// DeleteGrace is how long a deleted site can be restored before it is
	// purged; DefaultDeleteGrace when 0.
	DeleteGrace time.Duration
	// DefaultTexts are the built-in texts new config versions resolve; nil
	// for this binary's. Tests set it to play another release.
	DefaultTexts func(lang string) consent.Texts
}

// DefaultDeleteGrace is 30 days: a month to notice a deletion by mistake.
const DefaultDeleteGrace = 30 * 24 * time.Hour

// Body limits. A receipt is about 0.5 KiB; 16 KiB leaves room for long page
// URLs and user agents while keeping abuse cheap to refuse. The admin and
// dashboard APIs take up to 1 MiB: a site with every language's texts is
// well under it.
const (
	publicBodyLimit    = 16 << 10
	bodyLimitText      = "16 KiB"
	adminBodyLimit     = "1M"
	adminBodyLimitText = "1 MiB"
)

type server struct {
	Options
	store consent.Store
	sites *SiteCache
	// siteWriter is the write path of sites, shared with the dashboard's
	// API; its writes make sites forget this replica's cached copy.
	siteWriter SiteWriter
	log        *slog.Logger
	limiter    *ingestLimiter // nil when IngestRate is 0
	hsts       bool
	e          *echo.Echo
	// routes holds "METHOD template" of every registered route (echo's
	// catch-alls for groups left out), templates their paths, and methods
	// the methods in use. They are filled once every route, the
	// dashboard's included, is registered, and only read afterwards.
	routes    map[string]bool
	templates map[string]bool
	methods   []string

	// The dashboard's, when Accounts is set: the origin state changes must
	// come from (scheme://host[:port] of PublicURL), whether the session
	// cookies are Secure (PublicURL is https), and the sign-in throttle.
	origin        string
	secureCookies bool
	throttle      *accounts.Throttle

	sealing sealState
}

// New returns the echo instance serving the whole API.
func New(store consent.Store, opt Options) *echo.Echo {
	s := newServer(store, opt)
	e := s.e

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if opt.Gatherer != nil {
		e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(opt.Gatherer, promhttp.HandlerOpts{})))
	}
	e.GET("/openapi.json", s.openAPI)
	e.GET("/samtykke.js", s.script)
	e.GET("/samtykke-ui.js", s.uiScript)
	e.GET("/.well-known/gpc.json", s.wellKnownGPC)
	e.GET("/", s.home)
	if opt.DemoSiteID != "" {
		e.GET("/demo", s.demo)
	}

	public := e.Group("/v1/sites/:site", Deadline(publicDeadline))
	public.GET("/config", s.bannerConfig)
	public.GET("/declaration", s.declaration)
	public.POST("/receipts", s.postReceipt)
	public.OPTIONS("/receipts", s.preflight)
	public.POST("/impressions", s.postImpression)
	public.OPTIONS("/impressions", s.preflight)
	public.GET("/consents/:consent", s.consentRecord)

	admin := e.Group("/v1/admin", Deadline(AdminDeadline), middleware.BodyLimit(adminBodyLimit), RequireAdmin(opt.AdminTokenHash))
	admin.GET("/sites", s.adminListSites)
	admin.POST("/sites", s.adminCreateSite)
	admin.GET("/sites/:site", s.adminGetSite)
	admin.PUT("/sites/:site", s.adminUpdateSite)
	admin.DELETE("/sites/:site", s.adminDeleteSite)
	admin.GET("/sites/:site/stats", s.adminStats)
	s.tagWarningRoutes(public, admin)
	s.adminProofRoutes(admin) // versions.go
	s.sealRoutes(e, admin)
	s.scanRoutes(admin)
	if opt.Accounts != nil {
		s.dashboardRoutes(e)
	}
	s.indexRoutes()
	return e
}

// Ops returns the handler of the operators' listener (SAMTYKKE_METRICS_ADDR):
// /metrics, /healthz and /readyz, with the same middleware, request metrics
// and error answers as the public one, so that probes and scrapes never
// travel through the public listener or its proxy.
func Ops(store consent.Store, opt Options) *echo.Echo {
	opt.DemoSiteID, opt.Accounts, opt.IngestRate = "", nil, 0
	s := newServer(store, opt)
	s.e.GET("/healthz", s.healthz)
	s.e.GET("/readyz", s.readyz)
	if opt.Gatherer != nil {
		s.e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(opt.Gatherer, promhttp.HandlerOpts{})))
	}
	s.indexRoutes()
	return s.e
}

func newServer(store consent.Store, opt Options) *server {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.SiteCacheTTL == 0 {
		opt.SiteCacheTTL = 5 * time.Second
	}
	s := &server{Options: opt, store: store, log: opt.Logger, hsts: strings.HasPrefix(opt.PublicURL, "https://")}
	s.sites = NewSiteCache(store, opt.SiteCacheTTL, opt.Now)
	if opt.DeleteGrace == 0 {
		opt.DeleteGrace = DefaultDeleteGrace
	}
	s.siteWriter = SiteWriter{Store: store, Now: opt.Now, Changed: s.sites.Forget, DeleteGrace: opt.DeleteGrace, Defaults: opt.DefaultTexts}
	if opt.siteChanged != nil {
		s.siteWriter.Changed = func(id string) {
			s.sites.Forget(id)
			opt.siteChanged(id)
		}
	}
	if opt.Accounts != nil {
		s.dashboardDefaults()
	}
	if opt.IngestRate > 0 {
		s.limiter = newIngestLimiter(opt.IngestRate, opt.Now)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(opt.TrustedProxies)
	e.Pre(s.pre)
	e.Use(s.observe)
	e.Use(middleware.Recover())
	s.e = e
	return s
}

// indexRoutes records the registered routes for the label of the request
// metrics and for 405 answers.
func (s *server) indexRoutes() {
	s.routes, s.templates = map[string]bool{}, map[string]bool{}
	seen := map[string]bool{}
	for _, r := range s.e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		if r.Method == http.MethodHead {
			// pre answers HEAD with the GET route, so a HEAD route of
			// its own would never be reached.
			panic("httpapi: register GET " + r.Path + ", not HEAD: HEAD is served by the GET route")
		}
		s.routes[r.Method+" "+r.Path] = true
		s.templates[r.Path] = true
		if !seen[r.Method] {
			seen[r.Method] = true
			s.methods = append(s.methods, r.Method)
		}
	}
	sort.Strings(s.methods)
}

// HSTS for a year once the public URL is https. Not includeSubDomains: the
// operator's other hosts under the same domain are not ours to decide.
const hstsValue = "max-age=31536000"

// headKey marks a HEAD request that pre handed to the router as GET.
const headKey = "samtykke.head"

// pre runs before routing. It sets the headers every response carries, and
// makes HEAD work wherever GET does: echo routes by method and no route
// registers HEAD, so the request is routed as GET and turned back into
// HEAD by observe, right after routing. Handlers, the metrics and net/http
// then see HEAD, and net/http sends the GET answer's headers without its
// body.
func (s *server) pre(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if s.hsts {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		if r := c.Request(); r.Method == http.MethodHead {
			r.Method = http.MethodGet
			c.Set(headKey, true)
		}
		return next(c)
	}
}

// routingMethod is the method the router used for c.
func routingMethod(c echo.Context) string {
	if c.Get(headKey) != nil {
		return http.MethodGet
	}
	return c.Request().Method
}

// Deadlines of whole requests, so a hung store answers 503 instead of
// holding the request open. A visitor's request is one or two store calls,
// so a quick 503 (which the snippet retries) beats waiting; admin ones may
// read a year of counters.
const (
	publicDeadline = 3 * time.Second
	AdminDeadline  = 15 * time.Second
)

// Deadline bounds the request's context while the handler runs; stores
// honour it. Afterwards the request has its own context back, so that
// handleError can tell from it whether the client went away.
func Deadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			c.SetRequest(r.WithContext(ctx))
			defer c.SetRequest(r)
			return next(c)
		}
	}
}

// HTTPServer wraps the handler with timeouts that keep slow clients from
// holding connections open for ever. net/http's own messages (a panic that
// escaped, a failed TLS handshake) name the client's address and port; they
// reach log with every address cut to its network.
func HTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          stdlog.New(serverLog{log}, "", 0),
	}
}

// serverLog turns the http.Server's log lines into warnings without any
// full address in them.
type serverLog struct{ log *slog.Logger }

func (l serverLog) Write(p []byte) (int, error) {
	l.log.Warn("http server", "err", scrubAddrs(strings.TrimSpace(string(p)), nil))
	return len(p), nil
}

// ipExtractor believes X-Forwarded-For only from the configured proxies.
// echo's XFF extractor trusts loopback and private networks by default, which
// would let any client on those networks choose its address; we turn that off.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, n, _ := net.ParseCIDR(p.String())
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// observe records request metrics and a log line per request. Every label
// comes from a fixed set (metrics.Method, metrics.Code, routeOf); the log has
// the route template and a truncated client address, never the full one.
func (s *server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Get(headKey) != nil {
			c.Request().Method = http.MethodHead // see pre
		}
		start := time.Now()
		s.Metrics.InFlight.Inc()
		defer s.Metrics.InFlight.Dec()
		if err := next(c); err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route := s.routeOf(c)
		method := metrics.Method(c.Request().Method)
		elapsed := time.Since(start)
		s.Metrics.HTTPDuration.WithLabelValues(route, method, metrics.Code(status)).Observe(elapsed.Seconds())
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelWarn
		}
		s.log.Log(c.Request().Context(), level, "request",
			"method", method, "route", route, "status", status,
			"duration_ms", float64(elapsed.Microseconds())/1000, "ip", consent.TruncateIP(c.RealIP()))
		return nil
	}
}

func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz fails while the store cannot be reached, so a load balancer sends
// visitors' receipts to a replica that can store them.
func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("store not ready", "err", err)
		c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "the store cannot be reached"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
