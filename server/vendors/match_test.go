package vendors

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var (
	S   = []string{Statistics}
	M   = []string{Marketing}
	ANY = []string{Statistics, Marketing}
)

// Real tag URLs, as the vendors' snippets load them, and where they belong.
// testdata/match.json carries them with the rules to the snippet's tests, so
// that the Go and TypeScript matchers are held to the same answers.
var vendorURLs = []struct {
	url    string
	vendor string
	want   []string
}{
	{"https://www.googletagmanager.com/gtag/js?id=G-XYZ987", "google_analytics", S},
	{"https://region1.google-analytics.com/g/collect?v=2&tid=G-XYZ987", "google_analytics", S},
	{"https://www.googletagmanager.com/gtag/js?id=AW-123456789", "google_ads", M},
	{"https://www.googletagmanager.com/gtag/js?id=DC-8000000", "google_ads", M},
	{"https://www.googletagmanager.com/gtag/destination?id=AW-123456789&l=dataLayer&cx=c", "google_ads", M},
	{"https://www.googletagmanager.com/gtag/destination?id=G-XYZ987&l=dataLayer&cx=c", "google_analytics", S},
	{"https://www.googletagmanager.com/gtm.js?id=GTM-K9X2ZQ", "google_tag_manager", ANY},
	{"https://www.googletagmanager.com/gtag/js?l=dataLayer&id=G-XYZ987", "google_tag_manager", ANY},
	{"https://www.googleadservices.com/pagead/conversion_async.js", "google_ads", M},
	{"https://www.google.com/pagead/1p-user-list/123/?random=1", "google_ads", M},
	{"https://www.google.no/pagead/1p-user-list/123/?random=1", "google_ads", M},
	{"https://www.google.com/ccm/collect?en=page_view", "google_ads", M},
	{"https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js", "google_ads", M},
	{"https://td.doubleclick.net/td/rul/123", "google_ads", M},
	{"https://static.hotjar.com/c/hotjar-3456789.js?sv=6", "hotjar", S},
	{"https://t.contentsquare.net/uxa/0123abcd.js", "hotjar", S},
	{"https://connect.facebook.net/en_US/fbevents.js", "meta_pixel", M},
	{"https://connect.facebook.net/signals/config/1234567890?v=2.9", "meta_pixel", M},
	{"https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1", "meta_pixel", M},
	{"//js.hs-scripts.com/1234567.js", "hubspot", M},
	{"https://js-eu1.hs-scripts.com/1234567.js", "hubspot", M},
	{"https://track-eu1.hubspot.com/__ptq.gif?k=1", "hubspot", M},
	{"https://www.clarity.ms/tag/abcdef1234", "microsoft_clarity", S},
	{"https://scripts.clarity.ms/0.8.0/clarity.js", "microsoft_clarity", S},
	{"https://bat.bing.com/bat.js", "microsoft_uet", M},
	{"https://bat.bing.com/action/0?ti=123&evt=pageLoad", "microsoft_uet", M},
	{"https://snap.licdn.com/li.lms-analytics/insight.min.js", "linkedin_insight", M},
	{"https://px.ads.linkedin.com/collect/?pid=123&fmt=gif", "linkedin_insight", M},
	{"https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=ABC&lib=ttq", "tiktok_pixel", M},
	{"https://s.pinimg.com/ct/core.js", "pinterest_tag", M},
	{"https://ct.pinterest.com/v3/?tid=2612345678901&event=init", "pinterest_tag", M},
	{"https://sc-static.net/scevent.min.js", "snap_pixel", M},
	{"https://tr.snapchat.com/p", "snap_pixel", M},
	{"https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0", "youtube", M},
	{"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "youtube", M},
	{"https://www.youtube.com/iframe_api", "youtube", M},
	{"https://player.vimeo.com/video/76979871?h=8272103f6e", "vimeo", S},
	{"https://player.vimeo.com/api/player.js", "vimeo", S},
	{"https://www.google.com/maps/embed?pb=!1m18!1m12", "google_maps", M},
	{"https://maps.google.com/maps?q=Oslo&output=embed", "google_maps", M},
	{"https://maps.googleapis.com/maps/api/js?key=K&callback=initMap", "google_maps", M},
	// Case, port and a trailing dot in the host do not matter.
	{"HTTPS://WWW.GoogleTagManager.COM/gtag/js?id=G-XYZ987", "google_analytics", S},
	{"https://static.hotjar.com:443/c/hotjar-1.js?sv=6", "hotjar", S},
	{"https://bat.bing.com./bat.js", "microsoft_uet", M},
}

// URLs no rule may claim.
var nonVendorURLs = []string{
	"/js/app.js", "app.js", "", "::not a url", "data:text/javascript,1",
	"https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.google.com/search?q=x",
	"https://s.pinimg.com/images/logo.png", "https://player.vimeo.com/", "https://www.linkedin.com/in/someone",
	"https://www.google.com/maps/place/Oslo", "https://cdn.example.com/hotjar.com/x.js",
}

func TestMatchVendorURLs(t *testing.T) {
	rules := Rules()
	for _, c := range vendorURLs {
		got, v, ok := Match(rules, c.url)
		if !ok || v != c.vendor || !slices.Equal(got, c.want) {
			t.Errorf("Match(%s) = %v %q %v, want %v %q", c.url, got, v, ok, c.want, c.vendor)
		}
	}
	for _, u := range nonVendorURLs {
		if got, v, ok := Match(rules, u); ok {
			t.Errorf("Match(%q) = %v %q, want no match", u, got, v)
		}
	}
}

var update = flag.Bool("update", false, "rewrite testdata/match.json")

// The snippet's matcher (snippet/src/rules.ts) is tested against this file
// (snippet/test/unit/rules.test.ts): the rules as served, each URL above and
// the vendor and purposes it belongs to ("" and none for the others).
func TestMatchVectorsFile(t *testing.T) {
	type vector struct {
		URL      string   `json:"url"`
		Vendor   string   `json:"vendor"`
		Purposes []string `json:"purposes"`
	}
	file := struct {
		Comment string   `json:"//"`
		Rules   []Rule   `json:"rules"`
		Cases   []vector `json:"cases"`
	}{Comment: "Generated by go test ./server/vendors -run TestMatchVectorsFile -update; do not edit.", Rules: Rules()}
	for _, c := range vendorURLs {
		file.Cases = append(file.Cases, vector{c.url, c.vendor, c.want})
	}
	for _, u := range nonVendorURLs {
		file.Cases = append(file.Cases, vector{u, "", []string{}})
	}
	want, err := json.MarshalIndent(file, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	path := filepath.Join("testdata", "match.json")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is stale (%v): run go test ./server/vendors -run TestMatchVectorsFile -update", path, err)
	}
}

func TestMatchSemantics(t *testing.T) {
	rules := []Rule{
		{Vendor: "wide", Purposes: []string{Statistics}, Hosts: []string{"*.example.com"}},
		{Vendor: "narrow", Purposes: []string{Marketing}, Hosts: []string{"cdn.example.com/ads"}},
		{Vendor: "tie_a", Purposes: []string{Marketing}, Hosts: []string{"tie.example.org/x"}},
		{Vendor: "tie_b", Purposes: []string{Statistics}, Hosts: []string{"tie.example.org/y", "*.example.org/x.j"}},
		{Vendor: "query", Purposes: []string{Marketing}, Hosts: []string{"q.example.net/js?id=AW-"}},
		{Vendor: "broken", Purposes: []string{Marketing}, Hosts: []string{"*.com", "HTTPS://bad.example.net"}},
	}
	cases := []struct {
		url    string
		vendor string
		want   []string
	}{
		{"https://example.com/", "wide", []string{Statistics}},
		{"https://a.b.example.com/x", "wide", []string{Statistics}},
		{"https://cdn.example.com/app.js", "wide", []string{Statistics}},
		{"https://cdn.example.com/ads/tag.js", "narrow", []string{Marketing}},
		{"https://cdn.example.com/adserver.js", "narrow", []string{Marketing}}, // a prefix, not a path segment
		// tie.example.org/x and *.example.org/x are both 17 bytes: union, first vendor.
		{"https://tie.example.org/x.js", "tie_a", []string{Statistics, Marketing}},
		{"https://tie.example.org/y", "tie_b", []string{Statistics}},
		{"https://q.example.net/js?id=AW-1", "query", []string{Marketing}},
	}
	for _, c := range cases {
		got, v, ok := Match(rules, c.url)
		if !ok || v != c.vendor || !slices.Equal(got, c.want) {
			t.Errorf("Match(%s) = %v %q %v, want %v %q", c.url, got, v, ok, c.want, c.vendor)
		}
	}
	for _, u := range []string{
		"https://badexample.com/", "https://tie.example.org/", "https://q.example.net/js?id=G-1",
		"https://q.example.net/js?x=1&id=AW-1", "https://anything.com/", "https://bad.example.net/",
	} {
		if got, v, ok := Match(rules, u); ok {
			t.Errorf("Match(%s) = %v %q, want no match", u, got, v)
		}
	}
}

func TestValidPattern(t *testing.T) {
	valid := []string{
		"example.com", "*.example.com", "cdn.example.com/js", "www.googletagmanager.com/gtag/js?id=G-",
		"www.facebook.com/tr", "a-b.example.co.uk", "*.example.co.uk", "x.example.com/", "example.com/p?",
	}
	for _, p := range valid {
		if err := ValidPattern(p); err != nil {
			t.Errorf("ValidPattern(%q) = %v, want nil", p, err)
		}
	}
	invalid := []string{
		"", "*.com", "*.co.uk", "*.github.io", "com", "*", "*.", "https://example.com", "Example.com",
		"example.com:443", "example.com?id=1", "ex ample.com", "example.com/#x", "*.*.example.com",
		"a.*.example.com", "example.com/*.js", "-bad.example.com", "bad-.example.com", "exa_mple.com",
		"192.168.0.1", "example..com", ".example.com",
	}
	for _, p := range invalid {
		if err := ValidPattern(p); err == nil {
			t.Errorf("ValidPattern(%q) = nil, want an error", p)
		}
	}
}

// Every built-in pattern matches a URL made from it, and no other vendor's
// pattern takes that URL away unless it is longer (more specific).
func TestEveryPatternMatchesItsOwnURL(t *testing.T) {
	rules := Rules()
	for _, r := range rules {
		for _, p := range r.Hosts {
			hp, err := parsePattern(p)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			path := hp.path
			if path == "" {
				path = "/"
			}
			hosts := []string{hp.host}
			if hp.wildcard {
				hosts = append(hosts, "sub."+hp.host)
			}
			for _, h := range hosts {
				u := "https://" + h + path + "x"
				purposes, vendor, ok := Match(rules, u)
				if !ok {
					t.Errorf("%s: %s does not match", p, u)
					continue
				}
				if vendor != r.Vendor && !longerMatch(rules, vendor, h, path+"x", len(p)) {
					t.Errorf("%s (%s): %s went to %s %v", p, r.Vendor, u, vendor, purposes)
				}
			}
		}
	}
}

func longerMatch(rules []Rule, vendor, host, pathSearch string, than int) bool {
	for _, r := range rules {
		if r.Vendor != vendor {
			continue
		}
		for _, p := range r.Hosts {
			if hp, err := parsePattern(p); err == nil && hp.matches(host, pathSearch) && len(p) > than {
				return true
			}
		}
	}
	return false
}

func FuzzMatch(f *testing.F) {
	f.Add("https://www.googletagmanager.com/gtag/js?id=G-1", "*.example.com/a?b")
	f.Add("//js.hs-scripts.com/1.js", "js.hs-scripts.com")
	f.Add("wss://ws.hotjar.com:443/x#y", "*.co.uk")
	f.Fuzz(func(t *testing.T, rawURL, pattern string) {
		rules := append(Rules(), Rule{Vendor: "fuzz", Purposes: []string{Marketing}, Hosts: []string{pattern}})
		purposes, vendor, ok := Match(rules, rawURL)
		if ok != (vendor != "") || ok != (len(purposes) > 0) {
			t.Fatalf("Match(%q) = %v %q %v", rawURL, purposes, vendor, ok)
		}
		if ValidPattern(pattern) != nil && vendor == "fuzz" {
			t.Fatalf("invalid pattern %q matched %q", pattern, rawURL)
		}
	})
}
