package httpapi_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/vendors"
)

func TestSiteSetup(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		older := h.createNamedSite("Eldre")
		h.createUser("kari@example.no", [2]string{older.ID, "owner"})
		b := h.browser()
		b.mustLogin("kari@example.no")

		// The owner of a site may add more (TestCreateSiteWho), and
		// creating one makes its creator the owner.
		if r := b.call("GET", "/dashboard/api/sites", ""); !strings.Contains(string(r.body), `"can_create":true`) ||
			strings.Count(string(r.body), `"role":"owner"`) != 1 {
			t.Errorf("first list: %s", r.body)
		}
		r := b.call("POST", "/dashboard/api/sites", `{"name":"Sykkel","origins":["https://sykkel.example"],
			"privacy_policy_url":"https://sykkel.example/personvern","default_language":"nb","consent_lifetime_days":90,
			"integrations":{"google_analytics":{"measurement_id":"G-ABC123"},"google_tag_manager":{"container_id":"GTM-ABC1234"},
			"hotjar":{"site_id":1234567},"meta_pixel":{"pixel_id":"1234567890"},"hubspot":{"portal_id":"998877","region":"eu1"}},
			"texts":{"nb":{"banner.title":"Vi bruker informasjonskapsler"}}}`)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var site siteView
		r.decode(t, &site)
		if site.Role != "owner" || site.ConsentLifetimeDays != 90 || site.Integrations.HubSpot.Region != "eu1" ||
			site.ScriptTag != `<script src="`+publicURL+`/samtykke.js?site=`+site.ID+`" data-site="`+site.ID+`"></script>` {
			t.Errorf("created site: %+v", site)
		}
		if r := b.call("GET", "/dashboard/api/sites/"+site.ID, ""); r.status != http.StatusOK {
			t.Errorf("the creator cannot read the site: %d", r.status)
		}

		// Invalid values: every problem comes back under its field, and
		// nothing is saved, not even the valid part.
		bad := `{"name":"Renamed","origins":["https://ok.example","ftp://x"],"privacy_policy_url":"not a url",
			"default_language":"xx","consent_lifetime_days":400,
			"integrations":{"google_analytics":{"measurement_id":"UA-1"},"hotjar":{"site_id":-1}},
			"texts":{"nb":{"banner.title":""}}}`
		r = b.call("PUT", "/dashboard/api/sites/"+site.ID, bad)
		if r.status != http.StatusUnprocessableEntity || r.err(t).Error.Code != "invalid" {
			t.Fatalf("invalid PUT: %d %s", r.status, r.body)
		}
		want := "consent_lifetime_days,default_language,integrations.google_analytics.measurement_id,integrations.hotjar.site_id,origins[1],privacy_policy_url,texts.nb.banner.title"
		if got := strings.Join(r.fields(t), ","); got != want {
			t.Errorf("fields:\n got %s\nwant %s", got, want)
		}
		for _, f := range r.err(t).Error.Fields {
			if f.Message == "" {
				t.Errorf("field %s has no message", f.Field)
			}
		}
		after, _ := h.store.Site(t.Context(), site.ID)
		if after.Name != "Sykkel" || after.ConfigVersion != site.ConfigVersion {
			t.Errorf("an invalid PUT changed the site: %+v", after)
		}
		// Misspelt field names are refused, not dropped.
		r = b.call("PUT", "/dashboard/api/sites/"+site.ID, `{"nmae":"x"}`)
		if r.status != http.StatusUnprocessableEntity || strings.Join(r.fields(t), ",") != "nmae" {
			t.Errorf("unknown field: %d %s", r.status, r.body)
		}
		// A valid change of texts is a new config version, with history.
		r = b.call("PUT", "/dashboard/api/sites/"+site.ID, `{"name":"Sykkel","origins":["https://sykkel.example"],
			"privacy_policy_url":"https://sykkel.example/personvern","default_language":"nb",
			"texts":{"nb":{"banner.title":"Ny tittel"}}}`)
		var updated siteView
		r.decode(t, &updated)
		if r.status != http.StatusOK || updated.ConfigVersion == site.ConfigVersion || len(updated.ConfigHistory) != 2 ||
			updated.Texts["nb"]["banner.title"] != "Ny tittel" || updated.Integrations.GoogleAnalytics != nil {
			t.Errorf("update: %d %+v", r.status, updated)
		}
		// The API's site cache is told, and the public banner config
		// follows at once.
		h.mu.Lock()
		if strings.Join(h.changed, ",") != site.ID {
			t.Errorf("SiteChanged calls: %v, want one for %s", h.changed, site.ID)
		}
		h.mu.Unlock()
		cfg := h.do("GET", "/v1/sites/"+site.ID+"/config?lang=nb", "", nil)
		if !strings.Contains(string(cfg.body), "Ny tittel") {
			t.Errorf("banner config after the update: %s", cfg.body)
		}
	})
}

