package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/vendors"
)

// The dashboard's sites: the catalogue its forms offer
// (/dashboard/api/catalog), the sites a principal sees and changes
// (/dashboard/api/sites), and the preview of a draft (/preview). Who may
// reach a site is decided in access.go; sites are written through the same
// SiteWriter as the admin API's (sites.go).

// catalogVendor is a built-in vendor as the site form offers it: enough to
// choose one to declare and to show what declaring it tells visitors.
type catalogVendor struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Provider         string   `json:"provider"`
	Purposes         []string `json:"purposes"`
	PrivacyPolicyURL string   `json:"privacy_policy_url"`
	// Embed: the vendor's content is an iframe shown behind a placeholder.
	Embed bool `json:"embed"`
	// Integration names the settings' integrations key that loads this
	// vendor, for the five the snippet loads itself: such a vendor is set
	// up there, not declared.
	Integration string          `json:"integration,omitempty"`
	Cookies     []catalogCookie `json:"cookies"`
}

type catalogCookie struct {
	Name            string `json:"name"`
	DurationMinutes int    `json:"duration_minutes"`
	Party           string `json:"party"`
	// Description is in every language the catalogue is written in.
	Description vendors.Text `json:"description"`
}

// catalogVendors lists the built-in catalogue for the forms.
func catalogVendors() []catalogVendor {
	integrations := map[string]bool{consent.VendorGoogleAnalytics: true, consent.VendorGoogleTagManager: true,
		consent.VendorHotjar: true, consent.VendorMetaPixel: true, consent.VendorHubSpot: true}
	all := vendors.All()
	out := make([]catalogVendor, 0, len(all))
	for _, v := range all {
		cv := catalogVendor{ID: v.ID, Name: v.Name, Provider: v.Provider, Purposes: v.Purposes,
			PrivacyPolicyURL: v.PrivacyPolicyURL, Embed: len(v.EmbedHosts) > 0, Cookies: []catalogCookie{}}
		if integrations[v.ID] {
			cv.Integration = v.ID
		}
		for _, c := range v.Cookies {
			cv.Cookies = append(cv.Cookies, catalogCookie{Name: c.Name, DurationMinutes: c.DurationMinutes, Party: c.Party, Description: c.Description})
		}
		out = append(out, cv)
	}
	return out
}

// catalog tells the UI what the forms offer: languages, every text key with
// its default wording per language, the bounds of the number fields, and
// the built-in vendors a site can declare.
func (s *server) catalog(c echo.Context) error {
	keys := consent.TextKeys()
	sort.Strings(keys)
	defaults := map[string]consent.Texts{}
	langs := make([]map[string]string, 0, len(consent.Languages))
	for _, l := range consent.Languages {
		defaults[l] = consent.DefaultTexts(l)
		langs = append(langs, map[string]string{"code": l, "name": consent.LanguageNames[l]})
	}
	return c.JSON(http.StatusOK, map[string]any{
		"languages":     langs,
		"text_keys":     keys,
		"default_texts": defaults,
		"lifetime_days": map[string]int{"default": consent.DefaultLifetimeDays, "max": consent.MaxLifetimeDays},
		"retention_days": map[string]int{"default": consent.DefaultRetentionDays,
			"min": consent.MinRetentionDays, "max": consent.MaxRetentionDays},
		"public_url": s.PublicURL,
		"vendors":    catalogVendors(),
		"vendor_limits": map[string]int{"vendors": consent.MaxSiteVendors, "hosts": consent.MaxVendorHosts,
			"cookies": consent.MaxVendorCookies, "cookie_days": consent.MaxCookieDays, "ga_cookie_days": consent.MaxGACookieDays},
	})
}

// siteSummary is one row of the site list.
type siteSummary struct {
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	Origins       []string      `json:"origins"`
	Role          accounts.Role `json:"role"`
	ConfigVersion string        `json:"config_version"`
	// ScriptTag is built here only, so the UI shows the tag the server
	// would, public URL and escaping included.
	ScriptTag string `json:"script_tag"`
}

func (s *server) dashboardListSites(c echo.Context) error {
	sites, roles, err := s.visibleSites(c.Request().Context(), principalOf(c))
	if err != nil {
		return err
	}
	out := make([]siteSummary, len(sites))
	for i, site := range sites {
		out[i] = siteSummary{ID: site.ID, Name: site.Name, Origins: site.Origins, Role: roles[site.ID], ConfigVersion: site.ConfigVersion,
			ScriptTag: ScriptTag(s.PublicURL, site.ID)}
	}
	p := principalOf(c)
	return c.JSON(http.StatusOK, map[string]any{"sites": out, "can_create": mayCreateSites(p, roles), "operator": p.Operator})
}

