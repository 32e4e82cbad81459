package consent

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// validSettings is a site that passes every rule; each case below breaks
// one thing.
func validSettings() SiteSettings {
	s := SiteSettings{
		Name:             "Nordic Shop",
		Origins:          []string{"https://www.nordicshop.no", "http://localhost:8080"},
		DefaultLanguage:  "nb",
		PrivacyPolicyURL: "https://www.nordicshop.no/personvern",
		Integrations: Integrations{
			GoogleAnalytics:  &GoogleAnalytics{MeasurementID: "G-ABC123"},
			GoogleTagManager: &GoogleTagManager{ContainerID: "GTM-ABC1234"},
			Hotjar:           &Hotjar{SiteID: 1234567},
			MetaPixel:        &MetaPixel{PixelID: "1234567890"},
			HubSpot:          &HubSpot{PortalID: "1234567", Region: "eu1"},
		},
		Texts: map[string]Texts{"nb": {"banner.title": "Informasjonskapsler"}},
	}
	s.Normalize()
	return s
}

// fieldsOf returns the fields a validation error names, or nil.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("not a ValidationError: %v", err)
	}
	var out []string
	for _, f := range ve.Fields {
		if strings.TrimSpace(f.Message) == "" {
			t.Errorf("%s has no message a person could act on", f.Field)
		}
		out = append(out, f.Field)
	}
	return out
}

func TestSiteSettingsValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(s *SiteSettings)
		fields []string // nil: valid
	}{
		{"valid", func(*SiteSettings) {}, nil},
		{"no integrations and no texts", func(s *SiteSettings) { s.Integrations, s.Texts = Integrations{}, nil }, nil},
		{"name missing", func(s *SiteSettings) { s.Name = "  " }, []string{"name"}},
		{"name too long", func(s *SiteSettings) { s.Name = strings.Repeat("x", 201) }, []string{"name"}},
		{"name of 200 bytes", func(s *SiteSettings) { s.Name = strings.Repeat("x", 200) }, nil},
		{"no origins", func(s *SiteSettings) { s.Origins = nil }, []string{"origins"}},
		{"51 origins", func(s *SiteSettings) {
			s.Origins = nil
			for i := range 51 {
				s.Origins = append(s.Origins, "https://a"+strings.Repeat("b", i)+".example")
			}
		}, []string{"origins"}},
		{"an origin twice", func(s *SiteSettings) { s.Origins = []string{"https://a.example", "https://a.example"} }, []string{"origins[1]"}},
		{"a bad origin among good ones", func(s *SiteSettings) { s.Origins = []string{"https://a.example", "a.example"} }, []string{"origins[1]"}},
		{"language not supported", func(s *SiteSettings) { s.DefaultLanguage = "xx" }, []string{"default_language"}},
		{"policy link missing", func(s *SiteSettings) { s.PrivacyPolicyURL = "" }, []string{"privacy_policy_url"}},
		{"policy link relative", func(s *SiteSettings) { s.PrivacyPolicyURL = "/personvern" }, []string{"privacy_policy_url"}},
		{"policy link not http", func(s *SiteSettings) { s.PrivacyPolicyURL = "ftp://example.com/p" }, []string{"privacy_policy_url"}},
		{"policy link too long", func(s *SiteSettings) { s.PrivacyPolicyURL = "https://example.com/" + strings.Repeat("p", 2040) }, []string{"privacy_policy_url"}},
		{"lifetime 0 after Normalize is the default", func(s *SiteSettings) { s.ConsentLifetimeDays = 0; s.Normalize() }, nil},
		{"lifetime negative", func(s *SiteSettings) { s.ConsentLifetimeDays = -1 }, []string{"consent_lifetime_days"}},
		{"lifetime of a year", func(s *SiteSettings) { s.ConsentLifetimeDays = MaxLifetimeDays }, nil},
		{"lifetime over a year", func(s *SiteSettings) { s.ConsentLifetimeDays = MaxLifetimeDays + 1 }, []string{"consent_lifetime_days"}},
		{"retention too short", func(s *SiteSettings) { s.RetentionDays = MinRetentionDays - 1 }, []string{"retention_days"}},
		{"retention at its bounds", func(s *SiteSettings) { s.RetentionDays = MinRetentionDays }, nil},
		{"retention too long", func(s *SiteSettings) { s.RetentionDays = MaxRetentionDays + 1 }, []string{"retention_days"}},
		{"GPC handling reject_all", func(s *SiteSettings) { s.GPCHandling = GPCRejectAll }, nil},
		{"GPC handling unknown", func(s *SiteSettings) { s.GPCHandling = "ignore" }, []string{"gpc_handling"}},
		{"GA4 id wrong", func(s *SiteSettings) { s.Integrations.GoogleAnalytics.MeasurementID = "UA-1234-1" }, []string{"integrations.google_analytics.measurement_id"}},
		{"GTM id wrong", func(s *SiteSettings) { s.Integrations.GoogleTagManager.ContainerID = "GTM-1" }, []string{"integrations.google_tag_manager.container_id"}},
		{"Hotjar id 0", func(s *SiteSettings) { s.Integrations.Hotjar.SiteID = 0 }, []string{"integrations.hotjar.site_id"}},
		{"Hotjar id too big", func(s *SiteSettings) { s.Integrations.Hotjar.SiteID = 1_000_000_000_000 }, []string{"integrations.hotjar.site_id"}},
		{"pixel id too short", func(s *SiteSettings) { s.Integrations.MetaPixel.PixelID = "123" }, []string{"integrations.meta_pixel.pixel_id"}},
		{"portal id not digits", func(s *SiteSettings) { s.Integrations.HubSpot.PortalID = "abc" }, []string{"integrations.hubspot.portal_id"}},
		{"HubSpot region unknown", func(s *SiteSettings) { s.Integrations.HubSpot.Region = "na1" }, []string{"integrations.hubspot.region"}},
		{"HubSpot region left out", func(s *SiteSettings) { s.Integrations.HubSpot.Region = "" }, nil},
		{"texts of an unsupported language", func(s *SiteSettings) { s.Texts = map[string]Texts{"xx": {"banner.title": "T"}} }, []string{"texts.xx"}},
		{"an unknown text key", func(s *SiteSettings) { s.Texts = map[string]Texts{"nb": {"banner.nope": "T"}} }, []string{"texts.nb.banner.nope"}},
		{"an empty text", func(s *SiteSettings) { s.Texts = map[string]Texts{"nb": {"banner.title": " "}} }, []string{"texts.nb.banner.title"}},
		{"a text too long", func(s *SiteSettings) { s.Texts = map[string]Texts{"en": {"banner.title": strings.Repeat("t", 2001)}} }, []string{"texts.en.banner.title"}},
		{"every problem at once, sorted by field", func(s *SiteSettings) {
			s.Name, s.Origins, s.PrivacyPolicyURL, s.DefaultLanguage = "", nil, "", "xx"
		}, []string{"default_language", "name", "origins", "privacy_policy_url"}},
	}
	for _, tt := range tests {
		s := validSettings()
		tt.edit(&s)
		if got := fieldsOf(t, s.Validate()); !slices.Equal(got, tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.fields)
		}
	}
}

