package dashboardapi

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// Tags to fix: the tag warnings of a site, as the admin API answers them
// (/v1/admin/sites/{site}/tag-warnings, server/httpapi/tagwarnings.go).
// Whoever may see the site may read them; clearing them, which an owner
// does once the tags are fixed, takes the right to change the site.

func (d *dash) tagWarningRoutes(site *echo.Group) {
	site.GET("/tag-warnings", d.tagWarnings)
	site.DELETE("/tag-warnings", d.clearTagWarnings, need(accounts.Owner))
}

func (d *dash) tagWarnings(c echo.Context) error {
	list, err := consent.SiteTagWarnings(c.Request().Context(), d.Store, siteOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

func (d *dash) clearTagWarnings(c echo.Context) error {
	site := siteOf(c)
	err := d.Store.ClearTagWarnings(c.Request().Context(), site.ID)
	if errors.Is(err, consent.ErrNotFound) {
		return errNoSite(site.ID) // deleted since siteAccess read it
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
