package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/store/boltstore"
)

// metaMarkup is what the snippet tells the owner to paste instead of
// Meta's <script src>.
const metaMarkup = `<script type="text/plain" data-samtykke="marketing" src="https://connect.facebook.net/en_US/fbevents.js" async></script>`

// tagReport returns a valid report body for site with overrides applied;
// a nil override removes the field.
func tagReport(site siteView, overrides map[string]any) map[string]any {
	r := map[string]any{
		"config_version": site.ConfigVersion,
		"page_path":      "/produkter/sko",
		"tags": []map[string]any{
			{"vendor": "meta_pixel", "kind": "script", "markup": metaMarkup},
			{"vendor": "tiktok_pixel", "kind": "noscript", "markup": ""},
		},
	}
	for k, v := range overrides {
		if v == nil {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
	return r
}

// postTags sends a report the way the snippet does: text/plain, from the
// shop's origin, through the proxy.
func (h *harness) postTags(siteID, body string, headers ...map[string]string) response {
	h.t.Helper()
	hd := map[string]string{"Content-Type": "text/plain;charset=UTF-8", "Origin": shopOrigin, "X-Forwarded-For": "203.0.113.77"}
	for _, m := range headers {
		for k, v := range m {
			hd[k] = v
		}
	}
	return h.do("POST", "/v1/sites/"+siteID+"/tag-warnings", body, hd)
}

func (h *harness) tagWarnings(siteID string) consent.TagWarningList {
	h.t.Helper()
	r := h.admin("GET", "/v1/admin/sites/"+siteID+"/tag-warnings", "")
	if r.status != http.StatusOK {
		h.t.Fatalf("tag warnings: %d %s", r.status, r.body)
	}
	var l consent.TagWarningList
	mustUnmarshal(h.t, r.body, &l)
	return l
}

func TestTagWarningsReportedAndListed(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		if l := h.tagWarnings(s.ID); l.TagWarnings == nil || len(l.TagWarnings) != 0 {
			t.Errorf("a new site's tag warnings: %+v, want an empty list", l)
		}
		r := h.postTags(s.ID, mustJSON(tagReport(s, nil)))
		if r.status != http.StatusAccepted || len(r.body) != 0 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		if got := r.header.Get("Access-Control-Allow-Origin"); got != shopOrigin {
			t.Errorf("Access-Control-Allow-Origin = %q, want the shop's origin", got)
		}
		first := h.clock.Now()
		h.clock.Advance(time.Minute)
		// Sent as application/json by another client: the same.
		r = h.postTags(s.ID, mustJSON(tagReport(s, map[string]any{"page_path": "/kurv",
			"tags": []map[string]any{{"vendor": "meta_pixel", "kind": "script", "markup": metaMarkup}}})),
			map[string]string{"Content-Type": "application/json"})
		if r.status != http.StatusAccepted {
			t.Fatalf("second report: %d %s", r.status, r.body)
		}

		got := h.admin("GET", "/v1/admin/sites/"+s.ID+"/tag-warnings", "")
		want := `{"tag_warnings":[` +
			`{"vendor":"meta_pixel","vendor_name":"Meta Pixel","kind":"script","markup":` + mustJSON(metaMarkup) + `,` +
			`"pages":["/kurv","/produkter/sko"],"count":2,"first_seen":"2026-11-23T10:00:00Z","last_seen":"2026-11-23T10:01:00Z","declared":true},` +
			`{"vendor":"tiktok_pixel","vendor_name":"TikTok Pixel","kind":"noscript","markup":"",` +
			`"pages":["/produkter/sko"],"count":1,"first_seen":"2026-11-23T10:00:00Z","last_seen":"2026-11-23T10:00:00Z","declared":false}]}` + "\n"
		if got.status != http.StatusOK || string(got.body) != want {
			t.Errorf("GET tag-warnings: %d\n got %s\nwant %s", got.status, got.body, want)
		}
		if !first.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) {
			t.Fatalf("the harness's clock moved: %v", first)
		}

		m := h.metrics()
		for _, line := range []string{`samtykke_tag_warning_reports_total{outcome="accepted"} 2`,
			`samtykke_tag_warning_reports_total{outcome="rejected"} 0`, `samtykke_tag_warnings_dropped_total 0`} {
			if !strings.Contains(m, line) {
				t.Errorf("metrics lack %q", line)
			}
		}
		if strings.Contains(m, s.ID) {
			t.Error("metrics name the site")
		}

		// Cleared once fixed, then reported afresh.
		for _, hd := range []map[string]string{nil, {"Authorization": "Bearer wrong-token"}} {
			if r := h.do("DELETE", "/v1/admin/sites/"+s.ID+"/tag-warnings", "", hd); r.status != http.StatusUnauthorized {
				t.Errorf("DELETE with %v: %d, want 401", hd, r.status)
			}
			if r := h.do("GET", "/v1/admin/sites/"+s.ID+"/tag-warnings", "", hd); r.status != http.StatusUnauthorized {
				t.Errorf("GET with %v: %d, want 401", hd, r.status)
			}
		}
		if n := len(h.tagWarnings(s.ID).TagWarnings); n != 2 {
			t.Errorf("%d tag warnings after refused clears, want 2", n)
		}
		if r := h.admin("DELETE", "/v1/admin/sites/"+s.ID+"/tag-warnings", ""); r.status != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", r.status, r.body)
		}
		if n := len(h.tagWarnings(s.ID).TagWarnings); n != 0 {
			t.Errorf("%d tag warnings after DELETE, want 0", n)
		}
		for _, method := range []string{"GET", "DELETE"} {
			r := h.admin(method, "/v1/admin/sites/nosuchsite/tag-warnings", "")
			if r.status != http.StatusNotFound || !strings.Contains(string(r.body), `"unknown_site"`) {
				t.Errorf("%s of an unknown site: %d %s", method, r.status, r.body)
			}
		}
	})
}

