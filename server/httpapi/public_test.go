package httpapi_test

import (
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/server/config"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/internal/logtest"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/snippet"
)

func itoa(n int) string { return strconv.Itoa(n) }

func newUntrustingServer(t *testing.T, h *harness) *httptest.Server {
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(httpapi.New(h.store, httpapi.Options{
		PublicURL: "https://consent.example.net", AdminTokenHash: sha256.Sum256([]byte(adminToken)),
		Metrics: metrics.New(reg, metrics.Build{}), Gatherer: reg, Now: h.clock.Now,
	}))
	t.Cleanup(srv.Close)
	return srv
}

func doAt(t *testing.T, srv *httptest.Server, method, path, body string, headers map[string]string) response {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

func TestBannerConfig(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		tests := []struct {
			query, acceptLanguage, wantLang, wantTitle string
		}{
			{"?lang=sv", "", "sv", "Vi värnar om din integritet"},
			{"?lang=nb-NO,en", "", "nb", "Vi tar personvernet ditt på alvor"},
			{"?lang=no", "", "nb", "Vi tar personvernet ditt på alvor"},
			{"?lang=fi-FI", "", "fi", "Yksityisyytesi on meille tärkeää"},
			{"?lang=ja,ko", "", "nb", "Vi tar personvernet ditt på alvor"}, // the site's default
			{"", "da-DK,da;q=0.9,en;q=0.8", "da", "Vi passer på dit privatliv"},
			{"?lang=xx", "", "nb", "Vi tar personvernet ditt på alvor"},
		}
		for _, tt := range tests {
			r := h.do("GET", "/v1/sites/"+s.ID+"/config"+tt.query, "", map[string]string{"Accept-Language": tt.acceptLanguage, "Origin": "https://anywhere.example"})
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", tt.query, r.status, r.body)
			}
			var cfg consent.BannerConfig
			mustUnmarshal(t, r.body, &cfg)
			if cfg.Language != tt.wantLang || cfg.Texts["banner.title"] != tt.wantTitle {
				t.Errorf("%s %s: language %s title %q, want %s %q", tt.query, tt.acceptLanguage, cfg.Language, cfg.Texts["banner.title"], tt.wantLang, tt.wantTitle)
			}
			if r.header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("config is not readable from any origin")
			}
		}

		r := h.do("GET", "/v1/sites/"+s.ID+"/config?lang=en", "", nil)
		var cfg consent.BannerConfig
		mustUnmarshal(t, r.body, &cfg)
		if cfg.ConfigVersion != s.ConfigVersion || cfg.ConsentLifetimeDays != 182 || cfg.PrivacyPolicyURL != "https://www.nordicshop.no/personvern" {
			t.Errorf("config: %+v", cfg)
		}
		if cfg.Integrations.GoogleAnalytics.MeasurementID != "G-ABC123" || cfg.Integrations.HubSpot.PortalID != "1234567" {
			t.Errorf("integrations missing from config: %+v", cfg.Integrations)
		}
		vendors := map[consent.Purpose][]string{}
		for _, p := range cfg.Purposes {
			for _, v := range p.Vendors {
				vendors[p.ID] = append(vendors[p.ID], v.ID)
			}
		}
		want := map[consent.Purpose]string{
			consent.Necessary:  "samtykke",
			consent.Statistics: "google_analytics google_tag_manager hotjar",
			consent.Marketing:  "google_tag_manager meta_pixel hubspot",
		}
		for p, ids := range want {
			if got := strings.Join(vendors[p], " "); got != ids {
				t.Errorf("vendors of %s = %q, want %q", p, got, ids)
			}
		}

		etag := r.header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if nm := h.do("GET", "/v1/sites/"+s.ID+"/config?lang=en", "", map[string]string{"If-None-Match": etag}); nm.status != http.StatusNotModified {
			t.Errorf("If-None-Match with the current ETag: %d, want 304", nm.status)
		}
		h.admin("PUT", "/v1/admin/sites/"+s.ID, strings.Replace(siteJSON, "/personvern", "/privacy", 1))
		if again := h.do("GET", "/v1/sites/"+s.ID+"/config?lang=en", "", map[string]string{"If-None-Match": etag}); again.status != http.StatusOK {
			t.Errorf("after a config change the old ETag still matched: %d", again.status)
		}
		if r := h.do("GET", "/v1/sites/nosuchsite/config", "", nil); r.status != http.StatusNotFound || !strings.Contains(string(r.body), "data-site") {
			t.Errorf("unknown site: %d %s", r.status, r.body)
		}
	})
}

