package consent

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/server/vendors"
)

func TestConsentModeValidate(t *testing.T) {
	eea := RegionDefault{Region: append([]string(nil), EEARegions...)}
	tests := []struct {
		name   string
		cm     ConsentMode
		fields []string // nil: valid
	}{
		{"left out", ConsentMode{}, nil},
		{"advanced", ConsentMode{Mode: ConsentModeAdvanced}, nil},
		{"basic", ConsentMode{Mode: ConsentModeBasic}, nil},
		{"mode unknown", ConsentMode{Mode: "full"}, []string{"consent_mode.mode"}},
		{"wait 0", ConsentMode{WaitForUpdate: intp(0)}, nil},
		{"wait 10 s", ConsentMode{WaitForUpdate: intp(10000)}, nil},
		{"wait negative", ConsentMode{WaitForUpdate: intp(-1)}, []string{"consent_mode.wait_for_update"}},
		{"wait too long", ConsentMode{WaitForUpdate: intp(10001)}, []string{"consent_mode.wait_for_update"}},
		{"switches", ConsentMode{URLPassthrough: true, AdsDataRedaction: boolp(false)}, nil},
		{"developer id", ConsentMode{DeveloperID: "dZTNiMT"}, nil},
		{"developer id with a dot", ConsentMode{DeveloperID: "dZT.NiMT"}, []string{"consent_mode.developer_id"}},
		{"developer id too short", ConsentMode{DeveloperID: "abc"}, []string{"consent_mode.developer_id"}},
		{"developer id too long", ConsentMode{DeveloperID: strings.Repeat("a", 17)}, []string{"consent_mode.developer_id"}},
		{"the EEA preset", ConsentMode{Regions: []RegionDefault{eea}}, nil},
		{"countries and a subdivision", ConsentMode{Regions: []RegionDefault{
			{Region: []string{"us-ca", " NO "}, AnalyticsStorage: Granted},
			{Region: []string{"US"}, AnalyticsStorage: Granted, AdStorage: Granted, AdUserData: Granted, AdPersonalization: Granted},
		}}, nil},
		{"EU is no ISO code", ConsentMode{Regions: []RegionDefault{{Region: []string{"NO", "EU"}}}}, []string{"consent_mode.regions[0].region[1]"}},
		{"UK is GB", ConsentMode{Regions: []RegionDefault{{Region: []string{"SE"}}, {Region: []string{"DK", "UK"}}}}, []string{"consent_mode.regions[1].region[1]"}},
		{"Greece is GR", ConsentMode{Regions: []RegionDefault{{Region: []string{"EL"}}}}, []string{"consent_mode.regions[0].region[0]"}},
		{"not a code", ConsentMode{Regions: []RegionDefault{{Region: []string{"Norway", "N", "US-", "US-ABCD", ""}}}},
			[]string{"consent_mode.regions[0].region[0]", "consent_mode.regions[0].region[1]", "consent_mode.regions[0].region[2]",
				"consent_mode.regions[0].region[3]", "consent_mode.regions[0].region[4]"}},
		{"a region twice", ConsentMode{Regions: []RegionDefault{{Region: []string{"NO", "SE"}}, {Region: []string{"se"}}}}, []string{"consent_mode.regions[1].region[0]"}},
		{"no region", ConsentMode{Regions: []RegionDefault{{Region: nil}}}, []string{"consent_mode.regions[0].region"}},
		{"a state unknown", ConsentMode{Regions: []RegionDefault{{Region: []string{"NO"}, AdStorage: "maybe", AdPersonalization: "yes"}}},
			[]string{"consent_mode.regions[0].ad_personalization", "consent_mode.regions[0].ad_storage"}},
		{"too many regions", ConsentMode{Regions: slices.Repeat([]RegionDefault{{Region: []string{"US-CA"}}}, 21)}, nil}, // see below
	}
	for _, tt := range tests {
		s := validSettings()
		s.ConsentMode = tt.cm
		s.Normalize()
		got := fieldsOf(t, s.Validate())
		if tt.name == "too many regions" {
			// Besides the count, every repeated US-CA is reported.
			if len(got) != 21 || got[0] != "consent_mode.regions" {
				t.Errorf("%s: fields %v", tt.name, got)
			}
			continue
		}
		if !slices.Equal(got, tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.fields)
		}
	}
}

func TestConsentModeNormalize(t *testing.T) {
	s := validSettings()
	s.ConsentMode = ConsentMode{Regions: []RegionDefault{{Region: []string{" no", "us-ca "}, AnalyticsStorage: Granted}}}
	s.Normalize()
	m := s.ConsentMode
	if m.Mode != ConsentModeBasic || *m.WaitForUpdate != 500 || !*m.AdsDataRedaction || m.URLPassthrough ||
		!slices.Equal(m.Regions[0].Region, []string{"NO", "US-CA"}) || m.Regions[0].AdStorage != Denied || m.Regions[0].AnalyticsStorage != Granted {
		t.Errorf("normalized: %+v %+v", m, m.Regions)
	}
	if !(ConsentMode{}).IsDefault() || !validSettings().ConsentMode.IsDefault() {
		t.Error("a site that set nothing is not the default")
	}
	if len(EEARegions) != 32 || slices.Contains(EEARegions, "EL") || slices.Contains(EEARegions, "UK") {
		t.Errorf("EEA preset: %d codes", len(EEARegions))
	}
	// A site stored before Consent Mode settings existed decodes to the defaults.
	var old SiteSettings
	if err := json.Unmarshal([]byte(`{"name":"x"}`), &old); err != nil || old.ConsentMode.Wait() != 500 || !old.ConsentMode.Redacts() ||
		old.ConsentMode.Advanced() || old.GTMLoadsBeforeConsent {
		t.Errorf("old site: %+v %v", old.ConsentMode, err)
	}
}

