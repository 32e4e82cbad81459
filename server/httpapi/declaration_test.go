package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/vendors"
	"github.com/samtykke/samtykke/snippet"
)

// vendorsJSON is siteJSON with a week-long GA cookie, a built-in vendor
// pasted by hand and a custom one.
var vendorsJSON = strings.Replace(strings.Replace(siteJSON, `{"measurement_id":"G-ABC123"}`,
	`{"measurement_id":"G-ABC123","cookie_expires_days":7}`, 1), `"integrations"`,
	`"vendors":[{"id":"linkedin_insight"},{"name":"Chatly","provider":"Chatly AS, Norway","purpose":"marketing",
	  "privacy_policy_url":"https://chatly.example/privacy","hosts":["widget.chatly.example"],
	  "cookies":[{"name":"chatly_id","lifetime_days":365,"party":"first","description":{"en":"Chat visitor id","nb":"Chat-besøkende-ID"}}]}],
	"integrations"`, 1)

// Vendors in the admin API: stored and answered with the custom vendor's
// id on both stores, refused under their field with nothing changed, and
// listed to visitors with their rules.
func TestSiteVendors(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(vendorsJSON)
		if len(s.Vendors) != 2 || s.Vendors[0].ID != "linkedin_insight" || s.Vendors[1].ID != "custom_chatly" ||
			s.Integrations.GoogleAnalytics.CookieExpiresDays != 7 {
			t.Fatalf("created: %+v %+v", s.Vendors, s.Integrations.GoogleAnalytics)
		}
		// Read back from the store (not the cache), then sent back as the
		// dashboard does: the same settings, the same version.
		stored, err := h.store.Site(context.Background(), s.ID)
		if err != nil || !slices.EqualFunc(stored.Vendors, s.Vendors, func(a, b consent.SiteVendor) bool { return mustJSON(a) == mustJSON(b) }) {
			t.Fatalf("stored: %+v %v", stored.Vendors, err)
		}
		again := h.admin("PUT", "/v1/admin/sites/"+s.ID, mustJSON(stored.SiteSettings))
		var put siteView
		if err := json.Unmarshal(again.body, &put); again.status != http.StatusOK || err != nil || put.ConfigVersion != s.ConfigVersion {
			t.Fatalf("settings sent back: %d %s", again.status, again.body)
		}

		refused := []struct {
			name, from, to, field string
		}{
			{"an unknown built-in", `{"id":"linkedin_insight"}`, `{"id":"linkedin"}`, "vendors[0].id"},
			{"a party", `"party":"first"`, `"party":"1st"`, "vendors[1].cookies[0].party"},
			{"a host", `"widget.chatly.example"`, `"https://widget.chatly.example"`, "vendors[1].hosts[0]"},
			{"GA's lifetime", `"cookie_expires_days":7`, `"cookie_expires_days":800`, "integrations.google_analytics.cookie_expires_days"},
			// encoding/json names an unknown field without its path.
			{"a field nobody knows", `"purpose":"marketing"`, `"purpose":"marketing","colour":"red"`, "colour"},
		}
		for _, tt := range refused {
			r := h.admin("PUT", "/v1/admin/sites/"+s.ID, strings.Replace(vendorsJSON, tt.from, tt.to, 1))
			if fields := r.fields(t); (r.status != http.StatusBadRequest && r.status != http.StatusUnprocessableEntity) || !slices.Contains(fields, tt.field) {
				t.Errorf("%s: %d %v, want %s", tt.name, r.status, fields, tt.field)
			}
		}
		if now, _ := h.store.Site(context.Background(), s.ID); now.ConfigVersion != s.ConfigVersion || len(now.Vendors) != 2 {
			t.Errorf("a refused change was stored: %+v", now)
		}

		var cfg consent.BannerConfig
		r := h.do("GET", "/v1/sites/"+s.ID+"/config?lang=nb", "", nil)
		if err := json.Unmarshal(r.body, &cfg); err != nil {
			t.Fatal(err)
		}
		var marketing []consent.Vendor
		for _, p := range cfg.Purposes {
			if p.ID == consent.Marketing {
				marketing = p.Vendors
			}
		}
		last := marketing[len(marketing)-1]
		if last.ID != "custom_chatly" || !last.Custom || last.Cookies[0].Description != "Chat-besøkende-ID" || last.Cookies[0].Party != consent.FirstParty {
			t.Errorf("custom vendor in the config: %+v", last)
		}
		if !strings.Contains(string(r.body), `{"name":"_ga","duration_minutes":10080,"duration_days":7,"party":"first"`) {
			t.Errorf("GA's lifetime in the config: %s", r.body)
		}
		if n := len(vendors.Rules()); len(cfg.Rules) != n+1 || cfg.Rules[n].Vendor != "custom_chatly" {
			t.Errorf("config rules: %d, want %d and the custom vendor's", len(cfg.Rules), n)
		}
		// A release that changes the catalogue's rules changes the ETag,
		// though the site's version stays.
		if etag := r.header.Get("ETag"); etag != `"`+s.ConfigVersion+"-"+consent.CatalogueVersion()+`-nb"` {
			t.Errorf("config ETag %s does not name the catalogue's version", etag)
		}
	})
}