// A custom vendor is reported by its id and listed under its name.
func TestTagWarningsCustomVendor(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(strings.Replace(siteJSON, `"integrations"`, `"vendors":[{"name":"Chatly","provider":"Chatly AS, Norway",
			"purpose":"marketing","privacy_policy_url":"https://chatly.example/privacy","hosts":["widget.chatly.example"]}],
			"integrations"`, 1))
		body := mustJSON(tagReport(s, map[string]any{"tags": []map[string]any{{"vendor": "custom_chatly", "kind": "script",
			"markup": `<script type="text/plain" data-samtykke="marketing" src="https://widget.chatly.example/w.js"></script>`}}}))
		if r := h.postTags(s.ID, body); r.status != http.StatusAccepted {
			t.Fatalf("report of a custom vendor: %d %s", r.status, r.body)
		}
		l := h.tagWarnings(s.ID).TagWarnings
		if len(l) != 1 || l[0].Vendor != "custom_chatly" || l[0].VendorName != "Chatly" || !l[0].Declared {
			t.Errorf("listed as %+v", l)
		}
		// Another site's custom vendor is no vendor here.
		other := h.createSite(siteJSON)
		r := h.postTags(other.ID, mustJSON(tagReport(other, map[string]any{"tags": []map[string]any{{"vendor": "custom_chatly", "kind": "inline"}}})))
		if r.status != http.StatusUnprocessableEntity || !slices.Equal(r.fields(t), []string{"tags[0].vendor"}) {
			t.Errorf("another site's custom vendor: %d %s", r.status, r.body)
		}
	})
}

