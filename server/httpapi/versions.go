package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// What was shown, the audit log, and deleting and restoring sites, in the
// admin API (/v1/admin/sites/{site}/versions, /audit, /settings/preview,
// /restore, /v1/admin/deleted-sites) and the dashboard's
// (/dashboard/api/sites/{site}/…, /dashboard/api/deleted-sites). The
// handlers of both read the site the same way and differ only in who the
// actor is and how the site is found.

// VersionInfo is one config version of a site as listed: the number and
// date an owner recognises, not only the hash receipts carry.
type VersionInfo struct {
	// Number counts the site's versions from 1, in the order they came
	// into force.
	Number  int    `json:"number"`
	Version string `json:"version"`
	Since   string `json:"since"`
	Current bool   `json:"current"`
	// AskedAgain: coming into force, this version asked every visitor
	// again (a material change, or the owner's choice).
	AskedAgain bool   `json:"asked_again"`
	Author     string `json:"author,omitempty"`
	// Snapshot: its texts are stored; false for versions older than
	// snapshots. Reconstructed: stored from the settings after the fact.
	Snapshot      bool `json:"snapshot"`
	Reconstructed bool `json:"reconstructed,omitempty"`
}

// SavePreview says what saving settings would do, before saving.
type SavePreview struct {
	CurrentVersion string `json:"current_version"`
	// Version is the version after saving; the current one when what
	// visitors see would not change.
	Version string `json:"version"`
	// NewVersion: what visitors see would change.
	NewVersion bool `json:"new_version"`
	// AsksAgain: every visitor would be asked again. Material: the change
	// asks again whatever the owner chooses.
	AsksAgain bool             `json:"asks_again"`
	Material  bool             `json:"material"`
	Changes   []consent.Change `json:"changes"`
}

// DeletedSiteView is a deleted site as listed, until it is purged.
type DeletedSiteView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	DeletedAt  string `json:"deleted_at"`
	DeletedBy  string `json:"deleted_by"`
	PurgeAfter string `json:"purge_after"`
}

func deletedView(d consent.DeletedSite) DeletedSiteView {
	return DeletedSiteView{ID: d.Site.ID, Name: d.Site.Name, DeletedAt: d.DeletedAt.UTC().Format(time.RFC3339),
		DeletedBy: d.DeletedBy, PurgeAfter: d.PurgeAfter.UTC().Format(time.RFC3339)}
}

// versionsOf lists site's versions with their snapshots' details.
func (s *server) versionsOf(ctx context.Context, site consent.Site) ([]VersionInfo, error) {
	snaps, err := s.store.Snapshots(ctx, site.ID)
	if err != nil {
		return nil, err
	}
	byVersion := map[string]consent.Snapshot{}
	for _, sn := range snaps {
		byVersion[sn.Version] = sn
	}
	out := make([]VersionInfo, 0, len(site.ConfigHistory))
	for i, rev := range site.ConfigHistory {
		sn, ok := byVersion[rev.Version]
		out = append(out, VersionInfo{Number: i + 1, Version: rev.Version, Since: rev.Since.UTC().Format(time.RFC3339),
			Current: i == len(site.ConfigHistory)-1, AskedAgain: !rev.Minor, Author: sn.Author, Snapshot: ok, Reconstructed: sn.Reconstructed})
	}
	return out, nil
}

func (s *server) listVersions(c echo.Context, site consent.Site) error {
	out, err := s.versionsOf(c.Request().Context(), site)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"versions": out})
}

func (s *server) getVersion(c echo.Context, site consent.Site) error {
	snap, err := s.store.Snapshot(c.Request().Context(), site.ID, c.Param("version"))
	if errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "unknown_version", "site %q has no stored snapshot of version %q", site.ID, c.Param("version"))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, snap)
}

// diffVersion compares a version with ?from=, by default the one before it.
func (s *server) diffVersion(c echo.Context, site consent.Site) error {
	ctx := c.Request().Context()
	to, from := c.Param("version"), c.QueryParam("from")
	if from == "" {
		for i, rev := range site.ConfigHistory {
			if rev.Version == to && i > 0 {
				from = site.ConfigHistory[i-1].Version
			}
		}
		if from == "" {
			return badRequest("from", "name the version to compare with; this one has none before it")
		}
	}
	a, err := s.store.Snapshot(ctx, site.ID, from)
	if errors.Is(err, consent.ErrNotFound) {
		return badRequest("from", "site has no stored snapshot of version "+strconv.Quote(from))
	}
	if err != nil {
		return err
	}
	b, err := s.store.Snapshot(ctx, site.ID, to)
	if errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "unknown_version", "site %q has no stored snapshot of version %q", site.ID, to)
	}
	if err != nil {
		return err
	}
	d := consent.Diff(a.Shown, b.Shown)
	d.From, d.To = from, to
	return c.JSON(http.StatusOK, d)
}

