package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/internal/clocktest"
	"github.com/samtykke/samtykke/server/internal/logtest"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/redisstore"
)

// The one test harness of the package: consentd's HTTP API with everything
// main serves (the public and admin APIs, the dashboard and the user API),
// on a real store behind a real HTTP server.

const (
	adminToken = "test-admin-token-0123456789"
	publicURL  = "https://consent.example.net"
	shopOrigin = "https://www.nordicshop.no"
	// password is every test user's password.
	password = "correct horse battery staple"
)

// harnessStart is where every harness's clock starts.
var harnessStart = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// store is what both stores are: consent.Store and accounts.Store.
type store interface {
	consent.Store
	accounts.Store
}

// harness is one consentd on a real store behind a real HTTP server,
// wired as main wires it.
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	e     *echo.Echo
	store store
	// clock is this consentd's clock; tests move it by hand.
	clock *clocktest.Clock
	logs  *logtest.Buffer
	reg   *prometheus.Registry
	// token is this consentd's admin token.
	token string
	// redisURL is the Redis database of the store, "" on the embedded
	// store, whose directory is dataDir: a test can look at everything the
	// store wrote. redis is the store's own server, set only by
	// forEachStoreOwnRedis: a test can stop it or read its files.
	redisURL string
	redis    *redistest.Server
	dataDir  string

	mu      sync.Mutex
	changed []string // the sites the write path reported as changed
}

// forEachStore runs fn against the embedded store and against Redis, side
// by side: the API must behave the same on both. On Redis the harness has a
// database of its own on the package's one redis-server (sharedRedis).
func forEachStore(t *testing.T, fn func(t *testing.T, h *harness)) {
	forEachStoreOn(t, fn, func(t *testing.T) (string, *redistest.Server) {
		return sharedRedis.URL(t), nil
	})
}

// forEachStoreOwnRedis is forEachStore with a redis-server of the test's
// own (h.redis), for tests that stop it or read its files.
func forEachStoreOwnRedis(t *testing.T, fn func(t *testing.T, h *harness)) {
	forEachStoreOn(t, fn, func(t *testing.T) (string, *redistest.Server) {
		rs := redistest.Start(t)
		return rs.URL(), rs
	})
}

func forEachStoreOn(t *testing.T, fn func(t *testing.T, h *harness), server func(t *testing.T) (string, *redistest.Server)) {
	t.Run("bolt", func(t *testing.T) {
		t.Parallel()
		fn(t, newHarnessBolt(t))
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		url, rs := server(t)
		st, err := redisstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, st)
		h.redisURL, h.redis = url, rs
		fn(t, h)
	})
}

// sharedRedis is the one redis-server of the package's tests.
var sharedRedis *redistest.Shared

func TestMain(m *testing.M) {
	sharedRedis = redistest.StartShared()
	code := m.Run()
	sharedRedis.Close()
	os.Exit(code)
}

// newHarnessBolt is the harness on the embedded store.
func newHarnessBolt(t *testing.T) *harness {
	dir := t.TempDir()
	st, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, st)
	h.dataDir = dir
	return h
}

func newHarness(t *testing.T, st store) *harness {
	return newHarnessWith(t, st, nil)
}

// newHarnessWith is newHarness with the options changed by edit.
func newHarnessWith(t *testing.T, st store, edit func(*httpapi.Options)) *harness {
	// Cleanups run last first: the store closes after the server.
	t.Cleanup(func() { st.Close() })
	return start(t, st, adminToken, clocktest.New(harnessStart), edit)
}

// restart is another consentd on the same store, started with another
// admin token (the old one stays up: a replica not yet restarted). Its
// clock starts where h's is, and moves on its own.
func (h *harness) restart(token string) *harness {
	h2 := start(h.t, h.store, token, clocktest.New(h.clock.Now()), nil)
	h2.dataDir, h2.redisURL, h2.redis = h.dataDir, h.redisURL, h.redis
	return h2
}

func start(t *testing.T, st store, token string, clock *clocktest.Clock, edit func(*httpapi.Options)) *harness {
	h := &harness{t: t, store: st, token: token, clock: clock, logs: &logtest.Buffer{}, reg: prometheus.NewRegistry()}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opt := httpapi.Options{
		PublicURL:      publicURL,
		AdminTokenHash: sha256.Sum256([]byte(token)),
		// The test client is on loopback and plays the proxy, so
		// X-Forwarded-For decides the visitor's address.
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		DemoSiteID:     "",
		Logger:         log,
		Metrics:        metrics.New(h.reg, metrics.Build{Version: "test", Revision: "test"}),
		Gatherer:       h.reg,
		Now:            clock.Now,
		// The cache's LRU sweeps expired entries every TTL/100 on the wall
		// clock, in a goroutine that outlives the server: at 1 ms, the
		// sweepers of every harness so far kept both cores busy. Freshness
		// is checked on the harness's clock, and this consentd's own writes
		// drop the entry at once.
		SiteCacheTTL:   time.Minute,
		Accounts:       st,
		PasswordParams: accounts.TestParams,
	}
	httpapi.SetSiteChanged(&opt, func(id string) {
		h.mu.Lock()
		h.changed = append(h.changed, id)
		h.mu.Unlock()
	})
	if edit != nil {
		edit(&opt)
	}
	h.e = httpapi.New(st, opt)
	h.srv = httptest.NewServer(h.e)
	t.Cleanup(h.srv.Close)
	return h
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

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
}

