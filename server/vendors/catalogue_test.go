package vendors

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var knownHooks = []string{
	HookGoogleConsentMode, HookMetaFbqConsent, HookHubSpotHsp, HookClarityConsent,
	HookUETConsentMode, HookTikTokGrantRevoke, HookContentsquareOptout,
}

func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func TestCatalogueShape(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, v := range All() {
		if !snake.MatchString(v.ID) {
			t.Errorf("%q: id is not snake_case", v.ID)
		}
		if seen[v.ID] {
			t.Errorf("%q: id used twice", v.ID)
		}
		seen[v.ID] = true
		if v.Name == "" || v.Provider == "" {
			t.Errorf("%s: name and provider are required", v.ID)
		}
		if !validCountry(v.ProviderCountry) {
			t.Errorf("%s: provider country %q is not ISO 3166-1 alpha-2", v.ID, v.ProviderCountry)
		}
		if !isHTTPS(v.PrivacyPolicyURL) {
			t.Errorf("%s: privacy policy %q is not an https URL", v.ID, v.PrivacyPolicyURL)
		}
		if len(v.Purposes) == 0 {
			t.Errorf("%s: no purpose", v.ID)
		}
		if len(v.Purposes) > 1 && v.ID != "google_tag_manager" {
			t.Errorf("%s: only Google Tag Manager may have two purposes, has %v", v.ID, v.Purposes)
		}
		if len(v.Hosts)+len(v.EmbedHosts) == 0 {
			t.Errorf("%s: no host and no embed host", v.ID)
		}
		for _, h := range append(append([]string(nil), v.Hosts...), v.EmbedHosts...) {
			if err := ValidPattern(h); err != nil {
				t.Errorf("%s: host pattern %q: %v", v.ID, h, err)
			}
		}
		if len(v.Sources) == 0 {
			t.Errorf("%s: no sources", v.ID)
		}
		for _, s := range v.Sources {
			if !isHTTPS(s) {
				t.Errorf("%s: source %q is not an https URL", v.ID, s)
			}
		}
		for _, h := range v.ConsentHooks {
			if !slices.Contains(knownHooks, h) {
				t.Errorf("%s: unknown consent hook %q", v.ID, h)
			}
		}
		for _, c := range v.Cookies {
			if !c.deliberate {
				t.Errorf("%s: cookie %q has no lifetime set in the catalogue", v.ID, c.Name)
			}
			if c.Party != FirstParty && c.Party != ThirdParty {
				t.Errorf("%s: cookie %q has party %q", v.ID, c.Name, c.Party)
			}
			checkAllLanguages(t, v.ID+" cookie "+c.Name, c.Description)
		}
		for _, s := range v.Storage {
			checkAllLanguages(t, v.ID+" storage "+s.Name, s.Description)
		}
		if errs := v.Validate(); len(errs) > 0 {
			t.Errorf("%s: built-in vendor fails Validate: %v", v.ID, errs)
		}
	}
	// The ids sites have used since the first release, and every vendor
	// the issue asks for.
	for _, id := range []string{
		"google_analytics", "google_tag_manager", "hotjar", "meta_pixel", "hubspot",
		"google_ads", "microsoft_clarity", "microsoft_uet", "linkedin_insight", "tiktok_pixel",
		"pinterest_tag", "snap_pixel", "youtube", "vimeo", "google_maps",
	} {
		if _, ok := Lookup(id); !ok {
			t.Errorf("Lookup(%q) found nothing", id)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup of an unknown id succeeded")
	}
}

func checkAllLanguages(t *testing.T, what string, d Text) {
	t.Helper()
	for _, lang := range Languages {
		if strings.TrimSpace(d[lang]) == "" {
			t.Errorf("%s: no description in %s", what, lang)
		}
	}
	if len(d) != len(Languages) {
		t.Errorf("%s: descriptions in %d languages, want %d", what, len(d), len(Languages))
	}
}

func TestNoTwoVendorsClaimTheSamePattern(t *testing.T) {
	owner := map[string]string{}
	for _, v := range All() {
		for _, h := range append(append([]string(nil), v.Hosts...), v.EmbedHosts...) {
			if o, ok := owner[h]; ok {
				t.Errorf("%q is claimed by %s and %s", h, o, v.ID)
			}
			owner[h] = v.ID
		}
	}
}

func TestAllReturnsCopies(t *testing.T) {
	a := All()
	a[0].Hosts[0] = "changed.example"
	a[0].Cookies[0].Description["en"] = "changed"
	v, _ := Lookup(a[0].ID)
	if v.Hosts[0] == "changed.example" || v.Cookies[0].Description["en"] == "changed" {
		t.Fatal("changing a vendor from All changed the catalogue")
	}
	b := All()
	for i := range b {
		if b[i].ID != catalogue[i].ID {
			t.Fatalf("All()[%d] = %s, want the catalogue order", i, b[i].ID)
		}
	}
}

// What today's snippet/src/trackers.ts treats as a tracker, one URL per
// branch of its regexes, and the purposes it gives them: every one must get
// the same purposes from the rules.
func TestTrackersTSHostsAreCovered(t *testing.T) {
	S, M, ANY := []string{Statistics}, []string{Marketing}, []string{Statistics, Marketing}
	rules := Rules()
	cases := []struct {
		url  string
		want []string
	}{
		// www.googletagmanager.com: G- statistics, AW-/DC- marketing, else either.
		{"https://www.googletagmanager.com/gtag/js?id=G-ABC123", S},
		{"https://www.googletagmanager.com/gtag/js?id=AW-123456789", M},
		{"https://www.googletagmanager.com/gtag/js?id=DC-1234567", M},
		{"https://www.googletagmanager.com/gtag/js?id=GT-ABCDEF", ANY},
		{"https://www.googletagmanager.com/gtm.js?id=GTM-ABC1234", ANY},
		{"https://www.googletagmanager.com/ns.html?id=GTM-ABC1234", ANY},
		// STATS_HOST
		{"https://google-analytics.com/analytics.js", S},
		{"https://www.google-analytics.com/g/collect?v=2", S},
		{"https://region1.google-analytics.com/g/collect?v=2", S},
		{"https://analytics.google.com/g/collect?v=2", S},
		{"https://region1.analytics.google.com/g/collect?v=2", S},
		{"https://hotjar.com/", S},
		{"https://static.hotjar.com/c/hotjar-123.js?sv=6", S},
		{"wss://ws12.hotjar.com/api/v2/client/ws", S},
		{"https://content.hotjar.io/", S},
		{"https://t.contentsquare.net/uxa/abc.js", S},
		// MKT_HOST
		{"https://doubleclick.net/", M},
		{"https://googleads.g.doubleclick.net/pagead/viewthroughconversion/123/", M},
		{"https://stats.g.doubleclick.net/g/collect", M},
		{"https://js.hs-analytics.net/analytics/1/123.js", M},
		{"https://js.hs-banner.com/123.js", M},
		{"https://js.hscollectedforms.net/collectedforms.js", M},
		{"https://js.hsadspixel.net/fb.js", M},
		{"https://js.usemessages.com/conversations-embed.js", M},
		{"https://www.googleadservices.com/pagead/conversion.js", M},
		{"https://connect.facebook.net/en_US/fbevents.js", M},
		{"https://js.hs-scripts.com/123.js", M},
		{"https://js-eu1.hs-scripts.com/123.js", M},
		{"https://www.facebook.com/tr?id=1&ev=PageView&noscript=1", M},
		{"https://www.facebook.com/tr/", M},
	}
	for _, c := range cases {
		got, _, ok := Match(rules, c.url)
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v (ok=%v), trackers.ts gives %v", c.url, got, ok, c.want)
		}
	}
	// Not trackers there, not trackers here.
	for _, u := range []string{
		"https://www.facebook.com/", "https://notdoubleclick.net/x.js", "https://hotjar.com.evil.example/x.js",
		"https://example.com/app.js", "https://www.googletagmanager.example/gtm.js",
	} {
		if got, v, ok := Match(rules, u); ok {
			t.Errorf("%s: matched %s %v, want no match", u, v, got)
		}
	}
}

