// Package dashboardapi is the HTTP side of the dashboard: it serves the UI
// at /dashboard (built from the top-level dashboard/ directory and embedded
// in the binary), the UI's JSON API under /dashboard/api (sessions, people,
// invites, sites, reports, exports), and the operators' user API under
// /v1/admin/users. It mounts on the API's echo instance through
// httpapi.Options.Mount, so it shares that server's middleware, metrics and
// error responses (httpapi.Error, rendered in httpapi/errors.go). Sites are
// written through httpapi.SiteWriter and reported with consent.SiteReport,
// as the admin API does.
//
// Who may do what is decided in one place: authenticate (session cookie →
// principal), checkCSRF (every change), and siteAccess (a site's routes: a
// user reaches only sites they were granted, an operator every site).
package dashboardapi

import (
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
)

// Deps is what the dashboard needs from the server.
type Deps struct {
	Store    consent.Store
	Accounts accounts.Store
	// PublicURL is the origin browsers use (SAMTYKKE_PUBLIC_URL). State
	// changes must come from it, and the session cookie is Secure when it is
	// https.
	PublicURL string
	// AdminTokenHash is the SHA-256 of the admin token, which signs an
	// operator in to the dashboard and authorizes /v1/admin/users.
	AdminTokenHash [32]byte
	Logger         *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
	// PasswordParams are the argon2id costs of new passwords (default
	// accounts.DefaultParams).
	PasswordParams accounts.Params
	// EmailLimit and NetworkLimit bound failed sign-ins (defaults
	// accounts.EmailLimit and accounts.NetworkLimit).
	EmailLimit, NetworkLimit accounts.Limit
	// IdleTimeout ends a session unused for this long
	// (SAMTYKKE_SESSION_IDLE_TIMEOUT; default accounts.DefaultIdleTimeout),
	// besides the absolute accounts.SessionLifetime.
	IdleTimeout time.Duration
	// SiteChanged, when set, is called after the dashboard changed or
	// deleted a site (it is the httpapi.SiteWriter's Changed), so the API's
	// site cache can forget it at once instead of after its TTL.
	SiteChanged func(siteID string)
}

type dash struct {
	Deps
	sites    httpapi.SiteWriter
	origin   string // scheme://host[:port] of PublicURL
	secure   bool
	throttle *accounts.Throttle
}

// bodyLimit bounds request bodies; a site with every language's texts is
// well under it.
const bodyLimit = "1M"

// Mount returns the function httpapi.Options.Mount takes.
func Mount(d Deps) func(e *echo.Echo) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.PasswordParams == (accounts.Params{}) {
		d.PasswordParams = accounts.DefaultParams
	}
	if d.IdleTimeout <= 0 {
		d.IdleTimeout = accounts.DefaultIdleTimeout
	}
	if d.EmailLimit == (accounts.Limit{}) {
		d.EmailLimit = accounts.EmailLimit
	}
	if d.NetworkLimit == (accounts.Limit{}) {
		d.NetworkLimit = accounts.NetworkLimit
	}
	x := &dash{Deps: d, sites: httpapi.SiteWriter{Store: d.Store, Now: d.Now, Changed: d.SiteChanged}}
	if u, err := url.Parse(d.PublicURL); err == nil {
		x.origin = u.Scheme + "://" + u.Host
		x.secure = u.Scheme == "https"
	}
	x.throttle = &accounts.Throttle{Store: d.Accounts, Email: d.EmailLimit, Network: d.NetworkLimit, Now: d.Now}
	return x.routes
}

func (d *dash) routes(e *echo.Echo) {
	e.GET("/dashboard", d.index, securityHeaders)
	e.GET("/dashboard/", d.index, securityHeaders)
	e.GET("/dashboard/assets/*", d.asset, securityHeaders)
	e.GET("/dashboard/preview", d.previewPage)

	api := e.Group("/dashboard/api", middleware.BodyLimit(bodyLimit), noStore)
	api.POST("/login", d.login)
	api.POST("/invites/lookup", d.lookupInvite)
	api.POST("/invites/accept", d.acceptInvite)

	in := api.Group("", d.authenticate, d.checkCSRF)
	in.GET("/session", d.session)
	in.POST("/logout", d.logout)
	in.POST("/password", d.changePassword)
	in.GET("/catalog", d.catalog)
	in.GET("/sites", d.listSites)
	in.POST("/sites", d.createSite)
	in.POST("/preview", d.previewDraft)

	site := in.Group("/sites/:site", d.siteAccess)
	site.GET("", d.getSite)
	site.PUT("", d.updateSite, need(accounts.Owner))
	site.DELETE("", d.deleteSite, need(accounts.Owner))
	site.POST("/preview", d.previewDraft)
	site.GET("/stats", d.stats)
	site.GET("/stats.csv", d.statsCSV)
	site.GET("/receipts", d.exportReceipts)
	site.GET("/consents/:consent", d.lookupConsent)
	site.GET("/access", d.siteAccessList, need(accounts.Owner))
	d.tagWarningRoutes(site)

	ops := in.Group("/users", d.requireOperator)
	d.userRoutes(ops)

	admin := e.Group("/v1/admin/users", httpapi.Deadline(httpapi.AdminDeadline), middleware.BodyLimit(bodyLimit), httpapi.RequireAdmin(d.AdminTokenHash))
	d.userRoutes(admin)
}

func (d *dash) userRoutes(g *echo.Group) {
	// Registered before /:user, so "sessions" is never taken for a user id.
	g.DELETE("/sessions", d.endAllSessions)
	g.POST("/invites", d.createInvite)
	g.GET("", d.listUsers)
	g.POST("", d.createUser)
	g.GET("/:user", d.getUser)
	g.PATCH("/:user", d.updateUser)
	g.DELETE("/:user", d.deleteUser)
	g.PUT("/:user/grants/:site", d.setGrant)
	g.DELETE("/:user/grants/:site", d.revokeGrant)
}

// noStore keeps API answers (numbers, receipts, tokens) out of caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// dashboardCSP allows only the dashboard's own files. uPlot styles its
// elements through the CSSOM, which style-src does not restrict.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", dashboardCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// errNoSite is what a user gets for a site they may not see, whether or not
// it exists: the answer must not tell them which ids are taken.
func errNoSite(id string) error {
	return httpapi.NewError(http.StatusNotFound, "not_found", "you have no site with id %q", id)
}

func badRequest(field, msg string) error { return consent.Invalid(field, msg) }
