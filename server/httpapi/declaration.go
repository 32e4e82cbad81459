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
	site, lang, err := s.publicSite(c)
	if err != nil {
		return err
	}
	// The site's version says what it declares; the catalogue's says what
	// this build knows of each vendor, which a release may change.
	if notModified(c, `"`+site.ConfigVersion+"-"+consent.CatalogueVersion()+"-"+lang+`"`) {
		return c.NoContent(http.StatusNotModified)
	}
	snap, found, err := s.sites.shown(c.Request().Context(), site)
	if err != nil {
		return err
	}
	if found {
		return c.JSON(http.StatusOK, site.DeclarationOf(snap, lang))
	}
	return c.JSON(http.StatusOK, site.Declaration(lang))
}
