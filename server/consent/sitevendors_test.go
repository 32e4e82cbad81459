package consent

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/vendors"
)

// chatly is a custom vendor as an owner declares it, before Normalize.
func chatly() SiteVendor {
	return SiteVendor{
		Name: "Chatly", Provider: "Chatly AS, Norway", Purpose: Marketing,
		PrivacyPolicyURL: "https://chatly.example/privacy", Hosts: []string{"widget.chatly.example"},
		Cookies: []SiteCookie{
			{Name: "chatly_id", LifetimeDays: 365, Party: ThirdParty, Description: map[string]string{"en": "Chat visitor id", "nb": "Chat-besøkende-ID"}},
			{Name: "chatly_s", LifetimeDays: 0, Party: FirstParty, Description: map[string]string{"de": "Chat-Sitzung"}},
		},
	}
}

func TestSiteVendorsValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(s *SiteSettings)
		fields []string // nil: valid
	}{
		{"a built-in vendor", func(s *SiteSettings) { s.Vendors = []SiteVendor{{ID: "linkedin_insight"}} }, nil},
		{"a custom vendor", func(s *SiteSettings) { s.Vendors = []SiteVendor{chatly()} }, nil},
		{"a custom vendor without cookies", func(s *SiteSettings) {
			v := chatly()
			v.Cookies = nil
			s.Vendors = []SiteVendor{v}
		}, nil},
		{"an embed", func(s *SiteSettings) {
			v := chatly()
			v.Embed, v.Purpose = true, Statistics
			s.Vendors = []SiteVendor{v}
		}, nil},
		{"built-in and custom together", func(s *SiteSettings) {
			s.Vendors = []SiteVendor{{ID: "tiktok_pixel"}, chatly(), {ID: "youtube"}}
		}, nil},
		{"an id not in the catalogue", func(s *SiteSettings) { s.Vendors = []SiteVendor{{ID: "chatly"}} }, []string{"vendors[0].id"}},
		{"a built-in vendor twice", func(s *SiteSettings) {
			s.Vendors = []SiteVendor{{ID: "youtube"}, {ID: "youtube"}}
		}, []string{"vendors[1].id"}},
		{"a built-in vendor that is an integration", func(s *SiteSettings) {
			s.Vendors = []SiteVendor{{ID: "hotjar"}}
		}, []string{"vendors[0].id"}},
		{"a built-in vendor with fields of its own", func(s *SiteSettings) {
			s.Vendors = []SiteVendor{{ID: "youtube", Name: "YouTube", Hosts: []string{"youtube.example"}}}
		}, []string{"vendors[0].hosts", "vendors[0].name"}},
		{"two custom vendors of one name", func(s *SiteSettings) {
			a, b := chatly(), chatly()
			b.Name = "CHATLY!"
			s.Vendors = []SiteVendor{a, b}
		}, []string{"vendors[1].name"}},
		{"name missing", func(s *SiteSettings) {
			v := chatly()
			v.Name = " "
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].name"}},
		{"name of symbols only", func(s *SiteSettings) {
			v := chatly()
			v.Name = "???"
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].name"}},
		{"provider missing", func(s *SiteSettings) {
			v := chatly()
			v.Provider = ""
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].provider"}},
		{"purpose missing", func(s *SiteSettings) {
			v := chatly()
			v.Purpose = ""
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].purpose"}},
		{"purpose necessary", func(s *SiteSettings) {
			v := chatly()
			v.Purpose = Necessary
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].purpose"}},
		{"policy link not https", func(s *SiteSettings) {
			v := chatly()
			v.PrivacyPolicyURL = "http://chatly.example/privacy"
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].privacy_policy_url"}},
		{"no hosts", func(s *SiteSettings) {
			v := chatly()
			v.Hosts = nil
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].hosts"}},
		{"a host with a scheme", func(s *SiteSettings) {
			v := chatly()
			v.Hosts = []string{"widget.chatly.example", "cdn.chatly.example", "https://api.chatly.example"}
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].hosts[2]"}},
		{"a wildcard on a public suffix, as an embed", func(s *SiteSettings) {
			v := chatly()
			v.Embed, v.Hosts = true, []string{"*.com"}
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].hosts[0]"}},
		{"21 hosts", func(s *SiteSettings) {
			v := chatly()
			v.Hosts = nil
			for i := range 21 {
				v.Hosts = append(v.Hosts, "h"+strings.Repeat("x", i)+".chatly.example")
			}
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].hosts"}},
		{"51 cookies", func(s *SiteSettings) {
			v := chatly()
			v.Cookies = nil
			for i := range 51 {
				v.Cookies = append(v.Cookies, SiteCookie{Name: "c" + strings.Repeat("x", i), Party: FirstParty, Description: map[string]string{"en": "x"}})
			}
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies"}},
		{"51 vendors", func(s *SiteSettings) {
			s.Vendors = nil
			for i := range 51 {
				v := chatly()
				v.Name += strings.Repeat("x", i)
				s.Vendors = append(s.Vendors, v)
			}
		}, []string{"vendors"}},
		{"a cookie without a name", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[1].Name = ""
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[1].name"}},
		{"a cookie name with a semicolon", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[0].Name = "a;b"
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[0].name"}},
		{"a cookie twice", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[1].Name = v.Cookies[0].Name
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[1].name"}},
		{"a negative lifetime", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[0].LifetimeDays = -1
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[0].lifetime_days"}},
		{"a lifetime over ten years", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[0].LifetimeDays = MaxCookieDays + 1
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[0].lifetime_days"}},
		{"a party that is neither", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[1].Party = "second"
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[1].party"}},
		{"no description", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[0].Description = nil
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[0].description"}},
		{"a description in no banner language", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[0].Description = map[string]string{"xx": "?"}
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[0].description.xx"}},
		{"a description too long, one empty", func(s *SiteSettings) {
			v := chatly()
			v.Cookies[0].Description = map[string]string{"en": strings.Repeat("d", 501), "nn": " "}
			s.Vendors = []SiteVendor{v}
		}, []string{"vendors[0].cookies[0].description.en", "vendors[0].cookies[0].description.nn"}},
		{"GA cookies shortened to a week", func(s *SiteSettings) { s.Integrations.GoogleAnalytics.CookieExpiresDays = 7 }, nil},
		{"GA cookies at Google's two years", func(s *SiteSettings) { s.Integrations.GoogleAnalytics.CookieExpiresDays = 730 }, nil},
		{"GA cookies longer than Google's", func(s *SiteSettings) { s.Integrations.GoogleAnalytics.CookieExpiresDays = 731 }, []string{"integrations.google_analytics.cookie_expires_days"}},
		{"GA cookies negative", func(s *SiteSettings) { s.Integrations.GoogleAnalytics.CookieExpiresDays = -7 }, []string{"integrations.google_analytics.cookie_expires_days"}},
	}
	for _, tt := range tests {
		s := validSettings()
		tt.edit(&s)
		s.Normalize()
		if got := fieldsOf(t, s.Validate()); !slices.Equal(got, tt.fields) {
			t.Errorf("%s: fields %v, want %v (%v)", tt.name, got, tt.fields, s.Validate())
		}
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Chatly", "chatly"},
		{"  Chatly Live-Chat 2 ", "chatly_live_chat_2"},
		{"Bølgen & Måken Ærlig", "boelgen_maaken_aerlig"},
		{"Straße Über", "strasse_ueber"},
		{"!!!", ""},
		{strings.Repeat("ab ", 40), strings.TrimRight(strings.Repeat("ab_", 19), "_")},
	}
	for _, tt := range tests {
		if got := slug(tt.name); got != tt.want {
			t.Errorf("slug(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	s := SiteSettings{Vendors: []SiteVendor{chatly(), {ID: " youtube "}}}
	s.Normalize()
	if s.Vendors[0].ID != "custom_chatly" || s.Vendors[1].ID != "youtube" {
		t.Errorf("ids after Normalize: %q, %q", s.Vendors[0].ID, s.Vendors[1].ID)
	}
	// An id sent back from an earlier answer follows the name, renamed or not.
	renamed := chatly()
	renamed.ID, renamed.Name = "custom_chatly", "Chatly Pro"
	s.Vendors = []SiteVendor{renamed}
	s.Normalize()
	if s.Vendors[0].ID != "custom_chatly_pro" {
		t.Errorf("renamed vendor's id: %q", s.Vendors[0].ID)
	}
}

// vendorsUnder returns the vendors listed under purpose p.
func vendorsUnder(cfg BannerConfig, p Purpose) []Vendor {
	for _, pc := range cfg.Purposes {
		if pc.ID == p {
			return pc.Vendors
		}
	}
	return nil
}

func ids(vs []Vendor) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func cookieOf(t *testing.T, vs []Vendor, vendor, name string) Cookie {
	t.Helper()
	for _, v := range vs {
		if v.ID != vendor {
			continue
		}
		for _, c := range v.Cookies {
			if c.Name == name {
				return c
			}
		}
	}
	t.Fatalf("no cookie %s of %s in %v", name, vendor, ids(vs))
	return Cookie{}
}

// The banner lists the vendors of the integrations, then the declared
// built-in ones, then the custom ones, under each purpose they serve, with
// texts in the visitor's language.
func TestListedVendors(t *testing.T) {
	s := validSettings()
	s.Integrations.GoogleAnalytics.CookieExpiresDays = 7
	s.Vendors = []SiteVendor{chatly(), {ID: "youtube"}, {ID: "linkedin_insight"}}
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	site := Site{ID: "s1"}
	site.Apply(s, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))

	en := site.BannerConfig("en")
	if got, want := ids(vendorsUnder(en, Necessary)), []string{"samtykke"}; !slices.Equal(got, want) {
		t.Errorf("necessary: %v, want %v", got, want)
	}
	if got, want := ids(vendorsUnder(en, Statistics)), []string{"google_analytics", "google_tag_manager", "hotjar"}; !slices.Equal(got, want) {
		t.Errorf("statistics: %v, want %v", got, want)
	}
	if got, want := ids(vendorsUnder(en, Marketing)), []string{"google_tag_manager", "meta_pixel", "hubspot", "youtube", "linkedin_insight", "custom_chatly"}; !slices.Equal(got, want) {
		t.Errorf("marketing: %v, want %v", got, want)
	}

	own := vendorsUnder(en, Necessary)[0]
	if own.Provider != "Nordic Shop" || own.PrivacyPolicyURL != s.PrivacyPolicyURL || own.Custom || own.Embed ||
		own.Cookies[0] != (Cookie{Name: "samtykke", DurationMinutes: 182 * 24 * 60, DurationDays: 182, Party: FirstParty, Description: samtykkeCookieText["en"]}) {
		t.Errorf("Samtykke itself: %+v", own)
	}
	// GA shows the lifetime the site sets, for _ga and _ga_* only.
	stats := vendorsUnder(en, Statistics)
	if c := cookieOf(t, stats, "google_analytics", "_ga"); c.DurationDays != 7 || c.DurationMinutes != 7*24*60 {
		t.Errorf("_ga: %+v", c)
	}
	if c := cookieOf(t, stats, "google_analytics", "_ga_*"); c.DurationDays != 7 {
		t.Errorf("_ga_*: %+v", c)
	}
	if c := cookieOf(t, stats, "google_analytics", "_gid"); c.DurationMinutes != 24*60 {
		t.Errorf("_gid follows cookie_expires: %+v", c)
	}
	marketing := vendorsUnder(en, Marketing)
	custom := marketing[len(marketing)-1]
	if !custom.Custom || custom.Embed || custom.Name != "Chatly" || custom.Provider != "Chatly AS, Norway" ||
		custom.PrivacyPolicyURL != "https://chatly.example/privacy" || len(custom.Storage) != 0 || custom.Storage == nil {
		t.Errorf("custom vendor: %+v", custom)
	}
	if c := custom.Cookies[0]; c != (Cookie{Name: "chatly_id", DurationMinutes: 365 * 24 * 60, DurationDays: 365, Party: ThirdParty, Description: "Chat visitor id"}) {
		t.Errorf("custom cookie: %+v", c)
	}
	yt := marketing[3]
	if !yt.Embed || yt.Custom {
		t.Errorf("youtube is an embed from the catalogue: %+v", yt)
	}

	// Languages: the visitor's own, Nynorsk reads Bokmål, then English,
	// then any there is.
	tests := []struct {
		lang, vendor, cookie, want string
	}{
		{"nb", "custom_chatly", "chatly_id", "Chat-besøkende-ID"},
		{"nn", "custom_chatly", "chatly_id", "Chat-besøkende-ID"},
		{"sv", "custom_chatly", "chatly_id", "Chat visitor id"},
		{"fi", "custom_chatly", "chatly_s", "Chat-Sitzung"},
		{"de", "custom_chatly", "chatly_s", "Chat-Sitzung"},
		{"nn", "samtykke", "samtykke", samtykkeCookieText["nn"]},
		{"de", "samtykke", "samtykke", samtykkeCookieText["de"]},
		{"sv", "meta_pixel", "_fbp", textOf(t, "meta_pixel", "_fbp", "sv")},
		{"nn", "meta_pixel", "_fbp", textOf(t, "meta_pixel", "_fbp", "nb")},
		{"de", "meta_pixel", "_fbp", textOf(t, "meta_pixel", "_fbp", "en")},
	}
	for _, tt := range tests {
		cfg := site.BannerConfig(tt.lang)
		var all []Vendor
		for _, pc := range cfg.Purposes {
			all = append(all, pc.Vendors...)
		}
		if c := cookieOf(t, all, tt.vendor, tt.cookie); c.Description != tt.want || tt.want == "" {
			t.Errorf("%s: %s of %s says %q, want %q", tt.lang, tt.cookie, tt.vendor, c.Description, tt.want)
		}
	}
	// The declaration lists exactly what the banner lists.
	d := site.Declaration("nn")
	if b1, b2 := mustJSON(t, d.Purposes), mustJSON(t, site.BannerConfig("nn").Purposes); b1 != b2 || d.ConfigVersion != site.ConfigVersion ||
		d.Language != "nn" || d.SiteID != "s1" || d.ConsentLifetimeDays != 182 || d.PrivacyPolicyURL != s.PrivacyPolicyURL {
		t.Errorf("declaration differs from the config: %+v", d)
	}
}

func textOf(t *testing.T, vendor, cookie, lang string) string {
	t.Helper()
	v, ok := vendors.Lookup(vendor)
	if !ok {
		t.Fatalf("no %s in the catalogue", vendor)
	}
	for _, c := range v.Cookies {
		if c.Name == cookie {
			return c.Description[lang]
		}
	}
	t.Fatalf("no %s in %s", cookie, vendor)
	return ""
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTextIn(t *testing.T) {
	tests := []struct {
		text vendors.Text
		lang string
		want string
	}{
		{vendors.Text{"nb": "b", "en": "e"}, "nb", "b"},
		{vendors.Text{"nb": "b", "en": "e"}, "nn", "b"},
		{vendors.Text{"nn": "n", "nb": "b"}, "nn", "n"},
		{vendors.Text{"nb": "b", "en": "e"}, "da", "e"},
		{vendors.Text{"sv": "s", "da": "d"}, "en", "d"}, // any: the first language in order, every time
		{vendors.Text{"sv": "", "en": "e"}, "sv", "e"},
		{nil, "en", ""},
	}
	for _, tt := range tests {
		if got := textIn(tt.text, tt.lang); got != tt.want {
			t.Errorf("textIn(%v, %s) = %q, want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

// Rules in the config: the whole catalogue, then the site's own vendors,
// whose first-party cookies the snippet purges.
func TestConfigRules(t *testing.T) {
	s := validSettings()
	embed := chatly()
	embed.Name, embed.Embed, embed.Hosts = "Chatly Video", true, []string{"video.chatly.example"}
	s.Vendors = []SiteVendor{{ID: "youtube"}, chatly(), embed}
	s.Normalize()
	rules := Site{SiteSettings: s}.BannerConfig("en").Rules
	n := len(vendors.Rules())
	if len(rules) != n+2 {
		t.Fatalf("%d rules, want the catalogue's %d and 2", len(rules), n)
	}
	want := []vendors.Rule{
		{Vendor: "custom_chatly", Purposes: []string{"marketing"}, Hosts: []string{"widget.chatly.example"}, Cookies: []string{"chatly_s"}},
		{Vendor: "custom_chatly_video", Purposes: []string{"marketing"}, Hosts: []string{"video.chatly.example"}, Embed: true, Name: "Chatly Video", Cookies: []string{"chatly_s"}},
	}
	if got := mustJSON(t, rules[n:]); got != mustJSON(t, want) {
		t.Errorf("custom rules:\n%s\nwant\n%s", got, mustJSON(t, want))
	}
	if p, v, ok := vendors.Match(rules, "https://widget.chatly.example/loader.js"); !ok || v != "custom_chatly" || !slices.Equal(p, []string{"marketing"}) {
		t.Errorf("Match: %v %s %v", p, v, ok)
	}
	// A site without vendors gets the catalogue's rules, as an array.
	if b := mustJSON(t, Site{SiteSettings: validSettings()}.BannerConfig("en")); !strings.Contains(b, `"rules":[{"vendor":"google_analytics"`) {
		t.Errorf("config without vendors: %s", b[:200])
	}
}

// Declaring a vendor, changing a cookie's lifetime or description, asks
// visitors again; the order of equal settings does not matter to the hash.
func TestConfigVersionFollowsVendors(t *testing.T) {
	base := validSettings()
	v0 := base.ComputeConfigVersion()
	tests := []struct {
		name string
		edit func(s *SiteSettings)
	}{
		{"a built-in vendor declared", func(s *SiteSettings) { s.Vendors = []SiteVendor{{ID: "youtube"}} }},
		{"a custom vendor declared", func(s *SiteSettings) { s.Vendors = []SiteVendor{chatly()} }},
		{"GA's lifetime", func(s *SiteSettings) { s.Integrations.GoogleAnalytics.CookieExpiresDays = 7 }},
	}
	seen := map[string]string{v0: "base"}
	for _, tt := range tests {
		s := validSettings()
		tt.edit(&s)
		s.Normalize()
		v := s.ComputeConfigVersion()
		if prev, ok := seen[v]; ok {
			t.Errorf("%s: version %s, the same as %s", tt.name, v, prev)
		}
		seen[v] = tt.name
	}
	// A Nynorsk description only Nynorsk readers see changes the version too.
	a, b := validSettings(), validSettings()
	ca, cb := chatly(), chatly()
	cb.Cookies[0].Description = map[string]string{"en": "Chat visitor id", "nb": "Chat-besøkende-ID", "nn": "Chat-ID"}
	a.Vendors, b.Vendors = []SiteVendor{ca}, []SiteVendor{cb}
	a.Normalize()
	b.Normalize()
	if a.ComputeConfigVersion() == b.ComputeConfigVersion() {
		t.Error("a new Nynorsk description kept the version")
	}
}

// A site stored before vendors could be declared (no "vendors", no
// "cookie_expires_days") decodes, validates, keeps its version and is
// served the catalogue's rules.
func TestSiteFromBeforeVendors(t *testing.T) {
	stored := `{"id":"oldsite","name":"Nordic Shop","origins":["https://www.nordicshop.no"],"default_language":"nb",
		"privacy_policy_url":"https://www.nordicshop.no/personvern","consent_lifetime_days":182,"retention_days":1826,
		"integrations":{"google_analytics":{"measurement_id":"G-ABC123"}},
		"config_version":"0123456789abcdef","config_history":[{"version":"0123456789abcdef","since":"2026-01-01T00:00:00Z"}],
		"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
	var site Site
	if err := json.Unmarshal([]byte(stored), &site); err != nil {
		t.Fatal(err)
	}
	if site.Vendors != nil {
		t.Errorf("vendors: %+v", site.Vendors)
	}
	if err := site.Validate(); err != nil {
		t.Errorf("an old site no longer validates: %v", err)
	}
	cfg := site.BannerConfig("nb")
	if cfg.ConfigVersion != "0123456789abcdef" || len(cfg.Rules) != len(vendors.Rules()) {
		t.Errorf("config of an old site: version %s, %d rules", cfg.ConfigVersion, len(cfg.Rules))
	}
	if got := ids(vendorsUnder(cfg, Statistics)); !slices.Equal(got, []string{"google_analytics"}) {
		t.Errorf("statistics of an old site: %v", got)
	}
	if c := cookieOf(t, vendorsUnder(cfg, Statistics), "google_analytics", "_ga"); c.DurationDays != 730 {
		t.Errorf("_ga without cookie_expires_days: %+v", c)
	}
	b, _ := json.Marshal(site.SiteSettings)
	if strings.Contains(string(b), "vendors") || strings.Contains(string(b), "cookie_expires_days") {
		t.Errorf("settings gained fields they did not have: %s", b)
	}
}

// Settings with vendors survive JSON as the stores keep them, unchanged.
func TestSiteVendorsRoundTrip(t *testing.T) {
	s := validSettings()
	s.Vendors = []SiteVendor{{ID: "youtube"}, chatly()}
	s.Integrations.GoogleAnalytics.CookieExpiresDays = 30
	s.Normalize()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	again, err := DecodeSiteSettings(b)
	if err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, again) != string(b) || again.ComputeConfigVersion() != s.ComputeConfigVersion() {
		t.Errorf("round trip:\n%s\n%s", b, mustJSON(t, again))
	}
	if !strings.Contains(string(b), `"vendors":[{"id":"youtube"},{"id":"custom_chatly","name":"Chatly"`) {
		t.Errorf("vendors as stored: %s", b)
	}
}
