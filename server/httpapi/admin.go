package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"html"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
)

// RequireAdmin checks the bearer token in constant time against its hash,
// so neither timing nor a memory dump of the options reveals the token.
func RequireAdmin(tokenHash [32]byte) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			auth := c.Request().Header.Get("Authorization")
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok || token == "" {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="samtykke admin"`)
				return NewError(http.StatusUnauthorized, "unauthorized", "missing admin token; send the header Authorization: Bearer <admin token>")
			}
			sum := sha256.Sum256([]byte(token))
			if subtle.ConstantTimeCompare(sum[:], tokenHash[:]) != 1 {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="samtykke admin", error="invalid_token"`)
				return NewError(http.StatusUnauthorized, "unauthorized", "wrong admin token")
			}
			return next(c)
		}
	}
}

// siteView is a site as the admin API shows it: with the tag to paste.
type siteView struct {
	consent.Site
	ScriptTag string `json:"script_tag"`
}

func (s *server) view(site consent.Site) siteView {
	return siteView{Site: site, ScriptTag: ScriptTag(s.PublicURL, site.ID)}
}

// ScriptTag is the one line a site owner pastes as the first script in <head>.
func ScriptTag(publicURL, siteID string) string {
	return `<script src="` + html.EscapeString(publicURL+"/samtykke.js") + `" data-site="` + html.EscapeString(siteID) + `"></script>`
}

func (s *server) listSites(c echo.Context) error {
	sites, err := s.store.Sites(c.Request().Context())
	if err != nil {
		return err
	}
	consent.SortSites(sites)
	out := make([]siteView, len(sites))
	for i, site := range sites {
		out[i] = s.view(site)
	}
	return c.JSON(http.StatusOK, map[string]any{"sites": out})
}

func (s *server) getSite(c echo.Context) error {
	site, err := s.store.Site(c.Request().Context(), c.Param("site"))
	if err != nil {
		return adminSiteError(err, c.Param("site"))
	}
	return c.JSON(http.StatusOK, s.view(site))
}

func (s *server) createSite(c echo.Context) error {
	settings, err := readSettings(c)
	if err != nil {
		return err
	}
	site := consent.Site{ID: NewSiteID()}
	site.Apply(settings, s.Now().UTC())
	if err := s.store.CreateSite(c.Request().Context(), site); err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/v1/admin/sites/"+site.ID)
	return c.JSON(http.StatusCreated, s.view(site))
}

func (s *server) updateSite(c echo.Context) error {
	settings, err := readSettings(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	site, err := s.store.Site(ctx, c.Param("site"))
	if err != nil {
		return adminSiteError(err, c.Param("site"))
	}
	site.Apply(settings, s.Now().UTC())
	if err := s.store.UpdateSite(ctx, site); err != nil {
		return adminSiteError(err, site.ID)
	}
	s.sites.Forget(site.ID)
	return c.JSON(http.StatusOK, s.view(site))
}

func (s *server) deleteSite(c echo.Context) error {
	id := c.Param("site")
	if err := s.store.DeleteSite(c.Request().Context(), id); err != nil {
		return adminSiteError(err, id)
	}
	s.sites.Forget(id)
	return c.NoContent(http.StatusNoContent)
}

func readSettings(c echo.Context) (consent.SiteSettings, error) {
	if ct := c.Request().Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return consent.SiteSettings{}, NewError(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"send the site as JSON with Content-Type: application/json")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return consent.SiteSettings{}, err
	}
	return consent.DecodeSiteSettings(body)
}

func (s *server) stats(c echo.Context) error {
	id := c.Param("site")
	ctx := c.Request().Context()
	if _, err := s.store.Site(ctx, id); err != nil {
		return adminSiteError(err, id)
	}
	p, err := consent.ParsePeriod(c.QueryParam("granularity"), c.QueryParam("from"), c.QueryParam("to"), s.Now().UTC())
	if err != nil {
		return err
	}
	if err := p.CheckSpan(); err != nil {
		return err
	}
	buckets, err := s.store.Counters(ctx, id, p.Granularity, p.From, p.To)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, consent.BuildStats(id, p.Granularity, p.From, p.To, buckets))
}

// NewSiteID returns a short random id. It is public (it is in every page's
// script tag) and serves as the Redis hash tag, so it is opaque, URL-safe and
// never a host name.
func NewSiteID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // never fails on supported platforms
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