func TestPreviewDraft(t *testing.T) {
	t.Parallel()
	h := newHarnessBolt(t)
	site := h.createNamedSite("Shop")
	h.createUser("kari@example.no", [2]string{site.ID, "viewer"})
	b := h.browser()
	b.mustLogin("kari@example.no")
	draft := `{"name":"Shop","origins":["https://half.typ"],"privacy_policy_url":"https://shop.example/p",
		"default_language":"nb","texts":{"nb":{"banner.title":"Utkast"},"sv":{"banner.title":"Utkast på svenska"}},
		"integrations":{"meta_pixel":{"pixel_id":"1234567890"}}}`
	for _, path := range []string{"/dashboard/api/preview", "/dashboard/api/sites/" + site.ID + "/preview"} {
		r := b.call("POST", path+"?lang=sv", draft)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		var cfg consent.BannerConfig
		r.decode(t, &cfg)
		if cfg.Language != "sv" || cfg.Texts["banner.title"] != "Utkast på svenska" || cfg.Integrations.MetaPixel == nil ||
			cfg.Texts["banner.accept_all"] != consent.DefaultTexts("sv")["banner.accept_all"] || cfg.ConfigVersion == "" {
			t.Errorf("%s: preview config %+v", path, cfg)
		}
	}
	// Previewing stores nothing.
	if s, _ := h.store.Site(t.Context(), site.ID); s.ConfigVersion != site.ConfigVersion {
		t.Error("a preview changed the site")
	}
	if r := b.call("POST", "/dashboard/api/preview?lang=xx", draft); r.status != http.StatusUnprocessableEntity {
		t.Errorf("preview in an unknown language: %d", r.status)
	}
	// The catalog gives the forms every text key with its defaults.
	r := b.call("GET", "/dashboard/api/catalog", "")
	var cat struct {
		TextKeys     []string                 `json:"text_keys"`
		DefaultTexts map[string]consent.Texts `json:"default_texts"`
		Languages    []struct{ Code, Name string }
		// The built-in vendors a site can declare, with their cookies.
		Vendors []struct {
			ID, Name, Provider, Integration string
			Purposes                        []string
			Embed                           bool
			Cookies                         []struct {
				Name            string
				DurationMinutes int `json:"duration_minutes"`
				Party           string
				Description     map[string]string
			}
		}
		VendorLimits map[string]int `json:"vendor_limits"`
	}
	r.decode(t, &cat)
	if len(cat.TextKeys) != len(consent.TextKeys()) || cat.DefaultTexts["nb"]["banner.title"] != consent.DefaultTexts("nb")["banner.title"] ||
		len(cat.Languages) != len(consent.Languages) || len(cat.Vendors) != len(vendors.All()) || cat.VendorLimits["vendors"] != consent.MaxSiteVendors {
		t.Errorf("catalog: %s", r.body)
	}
	byID := map[string]int{}
	for i, v := range cat.Vendors {
		byID[v.ID] = i
	}
	ga, yt, li := cat.Vendors[byID["google_analytics"]], cat.Vendors[byID["youtube"]], cat.Vendors[byID["linkedin_insight"]]
	if ga.Integration != "google_analytics" || ga.Cookies[0].Name != "_ga" || ga.Cookies[0].DurationMinutes != 730*24*60 ||
		ga.Cookies[0].Party != "first" || ga.Cookies[0].Description["nb"] == "" {
		t.Errorf("catalog's GA: %+v", ga)
	}
	if !yt.Embed || yt.Integration != "" || li.Name == "" || li.Provider == "" || len(li.Purposes) != 1 || li.Purposes[0] != "marketing" {
		t.Errorf("catalog's YouTube and LinkedIn: %+v %+v", yt, li)
	}
}

