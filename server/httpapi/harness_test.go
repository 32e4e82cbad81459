package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/internal/logtest"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/redisstore"
)

const (
	adminToken = "test-admin-token-0123456789"
	shopOrigin = "https://www.nordicshop.no"
)

// harness is a consentd API on a real store behind a real HTTP server.
type harness struct {
	t       *testing.T
	srv     *httptest.Server
	store   consent.Store
	logs    *logtest.Buffer
	reg     *prometheus.Registry
	redis   *redistest.Server // nil on the embedded store
	dataDir string            // the embedded store's directory

	mu  sync.Mutex
	now time.Time
}

// forEachStore runs fn against the embedded store and against Redis: the
// API must behave the same on both.
func forEachStore(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Run("bolt", func(t *testing.T) {
		dir := t.TempDir()
		st, err := boltstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, st)
		h.dataDir = dir
		fn(t, h)
	})
	t.Run("redis", func(t *testing.T) {
		rs := redistest.Start(t)
		st, err := redisstore.Open(context.Background(), rs.URL())
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, st)
		h.redis = rs
		fn(t, h)
	})
}

func newHarness(t *testing.T, st consent.Store) *harness {
	return newHarnessWith(t, st, nil)
}

// newHarnessWith is newHarness with the options changed by edit.
func newHarnessWith(t *testing.T, st consent.Store, edit func(*httpapi.Options)) *harness {
	h := &harness{t: t, store: st, logs: &logtest.Buffer{}, reg: prometheus.NewRegistry(),
		now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opt := httpapi.Options{
		PublicURL:      "https://consent.example.net",
		AdminTokenHash: sha256.Sum256([]byte(adminToken)),
		// The test client is on loopback and plays the proxy, so
		// X-Forwarded-For decides the visitor's address.
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		DemoSiteID:     "",
		Logger:         log,
		Metrics:        metrics.New(h.reg, metrics.Build{Version: "test", Revision: "test"}),
		Gatherer:       h.reg,
		Now:            h.clock,
		SiteCacheTTL:   time.Millisecond,
	}
	if edit != nil {
		edit(&opt)
	}
	h.srv = httptest.NewServer(httpapi.New(st, opt))
	t.Cleanup(func() {
		h.srv.Close()
		st.Close()
	})
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// errorFields returns the field names an error response names.
func (r response) errorFields(t *testing.T) []string {
	t.Helper()
	var e struct {
		Error struct {
			Code    string               `json:"code"`
			Message string               `json:"message"`
			Fields  []consent.FieldError `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not a JSON error with code and message: %s", r.body)
	}
	var out []string
	for _, f := range e.Error.Fields {
		out = append(out, f.Field)
	}
	return out
}

func (h *harness) do(method, path, body string, headers map[string]string) response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

func (h *harness) admin(method, path, body string) response {
	h.t.Helper()
	return h.do(method, path, body, map[string]string{
		"Authorization": "Bearer " + adminToken, "Content-Type": "application/json"})
}

// siteJSON is the example from the issue: every integration set.
const siteJSON = `{"name":"Nordic Shop","origins":["https://www.nordicshop.no"],"default_language":"nb",
 "privacy_policy_url":"https://www.nordicshop.no/personvern",
 "integrations":{"google_analytics":{"measurement_id":"G-ABC123"},"google_tag_manager":{"container_id":"GTM-ABC123"},
 "hotjar":{"site_id":1234567},"meta_pixel":{"pixel_id":"1234567890"},"hubspot":{"portal_id":"1234567"}}}`

type siteView struct {
	consent.Site
	ScriptTag string `json:"script_tag"`
}

func (h *harness) createSite(body string) siteView {
	h.t.Helper()
	r := h.admin("POST", "/v1/admin/sites", body)
	if r.status != http.StatusCreated {
		h.t.Fatalf("create site: %d %s", r.status, r.body)
	}
	var s siteView
	if err := json.Unmarshal(r.body, &s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// receipt returns a valid receipt body for site, with overrides applied; a
// nil override removes the field.
func receipt(site siteView, overrides map[string]any) map[string]any {
	r := map[string]any{
		"receipt_id":     uuid.NewString(),
		"consent_id":     uuid.NewString(),
		"action":         "accept_all",
		"choices":        map[string]any{"necessary": true, "statistics": true, "marketing": true},
		"config_version": site.ConfigVersion,
		"language":       "nb",
		"page_url":       "https://www.nordicshop.no/produkter/sko?email=kari@example.no#topp",
		"surface":        "banner",
		"gpc":            false,
		"client_time":    "2026-11-23T09:59:58.123Z",
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

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// postReceipt sends a receipt the way the snippet does: text/plain, from
// the shop's origin, through a proxy that names the visitor's address.
func (h *harness) postReceipt(siteID string, body string, headers ...map[string]string) response {
	h.t.Helper()
	hd := map[string]string{
		"Content-Type":    "text/plain;charset=UTF-8",
		"Origin":          shopOrigin,
		"User-Agent":      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
		"X-Forwarded-For": "203.0.113.77",
	}
	for _, m := range headers {
		for k, v := range m {
			hd[k] = v
		}
	}
	return h.do("POST", "/v1/sites/"+siteID+"/receipts", body, hd)
}

// stats returns the report of a site by day, up to the harness's current
// day: the one report shape the admin API and the dashboard share.
func (h *harness) stats(siteID string) consent.Report {
	h.t.Helper()
	r := h.admin("GET", "/v1/admin/sites/"+siteID+"/stats?granularity=day", "")
	if r.status != http.StatusOK {
		h.t.Fatalf("stats: %d %s", r.status, r.body)
	}
	var s consent.Report
	if err := json.Unmarshal(r.body, &s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// metric returns the text exposition of the metrics registry.
func (h *harness) metrics() string {
	return string(h.do("GET", "/metrics", "", nil).body)
}