// askAgain reads ?ask_again=, the owner's choice to ask every visitor again
// for a change that is only minor.
func askAgain(c echo.Context) (bool, error) {
	v := c.QueryParam("ask_again")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("ask_again", "must be true or false")
	}
	return b, nil
}

func (s *server) previewSave(c echo.Context, site consent.Site, actor string) error {
	again, err := askAgain(c)
	if err != nil {
		return err
	}
	settings, err := ReadSettings(c)
	if err != nil {
		return err
	}
	plan, err := s.siteWriter.Plan(c.Request().Context(), site, settings, again, actor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, SavePreview{CurrentVersion: site.ConfigVersion, Version: plan.Site.ConfigVersion,
		NewVersion: plan.Snapshot != nil, AsksAgain: plan.AsksAgain, Material: plan.Diff.Material, Changes: plan.Diff.Changes})
}

func (s *server) siteAudit(c echo.Context, site consent.Site) error {
	log, err := s.store.Audit(c.Request().Context(), site.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": log})
}

// confirmName checks the site's name typed as confirmation of a delete,
// from the JSON body's confirm_name or, when orQuery (the admin API, for
// clients that send no body with DELETE), the query's. It is compared
// after trimming spaces only, exactly otherwise, because "Shop" and "shop"
// may be two sites.
func confirmName(c echo.Context, site consent.Site, orQuery bool) error {
	typed := ""
	if orQuery {
		typed = c.QueryParam("confirm_name")
	}
	if typed == "" && (!orQuery || c.Request().ContentLength != 0) {
		var in struct {
			ConfirmName string `json:"confirm_name"`
		}
		if err := decodeBody(c, &in); err != nil {
			return err
		}
		typed = in.ConfirmName
	}
	switch typed = strings.TrimSpace(typed); {
	case typed == "":
		return badRequest("confirm_name", "type the site's name to confirm that it is to be deleted")
	case typed != strings.TrimSpace(site.Name):
		return badRequest("confirm_name", "is not the site's name; type "+strconv.Quote(site.Name)+" exactly")
	}
	return nil
}

// Admin API.

// adminSite reads the site named in the path, for the admin routes.
func (s *server) adminSite(c echo.Context) (consent.Site, error) {
	site, err := s.store.Site(c.Request().Context(), c.Param("site"))
	return site, adminSiteError(err, c.Param("site"))
}

func (s *server) adminSiteRoute(fn func(echo.Context, consent.Site) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		site, err := s.adminSite(c)
		if err != nil {
			return err
		}
		return fn(c, site)
	}
}

func (s *server) adminProofRoutes(admin *echo.Group) {
	admin.GET("/sites/:site/versions", s.adminSiteRoute(s.listVersions))
	admin.GET("/sites/:site/versions/:version", s.adminSiteRoute(s.getVersion))
	admin.GET("/sites/:site/versions/:version/diff", s.adminSiteRoute(s.diffVersion))
	admin.GET("/sites/:site/audit", s.adminSiteRoute(s.siteAudit))
	admin.POST("/sites/:site/settings/preview", s.adminSiteRoute(func(c echo.Context, site consent.Site) error {
		return s.previewSave(c, site, actorAdmin)
	}))
	admin.POST("/sites/:site/restore", s.adminRestoreSite)
	admin.GET("/deleted-sites", s.adminDeletedSites)
}

