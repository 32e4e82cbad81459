package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"html"
	"io"
	"net/http"
	"strings"
	"time"

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
	s.sites.forget(site.ID)
	return c.JSON(http.StatusOK, s.view(site))
}

func (s *server) deleteSite(c echo.Context) error {
	id := c.Param("site")
	if err := s.store.DeleteSite(c.Request().Context(), id); err != nil {
		return adminSiteError(err, id)
	}
	s.sites.forget(id)
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

// Longest ranges the stats endpoint answers, so one request cannot ask for
// years of hourly buckets.
const (
	maxDayRange  = 800 * 24 * time.Hour
	maxHourRange = 93 * 24 * time.Hour
)

func (s *server) stats(c echo.Context) error {
	id := c.Param("site")
	ctx := c.Request().Context()
	if _, err := s.store.Site(ctx, id); err != nil {
		return adminSiteError(err, id)
	}
	g := consent.Granularity(c.QueryParam("granularity"))
	if g == "" {
		g = consent.Day
	}
	if !g.Valid() {
		return consent.Invalid("granularity", `must be "day" or "hour"`)
	}
	now := s.Now().UTC()
	to, err := parseBound(c.QueryParam("to"), true)
	if err != nil {
		return consent.Invalid("to", err.Error())
	}
	if to.IsZero() {
		to = g.Step(g.Truncate(now))
	}
	from, err := parseBound(c.QueryParam("from"), false)
	if err != nil {
		return consent.Invalid("from", err.Error())
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
		if g == consent.Hour {
			from = to.Add(-48 * time.Hour)
		}
	}
	switch {
	case !from.Before(to):
		return consent.Invalid("from", "must be before to")
	case g == consent.Day && to.Sub(from) > maxDayRange:
		return consent.Invalid("from", "a daily range may span at most 800 days")
	case g == consent.Hour && to.Sub(from) > maxHourRange:
		return consent.Invalid("from", "an hourly range may span at most 93 days; use granularity=day")
	}
	buckets, err := s.store.Counters(ctx, id, g, g.Truncate(from), to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, consent.BuildStats(id, g, g.Truncate(from), to, buckets))
}

// parseBound reads a range bound: a date (2026-11-23, meaning the start of
// that day, or its end for an inclusive "to") or an RFC 3339 time.
func parseBound(v string, inclusiveEnd bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if inclusiveEnd {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errors.New("must be a date such as 2026-11-23 or an RFC 3339 time such as 2026-11-23T10:00:00Z")
	}
	return t.UTC(), nil
}

// NewSiteID returns a short random id. It is public (it is in every page's
// script tag) and serves as the Redis hash tag, so it is opaque, URL-safe and
// never a host name.
func NewSiteID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // never fails on supported platforms
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
