package consent

import (
	"encoding/json"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var siteSettingsFields = oneOf("body", "name", "origins", "default_language", "privacy_policy_url",
	"consent_lifetime_days", "retention_days", "integrations", "texts", "gpc_handling", "vendors", "consent_mode",
	"gtm_loads_before_consent")

var reVersion = regexp.MustCompile(`^[0-9a-f]{16}$`)

// FuzzDecodeSiteSettings: an owner's JSON is refused with errors that each
// name a field, or accepted as settings that validate again, survive a
// round trip unchanged, and give every language a complete banner config.
func FuzzDecodeSiteSettings(f *testing.F) {
	f.Add([]byte(`{"name":"Nordic Shop","origins":["https://www.nordicshop.no"],"default_language":"nb","privacy_policy_url":"https://www.nordicshop.no/personvern","integrations":{"google_analytics":{"measurement_id":"G-ABC123"},"hotjar":{"site_id":1234567},"meta_pixel":{"pixel_id":"1234567890"},"hubspot":{"portal_id":"1234567","region":"eu1"}}}`))
	f.Add([]byte(`{"name":" Butikk ","origins":[" https://a.no/ ","http://b.no:8080"],"privacy_policy_url":"http://a.no/p","consent_lifetime_days":365,"retention_days":30,"texts":{"nn":{"banner.title":"Hei"}}}`))
	f.Add([]byte(`{"name":"","origins":["ftp://x","https://A.no","https://a.no/path","https://a.no","https://a.no"],"default_language":"fr","privacy_policy_url":"/p","consent_lifetime_days":400,"integrations":{"google_tag_manager":{"container_id":"gtm-1"}},"texts":{"xx":{},"en":{"nope":"x","banner.title":""}}}`))
	f.Add([]byte(`{"name":"Butikk","origins":["https://a.no"],"privacy_policy_url":"https://a.no/p","gtm_loads_before_consent":true,"consent_mode":{"mode":"advanced","regions":[{"region":[" no","us-ca"],"analytics_storage":"granted"},{"region":["EU","SE","SE"],"ad_storage":"maybe"}],"wait_for_update":0,"url_passthrough":true,"ads_data_redaction":false,"developer_id":"dZTNiMT"}}`))
	f.Add([]byte(`{"name":"Butikk","origins":["https://a.no"],"privacy_policy_url":"https://a.no/p","consent_mode":{"regions":[{"region":["NO"]}],"wait_for_update":20000,"developer_id":"a.b"}}`))
	f.Add([]byte(`{"name":"x","colour":"red"}`))
	f.Add([]byte(`{"name":"x","integrations":{"hotjar":{"site_id":"12"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := DecodeSiteSettings(body)
		if err != nil {
			requireFieldErrors(t, err, func(field string) bool {
				root, _, _ := strings.Cut(field, ".")
				root, _, _ = strings.Cut(root, "[")
				// A misspelt name is reported under that name.
				return siteSettingsFields(root) || strings.Contains(err.Error(), field+": is not a known field")
			})
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("decoded settings do not validate again: %v", err)
		}
		for i, o := range s.Origins {
			if msg := checkOrigin(o); msg != "" {
				t.Fatalf("origins[%d] %q accepted, but checkOrigin says %s", i, o, msg)
			}
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeSiteSettings(b)
		if len(s.Texts) == 0 && len(again.Texts) == 0 {
			again.Texts = s.Texts // "texts": {} is left out (omitempty), the same as no overrides
		}
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("settings changed in a round trip: %+v, %v\nwas %+v", again, err, s)
		}
		v := s.ComputeConfigVersion()
		if !reVersion.MatchString(v) || again.ComputeConfigVersion() != v {
			t.Fatalf("config version %q is not a stable 16-digit hash", v)
		}
		var site Site
		site.ID = "shop"
		site.Apply(s, fuzzNow)
		for _, lang := range Languages {
			cfg := site.BannerConfig(lang)
			if len(cfg.Purposes) != len(Purposes) || cfg.ConfigVersion != v {
				t.Fatalf("%s: banner config %+v", lang, cfg)
			}
			for _, k := range TextKeys() {
				if strings.TrimSpace(cfg.Texts[k]) == "" {
					t.Fatalf("%s: text %s is empty in the banner config", lang, k)
				}
			}
			if _, err := json.Marshal(cfg); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzCheckOrigin: an origin the settings accept is exactly what a browser
// sends in its Origin header for a page there (scheme://host[:port], lower
// case, the port in plain decimal), so receipts from the site can match it.
func FuzzCheckOrigin(f *testing.F) {
	for _, s := range []string{"https://www.nordicshop.no", "http://localhost:8080", "https://a.no:443", "https://a.no/", "https://A.no", "https://user@a.no", "https://a.no?x", "https://a.no#", "https://-a.no", "https://a..no", "https://a.no:99999", "https://[::1]:8080", "https://xn--bcher-kva.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, o string) {
		if checkOrigin(o) != "" {
			return
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Scheme+"://"+u.Host != o {
			t.Fatalf("origin %q accepted but is not scheme://host[:port]", o)
		}
		if o != strings.ToLower(o) || strings.TrimSpace(o) != o {
			t.Fatalf("origin %q accepted but is not in lower case without spaces", o)
		}
		if h := u.Hostname(); h == "" || strings.Trim(h, ".") != h {
			t.Fatalf("origin %q accepted with host %q", o, h)
		}
		if strings.HasSuffix(u.Host, ":") {
			t.Fatalf("origin %q accepted with an empty port", o)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || strconv.Itoa(n) != p || n < 1 || n > 65535 {
				t.Fatalf("origin %q accepted with port %q, which no browser writes", o, p)
			}
		}
		// The settings store it as given, and a site with it allows it.
		s := SiteSettings{Origins: []string{" " + o + "/ "}}
		s.Normalize()
		if s.Origins[0] != o || !(Site{SiteSettings: s}).AllowsOrigin(o) {
			t.Fatalf("origin %q normalised to %q", o, s.Origins[0])
		}
	})
}