// samtykke.js carries the rules in front of the bundle: the catalogue's,
// and with ?site= the site's custom vendors' too. Each variant has its own
// ETag; unknown and vendor-less sites get the catalogue's script.
func TestScriptRules(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		custom := h.createSite(vendorsJSON)
		plain := h.createSite(siteJSON)
		rulesOf := func(r response) []vendors.Rule {
			t.Helper()
			if r.status != http.StatusOK || !bytes.HasSuffix(r.body, snippet.Script) {
				t.Fatalf("samtykke.js: %d, %d bytes", r.status, len(r.body))
			}
			head, ok := bytes.CutSuffix(r.body, snippet.Script)
			js, ok2 := bytes.CutPrefix(head, []byte("window.samtykkeRules="))
			js, ok3 := bytes.CutSuffix(js, []byte(";\n"))
			var rules []vendors.Rule
			if !ok || !ok2 || !ok3 || json.Unmarshal(js, &rules) != nil {
				t.Fatalf("samtykke.js does not start with the rules: %.200s", r.body)
			}
			return rules
		}
		base := h.do("GET", "/samtykke.js", "", nil)
		if got := rulesOf(base); mustJSON(got) != mustJSON(vendors.Rules()) {
			t.Errorf("catalogue rules: %d", len(got))
		}
		withSite := h.do("GET", "/samtykke.js?site="+custom.ID, "", nil)
		got := rulesOf(withSite)
		if len(got) != len(vendors.Rules())+1 || got[len(got)-1].Vendor != "custom_chatly" ||
			!slices.Equal(got[len(got)-1].Hosts, []string{"widget.chatly.example"}) || !slices.Equal(got[len(got)-1].Cookies, []string{"chatly_id"}) {
			t.Errorf("site rules: %+v", got[len(got)-1])
		}
		etag, siteTag := base.header.Get("ETag"), withSite.header.Get("ETag")
		if etag == "" || siteTag == "" || etag == siteTag {
			t.Errorf("ETags %q and %q", etag, siteTag)
		}
		for _, path := range []string{"/samtykke.js?site=" + plain.ID, "/samtykke.js?site=nosuchsite", "/samtykke.js?site="} {
			r := h.do("GET", path, "", nil)
			if r.header.Get("ETag") != etag || !bytes.Equal(r.body, base.body) || r.header.Get("Cache-Control") != base.header.Get("Cache-Control") {
				t.Errorf("%s: %d, ETag %s, not the catalogue's script", path, r.status, r.header.Get("ETag"))
			}
		}
		if r := h.do("GET", "/samtykke.js?site="+custom.ID, "", map[string]string{"If-None-Match": siteTag}); r.status != http.StatusNotModified {
			t.Errorf("revalidating the site's script: %d", r.status)
		}
		if r := h.do("GET", "/samtykke.js?site="+custom.ID, "", map[string]string{"If-None-Match": etag}); r.status != http.StatusOK {
			t.Errorf("the catalogue's ETag revalidated the site's script: %d", r.status)
		}
		// A new custom vendor reaches the script: a new ETag.
		more := strings.Replace(vendorsJSON, `"hosts":["widget.chatly.example"]`, `"hosts":["widget.chatly.example","cdn.chatly.example"]`, 1)
		if r := h.admin("PUT", "/v1/admin/sites/"+custom.ID, more); r.status != http.StatusOK {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		h.clock.Advance(time.Second) // past the site cache's TTL, as another replica would be
		if r := h.do("GET", "/samtykke.js?site="+custom.ID, "", nil); r.header.Get("ETag") == siteTag || !strings.Contains(string(r.body), "cdn.chatly.example") {
			t.Errorf("changed vendors, same script: %s", r.header.Get("ETag"))
		}
		// The script tag the API answers names the site in both places.
		if custom.ScriptTag != `<script src="https://consent.example.net/samtykke.js?site=`+custom.ID+`" data-site="`+custom.ID+`"></script>` {
			t.Errorf("script_tag: %s", custom.ScriptTag)
		}
	})
}

