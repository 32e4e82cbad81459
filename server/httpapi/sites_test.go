package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/server/consent"
)

func TestAdminAuth(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		tests := []struct {
			name, auth string
			want       int
		}{
			{"no header", "", http.StatusUnauthorized},
			{"not bearer", "Basic " + adminToken, http.StatusUnauthorized},
			{"wrong token", "Bearer not-the-token-at-all", http.StatusUnauthorized},
			{"right token", "Bearer " + adminToken, http.StatusOK},
		}
		for _, tt := range tests {
			hd := map[string]string{}
			if tt.auth != "" {
				hd["Authorization"] = tt.auth
			}
			r := h.do("GET", "/v1/admin/sites", "", hd)
			if r.status != tt.want {
				t.Errorf("%s: status %d, want %d (%s)", tt.name, r.status, tt.want, r.body)
			}
			if r.status == http.StatusUnauthorized {
				r.fields(t) // a JSON error with a message
				if r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: 401 without WWW-Authenticate", tt.name)
				}
			}
		}
		// Every admin route is guarded, not just the list.
		for _, route := range []string{"GET /v1/admin/sites/x", "PUT /v1/admin/sites/x", "DELETE /v1/admin/sites/x", "GET /v1/admin/sites/x/stats", "POST /v1/admin/sites"} {
			m, p, _ := strings.Cut(route, " ")
			if r := h.do(m, p, "{}", nil); r.status != http.StatusUnauthorized {
				t.Errorf("%s without token: %d", route, r.status)
			}
		}
	})
}

func TestSiteLifecycle(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		if len(s.ID) < 10 || s.ConfigVersion == "" || s.Name != "Nordic Shop" {
			t.Fatalf("created site lacks id or version: %+v", s)
		}
		wantTag := `<script src="https://consent.example.net/samtykke.js?site=` + s.ID + `" data-site="` + s.ID + `"></script>`
		if s.ScriptTag != wantTag {
			t.Errorf("script_tag = %s, want %s", s.ScriptTag, wantTag)
		}
		if s.ConsentLifetimeDays != 182 || s.RetentionDays != consent.DefaultRetentionDays {
			t.Errorf("defaults not filled: lifetime %d, retention %d", s.ConsentLifetimeDays, s.RetentionDays)
		}
		if s.Integrations.Hotjar == nil || s.Integrations.Hotjar.SiteID != 1234567 {
			t.Errorf("integrations not stored: %+v", s.Integrations)
		}

		got := h.admin("GET", "/v1/admin/sites/"+s.ID, "")
		if got.status != http.StatusOK || !strings.Contains(string(got.body), `"G-ABC123"`) {
			t.Fatalf("get: %d %s", got.status, got.body)
		}
		list := h.admin("GET", "/v1/admin/sites", "")
		if !strings.Contains(string(list.body), s.ID) {
			t.Errorf("list does not hold the site: %s", list.body)
		}

		upd := h.admin("PUT", "/v1/admin/sites/"+s.ID, strings.Replace(siteJSON, "Nordic Shop", "Nordic Shop AS", 1))
		if upd.status != http.StatusOK || !strings.Contains(string(upd.body), "Nordic Shop AS") {
			t.Fatalf("update: %d %s", upd.status, upd.body)
		}

		if r := h.admin("DELETE", "/v1/admin/sites/"+s.ID, `{"confirm_name":"Nordic Shop AS"}`); r.status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			if r := h.admin(m, "/v1/admin/sites/"+s.ID, siteJSON); r.status != http.StatusNotFound {
				t.Errorf("%s after delete: %d, want 404", m, r.status)
			}
		}
		if r := h.do("GET", "/v1/sites/"+s.ID+"/config", "", nil); r.status != http.StatusNotFound {
			t.Errorf("config of a deleted site: %d, want 404", r.status)
		}
	})
}