func TestImpressionsAndStats(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		imp := `{"config_version":"` + s.ConfigVersion + `","language":"nb","gpc":true}`
		for i := 0; i < 4; i++ {
			r := h.do("POST", "/v1/sites/"+s.ID+"/impressions", imp, map[string]string{"Origin": shopOrigin, "Content-Type": "text/plain"})
			if r.status != http.StatusNoContent {
				t.Fatalf("impression: %d %s", r.status, r.body)
			}
		}
		for _, bad := range []struct{ body, field string }{
			{`{"language":"nb"}`, "config_version"},
			{`{"config_version":"` + s.ConfigVersion + `","language":"klingon"}`, "language"},
			{`nope`, "body"},
		} {
			r := h.do("POST", "/v1/sites/"+s.ID+"/impressions", bad.body, map[string]string{"Origin": shopOrigin})
			if fields := r.fields(t); r.status/100 != 4 || !contains(fields, bad.field) {
				t.Errorf("impression %s: %d %v", bad.body, r.status, fields)
			}
		}
		if r := h.do("POST", "/v1/sites/"+s.ID+"/impressions", imp, map[string]string{"Origin": "https://evil.example"}); r.status != http.StatusForbidden {
			t.Errorf("impression from a foreign origin: %d", r.status)
		}

		none := map[string]any{"necessary": true, "statistics": false, "marketing": false}
		stat := map[string]any{"necessary": true, "statistics": true, "marketing": false}
		h.postReceipt(s.ID, mustJSON(receipt(s, nil)))
		h.postReceipt(s.ID, mustJSON(receipt(s, map[string]any{"action": "reject_all", "choices": none, "language": "en"})),
			map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"})
		h.clock.Advance(2 * time.Hour)
		h.postReceipt(s.ID, mustJSON(receipt(s, map[string]any{"action": "custom", "choices": stat, "gpc": true})))

		st := h.stats(s.ID)
		tot := st.Totals
		if tot.Impressions != 4 || tot.Decisions != 3 || tot.GPC.Impressions != 4 || tot.GPC.Decisions != 1 {
			t.Errorf("totals: %+v", tot)
		}
		if tot.Actions[consent.AcceptAll] != 1 || tot.Actions[consent.RejectAll] != 1 || tot.Actions[consent.Custom] != 1 {
			t.Errorf("actions: %+v", tot.Actions)
		}
		if tot.Purposes[consent.Statistics] != (consent.PurposeCounts{Granted: 2, Denied: 1}) ||
			tot.Purposes[consent.Marketing] != (consent.PurposeCounts{Granted: 1, Denied: 2}) {
			t.Errorf("purposes: %+v", tot.Purposes)
		}
		if st.Languages["nb"].Decisions != 2 || st.Languages["en"].Decisions != 1 || st.Languages["nb"].Impressions != 4 ||
			st.Devices["mobile"].Decisions != 2 || st.Devices["desktop"].Decisions != 1 ||
			st.ConfigVersions[s.ConfigVersion].Granted[consent.Statistics] != 2 {
			t.Errorf("breakdowns: languages %+v devices %+v versions %+v", st.Languages, st.Devices, st.ConfigVersions)
		}
		if len(st.Series) != 30 || st.Series[29].Decisions != 3 {
			t.Errorf("daily series: %d points, last %+v", len(st.Series), st.Series[len(st.Series)-1])
		}

		// By hour: the third decision came two hours later.
		r := h.admin("GET", "/v1/admin/sites/"+s.ID+"/stats?granularity=hour&from=2026-11-23T10:00:00Z&to=2026-11-23T13:00:00Z", "")
		var hourly consent.Stats
		mustUnmarshal(t, r.body, &hourly)
		if len(hourly.Series) != 3 || hourly.Series[0].Decisions != 2 || hourly.Series[1].Decisions != 0 || hourly.Series[2].Decisions != 1 {
			t.Errorf("hourly series: %s", r.body)
		}

		for _, bad := range []struct{ query, field string }{
			{"granularity=week", "granularity"},
			{"from=yesterday", "from"},
			{"to=2026-13-01", "to"},
			{"from=2026-11-23&to=2026-11-01", "from"},
			{"granularity=hour&from=2026-01-01&to=2026-11-01", "from"},
		} {
			r := h.admin("GET", "/v1/admin/sites/"+s.ID+"/stats?"+bad.query, "")
			if fields := r.fields(t); r.status != 422 || !contains(fields, bad.field) {
				t.Errorf("stats?%s: %d %v", bad.query, r.status, fields)
			}
		}
		if r := h.admin("GET", "/v1/admin/sites/nosuchsite/stats", ""); r.status != http.StatusNotFound {
			t.Errorf("stats of an unknown site: %d", r.status)
		}
	})
}

