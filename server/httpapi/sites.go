package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// This file is the one place sites are written: the admin API
// (/v1/admin/sites, admin.go) and the dashboard's API (/dashboard/api/sites,
// dashboard_sites.go) both read settings with ReadSettings, write through
// the server's SiteWriter and answer a SiteView.

// SiteWriter creates, changes and deletes sites. Each change is stored and
// then reported to Changed, so that whoever asked for it, the API's cache
// forgets the old site at once instead of after its TTL.
type SiteWriter struct {
	Store consent.Store
	// Now is the clock; it stamps creation, updates and config versions.
	Now func() time.Time
	// Changed, when set, is called after a site was changed or deleted.
	Changed func(siteID string)
}

// Create stores a new site with a fresh id.
func (w SiteWriter) Create(ctx context.Context, settings consent.SiteSettings) (consent.Site, error) {
	site := consent.Site{ID: NewSiteID()}
	site.Apply(settings, w.Now().UTC())
	if err := w.Store.CreateSite(ctx, site); err != nil {
		return consent.Site{}, err
	}
	return site, nil
}

// Update applies settings to site, as loaded by the caller, and stores it:
// a new config version is recorded when what visitors see changed.
func (w SiteWriter) Update(ctx context.Context, site consent.Site, settings consent.SiteSettings) (consent.Site, error) {
	site.Apply(settings, w.Now().UTC())
	if err := w.Store.UpdateSite(ctx, site); err != nil {
		return consent.Site{}, err
	}
	w.changed(site.ID)
	return site, nil
}

// Delete removes a site with everything stored for it (receipts, counts).
func (w SiteWriter) Delete(ctx context.Context, id string) error {
	if err := w.Store.DeleteSite(ctx, id); err != nil {
		return err
	}
	w.changed(id)
	return nil
}

func (w SiteWriter) changed(id string) {
	if w.Changed != nil {
		w.Changed(id)
	}
}

// ReadSettings decodes and validates the site settings of a request:
// every problem comes back at once, each under its field's JSON path, so
// that nothing is stored unless all is well.
func ReadSettings(c echo.Context) (consent.SiteSettings, error) {
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

// SiteView is a site as both APIs show it: with the tag to paste and, in
// the dashboard, the signed-in person's role on it.
type SiteView struct {
	consent.Site
	Role      accounts.Role `json:"role,omitempty"`
	ScriptTag string        `json:"script_tag"`
}

// siteView is site as this server shows it to someone with role on it
// (none in the admin API).
func (s *server) siteView(site consent.Site, role accounts.Role) SiteView {
	return NewSiteView(s.PublicURL, site, role)
}

// NewSiteView returns the view of site served from publicURL.
func NewSiteView(publicURL string, site consent.Site, role accounts.Role) SiteView {
	return SiteView{Site: site, Role: role, ScriptTag: ScriptTag(publicURL, site.ID)}
}

// ScriptTag is the one line a site owner pastes as the first script in <head>.
// The site is named twice: ?site= brings the rules of the site's custom
// vendors with the script, before any other tag of the page can run, and
// data-site is what the banner reads (tags pasted before ?site= existed
// have only data-site, and get the catalogue's rules).
func ScriptTag(publicURL, siteID string) string {
	src := publicURL + "/samtykke.js?site=" + url.QueryEscape(siteID)
	return `<script src="` + html.EscapeString(src) + `" data-site="` + html.EscapeString(siteID) + `"></script>`
}

// NewSiteID returns a short random id. It is public (it is in every page's
// script tag) and serves as the Redis hash tag, so it is opaque, URL-safe and
// never a host name.
func NewSiteID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // never fails on supported platforms
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