func TestSiteValidation(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		existing := h.createSite(siteJSON)
		tests := []struct {
			name       string
			body       string
			wantStatus int
			wantField  string
		}{
			{"malformed JSON", `{"name":`, 400, "body"},
			{"empty body", ``, 400, "body"},
			{"wrong type", strings.Replace(siteJSON, `"Nordic Shop"`, `5`, 1), 422, "name"},
			{"unknown field", strings.Replace(siteJSON, `"name"`, `"colour":"red","name"`, 1), 422, "colour"},
			{"missing name", strings.Replace(siteJSON, `"name":"Nordic Shop",`, ``, 1), 422, "name"},
			{"no origins", strings.Replace(siteJSON, `["https://www.nordicshop.no"]`, `[]`, 1), 422, "origins"},
			{"origin with path", strings.Replace(siteJSON, `"https://www.nordicshop.no"]`, `"https://www.nordicshop.no/shop"]`, 1), 422, "origins[0]"},
			{"origin without scheme", strings.Replace(siteJSON, `"https://www.nordicshop.no"]`, `"www.nordicshop.no"]`, 1), 422, "origins[0]"},
			{"ftp origin", strings.Replace(siteJSON, `"https://www.nordicshop.no"]`, `"ftp://www.nordicshop.no"]`, 1), 422, "origins[0]"},
			{"unknown language", strings.Replace(siteJSON, `"nb"`, `"xx"`, 1), 422, "default_language"},
			{"relative policy link", strings.Replace(siteJSON, `"https://www.nordicshop.no/personvern"`, `"/personvern"`, 1), 422, "privacy_policy_url"},
			{"bad GA4 id", strings.Replace(siteJSON, `G-ABC123`, `UA-12345-1`, 1), 422, "integrations.google_analytics.measurement_id"},
			{"bad GTM id", strings.Replace(siteJSON, `GTM-ABC123`, `ABC123`, 1), 422, "integrations.google_tag_manager.container_id"},
			{"negative Hotjar id", strings.Replace(siteJSON, `1234567}`, `-5}`, 1), 422, "integrations.hotjar.site_id"},
			{"Hotjar id as string", strings.Replace(siteJSON, `1234567}`, `"1234567"}`, 1), 422, "integrations.hotjar.site_id"},
			{"letters in pixel id", strings.Replace(siteJSON, `"1234567890"`, `"12345abcde"`, 1), 422, "integrations.meta_pixel.pixel_id"},
			{"bad HubSpot portal", strings.Replace(siteJSON, `"portal_id":"1234567"`, `"portal_id":"hub-1"`, 1), 422, "integrations.hubspot.portal_id"},
			{"unknown integration", strings.Replace(siteJSON, `"hotjar"`, `"matomo":{},"hotjar"`, 1), 422, "matomo"},
			{"lifetime over a year", strings.Replace(siteJSON, `"name"`, `"consent_lifetime_days":400,"name"`, 1), 422, "consent_lifetime_days"},
			{"unknown text key", strings.Replace(siteJSON, `"name"`, `"texts":{"nb":{"banner.shout":"Hei"}},"name"`, 1), 422, "texts.nb.banner.shout"},
			{"texts in unknown language", strings.Replace(siteJSON, `"name"`, `"texts":{"xx":{"banner.title":"Hei"}},"name"`, 1), 422, "texts.xx"},
		}
		for _, tt := range tests {
			for _, method := range []string{"POST", "PUT"} {
				path := "/v1/admin/sites"
				if method == "PUT" {
					path += "/" + existing.ID
				}
				r := h.admin(method, path, tt.body)
				if r.status != tt.wantStatus {
					t.Errorf("%s %s: status %d, want %d: %s", method, tt.name, r.status, tt.wantStatus, r.body)
					continue
				}
				if fields := r.fields(t); !contains(fields, tt.wantField) {
					t.Errorf("%s %s: error names %v, want %q: %s", method, tt.name, fields, tt.wantField, r.body)
				}
			}
		}
		// Nothing was created or changed by any of it.
		list := h.admin("GET", "/v1/admin/sites", "")
		if n := strings.Count(string(list.body), `"script_tag"`); n != 1 {
			t.Errorf("%d sites after refused requests, want 1", n)
		}
		after := h.admin("GET", "/v1/admin/sites/"+existing.ID, "")
		if !strings.Contains(string(after.body), existing.ConfigVersion) || !strings.Contains(string(after.body), `"Nordic Shop"`) {
			t.Errorf("refused updates changed the site: %s", after.body)
		}
	})
}

// The config version must change exactly when something a visitor sees
// changes, because a new version re-prompts every visitor.
func TestConfigVersion(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		tests := []struct {
			name    string
			body    string
			changes bool
		}{
			{"same settings again", siteJSON, false},
			{"another origin", strings.Replace(siteJSON, `["https://www.nordicshop.no"]`, `["https://www.nordicshop.no","https://nordicshop.no"]`, 1), false},
			{"longer receipt retention", strings.Replace(siteJSON, `"name"`, `"retention_days":3000,"name"`, 1), false},
			{"other default language", strings.Replace(siteJSON, `"nb"`, `"sv"`, 1), false},
			{"privacy policy link", strings.Replace(siteJSON, `/personvern`, `/personvernerklaering`, 1), true},
			{"banner text", strings.Replace(siteJSON, `"name"`, `"texts":{"nb":{"banner.title":"Vi bruker informasjonskapsler"}},"name"`, 1), true},
			{"another Hotjar site", strings.Replace(siteJSON, `1234567}`, `7654321}`, 1), true},
			{"vendor removed", strings.Replace(siteJSON, `,"hubspot":{"portal_id":"1234567"}`, ``, 1), true},
			{"consent lifetime", strings.Replace(siteJSON, `"name"`, `"consent_lifetime_days":90,"name"`, 1), true},
		}
		for _, tt := range tests {
			// Start every case from the original settings.
			base := h.admin("PUT", "/v1/admin/sites/"+s.ID, siteJSON).json(t)["config_version"]
			if base != s.ConfigVersion {
				t.Fatalf("restoring the settings gave version %v, want %s", base, s.ConfigVersion)
			}
			r := h.admin("PUT", "/v1/admin/sites/"+s.ID, tt.body)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", tt.name, r.status, r.body)
			}
			got := r.json(t)["config_version"]
			if changed := got != s.ConfigVersion; changed != tt.changes {
				t.Errorf("%s: version changed = %v, want %v", tt.name, changed, tt.changes)
			}
		}
		// The history lists every version the site has shown, so receipts
		// naming an older one still validate.
		var site siteView
		r := h.admin("GET", "/v1/admin/sites/"+s.ID, "")
		mustUnmarshal(t, r.body, &site)
		if len(site.ConfigHistory) < 6 || site.ConfigHistory[0].Version != s.ConfigVersion {
			t.Errorf("config history: %+v", site.ConfigHistory)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