// The cookies trackers.ts deletes per purpose must still be deleted, with
// the same purpose, by some rule.
func TestTrackersTSCookiesAreCovered(t *testing.T) {
	cases := map[string][]string{
		Statistics: {"_ga", "_ga_ABC123", "_gid", "_gat", "_gat_UA1", "_gat_gtag_UA_1", "_dc_gtm_UA-1",
			"_hjSessionUser_1", "_hjSession_1", "_hjid", "_hjTLDTest", "_hjAnythingElse", "_cs_id", "_cs_s", "_cs_c", "_cs_optout"},
		Marketing: {"_gcl_au", "_gcl_aw", "_gcl_dc", "_gac_UA-1", "_gac_gb_1", "_fbp", "_fbc",
			"__hstc", "hubspotutk", "__hssc", "__hssrc", "messagesUtk"},
	}
	rules := Rules()
	for purpose, names := range cases {
		for _, n := range names {
			found := false
			for _, r := range rules {
				if len(r.Purposes) == 1 && r.Purposes[0] == purpose && slices.ContainsFunc(r.Cookies, func(p string) bool { return NameMatches(p, n) }) {
					found = true
				}
			}
			if !found {
				t.Errorf("cookie %s: no %s rule deletes it", n, purpose)
			}
		}
	}
}