// apiError is the error answer every endpoint gives.
type apiError struct {
	Error struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Fields  []consent.FieldError `json:"fields"`
	} `json:"error"`
}

// err decodes an error answer, which must have a code and a message.
func (r response) err(t *testing.T) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not a JSON error with code and message (%d): %s", r.status, r.body)
	}
	return e
}

// fields returns the field names an error answer names.
func (r response) fields(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, f := range r.err(t).Error.Fields {
		out = append(out, f.Field)
	}
	return out
}

func (h *harness) do(method, path, body string, headers map[string]string) response {
	h.t.Helper()
	r, err := h.try(method, path, body, headers)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// try is do for other goroutines than the test's, which may not call
// t.Fatal.
func (h *harness) try(method, path, body string, headers map[string]string) (response, error) {
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}, err
}

// admin calls the admin API with this consentd's admin token.
func (h *harness) admin(method, path, body string) response {
	h.t.Helper()
	return h.do(method, path, body, map[string]string{
		"Authorization": "Bearer " + h.token, "Content-Type": "application/json"})
}

// client is one browser: a cookie jar, the dashboard's origin, and the
// CSRF token the dashboard script keeps after signing in.
type client struct {
	h    *harness
	csrf string
	// origin is sent with changes; tests set another to play a foreign page.
	origin string
	ip     string
	// cookie is the session token. The public URL is https, so a cookie
	// jar would not send the Secure cookie to the plain-http test server;
	// the client keeps it by hand instead.
	cookie string
	// device is the device cookie, sent to the sign-in route only, as its
	// path says.
	device string
}

func (h *harness) browser() *client {
	return &client{h: h, origin: publicURL, ip: "198.51.100.7"}
}

// call sends a request as the dashboard script would.
func (c *client) call(method, path, body string) response {
	c.h.t.Helper()
	hd := map[string]string{"X-Forwarded-For": c.ip}
	var cookies []string
	if c.cookie != "" {
		cookies = append(cookies, httpapi.CookieName+"="+c.cookie)
	}
	if c.device != "" && path == "/dashboard/api/login" {
		cookies = append(cookies, httpapi.DeviceCookieName+"="+c.device)
	}
	if cookies != nil {
		hd["Cookie"] = strings.Join(cookies, "; ")
	}
	if method != http.MethodGet {
		hd["Content-Type"] = "application/json"
		if c.origin != "" {
			hd["Origin"] = c.origin
		}
		if c.csrf != "" {
			hd[httpapi.CSRFHeader] = c.csrf
		}
	}
	r := c.h.do(method, path, body, hd)
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		switch ck.Name {
		case httpapi.CookieName:
			c.cookie = ck.Value
		case httpapi.DeviceCookieName:
			c.device = ck.Value
		}
	}
	return r
}

func (c *client) login(email, pw string) response {
	c.h.t.Helper()
	r := c.call("POST", "/dashboard/api/login", mustJSON(map[string]string{"email": email, "password": pw}))
	if r.status == http.StatusOK {
		var s struct {
			CSRF string `json:"csrf_token"`
		}
		r.decode(c.h.t, &s)
		c.csrf = s.CSRF
	}
	return r
}