// The declaration: public and CORS-readable like the config, in the
// visitor's language, cached with an ETag, 404 for an unknown site.
func TestDeclaration(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(vendorsJSON)
		path := "/v1/sites/" + s.ID + "/declaration"
		r := h.do("GET", path+"?lang=nn", "", map[string]string{"Origin": "https://elsewhere.example"})
		var d consent.Declaration
		if err := json.Unmarshal(r.body, &d); r.status != http.StatusOK || err != nil {
			t.Fatalf("declaration: %d %s", r.status, r.body)
		}
		if d.SiteID != s.ID || d.Language != "nn" || d.ConfigVersion != s.ConfigVersion || d.ConsentLifetimeDays != 182 ||
			d.PrivacyPolicyURL != "https://www.nordicshop.no/personvern" || len(d.Purposes) != 3 {
			t.Errorf("declaration: %+v", d)
		}
		// It lists what the banner lists, in the same language.
		var cfg consent.BannerConfig
		_ = json.Unmarshal(h.do("GET", "/v1/sites/"+s.ID+"/config?lang=nn", "", nil).body, &cfg)
		if mustJSON(d.Purposes) != mustJSON(cfg.Purposes) {
			t.Errorf("declaration and config differ:\n%s\n%s", mustJSON(d.Purposes), mustJSON(cfg.Purposes))
		}
		// Nynorsk readers get the custom vendor's Bokmål.
		if !strings.Contains(string(r.body), "Chat-besøkende-ID") {
			t.Errorf("nn fell back to English: %s", r.body)
		}
		hd := r.header
		if hd.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(hd.Get("Cache-Control"), "max-age=60") ||
			!strings.Contains(strings.Join(hd.Values("Vary"), ","), "Accept-Language") || hd.Get("ETag") == "" {
			t.Errorf("headers: %v", hd)
		}
		if r := h.do("GET", path+"?lang=nn", "", map[string]string{"If-None-Match": hd.Get("ETag")}); r.status != http.StatusNotModified {
			t.Errorf("revalidation: %d", r.status)
		}
		byHeader := h.do("GET", path, "", map[string]string{"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"})
		if byHeader.json(t)["language"] != "sv" || byHeader.header.Get("ETag") == hd.Get("ETag") {
			t.Errorf("Accept-Language: %s %s", byHeader.json(t)["language"], byHeader.header.Get("ETag"))
		}
		if r := h.do("GET", path, "", nil); r.json(t)["language"] != "nb" {
			t.Errorf("default language: %s", r.json(t)["language"])
		}
		if r := h.do("GET", "/v1/sites/nosuchsite/declaration", "", nil); r.status != http.StatusNotFound {
			t.Errorf("unknown site: %d", r.status)
		}
	})
}

// A site stored before vendors existed (its JSON has no "vendors") is
// served as before: its config with its own version, the catalogue's
// rules, receipts accepted, the catalogue's script.
func TestSiteFromBeforeVendors(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		var old consent.Site
		stored := `{"id":"oldsite1234567890","name":"Nordic Shop","origins":["https://www.nordicshop.no"],"default_language":"nb",
			"privacy_policy_url":"https://www.nordicshop.no/personvern","consent_lifetime_days":182,"retention_days":1826,
			"integrations":{"google_analytics":{"measurement_id":"G-ABC123"}},
			"config_version":"0123456789abcdef","config_history":[{"version":"0123456789abcdef","since":"2026-01-01T00:00:00Z"}],
			"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
		if err := json.Unmarshal([]byte(stored), &old); err != nil {
			t.Fatal(err)
		}
		if err := h.store.CreateSite(context.Background(), old); err != nil {
			t.Fatal(err)
		}
		r := h.do("GET", "/v1/sites/"+old.ID+"/config", "", nil)
		var cfg consent.BannerConfig
		if err := json.Unmarshal(r.body, &cfg); r.status != http.StatusOK || err != nil || cfg.ConfigVersion != old.ConfigVersion ||
			len(cfg.Rules) != len(vendors.Rules()) {
			t.Fatalf("config of an old site: %d %.300s", r.status, r.body)
		}
		if r := h.postReceipt(old.ID, mustJSON(receipt(siteView{Site: old}, nil))); r.status != http.StatusCreated {
			t.Errorf("receipt for an old site: %d %s", r.status, r.body)
		}
		if r := h.do("GET", "/v1/sites/"+old.ID+"/declaration", "", nil); r.status != http.StatusOK {
			t.Errorf("declaration of an old site: %d", r.status)
		}
		base := h.do("GET", "/samtykke.js", "", nil)
		if r := h.do("GET", "/samtykke.js?site="+old.ID, "", nil); r.header.Get("ETag") != base.header.Get("ETag") {
			t.Errorf("an old site's script differs from the catalogue's")
		}
		got := h.admin("GET", "/v1/admin/sites/"+old.ID, "")
		if got.status != http.StatusOK || strings.Contains(string(got.body), `"vendors"`) {
			t.Errorf("admin view of an old site: %d %s", got.status, got.body)
		}
	})
}
