package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/scanner"
)

// The cookie scanner's routes (issue 10), on the admin API and, with the
// same handlers, on the dashboard's site group:
//
//	POST /sites/:site/scans                   start a scan: 202 with it, 409 while one runs
//	GET  /sites/:site/scans                   the site's scans, newest first, without findings
//	GET  /sites/:site/scans/:scan             one scan with every finding: the JSON export
//	POST /sites/:site/scans/:scan/declare     declare one finding: the site, changed
//
// Listing and reading need only the store; starting needs Options.Scanner
// (503 without one, e.g. a consentd without Chromium).

func (s *server) scanRoutes(admin *echo.Group) {
	admin.POST("/sites/:site/scans", s.adminStartScan)
	admin.GET("/sites/:site/scans", s.adminListScans)
	admin.GET("/sites/:site/scans/:scan", s.adminGetScan)
	admin.POST("/sites/:site/scans/:scan/declare", s.adminDeclare)
}

func (s *server) dashboardScanRoutes(site *echo.Group) {
	site.POST("/scans", s.dashboardStartScan, need(accounts.Owner))
	site.GET("/scans", s.dashboardListScans)
	site.GET("/scans/:scan", s.dashboardGetScan)
	site.POST("/scans/:scan/declare", s.dashboardDeclare, need(accounts.Owner))
}

// ScanList is the answer of GET …/scans.
type ScanList struct {
	Scans []scanner.Scan `json:"scans"`
}

func (s *server) scans() (scanner.Store, error) {
	st, ok := s.store.(scanner.Store)
	if !ok {
		return nil, NewError(http.StatusServiceUnavailable, "unavailable", "this store keeps no scans")
	}
	return st, nil
}

func (s *server) startScan(c echo.Context, site consent.Site, trigger scanner.Trigger) error {
	if s.Scanner == nil {
		return &Error{Status: http.StatusServiceUnavailable, RetryAfter: 3600, Code: "scanner_off",
			Message: "this consentd runs no scanner (set SAMTYKKE_SCANNER_CHROMIUM to a Chromium binary)"}
	}
	scan, err := s.Scanner.Start(c.Request().Context(), site.ID, trigger)
	if errors.Is(err, scanner.ErrRunning) {
		return NewError(http.StatusConflict, "scan_running", "a scan of this site is running; wait for it to finish")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, scan)
}

func (s *server) listScans(c echo.Context, siteID string) error {
	st, err := s.scans()
	if err != nil {
		return err
	}
	list, err := st.Scans(c.Request().Context(), siteID)
	if err != nil {
		return err
	}
	for i := range list {
		list[i] = list[i].Summary()
	}
	return c.JSON(http.StatusOK, ScanList{Scans: list})
}

func (s *server) getScan(c echo.Context, site consent.Site) error {
	siteID := site.ID
	st, err := s.scans()
	if err != nil {
		return err
	}
	scan, err := st.Scan(c.Request().Context(), siteID, c.Param("scan"))
	if errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "unknown_scan", "no scan %q of this site", c.Param("scan"))
	}
	if err != nil {
		return err
	}
	scanner.Reread(site, &scan)
	if c.QueryParam("download") != "" {
		c.Response().Header().Set("Content-Disposition", `attachment; filename="scan-`+scan.SiteID+"-"+scan.ID+`.json"`)
	}
	return c.JSON(http.StatusOK, scan)
}

// declare adds a finding to the site's declared vendors through the one
// site write path, so the site gets a new config version and its cache
// is told.
func (s *server) declare(c echo.Context, site consent.Site, role accounts.Role) error {
	st, err := s.scans()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	var in scanner.DeclareInput
	if err := json.Unmarshal(body, &in); err != nil {
		return consent.Invalid("body", "must be a JSON object with kind, name and vendor or new_vendor")
	}
	ctx := c.Request().Context()
	scan, err := st.Scan(ctx, site.ID, c.Param("scan"))
	if errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "unknown_scan", "no scan %q of this site", c.Param("scan"))
	}
	if err != nil {
		return err
	}
	settings, err := scanner.Declare(site, scan, in)
	if err != nil {
		return err
	}
	settings.Normalize()
	if err := settings.Validate(); err != nil {
		return err
	}
	if site, err = s.siteWriter.Update(ctx, site, settings, false, actorOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.siteView(site, role))
}

func (s *server) adminStartScan(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	return s.startScan(c, site, scanner.TriggerAPI)
}

func (s *server) adminListScans(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	return s.listScans(c, site.ID)
}

func (s *server) adminGetScan(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	return s.getScan(c, site)
}

func (s *server) adminDeclare(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	return s.declare(c, site, "")
}

func (s *server) dashboardStartScan(c echo.Context) error {
	return s.startScan(c, siteOf(c), scanner.TriggerDashboard)
}

func (s *server) dashboardListScans(c echo.Context) error { return s.listScans(c, siteOf(c).ID) }
func (s *server) dashboardGetScan(c echo.Context) error   { return s.getScan(c, siteOf(c)) }
func (s *server) dashboardDeclare(c echo.Context) error {
	return s.declare(c, siteOf(c), roleOf(c))
}