func TestCheckOrigin(t *testing.T) {
	tests := []struct {
		origin string
		ok     bool
	}{
		{"https://www.example.com", true},
		{"http://localhost", true},
		{"http://localhost:8080", true},
		{"https://xn--bcher-kva.example", true},
		{"https://a-b.example:65535", true},
		{"www.example.com", false},
		{"https://", false},
		{"ftp://example.com", false},
		{"https://example.com/shop", false},
		{"https://example.com?x=1", false},
		{"https://example.com?", false},
		{"https://example.com#top", false},
		{"https://user@example.com", false},
		{"https://Example.com", false},
		{"https://exa_mple.com", false},
		{"https://-example.com", false},
		{"https://example.com:", false},
		{"https://example.com:0", false},
		{"https://example.com:65536", false},
		{"https://example.com:080", false},
	}
	for _, tt := range tests {
		if msg := checkOrigin(tt.origin); (msg == "") != tt.ok {
			t.Errorf("checkOrigin(%q) = %q, want ok=%v", tt.origin, msg, tt.ok)
		}
	}
}

func TestSiteSettingsNormalize(t *testing.T) {
	s := SiteSettings{Name: "  Shop ", Origins: []string{" https://a.example/ ", "https://b.example"}}
	s.Normalize()
	if s.Name != "Shop" || s.DefaultLanguage != "en" || s.ConsentLifetimeDays != DefaultLifetimeDays ||
		s.RetentionDays != DefaultRetentionDays || !slices.Equal(s.Origins, []string{"https://a.example", "https://b.example"}) {
		t.Errorf("normalized: %+v", s)
	}
	kept := SiteSettings{DefaultLanguage: "sv", ConsentLifetimeDays: 30, RetentionDays: 400}
	kept.Normalize()
	if kept.DefaultLanguage != "sv" || kept.ConsentLifetimeDays != 30 || kept.RetentionDays != 400 {
		t.Errorf("Normalize changed what the owner set: %+v", kept)
	}
}

// Apply records a new config version only when what the visitor sees
// changes; origins and retention are not shown, so they keep the version.
func TestSiteApply(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	site := Site{ID: "s1"}
	site.Apply(validSettings(), t0)
	if site.CreatedAt != t0 || site.ConfigVersion == "" || len(site.ConfigHistory) != 1 {
		t.Fatalf("first apply: %+v", site)
	}
	first := site.ConfigVersion
	tests := []struct {
		name       string
		edit       func(s *SiteSettings)
		newVersion bool
	}{
		{"same settings", func(*SiteSettings) {}, false},
		{"the origins", func(s *SiteSettings) { s.Origins = []string{"https://shop.example"} }, false},
		{"the retention", func(s *SiteSettings) { s.RetentionDays = 400 }, false},
		{"a text", func(s *SiteSettings) { s.Texts = map[string]Texts{"nb": {"banner.title": "Ny"}} }, true},
		{"a vendor", func(s *SiteSettings) { s.Integrations.Hotjar = nil }, true},
		{"the policy link", func(s *SiteSettings) { s.PrivacyPolicyURL = "https://www.nordicshop.no/ny" }, true},
		{"the lifetime", func(s *SiteSettings) { s.ConsentLifetimeDays = 90 }, true},
	}
	for i, tt := range tests {
		s := Site{ID: "s1", CreatedAt: t0, ConfigVersion: first, ConfigHistory: []ConfigRevision{{Version: first, Since: t0}}}
		settings := validSettings()
		tt.edit(&settings)
		now := t0.Add(time.Duration(i+1) * time.Hour)
		s.Apply(settings, now)
		if changed := s.ConfigVersion != first; changed != tt.newVersion {
			t.Errorf("%s: new version %v, want %v", tt.name, changed, tt.newVersion)
		}
		if want := 1 + map[bool]int{true: 1}[tt.newVersion]; len(s.ConfigHistory) != want || s.CreatedAt != t0 || s.UpdatedAt != now {
			t.Errorf("%s: history %v, created %v, updated %v", tt.name, s.ConfigHistory, s.CreatedAt, s.UpdatedAt)
		}
	}
}