// adminDeleteSite deletes a site once its name is confirmed: hidden at
// once, purged after the grace period. ?purge=now purges at once; the admin
// token is the operator's, who alone may. A deleted site can be purged at
// once too, by id, with its name confirmed.
func (s *server) adminDeleteSite(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("site")
	purge := c.QueryParam("purge")
	if purge != "" && purge != "now" {
		return badRequest("purge", `must be "now" or left out`)
	}
	site, err := s.store.Site(ctx, id)
	if errors.Is(err, consent.ErrNotFound) && purge == "now" {
		site, err = s.deletedSite(ctx, id)
	}
	if err != nil {
		return adminSiteError(err, id)
	}
	if err := confirmName(c, site, true); err != nil {
		return err
	}
	if purge == "now" {
		if err := s.siteWriter.Purge(ctx, id); err != nil {
			return adminSiteError(err, id)
		}
		s.log.Info("a site was purged with everything stored for it", "site", id, "by", actorAdmin, "action", consent.AuditSitePurge)
		return c.NoContent(http.StatusNoContent)
	}
	if _, err := s.siteWriter.Delete(ctx, site, actorAdmin); err != nil {
		return adminSiteError(err, id)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *server) deletedSite(ctx context.Context, id string) (consent.Site, error) {
	all, err := s.store.DeletedSites(ctx)
	if err != nil {
		return consent.Site{}, err
	}
	for _, d := range all {
		if d.Site.ID == id {
			return d.Site, nil
		}
	}
	return consent.Site{}, consent.ErrNotFound
}

func (s *server) adminRestoreSite(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("site")
	if err := s.siteWriter.Restore(ctx, id, actorAdmin); err != nil {
		if errors.Is(err, consent.ErrNotFound) {
			return NewError(http.StatusNotFound, "unknown_site", "no deleted site with id %q (purged, or never deleted)", id)
		}
		return err
	}
	site, err := s.store.Site(ctx, id)
	if err != nil {
		return adminSiteError(err, id)
	}
	return c.JSON(http.StatusOK, s.siteView(site, ""))
}

func (s *server) adminDeletedSites(c echo.Context) error {
	all, err := s.store.DeletedSites(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]DeletedSiteView, len(all))
	for i, d := range all {
		out[i] = deletedView(d)
	}
	sortDeleted(out)
	return c.JSON(http.StatusOK, map[string]any{"sites": out})
}

// sortDeleted lists the most recently deleted first. RFC 3339 times in UTC
// sort as strings.
func sortDeleted(out []DeletedSiteView) {
	sort.Slice(out, func(i, j int) bool { return out[i].DeletedAt > out[j].DeletedAt })
}

// Dashboard API.

// actorOf is the audit log's name for the signed-in principal.
func actorOf(c echo.Context) string {
	if p := principalOf(c); p.User.ID != "" {
		return p.User.Email
	}
	return actorAdmin
}

func (s *server) dashboardSiteRoute(fn func(echo.Context, consent.Site) error) echo.HandlerFunc {
	return func(c echo.Context) error { return fn(c, siteOf(c)) }
}

func (s *server) dashboardProofRoutes(in, site *echo.Group) {
	site.GET("/versions", s.dashboardSiteRoute(s.listVersions))
	site.GET("/versions/:version", s.dashboardSiteRoute(s.getVersion))
	site.GET("/versions/:version/diff", s.dashboardSiteRoute(s.diffVersion))
	site.GET("/audit", s.dashboardSiteRoute(s.siteAudit), need(accounts.Owner))
	site.POST("/settings/preview", func(c echo.Context) error { return s.previewSave(c, siteOf(c), actorOf(c)) }, need(accounts.Owner))
	in.GET("/deleted-sites", s.dashboardDeletedSites)
	in.POST("/deleted-sites/:site/restore", s.dashboardRestoreSite)
}

// dashboardDeletedSites lists the deleted sites the principal owns, to
// restore until they are purged.
func (s *server) dashboardDeletedSites(c echo.Context) error {
	ctx := c.Request().Context()
	all, err := s.store.DeletedSites(ctx)
	if err != nil {
		return err
	}
	out := []DeletedSiteView{}
	for _, d := range all {
		role, ok, err := s.roleOn(ctx, principalOf(c), d.Site.ID)
		if err != nil {
			return err
		}
		if ok && role == accounts.Owner {
			out = append(out, deletedView(d))
		}
	}
	sortDeleted(out)
	return c.JSON(http.StatusOK, map[string]any{"sites": out})
}

func (s *server) dashboardRestoreSite(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("site")
	role, ok, err := s.roleOn(ctx, principalOf(c), id)
	if err != nil {
		return err
	}
	if !ok || role != accounts.Owner {
		return errNoSite(id)
	}
	if err := s.siteWriter.Restore(ctx, id, actorOf(c)); err != nil {
		if errors.Is(err, consent.ErrNotFound) {
			return errNoSite(id)
		}
		return err
	}
	site, err := s.store.Site(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.siteView(site, role))
}