func (c *client) mustLogin(email string) {
	c.h.t.Helper()
	if r := c.login(email, password); r.status != http.StatusOK {
		c.h.t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
}

// operator signs in with the admin token.
func (h *harness) operator() *client {
	c := h.browser()
	r := c.call("POST", "/dashboard/api/login", mustJSON(map[string]string{"admin_token": h.token}))
	if r.status != http.StatusOK {
		h.t.Fatalf("operator login: %d %s", r.status, r.body)
	}
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	r.decode(h.t, &s)
	c.csrf = s.CSRF
	return c
}

type userView struct {
	ID     string `json:"id"`
	Email  string `json:"email"`
	Grants []struct {
		SiteID string `json:"site_id"`
		Role   string `json:"role"`
	} `json:"grants"`
}

// createUser makes a user through the admin API, with grants.
func (h *harness) createUser(email string, grants ...[2]string) userView {
	h.t.Helper()
	gs := []map[string]string{}
	for _, g := range grants {
		gs = append(gs, map[string]string{"site_id": g[0], "role": g[1]})
	}
	r := h.admin("POST", "/v1/admin/users", mustJSON(map[string]any{"email": email, "password": password, "grants": gs}))
	if r.status != http.StatusCreated {
		h.t.Fatalf("create user: %d %s", r.status, r.body)
	}
	var u userView
	r.decode(h.t, &u)
	return u
}

// siteJSON is the example from the issue: every integration set.
const siteJSON = `{"name":"Nordic Shop","origins":["https://www.nordicshop.no"],"default_language":"nb",
 "privacy_policy_url":"https://www.nordicshop.no/personvern",
 "integrations":{"google_analytics":{"measurement_id":"G-ABC123"},"google_tag_manager":{"container_id":"GTM-ABC123"},
 "hotjar":{"site_id":1234567},"meta_pixel":{"pixel_id":"1234567890"},"hubspot":{"portal_id":"1234567"}}}`

// gaSiteJSON is a site with Google Analytics only: the other vendors'
// tags, Meta's say, are then not declared.
const gaSiteJSON = `{"name":"Nordic Shop","origins":["https://www.nordicshop.no"],"default_language":"nb",
 "privacy_policy_url":"https://www.nordicshop.no/personvern",
 "integrations":{"google_analytics":{"measurement_id":"G-ABC123"}}}`

// siteView is a site as the admin API and the dashboard answer it; Role is
// the signed-in person's, in the dashboard only.
type siteView struct {
	consent.Site
	Role      string `json:"role"`
	ScriptTag string `json:"script_tag"`
}

// createSite creates a site through the admin API.
func (h *harness) createSite(body string) siteView {
	h.t.Helper()
	r := h.admin("POST", "/v1/admin/sites", body)
	if r.status != http.StatusCreated {
		h.t.Fatalf("create site: %d %s", r.status, r.body)
	}
	var s siteView
	r.decode(h.t, &s)
	return s
}

// createNamedSite creates the site of gaSiteJSON under another name.
func (h *harness) createNamedSite(name string) siteView {
	h.t.Helper()
	return h.createSite(strings.Replace(gaSiteJSON, "Nordic Shop", name, 1))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
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

const (
	iphoneUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
	desktopUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
)

// visit posts what the snippet posts for one visitor: an impression, and a
// receipt unless action is "".
func (h *harness) visit(site siteView, lang, ua string, gpc bool, action string) string {
	h.t.Helper()
	hd := map[string]string{"Content-Type": "text/plain;charset=UTF-8", "Origin": shopOrigin, "User-Agent": ua, "X-Forwarded-For": "203.0.113.77"}
	imp := mustJSON(map[string]any{"config_version": site.ConfigVersion, "language": lang, "gpc": gpc})
	if r := h.do("POST", "/v1/sites/"+site.ID+"/impressions", imp, hd); r.status != http.StatusNoContent {
		h.t.Fatalf("impression: %d %s", r.status, r.body)
	}
	// Each visit a second after the last, so receipts have an order.
	defer h.clock.Advance(time.Second)
	if action == "" {
		return ""
	}
	choices := map[string]bool{"necessary": true, "statistics": false, "marketing": false}
	switch action {
	case "accept_all":
		choices["statistics"], choices["marketing"] = true, true
	case "custom":
		choices["statistics"] = true
	}
	cid := uuid.NewString()
	rec := mustJSON(map[string]any{
		"receipt_id": uuid.NewString(), "consent_id": cid, "action": action, "choices": choices,
		"config_version": site.ConfigVersion, "language": lang, "page_url": shopOrigin + "/produkter?utm=x",
		"surface": "banner", "gpc": gpc, "client_time": h.clock.Now().Format(time.RFC3339),
	})
	if r := h.do("POST", "/v1/sites/"+site.ID+"/receipts", rec, hd); r.status != http.StatusCreated {
		h.t.Fatalf("receipt: %d %s", r.status, r.body)
	}
	return cid
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}

// storeHolds reports where the store keeps the text s, in any key or
// value: the database file for bbolt (read as bytes, as a thief of a
// backup would), every key and value of its Redis database.
func (h *harness) storeHolds(s string) []string {
	h.t.Helper()
	var where []string
	switch {
	case h.dataDir != "":
		b, err := os.ReadFile(filepath.Join(h.dataDir, boltstore.FileName))
		if err != nil {
			h.t.Fatal(err)
		}
		if bytes.Contains(bytes.ToLower(b), []byte(strings.ToLower(s))) {
			where = append(where, boltstore.FileName)
		}
	case h.redisURL != "":
		opt, err := redis.ParseURL(h.redisURL)
		if err != nil {
			h.t.Fatal(err)
		}
		c := redis.NewClient(opt)
		defer c.Close()
		ctx := context.Background()
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			h.t.Fatal(err)
		}
		for _, k := range keys {
			var vals []string
			switch c.Type(ctx, k).Val() {
			case "string":
				vals = []string{c.Get(ctx, k).Val()}
			case "hash":
				for f, v := range c.HGetAll(ctx, k).Val() {
					vals = append(vals, f, v)
				}
			case "set":
				vals = c.SMembers(ctx, k).Val()
			case "list":
				vals = c.LRange(ctx, k, 0, -1).Val()
			case "zset":
				vals = c.ZRange(ctx, k, 0, -1).Val()
			case "stream":
				for _, m := range c.XRange(ctx, k, "-", "+").Val() {
					vals = append(vals, fmt.Sprint(m.Values))
				}
			}
			for _, v := range append(vals, k) {
				if strings.Contains(strings.ToLower(v), strings.ToLower(s)) {
					where = append(where, k)
					break
				}
			}
		}
	default:
		h.t.Fatal("storeHolds: the harness does not know where its store is")
	}
	return where
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
