package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	dashboardui "github.com/samtykke/samtykke/dashboard"
	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// The dashboard: the UI at /dashboard (built from the top-level dashboard/
// directory and embedded in the binary), the UI's JSON API under
// /dashboard/api (sessions, people, invites, sites, reports, exports), and
// the operators' user API under /v1/admin/users. New registers it when
// Options.Accounts is set. Sites are written through the same SiteWriter
// and reported with the same consent.SiteReport as in the admin API.

// dashboardDefaults fills in the dashboard's options left unset and the
// state its routes keep.
func (s *server) dashboardDefaults() {
	if s.PasswordParams == (accounts.Params{}) {
		s.PasswordParams = accounts.DefaultParams
	}
	if s.SessionIdleTimeout <= 0 {
		s.SessionIdleTimeout = accounts.DefaultIdleTimeout
	}
	if s.EmailLimit == (accounts.Limit{}) {
		s.EmailLimit = accounts.EmailLimit
	}
	if s.NetworkLimit == (accounts.Limit{}) {
		s.NetworkLimit = accounts.NetworkLimit
	}
	if u, err := url.Parse(s.PublicURL); err == nil {
		s.origin = u.Scheme + "://" + u.Host
		s.secureCookies = u.Scheme == "https"
	}
	s.throttle = &accounts.Throttle{Store: s.Accounts, Email: s.EmailLimit, Network: s.NetworkLimit, Now: s.Now}
}

// dashboardRoutes registers the dashboard's routes on e.
func (s *server) dashboardRoutes(e *echo.Echo) {
	e.GET("/dashboard", s.dashboardIndex, dashboardHeaders)
	e.GET("/dashboard/", s.dashboardIndex, dashboardHeaders)
	e.GET("/dashboard/assets/*", s.dashboardAsset, dashboardHeaders)
	e.GET("/dashboard/preview", s.previewPage)

	api := e.Group("/dashboard/api", middleware.BodyLimit(adminBodyLimit), noStore)
	api.POST("/login", s.login)
	api.POST("/invites/lookup", s.lookupInvite)
	api.POST("/invites/accept", s.acceptInvite)

	in := api.Group("", s.authenticate, s.checkCSRF)
	in.GET("/session", s.session)
	in.POST("/logout", s.logout)
	in.POST("/password", s.changePassword)
	in.GET("/catalog", s.catalog)
	in.GET("/sites", s.dashboardListSites)
	in.POST("/sites", s.dashboardCreateSite)
	in.POST("/preview", s.previewDraft)

	site := in.Group("/sites/:site", s.siteAccess)
	site.GET("", s.dashboardGetSite)
	site.PUT("", s.dashboardUpdateSite, need(accounts.Owner))
	site.DELETE("", s.dashboardDeleteSite, need(accounts.Owner))
	site.POST("/preview", s.previewDraft)
	site.GET("/stats", s.dashboardStats)
	site.GET("/stats.csv", s.statsCSV)
	site.GET("/receipts", s.exportReceipts)
	site.GET("/consents/:consent", s.lookupConsent)
	s.dashboardSealRoutes(site)
	site.GET("/access", s.siteAccessList, need(accounts.Owner))
	s.dashboardTagWarningRoutes(site)
	s.dashboardProofRoutes(in, site) // versions.go
	s.dashboardScanRoutes(site)

	ops := in.Group("/users", s.requireOperator)
	s.userRoutes(ops)

	admin := e.Group("/v1/admin/users", Deadline(AdminDeadline), middleware.BodyLimit(adminBodyLimit), RequireAdmin(s.AdminTokenHash))
	s.userRoutes(admin)
}