// mayCreateSites decides who may create sites: operators, and users who own
// a site (that still exists). A viewer is a marketer who reads numbers; a
// site they created would make them its owner, with the power to change
// what a banner asks and to pick the vendors it loads, which is exactly
// what their role withholds. Users without any grant are in the same
// place: an operator grants them a site, or makes them an operator.
// roles are the principal's roles on the sites visible to them.
func mayCreateSites(p principal, roles map[string]accounts.Role) bool {
	if p.Operator {
		return true
	}
	for _, r := range roles {
		if r == accounts.Owner {
			return true
		}
	}
	return false
}

func (s *server) dashboardGetSite(c echo.Context) error {
	return c.JSON(http.StatusOK, s.siteView(siteOf(c), roleOf(c)))
}

// dashboardCreateSite creates a site; the user who creates it owns it. Only
// those mayCreateSites allows may (operators see every site anyway).
func (s *server) dashboardCreateSite(c echo.Context) error {
	ctx := c.Request().Context()
	p := principalOf(c)
	_, roles, err := s.visibleSites(ctx, p)
	if err != nil {
		return err
	}
	if !mayCreateSites(p, roles) {
		return NewError(http.StatusForbidden, "forbidden",
			"only operators and owners of a site may add sites; ask an operator")
	}
	settings, err := ReadSettings(c)
	if err != nil {
		return err
	}
	site, err := s.siteWriter.Create(ctx, settings, actorOf(c))
	if err != nil {
		return err
	}
	role := accounts.Owner
	if p.User.ID != "" {
		g := accounts.Grant{UserID: p.User.ID, SiteID: site.ID, Role: accounts.Owner, CreatedAt: s.Now().UTC()}
		if err := s.Accounts.SetGrant(ctx, g); err != nil {
			// Without the grant nobody but an operator could reach the
			// site: take it back rather than leave it half made.
			if derr := s.siteWriter.Purge(ctx, site.ID); derr != nil {
				s.log.Error("could not remove a site whose owner grant failed", "site", site.ID, "err", derr)
			}
			return err
		}
	}
	c.Response().Header().Set("Location", "/dashboard/api/sites/"+site.ID)
	return c.JSON(http.StatusCreated, s.siteView(site, role))
}

func (s *server) dashboardUpdateSite(c echo.Context) error {
	again, err := askAgain(c)
	if err != nil {
		return err
	}
	settings, err := ReadSettings(c)
	if err != nil {
		return err
	}
	site, err := s.siteWriter.Update(c.Request().Context(), siteOf(c), settings, again, actorOf(c))
	if errors.Is(err, consent.ErrNotFound) {
		return errNoSite(c.Param("site"))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.siteView(site, roleOf(c)))
}

// dashboardDeleteSite deletes a site, as DELETE /v1/admin/sites/{id}
// does: the request must carry the site's name as the owner typed it, so a
// stray click, or a request replayed against the wrong id, deletes nothing.
// The site is hidden at once and kept, receipts and all, until the grace
// period ends; its owners can restore it until then. Only the admin API
// purges at once.
func (s *server) dashboardDeleteSite(c echo.Context) error {
	site := siteOf(c)
	if err := confirmName(c, site, false); err != nil {
		return err
	}
	// The write path makes the API's site cache forget it now, so the
	// snippet's config and receipts for it stop at once rather than after
	// the cache's TTL.
	d, err := s.siteWriter.Delete(c.Request().Context(), site, actorOf(c))
	if errors.Is(err, consent.ErrNotFound) {
		return errNoSite(site.ID)
	}
	if err != nil {
		return err
	}
	s.log.Info("a site was deleted from the dashboard", "site", site.ID, "by", actorOf(c), "purge_after", d.PurgeAfter)
	return c.NoContent(http.StatusNoContent)
}

// previewDraft returns the banner config the snippet would receive for
// draft settings, in one language, without storing anything. The preview
// page hands it to the real samtykke.js.
func (s *server) previewDraft(c echo.Context) error {
	lang := c.QueryParam("lang")
	// Leniently: a draft with a field still wrong (an origin half typed)
	// can be previewed; saving it is what validates.
	var settings consent.SiteSettings
	if err := decodeLenient(c, &settings); err != nil {
		return err
	}
	settings.Normalize()
	if lang == "" {
		lang = settings.DefaultLanguage
	}
	if !consent.SupportedLanguage(lang) {
		return badRequest("lang", "must be one of "+strings.Join(consent.Languages, ", "))
	}
	site := consent.Site{ID: c.Param("site")}
	if site.ID == "" {
		site.ID = "preview"
	}
	site.Apply(settings, s.Now().UTC())
	return c.JSON(http.StatusOK, site.BannerConfig(lang))
}

func decodeLenient(c echo.Context, dst any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return badRequest("body", "must be the site's settings as a JSON object")
	}
	return nil
}