// hostsOf returns the hosts of vendor's script rule.
func hostsOf(rules []vendors.Rule, vendor string) []string {
	for _, r := range rules {
		if r.Vendor == vendor && !r.Embed {
			return r.Hosts
		}
	}
	return nil
}

func TestConsentModeRules(t *testing.T) {
	held := func(rules []vendors.Rule, url string) bool {
		_, _, ok := vendors.Match(rules, url)
		return ok
	}
	const (
		gtag = "https://www.googletagmanager.com/gtag/js?id=G-TEST1234"
		ads  = "https://www.googletagmanager.com/gtag/js?id=AW-123"
		gt   = "https://www.googletagmanager.com/gtag/js?id=GT-123"
		gtm  = "https://www.googletagmanager.com/gtm.js?id=GTM-TEST123"
		hit  = "https://region1.google-analytics.com/g/collect?v=2"
		ping = "https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1/"
		meta = "https://connect.facebook.net/en_US/fbevents.js"
	)
	all := []string{gtag, ads, gt, gtm, hit, ping, meta}
	tests := []struct {
		name    string
		edit    func(s *SiteSettings)
		letPass []string
	}{
		{"basic", func(*SiteSettings) {}, nil},
		{"advanced", func(s *SiteSettings) { s.ConsentMode.Mode = ConsentModeAdvanced }, []string{gtag, ads, gt, gtm, hit, ping}},
		{"GTM before consent", func(s *SiteSettings) { s.GTMLoadsBeforeConsent = true }, []string{gtm}},
		{"both", func(s *SiteSettings) { s.ConsentMode.Mode, s.GTMLoadsBeforeConsent = ConsentModeAdvanced, true }, []string{gtag, ads, gt, gtm, hit, ping}},
	}
	for _, tt := range tests {
		s := validSettings()
		tt.edit(&s)
		rules := s.Rules()
		for _, u := range all {
			if held(rules, u) == slices.Contains(tt.letPass, u) {
				t.Errorf("%s: %s held %v", tt.name, u, held(rules, u))
			}
		}
		// The cookies stay, so that a withdrawal deletes them.
		for _, r := range rules {
			if r.Vendor == VendorGoogleAnalytics && !slices.Contains(r.Cookies, "_ga") {
				t.Errorf("%s: GA's cookies are gone: %+v", tt.name, r)
			}
		}
		var site Site
		site.Apply(s, fuzzNow)
		if cfg := site.BannerConfig("en"); mustJSONString(cfg.Rules) != mustJSONString(rules) {
			t.Errorf("%s: the config's rules are not the site's", tt.name)
		}
	}
	if h := hostsOf(vendors.Rules(), VendorGoogleAnalytics); len(h) == 0 {
		t.Error("the catalogue itself was changed")
	}
}

func mustJSONString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestScriptPrelude(t *testing.T) {
	s := validSettings()
	if p, own := s.ScriptPrelude(); own || p.ConsentMode != nil || mustJSONString(p.Rules) != mustJSONString(vendors.Rules()) {
		t.Errorf("a plain site's prelude is not the catalogue's: %v %+v", own, p.ConsentMode)
	}
	s.Vendors = []SiteVendor{{Name: "Chatly", Purpose: Marketing, Hosts: []string{"widget.chatly.example"}}}
	s.Normalize()
	if p, own := s.ScriptPrelude(); !own || p.ConsentMode != nil {
		t.Errorf("custom vendors: %v %+v", own, p.ConsentMode)
	}
	s = validSettings()
	s.GTMLoadsBeforeConsent = true
	if p, own := s.ScriptPrelude(); !own || p.ConsentMode != nil || len(hostsOf(p.Rules, VendorGoogleTagManager)) != 1 {
		t.Errorf("GTM before consent: %v %+v", own, p.ConsentMode)
	}
	// Set without Normalize (a stored site read back): the defaults are written out.
	s = validSettings()
	s.ConsentMode = ConsentMode{Regions: []RegionDefault{{Region: []string{"US"}, AnalyticsStorage: Granted, AdStorage: Denied,
		AdUserData: Denied, AdPersonalization: Denied}}, DeveloperID: "dZTNiMT"}
	p, own := s.ScriptPrelude()
	if !own || p.ConsentMode == nil {
		t.Fatalf("regions: %v", own)
	}
	got := mustJSONString(p.ConsentMode)
	want := `{"mode":"basic","regions":[{"region":["US"],"analytics_storage":"granted","ad_storage":"denied","ad_user_data":"denied","ad_personalization":"denied"}],"wait_for_update":500,"ads_data_redaction":true,"developer_id":"dZTNiMT"}`
	if got != want {
		t.Errorf("prelude\n got %s\nwant %s", got, want)
	}
	if s.ConsentMode.WaitForUpdate != nil {
		t.Error("ScriptPrelude changed the site")
	}
}

func intp(v int) *int    { return &v }
func boolp(v bool) *bool { return &v }
