package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
)

// declaration answers the site's cookie declaration (every purpose with its
// vendors and their cookies, in one language) for the privacy policy page,
// as the banner lists them. Like the config it is public, readable from any
// origin and briefly cached: it holds only what the banner shows anyone.
// The language is ?lang=, else the visitor's Accept-Language, else the
// site's default.
func (s *server) declaration(c echo.Context) error {
	site, err := s.sites.get(c.Request().Context(), c.Param("site"))
	if err != nil {
		return siteError(err, c.Param("site"))
	}
	prefs := splitList(c.QueryParam("lang"))
	if len(prefs) == 0 {
		prefs = acceptLanguages(c.Request().Header.Get("Accept-Language"))
	}
	lang := consent.MatchLanguage(prefs, site.DefaultLanguage)
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=60, stale-while-revalidate=300")
	h.Add("Vary", "Accept-Language")
	// The site's version says what it declares; the catalogue's says what
	// this build knows of each vendor, which a release may change.
	etag := `"` + site.ConfigVersion + "-" + consent.CatalogueVersion() + "-" + lang + `"`
	h.Set("ETag", etag)
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSON(http.StatusOK, site.Declaration(lang))
}
