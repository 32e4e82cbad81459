package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
)

// The admin API's sites: /v1/admin/sites, behind the admin token. Their
// stats are in stats.go and their tag warnings in tagwarnings.go.

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

func (s *server) adminListSites(c echo.Context) error {
	sites, err := s.store.Sites(c.Request().Context())
	if err != nil {
		return err
	}
	consent.SortSites(sites)
	out := make([]SiteView, len(sites))
	for i, site := range sites {
		out[i] = s.siteView(site, "")
	}
	return c.JSON(http.StatusOK, map[string]any{"sites": out})
}

func (s *server) adminGetSite(c echo.Context) error {
	site, err := s.store.Site(c.Request().Context(), c.Param("site"))
	if err != nil {
		return adminSiteError(err, c.Param("site"))
	}
	return c.JSON(http.StatusOK, s.siteView(site, ""))
}

func (s *server) adminCreateSite(c echo.Context) error {
	settings, err := ReadSettings(c)
	if err != nil {
		return err
	}
	site, err := s.siteWriter.Create(c.Request().Context(), settings, actorAdmin)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/v1/admin/sites/"+site.ID)
	return c.JSON(http.StatusCreated, s.siteView(site, ""))
}

func (s *server) adminUpdateSite(c echo.Context) error {
	again, err := askAgain(c)
	if err != nil {
		return err
	}
	settings, err := ReadSettings(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	site, err := s.store.Site(ctx, c.Param("site"))
	if err != nil {
		return adminSiteError(err, c.Param("site"))
	}
	if site, err = s.siteWriter.Update(ctx, site, settings, again, actorAdmin); err != nil {
		return adminSiteError(err, c.Param("site"))
	}
	return c.JSON(http.StatusOK, s.siteView(site, ""))
}