// Every refusal names what is wrong, and stores nothing.
func TestTagWarningsRefused(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		if r := h.postTags(s.ID, mustJSON(tagReport(s, nil))); r.status != http.StatusAccepted {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		before := h.admin("GET", "/v1/admin/sites/"+s.ID+"/tag-warnings", "").body
		tag := map[string]any{"vendor": "hotjar", "kind": "pixel", "markup": ""}
		tests := []struct {
			name   string
			body   string
			status int
			fields []string
		}{
			{"not JSON", "tags", http.StatusBadRequest, []string{"body"}},
			{"empty", "", http.StatusBadRequest, []string{"body"}},
			{"no page path", mustJSON(tagReport(s, map[string]any{"page_path": nil})), http.StatusUnprocessableEntity, []string{"page_path"}},
			{"a query", mustJSON(tagReport(s, map[string]any{"page_path": "/kurv?email=kari@example.no"})), http.StatusUnprocessableEntity, []string{"page_path"}},
			{"a whole URL", mustJSON(tagReport(s, map[string]any{"page_path": shopOrigin + "/kurv"})), http.StatusUnprocessableEntity, []string{"page_path"}},
			{"a long path", mustJSON(tagReport(s, map[string]any{"page_path": "/" + strings.Repeat("x", 512)})), http.StatusUnprocessableEntity, []string{"page_path"}},
			{"unknown config version", mustJSON(tagReport(s, map[string]any{"config_version": "0123456789abcdef"})), http.StatusUnprocessableEntity, []string{"config_version"}},
			{"no tags", mustJSON(tagReport(s, map[string]any{"tags": []any{}})), http.StatusUnprocessableEntity, []string{"tags"}},
			{"21 tags", mustJSON(tagReport(s, map[string]any{"tags": slices.Repeat([]any{tag}, 21)})), http.StatusUnprocessableEntity, []string{"tags"}},
			{"bad tags", mustJSON(tagReport(s, map[string]any{"tags": []any{tag,
				map[string]any{"vendor": "trackzilla", "kind": "img", "markup": strings.Repeat("x", 2001)}}})),
				http.StatusUnprocessableEntity, []string{"tags[1].kind", "tags[1].markup", "tags[1].vendor"}},
		}
		for _, tt := range tests {
			r := h.postTags(s.ID, tt.body)
			if r.status != tt.status || !slices.Equal(r.fields(t), tt.fields) {
				t.Errorf("%s: %d %s, want %d naming %v", tt.name, r.status, r.body, tt.status, tt.fields)
			}
			if r.header.Get("Access-Control-Allow-Origin") != shopOrigin {
				t.Errorf("%s: the page cannot read the refusal", tt.name)
			}
		}

		// A body over the limit is refused before it is read.
		big := mustJSON(tagReport(s, map[string]any{"page_path": "/" + strings.Repeat("x", 17<<10)}))
		if r := h.postTags(s.ID, big); r.status != http.StatusRequestEntityTooLarge || !slices.Equal(r.fields(t), []string{"body"}) {
			t.Errorf("oversized: %d %s", r.status, r.body)
		}
		// Only the site's own pages may report.
		for _, origin := range []string{"https://evil.example", ""} {
			r := h.postTags(s.ID, mustJSON(tagReport(s, nil)), map[string]string{"Origin": origin})
			if r.status != http.StatusForbidden || r.json(t)["error"].(map[string]any)["code"] != "forbidden_origin" {
				t.Errorf("origin %q: %d %s", origin, r.status, r.body)
			}
		}
		r := h.postTags("nosuchsite", mustJSON(tagReport(s, nil)))
		if r.status != http.StatusNotFound || r.json(t)["error"].(map[string]any)["code"] != "unknown_site" {
			t.Errorf("unknown site: %d %s", r.status, r.body)
		}

		if after := h.admin("GET", "/v1/admin/sites/"+s.ID+"/tag-warnings", "").body; string(after) != string(before) {
			t.Errorf("refused reports changed the list:\n%s\n%s", before, after)
		}
		// 4xx answers of the handler count as rejected; those of the site
		// and origin checks too, as for receipts.
		if m := h.metrics(); !strings.Contains(m, `samtykke_tag_warning_reports_total{outcome="rejected"} 14`) {
			t.Errorf("metrics do not count 14 rejected reports:\n%s", grepLines(m, "tag_warning"))
		}
	})
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Clients that send application/json from a browser preflight first.
func TestTagWarningsPreflight(t *testing.T) {
	t.Parallel()
	h := boltHarness(t)
	s := h.createSite(siteJSON)
	r := h.do("OPTIONS", "/v1/sites/"+s.ID+"/tag-warnings", "", map[string]string{
		"Origin": shopOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
	if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != shopOrigin ||
		r.header.Get("Access-Control-Allow-Methods") != "POST" || r.header.Get("Access-Control-Allow-Headers") != "Content-Type" {
		t.Errorf("preflight: %d %v", r.status, r.header)
	}
	r = h.do("OPTIONS", "/v1/sites/"+s.ID+"/tag-warnings", "", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
	if r.status != http.StatusForbidden || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", r.status, r.header)
	}
}

// Reports share the ingest limit with receipts and impressions: one
// network cannot fill a site's list faster than it could send receipts.
func TestTagWarningsRateLimited(t *testing.T) {
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, st, func(o *httpapi.Options) { o.IngestRate = 1 })
	s := h.createSite(siteJSON)
	for i := range httpapi.IngestBurstSeconds {
		if r := h.postReceipt(s.ID, mustJSON(receipt(s, nil))); r.status != http.StatusCreated {
			t.Fatalf("receipt %d: %d %s", i, r.status, r.body)
		}
	}
	r := h.postTags(s.ID, mustJSON(tagReport(s, nil)))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("report over the limit: %d %v %s", r.status, r.header, r.body)
	}
	if m := h.metrics(); !strings.Contains(m, `samtykke_ingest_rate_limited_total{op="tag_warnings"} 1`) {
		t.Errorf("metrics:\n%s", grepLines(m, "ingest_rate_limited"))
	}
	if n := len(h.tagWarnings(s.ID).TagWarnings); n != 0 {
		t.Errorf("a limited report was stored: %d tag warnings", n)
	}
	h.clock.Advance(time.Second)
	if r := h.postTags(s.ID, mustJSON(tagReport(s, nil))); r.status != http.StatusAccepted {
		t.Errorf("a second later: %d %s", r.status, r.body)
	}
}