func TestRules(t *testing.T) {
	rules := Rules()
	byVendor := map[string][]Rule{}
	for _, r := range rules {
		byVendor[r.Vendor] = append(byVendor[r.Vendor], r)
	}
	for _, v := range All() {
		want := 0
		if len(v.Hosts) > 0 {
			want++
		}
		if len(v.EmbedHosts) > 0 {
			want++
		}
		if got := len(byVendor[v.ID]); got != want {
			t.Errorf("%s: %d rules, want %d", v.ID, got, want)
		}
	}
	yt := byVendor["youtube"]
	if len(yt) != 2 || yt[0].Embed || !yt[1].Embed || !slices.Contains(yt[1].Hosts, "*.youtube-nocookie.com/embed") {
		t.Errorf("youtube rules = %+v, want a script rule and an embed rule", yt)
	}
	if len(yt[0].Cookies)+len(yt[1].Cookies) != 0 {
		t.Errorf("youtube's cookies are all third-party, yet its rules delete %v %v", yt[0].Cookies, yt[1].Cookies)
	}
	hj := byVendor["hotjar"][0]
	if !slices.Equal(hj.Cookies, []string{"_hj*", "_cs_*"}) || !slices.Equal(hj.Storage, []string{"_hj*"}) {
		t.Errorf("hotjar rule cookies %v storage %v, want the compacted [_hj* _cs_*] and [_hj*]", hj.Cookies, hj.Storage)
	}
	ga := byVendor["google_analytics"][0]
	if !slices.Equal(ga.Cookies, []string{"_ga", "_ga_*", "_gid", "_gat*", "_dc_gtm_*"}) {
		t.Errorf("google_analytics rule cookies = %v", ga.Cookies)
	}
	if ads := byVendor["google_ads"][0]; slices.Contains(ads.Cookies, "IDE") {
		t.Errorf("google_ads rule deletes the third-party cookie IDE: %v", ads.Cookies)
	}

	custom := Vendor{ID: "chatly", Name: "Chatly", Provider: "Chatly AS", Purposes: []string{Marketing},
		PrivacyPolicyURL: "https://chatly.example/privacy", Hosts: []string{"widget.chatly.example"},
		Cookies: []Cookie{{Name: "chatly_id", DurationMinutes: 365 * 24 * 60, Party: FirstParty}}}
	withCustom := Rules(custom)
	last := withCustom[len(withCustom)-1]
	if len(withCustom) != len(rules)+1 || last.Vendor != "chatly" || !slices.Equal(last.Cookies, []string{"chatly_id"}) {
		t.Errorf("custom vendor rule = %+v", last)
	}
	if p, v, ok := Match(withCustom, "https://widget.chatly.example/loader.js"); !ok || v != "chatly" || !slices.Equal(p, []string{Marketing}) {
		t.Errorf("custom vendor host: %v %s %v", p, v, ok)
	}

	raw, err := json.Marshal(Rules())
	if err != nil {
		t.Fatal(err)
	}
	var first map[string]any
	if err := json.Unmarshal(raw[1:bytes.IndexByte(raw, '}')+1], &first); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"vendor", "purposes", "hosts"} {
		if _, ok := first[k]; !ok {
			t.Errorf("rule JSON has no %q: %s", k, raw[:200])
		}
	}
	if bytes.Contains(raw, []byte(`"embed":false`)) || bytes.Contains(raw, []byte(`"cookies":null`)) {
		t.Error("rule JSON carries empty fields it should omit")
	}
	gzipped := func(level int) int {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, level)
		zw.Write(raw)
		zw.Close()
		return gz.Len()
	}
	gzDefault, gzBest := gzipped(gzip.DefaultCompression), gzipped(gzip.BestCompression)
	t.Logf("Rules() for the built-in catalogue: %d rules, %d bytes of JSON, %d bytes gzipped (%d at best compression)",
		len(rules), len(raw), gzDefault, gzBest)
	// It is served in every page's script: keep it small.
	if len(raw) > 4096 || gzDefault > 1536 {
		t.Errorf("Rules JSON is %d bytes (%d gzipped); keep it under 4096 (1536)", len(raw), gzDefault)
	}
}

func TestCompactNames(t *testing.T) {
	cases := []struct{ in, want []string }{
		{[]string{"_ga", "_ga_*", "_gid"}, []string{"_ga", "_ga_*", "_gid"}},
		{[]string{"_hjSession_*", "_hjTLDTest", "_hj*"}, []string{"_hj*"}},
		{[]string{"a", "a", "b*", "b*", "bc"}, []string{"a", "b*"}},
		{[]string{"x*", "x"}, []string{"x*"}},
		{nil, nil},
	}
	for _, c := range cases {
		if got := compactNames(c.in); !slices.Equal(got, c.want) {
			t.Errorf("compactNames(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestNameMatches(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"_ga", "_ga", true}, {"_ga", "_ga_X", false}, {"_ga_*", "_ga_X", true}, {"_ga_*", "_ga", false},
		{"_hj*", "_hj", true}, {"_hj*", "_hjid", true}, {"_hj*", "_h", false},
	}
	for _, c := range cases {
		if got := NameMatches(c.pattern, c.name); got != c.want {
			t.Errorf("NameMatches(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

func TestTextIn(t *testing.T) {
	d := Text{"en": "English", "nb": "Norsk"}
	if d.In("nb") != "Norsk" || d.In("fi") != "English" || (Text(nil)).In("en") != "" {
		t.Error("Text.In does not fall back to English")
	}
}