func (s *server) userRoutes(g *echo.Group) {
	// Registered before /:user, so "sessions" is never taken for a user id.
	g.DELETE("/sessions", s.endAllSessions)
	g.POST("/invites", s.createInvite)
	g.GET("", s.listUsers)
	g.POST("", s.createUser)
	g.GET("/:user", s.getUser)
	g.PATCH("/:user", s.updateUser)
	g.DELETE("/:user", s.deleteUser)
	g.PUT("/:user/grants/:site", s.setGrant)
	g.DELETE("/:user/grants/:site", s.revokeGrant)
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

// dashboardHeaders are the security headers of the UI's pages and files.
func dashboardHeaders(next echo.HandlerFunc) echo.HandlerFunc {
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
	return NewError(http.StatusNotFound, "not_found", "you have no site with id %q", id)
}

func badRequest(field, msg string) error { return consent.Invalid(field, msg) }

// The dashboard's files: the UI built from dashboard/ and embedded in the
// binary, and the banner preview page.

// asset is one embedded file with its validator.
type asset struct {
	body []byte
	etag string
	ct   string
}

var (
	assetsOnce sync.Once
	assets     map[string]asset
)

func loadAssets() map[string]asset {
	assetsOnce.Do(func() {
		assets = map[string]asset{}
		files := dashboardui.Files()
		_ = fs.WalkDir(files, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := fs.ReadFile(files, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			ct := mime.TypeByExtension(path.Ext(p))
			if ct == "" {
				ct = "application/octet-stream"
			}
			if strings.HasPrefix(ct, "text/") && !strings.Contains(ct, "charset") {
				ct += "; charset=utf-8"
			}
			assets[p] = asset{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ct: ct}
			return nil
		})
	})
	return assets
}

func serveAsset(c echo.Context, name string) error {
	a, ok := loadAssets()[name]
	if !ok {
		return NewError(http.StatusNotFound, "not_found", "no such file")
	}
	h := c.Response().Header()
	// Revalidate every time: a new release must reach every browser, and
	// the ETag makes the check cheap.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	if m := c.Request().Header.Get("If-None-Match"); m != "" && m == a.etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.ct, a.body)
}

func (s *server) dashboardIndex(c echo.Context) error { return serveAsset(c, "index.html") }

func (s *server) dashboardAsset(c echo.Context) error {
	name := c.Param("*")
	if name == "index.html" || strings.Contains(name, "..") {
		return NewError(http.StatusNotFound, "not_found", "no such file")
	}
	return serveAsset(c, name)
}

// previewCSP lets the preview run the real samtykke.js from this server
// and nothing else: vendor tags the banner would load after a click in the
// preview are blocked (script-src 'self'), and so is any request that is
// not to this server. The banner's own <style> is inline, hence
// 'unsafe-inline' for styles on this page only, which holds no secret.
const previewCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
	"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

var previewPage = template.Must(template.New("preview").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Banner preview</title>
<link rel="stylesheet" href="/dashboard/assets/preview.css">
<script src="/dashboard/assets/preview.js" data-site="{{.SiteID}}" data-lang="{{.Lang}}"></script>
</head>
<body>
<div class="page" aria-hidden="true">
  <header><span class="logo"></span><span class="nav"></span><span class="nav"></span><span class="nav"></span></header>
  <div class="hero"></div>
  <div class="row"><div class="card"></div><div class="card"></div><div class="card"></div></div>
  <p class="line"></p><p class="line short"></p><p class="line"></p>
</div>
</body>
</html>
`))

// previewPage is the page the dashboard shows in an iframe: a neutral
// mock-up of a web page that loads the real /samtykke.js. Its preview.js
// answers the snippet's config request with the draft config the parent
// window sends, and swallows impressions and receipts, so a preview counts
// nothing.
func (s *server) previewPage(c echo.Context) error {
	lang := c.QueryParam("lang")
	if !consent.SupportedLanguage(lang) {
		lang = "en"
	}
	site := c.QueryParam("site")
	if site == "" || len(site) > 64 {
		site = "preview"
	}
	var buf bytes.Buffer
	if err := previewPage.Execute(&buf, map[string]string{"Lang": lang, "SiteID": site}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", previewCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