// A full list drops new tags, keeps counting the ones it has, and says so
// to the operators only.
func TestTagWarningsBound(t *testing.T) {
	t.Parallel()
	h := boltHarness(t)
	s := h.createSite(siteJSON)
	for i := 0; i < consent.MaxTagWarnings; i += consent.MaxTagsPerReport {
		var tags []map[string]any
		for j := range consent.MaxTagsPerReport {
			tags = append(tags, map[string]any{"vendor": "linkedin_insight", "kind": "pixel", "markup": "pid=" + string(rune('A'+i/20)) + string(rune('a'+j))})
		}
		if r := h.postTags(s.ID, mustJSON(tagReport(s, map[string]any{"tags": tags}))); r.status != http.StatusAccepted {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
	}
	h.clock.Advance(time.Minute)
	r := h.postTags(s.ID, mustJSON(tagReport(s, map[string]any{"page_path": "/full", "tags": []map[string]any{
		{"vendor": "linkedin_insight", "kind": "pixel", "markup": "pid=Aa"}, {"vendor": "hotjar", "kind": "script", "markup": "new"}}})))
	if r.status != http.StatusAccepted {
		t.Fatalf("report to a full list: %d %s", r.status, r.body)
	}
	l := h.tagWarnings(s.ID).TagWarnings
	if len(l) != consent.MaxTagWarnings || l[0].Markup != "pid=Aa" || l[0].Count != 2 || l[0].Pages[0] != "/full" {
		t.Errorf("%d entries, the first %+v", len(l), l[0])
	}
	if m := h.metrics(); !strings.Contains(m, "samtykke_tag_warnings_dropped_total 1\n") {
		t.Errorf("metrics:\n%s", grepLines(m, "tag_warnings_dropped"))
	}
}

// The dashboard's Tags to fix.

// reportTags posts what the snippet posts when it finds a Meta <script src>
// pasted on page.
func (h *harness) reportTags(site siteView, page string) {
	h.t.Helper()
	body := mustJSON(map[string]any{"config_version": site.ConfigVersion, "page_path": page, "tags": []map[string]any{
		{"vendor": "meta_pixel", "kind": "script", "markup": `<script type="text/plain" data-samtykke="marketing" src="https://connect.facebook.net/en_US/fbevents.js"></script>`},
	}})
	hd := map[string]string{"Content-Type": "text/plain;charset=UTF-8", "Origin": shopOrigin, "X-Forwarded-For": "203.0.113.77"}
	if r := h.do("POST", "/v1/sites/"+site.ID+"/tag-warnings", body, hd); r.status != http.StatusAccepted {
		h.t.Fatalf("tag warnings: %d %s", r.status, r.body)
	}
}

// Tags to fix: whoever may see the site reads the list the admin API
// answers, byte for byte; only its owners may clear it.
func TestTagWarnings(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createNamedSite("Shop")
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
