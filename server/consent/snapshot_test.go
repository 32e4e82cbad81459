package consent

import (
	"testing"
)

// Which changes ask visitors again: what widens what they agree to is
// material, the rest minor.
func TestDiffMaterial(t *testing.T) {
	base := validSettings()
	base.Integrations.MetaPixel = nil
	tests := []struct {
		name     string
		edit     func(s *SiteSettings)
		material bool
		field    string // one field the diff must name
	}{
		{"a banner text", func(s *SiteSettings) { s.Texts["nb"]["banner.title"] = "Vi bruker cookies" }, false, "texts.nb.banner.title"},
		{"the privacy policy link", func(s *SiteSettings) { s.PrivacyPolicyURL = "https://www.nordicshop.no/ny-personvern" }, false, "privacy_policy_url"},
		{"a vendor removed", func(s *SiteSettings) { s.Integrations.Hotjar = nil }, false, "purposes.statistics.vendors.hotjar"},
		{"choices kept shorter", func(s *SiteSettings) { s.ConsentLifetimeDays = 90 }, false, "consent_lifetime_days"},
		{"a vendor added", func(s *SiteSettings) { s.Integrations.MetaPixel = &MetaPixel{PixelID: "1234567890"} }, true, "purposes.marketing.vendors.meta_pixel"},
		{"another GA property", func(s *SiteSettings) { s.Integrations.GoogleAnalytics = &GoogleAnalytics{MeasurementID: "G-OTHER1"} }, true, "integrations.google_analytics"},
		{"a purpose described anew", func(s *SiteSettings) {
			s.Texts["en"] = Texts{"purpose.statistics.description": "We sell your visits"}
		}, true, "texts.en.purpose.statistics.description"},
		{"choices kept longer", func(s *SiteSettings) { s.ConsentLifetimeDays = 300 }, true, "consent_lifetime_days"},
		{"GA's cookies kept longer", func(s *SiteSettings) {
			s.Integrations.GoogleAnalytics = &GoogleAnalytics{MeasurementID: "G-ABC123", CookieExpiresDays: 700}
		}, true, "purposes.statistics.vendors.google_analytics.cookies._ga"},
		{"GPC applied as Reject all", func(s *SiteSettings) { s.GPCHandling = GPCRejectAll }, true, "gpc_handling"},
	}
	base.Integrations.GoogleAnalytics.CookieExpiresDays = 365
	before := base.ShownBy(nil)
	for _, tt := range tests {
		s := base
		s.Texts = map[string]Texts{"nb": {"banner.title": "Informasjonskapsler"}}
		g := *base.Integrations.GoogleAnalytics
		s.Integrations.GoogleAnalytics = &g
		tt.edit(&s)
		s.Normalize()
		if err := s.Validate(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		d := Diff(before, s.ShownBy(nil))
		if d.Material != tt.material {
			t.Errorf("%s: material %v, want %v; changes %+v", tt.name, d.Material, tt.material, d.Changes)
		}
		named := false
		for _, c := range d.Changes {
			if c.Field == tt.field {
				named = true
				if c.Material != tt.material {
					t.Errorf("%s: %s material %v", tt.name, c.Field, c.Material)
				}
			}
		}
		if !named {
			t.Errorf("%s: the diff does not name %s: %+v", tt.name, tt.field, d.Changes)
		}
		if d.From == d.To {
			t.Errorf("%s: the version did not change", tt.name)
		}
	}
	if d := Diff(before, base.ShownBy(nil)); len(d.Changes) != 0 || d.Material || d.Summary() != "nothing shown changed" {
		t.Errorf("no change: %+v", d)
	}
}

// The version is the hash of what the snapshot holds, so built-in texts of
// another release change it only when they are resolved into a new one.
func TestShownVersionFromContentOnly(t *testing.T) {
	s := validSettings()
	mine := s.ShownBy(nil)
	other := s.ShownBy(func(lang string) Texts {
		t := DefaultTexts(lang)
		t["banner.title"] = "Another release's words"
		return t
	})
	if mine.Version() == other.Version() {
		t.Error("other built-in texts gave the same version")
	}
	if mine.Version() != s.ComputeConfigVersion() {
		t.Error("ComputeConfigVersion differs from this binary's snapshot")
	}
	// The GPC notice's texts count only while the notice is on.
	quiet := s
	quiet.Texts = map[string]Texts{"nb": {"banner.title": "Informasjonskapsler", "gpc.notice": "Ny tekst"}}
	if quiet.ShownBy(nil).Version() != mine.Version() {
		t.Error("rewording the GPC notice of a site that keeps it off changed the version")
	}
}

func TestAcceptedVersions(t *testing.T) {
	s := Site{ConfigVersion: "d", ConfigHistory: []ConfigRevision{
		{Version: "a"}, {Version: "b"}, {Version: "c", Minor: true}, {Version: "d", Minor: true},
	}}
	if got := s.AcceptedVersions(); len(got) != 2 || got[0] != "c" || got[1] != "b" {
		t.Errorf("accepted %v, want [c b]", got)
	}
	s.ConfigHistory = append(s.ConfigHistory, ConfigRevision{Version: "e"})
	s.ConfigVersion = "e"
	if got := s.AcceptedVersions(); len(got) != 0 {
		t.Errorf("after a material change: %v", got)
	}
}