func TestPreflightAndScript(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		r := h.do("OPTIONS", "/v1/sites/"+s.ID+"/receipts", "", map[string]string{
			"Origin": shopOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
		if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != shopOrigin ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("preflight: %d %v", r.status, r.header)
		}
		if r := h.do("OPTIONS", "/v1/sites/"+s.ID+"/receipts", "", map[string]string{"Origin": "https://evil.example"}); r.status != http.StatusForbidden {
			t.Errorf("preflight from a foreign origin: %d", r.status)
		}

		js := h.do("GET", "/samtykke.js", "", nil)
		if js.status != http.StatusOK || !strings.HasSuffix(string(js.body), string(snippet.Script)) ||
			!strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") || js.header.Get("Cache-Control") == "" {
			t.Fatalf("samtykke.js: %d %v", js.status, js.header)
		}
		if nm := h.do("GET", "/samtykke.js", "", map[string]string{"If-None-Match": js.header.Get("ETag")}); nm.status != http.StatusNotModified {
			t.Errorf("samtykke.js revalidation: %d", nm.status)
		}
		// The layers, which samtykke.js loads from next to itself: the
		// embedded file as it is, cached and revalidated like samtykke.js.
		ui := h.do("GET", "/samtykke-ui.js?v=any", "", nil)
		if ui.status != http.StatusOK || string(ui.body) != string(snippet.UIScript) ||
			!strings.HasPrefix(ui.header.Get("Content-Type"), "text/javascript") ||
			ui.header.Get("Cache-Control") != js.header.Get("Cache-Control") || ui.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("samtykke-ui.js: %d %v", ui.status, ui.header)
		}
		if nm := h.do("GET", "/samtykke-ui.js", "", map[string]string{"If-None-Match": ui.header.Get("ETag")}); nm.status != http.StatusNotModified {
			t.Errorf("samtykke-ui.js revalidation: %d", nm.status)
		}
		if r := h.do("GET", "/healthz", "", nil); r.status != http.StatusOK {
			t.Errorf("healthz: %d", r.status)
		}
		if r := h.do("GET", "/readyz", "", nil); r.status != http.StatusOK {
			t.Errorf("readyz: %d", r.status)
		}
		if r := h.do("GET", "/no/such/path", "", nil); r.status != http.StatusNotFound {
			t.Errorf("unknown path: %d", r.status)
		} else {
			r.fields(t)
		}
		m := h.metrics()
		for _, want := range []string{`samtykke_build_info{`, `route="/v1/sites/:site/receipts"`, `route="unmatched"`, "samtykke_http_requests_in_flight"} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(m, "/no/such/path") {
			t.Errorf("a raw path became a metric label")
		}
	})
}

// With Redis down the API says so (503 + Retry-After), readiness fails, and
// nothing half-written remains once Redis is back.
func TestStoreDown(t *testing.T) {
	t.Parallel()
	forEachStoreOwnRedis(t, func(t *testing.T, h *harness) {
		if h.redis == nil {
			t.Skip("the embedded store is in-process and cannot be unreachable")
		}
		s := h.createSite(siteJSON)
		body := receipt(s, nil)
		h.redis.Stop()
		r := h.postReceipt(s.ID, mustJSON(body))
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
			t.Fatalf("receipt with Redis down: %d %v %s", r.status, r.header, r.body)
		}
		r.fields(t)
		if r := h.do("GET", "/readyz", "", nil); r.status != http.StatusServiceUnavailable {
			t.Errorf("readyz with Redis down: %d", r.status)
		}
		if r := h.do("GET", "/healthz", "", nil); r.status != http.StatusOK {
			t.Errorf("healthz must not depend on Redis: %d", r.status)
		}
		h.redis.Restart()
		if r := h.do("GET", "/readyz", "", nil); r.status != http.StatusOK {
			t.Errorf("readyz after Redis is back: %d", r.status)
		}
		if st := h.stats(s.ID); st.Totals.Decisions != 0 {
			t.Errorf("a refused write left counters behind: %+v", st.Totals)
		}
		if r := h.do("GET", "/v1/sites/"+s.ID+"/consents/"+body["consent_id"].(string), "", nil); r.status != http.StatusNotFound {
			t.Errorf("a refused write left a receipt behind: %d", r.status)
		}
		// The snippet's retry then succeeds, once.
		if r := h.postReceipt(s.ID, mustJSON(body)); r.status != http.StatusCreated {
			t.Errorf("retry after recovery: %d %s", r.status, r.body)
		}
	})
}

// SAMTYKKE_LOG_LEVEL=debug shows the per-request lines, which are written
// at Debug; the default (info) leaves them out. The level comes from
// config.Load, as consentd's main builds its logger from it.
func TestLogLevelShowsRequestLines(t *testing.T) {
	for _, tt := range []struct {
		level string
		want  bool
	}{{"debug", true}, {"", false}, {"info", false}, {"warn", false}} {
		cfg, err := config.Load(nil, func(k string) string {
			if k == "SAMTYKKE_LOG_LEVEL" {
				return tt.level
			}
			return ""
		}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var logs logtest.Buffer
		st, err := boltstore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		h := newHarnessWith(t, st, func(o *httpapi.Options) {
			o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: cfg.LogLevel}))
		})
		if r := h.do("GET", "/healthz", "", nil); r.status != http.StatusOK {
			t.Fatalf("GET /healthz: %d", r.status)
		}
		got := strings.Contains(logs.String(), "msg=request") && strings.Contains(logs.String(), "route=/healthz")
		if got != tt.want {
			t.Errorf("SAMTYKKE_LOG_LEVEL=%q: request line logged %v, want %v; log:\n%s", tt.level, got, tt.want, logs.String())
		}
	}
}
