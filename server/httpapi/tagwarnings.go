package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// Tag warnings ("Tags to fix", issue 9): the snippet reports tracker tags it
// found pasted in a way the banner cannot fully hold back, and the site's
// owner reads and clears them. The dashboard reaches the same through its
// own session-checked routes (dashboardTagWarningRoutes, below).

// tagWarningRoutes registers the snippet's report on the public group
// (/v1/sites/:site) and the owner's list and clear on the admin group
// (/v1/admin).
func (s *server) tagWarningRoutes(public, admin *echo.Group) {
	public.POST("/tag-warnings", s.postTagWarnings)
	public.OPTIONS("/tag-warnings", s.preflight)
	admin.GET("/sites/:site/tag-warnings", s.listTagWarnings)
	admin.DELETE("/sites/:site/tag-warnings", s.clearTagWarnings)
}

// postTagWarnings takes one page view's report with the same checks as a
// receipt, in the same order: the site (404), the page's origin (403), the
// ingest limit (429), the body's size (413), then its fields (400 for a
// body that is not a JSON object, 422 for field errors). It answers 202
// and nothing to read back: the snippet does not wait for it, and a tag
// beyond the site's bound is dropped without the page being told.
func (s *server) postTagWarnings(c echo.Context) (err error) {
	defer func() {
		switch {
		case err == nil:
			s.Metrics.TagWarningReports.WithLabelValues("accepted").Inc()
		case toAPIError(err).Status < 500:
			s.Metrics.TagWarningReports.WithLabelValues("rejected").Inc()
		}
	}()
	site, body, err := s.ingestPreamble(c, "tag_warnings")
	if err != nil {
		return err
	}
	req := s.requestInfo(c, site.ID)
	r, err := consent.ParseTagWarnings(body, site, req)
	if errors.Is(err, consent.ErrUnknownConfigVersion) {
		// As for receipts: another replica may have changed the site
		// moments ago, and the report may name a custom vendor it added.
		if fresh, err2 := s.sites.refresh(c.Request().Context(), site.ID); err2 == nil {
			site = fresh
			r, err = consent.ParseTagWarnings(body, site, req)
		}
	}
	if err != nil {
		return err
	}
	ctx := c.Request().Context() // bounded by the group's Deadline
	start := time.Now()
	dropped, err := s.store.RecordTagWarnings(ctx, site.ID, r.PagePath, r.Tags, r.At)
	s.Metrics.StoreWrite.WithLabelValues("tag_warnings").Observe(time.Since(start).Seconds())
	if err != nil {
		s.Metrics.StoreErrors.WithLabelValues("tag_warnings").Inc()
		if errors.Is(err, consent.ErrNotFound) {
			return siteError(err, site.ID)
		}
		return err
	}
	if dropped > 0 {
		s.Metrics.TagWarningsDropped.Add(float64(dropped))
	}
	return c.NoContent(http.StatusAccepted)
}

// listTagWarnings answers the site's tag warnings, most recently seen first.
func (s *server) listTagWarnings(c echo.Context) error {
	id := c.Param("site")
	ctx := c.Request().Context()
	site, err := s.store.Site(ctx, id)
	if err != nil {
		return adminSiteError(err, id)
	}
	list, err := consent.SiteTagWarnings(ctx, s.store, site)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

// clearTagWarnings empties the list, once the owner has fixed the tags;
// those still pasted unmarked are reported again by the next page view.
func (s *server) clearTagWarnings(c echo.Context) error {
	id := c.Param("site")
	if err := s.store.ClearTagWarnings(c.Request().Context(), id); err != nil {
		return adminSiteError(err, id)
	}
	return c.NoContent(http.StatusNoContent)
}

// dashboardTagWarningRoutes registers Tags to fix on the dashboard's site
// group (/dashboard/api/sites/:site): the same list the admin API answers
// (listTagWarnings above). Whoever may see the site may read them; clearing
// them, which an owner does once the tags are fixed, takes the right to
// change the site.
func (s *server) dashboardTagWarningRoutes(site *echo.Group) {
	site.GET("/tag-warnings", s.dashboardTagWarnings)
	site.DELETE("/tag-warnings", s.dashboardClearTagWarnings, need(accounts.Owner))
}

func (s *server) dashboardTagWarnings(c echo.Context) error {
	list, err := consent.SiteTagWarnings(c.Request().Context(), s.store, siteOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

func (s *server) dashboardClearTagWarnings(c echo.Context) error {
	site := siteOf(c)
	err := s.store.ClearTagWarnings(c.Request().Context(), site.ID)
	if errors.Is(err, consent.ErrNotFound) {
		return errNoSite(site.ID) // deleted since siteAccess read it
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
