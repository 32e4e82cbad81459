package browser_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/scanner"
	"github.com/samtykke/samtykke/server/scanner/browser"
	"github.com/samtykke/samtykke/server/scanner/scannertest"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/redisstore"
)

// vendorStubs answer for the vendors' hosts, which this machine cannot
// reach: each script does what the vendor's does that matters to a scan
// (sets its cookies, sends its beacon).
var vendorStubs = map[string]func(w http.ResponseWriter, r *http.Request){
	"connect.facebook.net": js(`document.cookie = "_fbp=fb.1.1700000000000.123; path=/; max-age=7776000";`),
	"www.googletagmanager.com": js(`document.cookie = "_ga=GA1.1.123.456; path=/; max-age=63072000";
document.cookie = "_ga_TEST1=GS1.1.1; path=/; max-age=63072000";
new Image().src = "https://www.google-analytics.com/g/collect?v=2&tid=G-TEST1";`),
	"www.google-analytics.com": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
	"www.youtube.com": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>player</title>`)
	},
	// The unknown script: a chat widget no catalogue knows, which sets its
	// own cookie and storage key.
	"widget.chatbuddy.example": js(`document.cookie = "cb_visitor=42; path=/; max-age=31536000";
localStorage.setItem("cb_state", "closed");`),
}

func js(src string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, src)
	}
}

// network answers the vendors' hosts with the stubs and sends the rest
// (the shop, consentd) to the local servers.
type network struct{}

func (network) RoundTrip(r *http.Request) (*http.Response, error) {
	if stub, ok := vendorStubs[r.URL.Hostname()]; ok {
		rec := httptest.NewRecorder()
		stub(rec, r)
		return rec.Result(), nil
	}
	if r.URL.Hostname() != "127.0.0.1" {
		return nil, fmt.Errorf("test network: no route to %s", r.URL.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// shop is the fixture: four pages, reached from the start page, its links
// and its sitemap, with the tags of a typical small shop.
func shop(t *testing.T, consentd, siteID string) *httptest.Server {
	banner := `<script src="` + consentd + `/samtykke.js?site=` + siteID + `"></script>`
	page := func(head, body string) string {
		return `<!doctype html><html><head><meta charset="utf-8">` + head + `</head><body>` + body +
			`<nav><a href="/">Home</a> <a href="/products#top">Products</a> <a href="https://elsewhere.example/">Elsewhere</a></nav></body></html>`
	}
	pages := map[string]string{
		// The Meta Pixel pasted above the banner, unmarked: it runs before
		// anyone chose. The GA tag is marked. The chat widget is unknown.
		"/": page(`<script src="https://connect.facebook.net/en_US/fbevents.js"></script>`+banner+
			`<script type="text/plain" data-samtykke="statistics" src="https://www.googletagmanager.com/gtag/js?id=G-TEST1"></script>`+
			`<script src="https://widget.chatbuddy.example/widget.js"></script>`, `<h1>Sykkelbutikken</h1><a href="/about">About</a>`),
		// A marked YouTube embed: loaded only after consent.
		"/products": page(banner, `<iframe data-samtykke="marketing" data-samtykke-src="https://www.youtube.com/embed/abc123" width="560" height="315"></iframe>`),
		"/about":    page(banner, `<p>About us</p>`),
		// Only in the sitemap.
		"/contact": page(banner, `<p>Contact</p>`),
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sitemap.xml" {
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%[1]s/</loc></url><url><loc>%[1]s/contact</loc></url></urlset>`, srv.URL)
			return
		}
		html, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func chromium(t *testing.T) string {
	if _, err := os.Stat(browser.DefaultChromium); err != nil {
		t.Skip("no Chromium at " + browser.DefaultChromium + "; scripts/setup.sh installs it")
	}
	return browser.DefaultChromium
}

// TestScanShop scans the shop through the Runner, on both stores, and
// checks the scan reports exactly the expected cookies, requests,
// violations and unknowns, and that it counted nothing.
var uiRelease = regexp.MustCompile(`samtykke-ui\.js\?v=[0-9a-f]+`)