// Deleting a site from the dashboard: only its owners and operators may,
// only from the dashboard's page with the session's CSRF token, and only
// with the site's name typed; then it leaves every list at once.
func TestDeleteSite(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		shop, other := h.createNamedSite("Nordic Shop"), h.createNamedSite("Other")
		h.createUser("kari@example.no", [2]string{shop.ID, "owner"})
		h.createUser("ola@example.no", [2]string{shop.ID, "viewer"}, [2]string{other.ID, "viewer"})
		kari, ola := h.browser(), h.browser()
		kari.mustLogin("kari@example.no")
		ola.mustLogin("ola@example.no")
		path := "/dashboard/api/sites/" + shop.ID
		confirm := `{"confirm_name":"Nordic Shop"}`

		refused := []struct {
			name   string
			c      *client
			body   string
			origin string
			csrf   string
			status int
			code   string
			field  string
		}{
			{"a viewer", ola, confirm, publicURL, "", http.StatusForbidden, "forbidden", ""},
			{"another origin", kari, confirm, "https://evil.example", "", http.StatusForbidden, "forbidden_origin", ""},
			{"no CSRF token", kari, confirm, publicURL, "-", http.StatusForbidden, "csrf", ""},
			{"no body", kari, "", publicURL, "", http.StatusBadRequest, "malformed", "body"},
			{"no name typed", kari, `{"confirm_name":"  "}`, publicURL, "", http.StatusUnprocessableEntity, "invalid", "confirm_name"},
			{"another name", kari, `{"confirm_name":"nordic shop"}`, publicURL, "", http.StatusUnprocessableEntity, "invalid", "confirm_name"},
			{"an unknown field", kari, `{"confirm":"Nordic Shop"}`, publicURL, "", http.StatusUnprocessableEntity, "invalid", "confirm"},
		}
		for _, tc := range refused {
			c := *tc.c
			c.origin = tc.origin
			if tc.csrf == "-" {
				c.csrf = ""
			}
			r := c.call("DELETE", path, tc.body)
			if r.status != tc.status || r.err(t).Error.Code != tc.code {
				t.Errorf("%s: %d %s", tc.name, r.status, r.body)
				continue
			}
			if tc.field != "" && strings.Join(r.fields(t), ",") != tc.field {
				t.Errorf("%s: fields %v", tc.name, r.fields(t))
			}
			if _, err := h.store.Site(t.Context(), shop.ID); err != nil {
				t.Fatalf("%s deleted the site: %v", tc.name, err)
			}
		}

		// Spaces around the typed name do not matter.
		if r := kari.call("DELETE", path, `{"confirm_name":" Nordic Shop "}`); r.status != http.StatusNoContent {
			t.Fatalf("owner delete: %d %s", r.status, r.body)
		}
		if _, err := h.store.Site(t.Context(), shop.ID); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("the site is still stored: %v", err)
		}
		h.mu.Lock()
		if strings.Join(h.changed, ",") != shop.ID {
			t.Errorf("SiteChanged calls: %v, want one for %s", h.changed, shop.ID)
		}
		h.mu.Unlock()
		// Gone from every list, and from the public API.
		for who, c := range map[string]*client{"owner": kari, "viewer": ola, "operator": h.operator()} {
			if r := c.call("GET", "/dashboard/api/sites", ""); r.status != http.StatusOK || strings.Contains(string(r.body), shop.ID) {
				t.Errorf("%s's list after the delete: %d %s", who, r.status, r.body)
			}
			if r := c.call("GET", path, ""); r.status != http.StatusNotFound {
				t.Errorf("%s reads the deleted site: %d", who, r.status)
			}
		}
		if r := h.admin("GET", "/v1/admin/users", ""); strings.Contains(string(r.body), shop.ID) {
			t.Errorf("the people list still shows a grant of the deleted site: %s", r.body)
		}
		if r := h.do("GET", "/v1/sites/"+shop.ID+"/config", "", nil); r.status != http.StatusNotFound {
			t.Errorf("public config of the deleted site: %d", r.status)
		}
		// Once deleted, it cannot be deleted again.
		if r := kari.call("DELETE", path, confirm); r.status != http.StatusNotFound {
			t.Errorf("second delete: %d %s", r.status, r.body)
		}

		// An operator deletes any site, granted or not.
		op := h.operator()
		if r := op.call("DELETE", "/dashboard/api/sites/"+other.ID, `{"confirm_name":"Other"}`); r.status != http.StatusNoContent {
			t.Errorf("operator delete: %d %s", r.status, r.body)
		}
		if _, err := h.store.Site(t.Context(), other.ID); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("the operator's delete left the site: %v", err)
		}
	})
}
