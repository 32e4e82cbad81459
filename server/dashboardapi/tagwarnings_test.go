package dashboardapi_test

import (
	"net/http"
	"testing"
)

// reportTags posts what the snippet posts when it finds a Meta <script src>
// pasted on page.
func (h *harness) reportTags(site siteView, page string) {
	h.t.Helper()
	body := mustJSON(map[string]any{"config_version": site.ConfigVersion, "page_path": page, "tags": []map[string]any{
		{"vendor": "meta_pixel", "kind": "script", "markup": `<script type="text/plain" data-samtykke="marketing" src="https://connect.facebook.net/en_US/fbevents.js"></script>`},
	}})
	hd := map[string]string{"Content-Type": "text/plain;charset=UTF-8", "Origin": shopOrigin, "X-Forwarded-For": "203.0.113.77"}
	if r := h.do(h.srv.Client(), "POST", "/v1/sites/"+site.ID+"/tag-warnings", body, hd); r.status != http.StatusAccepted {
		h.t.Fatalf("tag warnings: %d %s", r.status, r.body)
	}
}

// Tags to fix: whoever may see the site reads the list the admin API
// answers, byte for byte; only its owners may clear it.
func TestTagWarnings(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createSite("Shop")
		h.createUser("owner@example.no", [2]string{site.ID, "owner"})
		h.createUser("viewer@example.no", [2]string{site.ID, "viewer"})
		h.reportTags(site, "/sko")
		h.reportTags(site, "/kurv")

		path := "/dashboard/api/sites/" + site.ID + "/tag-warnings"
		admin := h.admin("GET", "/v1/admin/sites/"+site.ID+"/tag-warnings", "")
		viewer := h.browser()
		viewer.mustLogin("viewer@example.no")
		r := viewer.call("GET", path, "")
		if r.status != http.StatusOK || string(r.body) != string(admin.body) {
			t.Errorf("viewer's list: %d\n%s\nthe admin API's:\n%s", r.status, r.body, admin.body)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
		}
		var list struct {
			TagWarnings []struct {
				Vendor   string   `json:"vendor"`
				Pages    []string `json:"pages"`
				Count    int      `json:"count"`
				Declared bool     `json:"declared"`
			} `json:"tag_warnings"`
		}
		r.decode(t, &list)
		if len(list.TagWarnings) != 1 || list.TagWarnings[0].Count != 2 || len(list.TagWarnings[0].Pages) != 2 || list.TagWarnings[0].Declared {
			t.Errorf("list: %s", r.body)
		}

		if r := viewer.call("DELETE", path, ""); r.status != http.StatusForbidden || r.err(t).Error.Code != "forbidden" {
			t.Errorf("viewer clears: %d %s", r.status, r.body)
		}
		owner := h.browser()
		owner.mustLogin("owner@example.no")
		// A change without the session's CSRF token is refused.
		csrf := owner.csrf
		owner.csrf = ""
		if r := owner.call("DELETE", path, ""); r.status != http.StatusForbidden {
			t.Errorf("clear without the CSRF token: %d %s", r.status, r.body)
		}
		owner.csrf = csrf
		if r := viewer.call("GET", path, ""); len(r.body) != len(admin.body) {
			t.Errorf("refused clears changed the list: %s", r.body)
		}
		if r := owner.call("DELETE", path, ""); r.status != http.StatusNoContent {
			t.Fatalf("owner clears: %d %s", r.status, r.body)
		}
		if r := viewer.call("GET", path, ""); r.status != http.StatusOK || string(r.body) != `{"tag_warnings":[]}`+"\n" {
			t.Errorf("after clearing: %d %s", r.status, r.body)
		}
		// Operators own every site.
		h.reportTags(site, "/sko")
		op := h.operator()
		if r := op.call("DELETE", path, ""); r.status != http.StatusNoContent {
			t.Errorf("operator clears: %d %s", r.status, r.body)
		}
	})
}