func TestScanShop(t *testing.T) {
	path := chromium(t)
	for name, open := range map[string]func(t *testing.T) scannertest.Stores{
		"bbolt": func(t *testing.T) scannertest.Stores {
			s, err := boltstore.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		"redis": func(t *testing.T) scannertest.Stores {
			s, err := redisstore.Open(context.Background(), redistest.Start(t).URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && name == "redis" {
				t.Skip("a scan takes a minute; -short scans on bbolt only")
			}
			scanShop(t, path, open(t))
		})
	}
}

func scanShop(t *testing.T, chromiumPath string, store scannertest.Stores) {
	ctx := context.Background()
	consentd := httptest.NewServer(httpapi.New(store, httpapi.Options{
		Metrics: metrics.New(metrics.NewRegistry(), metrics.Build{Version: "test", Revision: "test"})}))
	t.Cleanup(consentd.Close)

	site := consent.Site{ID: "shop" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", ""))}
	siteSettings := func(origin string) consent.SiteSettings {
		s := consent.SiteSettings{Name: "Sykkelbutikken", Origins: []string{origin}, DefaultLanguage: "en",
			PrivacyPolicyURL: origin + "/privacy",
			Vendors:          []consent.SiteVendor{{ID: "google_analytics"}, {ID: "google_tag_manager"}, {ID: "youtube"}, {ID: "hotjar"}}}
		s.Normalize()
		return s
	}
	// The shop needs the site id and the site its origin: make the site
	// with a placeholder origin first.
	site.Apply(siteSettings("http://placeholder.example"), time.Now())
	if err := store.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	srv := shop(t, consentd.URL, site.ID)
	settings := siteSettings(srv.URL)
	if err := settings.Validate(); err != nil {
		t.Fatal(err)
	}
	site.Apply(settings, time.Now())
	if err := store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}

	runner := &scanner.Runner{Store: store, Sites: store,
		Crawler: &browser.Crawler{Chromium: chromiumPath, Network: network{}, PageInterval: time.Millisecond,
			PageTimeout: 20 * time.Second}}
	started, err := runner.Start(ctx, site.ID, scanner.TriggerAPI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.Start(ctx, site.ID, scanner.TriggerAPI); err == nil {
		t.Error("a second scan started while the first ran")
	}
	runner.Wait()
	s, err := store.Scan(ctx, site.ID, started.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != scanner.Done {
		t.Fatalf("scan ended %s: %s", s.Status, s.Error)
	}

	var pages []string
	for _, p := range s.Pages {
		pages = append(pages, strings.TrimPrefix(p.URL, srv.URL))
		if p.Banner != "clicked" || p.Error != "" {
			t.Errorf("page %s: banner %q, error %q; want the banner clicked without errors", p.URL, p.Banner, p.Error)
		}
	}
	sort.Strings(pages)
	if want := []string{"/", "/about", "/contact", "/products"}; !slices.Equal(pages, want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}

	var cookies []string
	for _, c := range s.Cookies {
		// The banner's UI file carries its release hash (?v=), which
		// changes with every build of the snippet.
		setBy := uiRelease.ReplaceAllString(strings.TrimPrefix(c.SetBy, srv.URL), "samtykke-ui.js")
		cookies = append(cookies, fmt.Sprintf("%s %s %v %s", c.Name, c.Vendor, c.Phases, setBy))
	}
	wantCookies := []string{
		"_fbp meta_pixel [before_decision] https://connect.facebook.net/en_US/fbevents.js",
		"_ga google_analytics [after_accept] https://www.googletagmanager.com/gtag/js?id=G-TEST1",
		"_ga_TEST1 google_analytics [after_accept] https://www.googletagmanager.com/gtag/js?id=G-TEST1",
		"cb_visitor  [before_decision] https://widget.chatbuddy.example/widget.js",
		// The decision, and so the cookie, is the UI file's (samtykke-ui.js).
		"samtykke samtykke [after_reject after_accept] " + consentd.URL + "/samtykke-ui.js",
	}
	if !slices.Equal(cookies, wantCookies) {
		t.Errorf("cookies:\n%s\nwant:\n%s", strings.Join(cookies, "\n"), strings.Join(wantCookies, "\n"))
	}

	var requests []string
	for _, r := range s.Requests {
		requests = append(requests, fmt.Sprintf("%s %s %v", r.Host, r.Vendor, r.Phases))
	}
	wantRequests := []string{
		"connect.facebook.net meta_pixel [before_decision]",
		"widget.chatbuddy.example  [before_decision]",
		"www.google-analytics.com google_analytics [after_accept]",
		// gtag.js is Google Tag Manager's, as the catalogue files it.
		"www.googletagmanager.com google_tag_manager [after_accept]",
		"www.youtube.com youtube [after_accept]",
	}
	if !slices.Equal(requests, wantRequests) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(requests, "\n"), strings.Join(wantRequests, "\n"))
	}

	var storage []string
	for _, st := range s.Storage {
		if st.Name == "samtykke_outbox" {
			continue // there only while a receipt is in flight, which the scan may or may not catch
		}
		storage = append(storage, fmt.Sprintf("%s:%s %s %v", st.Kind, st.Name, st.Vendor, st.Phases))
	}
	if want := []string{"local:cb_state  [before_decision]", "local:samtykke_last samtykke [after_reject after_accept]"}; !slices.Equal(storage, want) {
		t.Errorf("storage = %q, want %q", storage, want)
	}

	r := s.Report
	var violations []string
	for _, v := range r.Violations {
		violations = append(violations, fmt.Sprintf("%s %s %s %s %s", v.Kind, v.Name, v.Vendor, v.Phase, strings.TrimPrefix(v.Page, srv.URL)))
	}
	wantViolations := []string{
		"cookie _fbp meta_pixel before_decision /",
		"request connect.facebook.net meta_pixel before_decision /",
	}
	if !slices.Equal(violations, wantViolations) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(violations, "\n"), strings.Join(wantViolations, "\n"))
	}
	for _, v := range r.Violations {
		if v.Kind == scanner.KindRequest {
			if v.Tag != `<script src="https://connect.facebook.net/en_US/fbevents.js"></script>` ||
				v.Fix != `<script type="text/plain" data-samtykke="marketing" src="https://connect.facebook.net/en_US/fbevents.js"></script>` {
				t.Errorf("the pixel's tag %q and fix %q", v.Tag, v.Fix)
			}
		}
	}

	var undeclared []string
	for _, u := range r.Undeclared {
		undeclared = append(undeclared, u.Kind+":"+u.Name+" "+u.Vendor)
	}
	wantUndeclared := []string{"cookie:_fbp meta_pixel", "cookie:cb_visitor ", "storage:cb_state ",
		"request:connect.facebook.net meta_pixel", "request:widget.chatbuddy.example "}
	if !slices.Equal(undeclared, wantUndeclared) {
		t.Errorf("undeclared = %q, want %q", undeclared, wantUndeclared)
	}
	if r.Counts.Unknown != 3 {
		t.Errorf("unknown = %d, want 3", r.Counts.Unknown)
	}
	unseen := map[string]bool{}
	for _, u := range r.Unseen {
		unseen[u.Vendor+":"+u.Cookie] = true
	}
	if !unseen["hotjar:_hjSessionUser_*"] || unseen["google_analytics:_ga"] || unseen["samtykke:samtykke"] {
		t.Errorf("unseen = %v; want Hotjar's cookies, and neither _ga nor samtykke", unseen)
	}

	// The scan's visits chose three times per page: none of it counted.
	buckets, err := store.Counters(ctx, site.ID, consent.Day, time.Now().Add(-48*time.Hour), time.Now().Add(48*time.Hour))
	if err != nil || len(buckets) != 0 {
		t.Errorf("counters after a scan = %v, %v; want none", buckets, err)
	}
	n := 0
	if err := store.ReceiptsBetween(ctx, site.ID, time.Now().Add(-48*time.Hour), time.Now().Add(48*time.Hour),
		func(consent.Receipt) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("receipts after a scan = %d, %v; want none", n, err)
	}
	if tw, err := store.TagWarnings(ctx, site.ID); err != nil || len(tw) != 0 {
		t.Errorf("tag warnings after a scan = %v, %v; want none", tw, err)
	}
}
