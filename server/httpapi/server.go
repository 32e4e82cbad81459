// Package httpapi is consentd's HTTP interface, built on echo. Handlers are
// thin: decode, call the domain and the store, map the result. Every error
// becomes a response in one place (handleError).
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/metrics"
)

// Options configures the API.
type Options struct {
	// PublicURL is the origin browsers use to reach the server.
	PublicURL string
	// AdminTokenHash is the SHA-256 of the admin API's bearer token.
	AdminTokenHash [32]byte
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// DemoSiteID, when set, enables /demo for that site.
	DemoSiteID string
	Logger     *slog.Logger
	Metrics    *metrics.Metrics
	// Gatherer serves /metrics.
	Gatherer prometheus.Gatherer
	// Now is the clock; tests set it.
	Now func() time.Time
	// SiteCacheTTL bounds how stale a replica's view of a site may be.
	SiteCacheTTL time.Duration
	// SiteCache, when set, is the cache of sites to use, so that other code
	// changing sites (the dashboard) can make this replica forget them.
	SiteCache *SiteCache
	// Mount registers further routes (the dashboard) on the same server, so
	// they share its middleware, metrics and error responses.
	Mount func(e *echo.Echo)
}

// Body limits. A receipt is about 0.5 KiB; 16 KiB leaves room for long page
// URLs and user agents while keeping abuse cheap to refuse.
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
	log   *slog.Logger
}

// New returns the echo instance serving the whole API.
func New(store consent.Store, opt Options) *echo.Echo {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.SiteCacheTTL == 0 {
		opt.SiteCacheTTL = 5 * time.Second
	}
	s := &server{Options: opt, store: store, log: opt.Logger}
	s.sites = opt.SiteCache
	if s.sites == nil {
		s.sites = NewSiteCache(store, opt.SiteCacheTTL, opt.Now)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(opt.TrustedProxies)

	e.Use(middleware.Recover())
	e.Use(s.observe)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(opt.Gatherer, promhttp.HandlerOpts{})))
	e.GET("/openapi.json", s.openAPI)
	e.GET("/samtykke.js", s.script)
	e.GET("/", s.home)
	if opt.DemoSiteID != "" {
		e.GET("/demo", s.demo)
	}

	public := e.Group("/v1/sites/:site", Deadline(publicDeadline))
	public.GET("/config", s.bannerConfig)
	public.POST("/receipts", s.postReceipt)
	public.OPTIONS("/receipts", s.preflight)
	public.POST("/impressions", s.postImpression)
	public.OPTIONS("/impressions", s.preflight)
	public.GET("/consents/:consent", s.consentRecord)

	admin := e.Group("/v1/admin", Deadline(AdminDeadline), middleware.BodyLimit(adminBodyLimit), RequireAdmin(opt.AdminTokenHash))
	admin.GET("/sites", s.listSites)
	admin.POST("/sites", s.createSite)
	admin.GET("/sites/:site", s.getSite)
	admin.PUT("/sites/:site", s.updateSite)
	admin.DELETE("/sites/:site", s.deleteSite)
	admin.GET("/sites/:site/stats", s.stats)
	if opt.Mount != nil {
		opt.Mount(e)
	}
	return e
}

// Deadlines of whole requests, so a hung store answers 503 instead of
// holding the request open. A visitor's request is one or two store calls,
// so a quick 503 (which the snippet retries) beats waiting; admin ones may
// read a year of counters.
const (
	publicDeadline = 3 * time.Second
	AdminDeadline  = 15 * time.Second
)

// Deadline bounds the request's context; stores honour it.
func Deadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// HTTPServer wraps the handler with timeouts that keep slow clients from
// holding connections open for ever.
func HTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
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

// observe records request metrics and a log line per request. The log has
// the route template and a truncated client address, never the full one.
func (s *server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		s.Metrics.InFlight.Inc()
		defer s.Metrics.InFlight.Dec()
		if err := next(c); err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route := routeOf(c)
		elapsed := time.Since(start)
		s.Metrics.HTTPDuration.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Observe(elapsed.Seconds())
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelWarn
		}
		s.log.Log(c.Request().Context(), level, "request",
			"method", c.Request().Method, "route", route, "status", status,
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
