package consent

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Every language must say everything: a missing key would show English
// words in the middle of a Finnish banner.
func TestTextsComplete(t *testing.T) {
	for _, lang := range Languages {
		for _, k := range TextKeys() {
			if strings.TrimSpace(defaultTexts[lang][k]) == "" {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
		for k := range defaultTexts[lang] {
			if !knownTextKey(k) {
				t.Errorf("%s has %s, which English does not define", lang, k)
			}
		}
	}
}

// The banner body tells visitors where to withdraw; it must name the
// button they will actually see.
func TestBannerNamesTheSettingsButton(t *testing.T) {
	for _, lang := range Languages {
		tx := DefaultTexts(lang)
		if !strings.Contains(tx["banner.body"], tx["button.cookie_settings"]) {
			t.Errorf("%s: banner.body does not mention the button %q", lang, tx["button.cookie_settings"])
		}
	}
}

// The first layer says that some cookies come from third parties and
// where they are listed (the "Customize" layer), as Nordic regulators
// prefer, in the words of the button the visitor sees.
func TestBannerNamesThirdPartiesAndWhereTheyAreListed(t *testing.T) {
	third := map[string]string{"en": "third parties", "nb": "tredjeparter", "nn": "tredjepartar", "sv": "tredje parter",
		"da": "tredjeparter", "fi": "kolmannet osapuolet", "de": "Drittanbietern"}
	for _, lang := range Languages {
		tx := DefaultTexts(lang)
		if !strings.Contains(tx["banner.body"], third[lang]) {
			t.Errorf("%s: banner.body does not mention third parties (%q)", lang, third[lang])
		}
		if !strings.Contains(tx["banner.body"], tx["banner.customize"]) {
			t.Errorf("%s: banner.body does not name the button %q under which the vendors are listed", lang, tx["banner.customize"])
		}
	}
}

// Wording fixed after a review language by language (issue 19); each entry
// is a text key and what it must, or must not, say.
func TestReviewedWording(t *testing.T) {
	tests := []struct {
		lang, key    string
		want, reject string
	}{
		{"en", "purpose.statistics.description", "Used to", "Help us"},
		{"nb", "settings.body", "Velg hva vi får bruke", "vi kan bruke"},
		{"nn", "purpose.statistics.description", "brukar", "bruker"},
		{"nn", "settings.body", "Vel kva vi får bruke", "når som helst"},
		{"nn", "banner.body", "kva tid som helst", "når som helst"},
		{"sv", "settings.title", "Kakinställningar", "Inställningar för kakor"},
		{"sv", "banner.body", "”Kakinställningar”", ""},
		{"da", "purpose.necessary.description", "Sørger for, at hjemmesiden fungerer, og", "Kræves"},
		{"da", "banner.body", "»Cookieindstillinger«", "“"},
		{"da", "settings.given_at", "Afgivet", ""},
		{"fi", "purpose.statistics.description", "Nämä evästeet", "Auttavat"},
		{"fi", "banner.body", "tarvitsee välttämättömiä evästeitä toimiakseen", "pitävät sivuston toiminnassa"},
		{"fi", "settings.session", "Istunnon ajan", ""},
	}
	for _, tt := range tests {
		got := DefaultTexts(tt.lang)[tt.key]
		if !strings.Contains(got, tt.want) || (tt.reject != "" && strings.Contains(got, tt.reject)) {
			t.Errorf("%s %s = %q; want it to say %q and not %q", tt.lang, tt.key, got, tt.want, tt.reject)
		}
	}
	// One name for the settings: what the banner calls the button is what
	// the button and the settings layer are called (Swedish had two).
	for _, lang := range []string{"sv", "da", "fi", "de", "en"} {
		tx := DefaultTexts(lang)
		if tx["settings.title"] != tx["button.cookie_settings"] {
			t.Errorf("%s: settings titled %q, button named %q", lang, tx["settings.title"], tx["button.cookie_settings"])
		}
	}
}

// The duration units are "singular|plural" in every language.
func TestDurationUnits(t *testing.T) {
	for _, lang := range Languages {
		for _, k := range []string{"settings.minutes", "settings.hours", "settings.days", "settings.years"} {
			forms := strings.Split(DefaultTexts(lang)[k], "|")
			if len(forms) != 2 || strings.TrimSpace(forms[0]) != forms[0] || forms[0] == "" || strings.TrimSpace(forms[1]) != forms[1] || forms[1] == "" ||
				strings.ContainsAny(forms[0]+forms[1], "0123456789{}") {
				t.Errorf("%s %s = %q, want \"singular|plural\"", lang, k, DefaultTexts(lang)[k])
			}
		}
	}
}

// Cookies of less than a day keep their real lifetime (Hotjar's and
// HubSpot's session cookies last 30 minutes), session cookies say so, and
// duration_days stays what snippets from before duration_minutes read.
func TestCookieDurations(t *testing.T) {
	want := map[string]int{
		"_ga": 730 * 24 * 60, "_hjSessionUser_*": 365 * 24 * 60, "_hjSession_*": 30, "_hjAbsoluteSessionInProgress": 30,
		"_hjIncludedInSessionSample_*": 30, "_hjTLDTest": 0, "_fbp": 90 * 24 * 60, "__hssc": 30, "__hssrc": 0,
	}
	site := SiteSettings{Name: "Butikk", ConsentLifetimeDays: 182, Integrations: Integrations{
		GoogleAnalytics: &GoogleAnalytics{MeasurementID: "G-ABC123"}, Hotjar: &Hotjar{SiteID: 1},
		MetaPixel: &MetaPixel{PixelID: "1234567890"}, HubSpot: &HubSpot{PortalID: "1"}}}
	seen := 0
	for _, p := range site.purposes(DefaultTexts("en"), "en") {
		for _, v := range p.Vendors {
			for _, c := range v.Cookies {
				if c.DurationDays != c.DurationMinutes/(24*60) || c.DurationMinutes < 0 {
					t.Errorf("%s: %d minutes but %d days", c.Name, c.DurationMinutes, c.DurationDays)
				}
				if m, ok := want[c.Name]; ok {
					seen++
					if c.DurationMinutes != m {
						t.Errorf("%s lasts %d minutes, want %d", c.Name, c.DurationMinutes, m)
					}
				}
			}
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d cookies checked", seen, len(want))
	}
	b, err := json.Marshal(site.purposes(DefaultTexts("en"), "en"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`{"name":"samtykke","duration_minutes":262080,"duration_days":182,"party":"first"`,
		`{"name":"_hjSession_*","duration_minutes":30,"duration_days":0,"party":"first"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("the config's cookies lack %s:\n%s", s, b)
		}
	}
}

func TestMatchLanguage(t *testing.T) {
	tests := []struct {
		prefs    []string
		fallback string
		want     string
	}{
		{[]string{"nb-NO", "en"}, "en", "nb"},
		{[]string{"no"}, "en", "nb"},
		{[]string{"nn-NO"}, "en", "nn"},
		{[]string{"sv_FI"}, "en", "sv"},
		{[]string{"EN-gb"}, "nb", "en"},
		{[]string{"ja", "ko"}, "da", "da"},
		{nil, "fi", "fi"},
		{[]string{"", " de-AT "}, "en", "de"},
	}
	for _, tt := range tests {
		if got := MatchLanguage(tt.prefs, tt.fallback); got != tt.want {
			t.Errorf("MatchLanguage(%q, %s) = %s, want %s", tt.prefs, tt.fallback, got, tt.want)
		}
	}
}

func TestTruncateIP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"203.0.113.77", "203.0.113.0"},
		{"10.1.2.255", "10.1.2.0"},
		{"::ffff:198.51.100.23", "198.51.100.0"},
		{"2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"},
		{"fe80::1%eth0", "fe80::"},
		{"::1", "::"},
		{"not an address", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := TruncateIP(tt.in); got != tt.want {
			t.Errorf("TruncateIP(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDeviceFromUserAgent(t *testing.T) {
	tests := []struct {
		ua   string
		want DeviceClass
	}{
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", Mobile},
		{"Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36", Mobile},
		{"Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/131.0 Safari/537.36", Tablet},
		{"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", Tablet},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36", Desktop},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.0 Safari/605.1.15", Desktop},
		{"", Desktop},
	}
	for _, tt := range tests {
		if got := DeviceFromUserAgent(tt.ua); got != tt.want {
			t.Errorf("DeviceFromUserAgent(%q) = %s, want %s", tt.ua, got, tt.want)
		}
	}
}

func TestCleanPageURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"https://www.shop.no/handlekurv?email=kari@example.no#betal", "https://www.shop.no/handlekurv", ""},
		{"http://shop.no", "http://shop.no", ""},
		{"https://shop.no/s%C3%B8k?q=1", "https://shop.no/s%C3%B8k", ""},
		{"/relative", "", "absolute"},
		{"javascript:alert(1)", "", "absolute"},
		{"https://" + strings.Repeat("a", 5000), "", "4096"},
	}
	for _, tt := range tests {
		got, err := CleanPageURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("CleanPageURL(%.40q) error = %v, want one mentioning %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CleanPageURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestBuildStatsFoldsBucketsAndFillsGaps(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	r := Receipt{Action: Custom, Choices: Choices{Necessary: true, Statistics: true}, Language: "sv", Device: Mobile, ConfigVersion: "v1", GPC: true}
	imp := Impression{Language: "sv", Device: Mobile, ConfigVersion: "v1"}
	fields := map[string]int64{}
	for _, c := range append(r.CounterFields(), imp.CounterFields()...) {
		fields[c.String()]++
	}
	s := BuildStats("site", Day, day(20), day(23), []CounterBucket{{Start: day(21), Counters: fields}})
	if len(s.Series) != 3 || s.Series[0].Decisions != 0 || s.Series[1].Decisions != 1 || s.Series[2].Impressions != 0 {
		t.Fatalf("series: %+v", s.Series)
	}
	tot := s.Totals
	if tot.Decisions != 1 || tot.Impressions != 1 || tot.Actions[Custom] != 1 || tot.GPC.Decisions != 1 ||
		tot.Purposes[Statistics] != (PurposeCounts{Granted: 1}) || tot.Purposes[Marketing] != (PurposeCounts{Denied: 1}) {
		t.Errorf("totals: %+v", tot)
	}
	want := SegmentCounts{Impressions: 1, Decisions: 1, Granted: map[Purpose]int64{Statistics: 1, Marketing: 0}}
	for name, seg := range map[string]SegmentCounts{"language": s.Languages["sv"], "device": s.Devices["mobile"], "config": s.ConfigVersions["v1"]} {
		if seg.Impressions != want.Impressions || seg.Decisions != want.Decisions || seg.Granted[Statistics] != 1 || seg.Granted[Marketing] != 0 {
			t.Errorf("%s breakdown: %+v", name, seg)
		}
	}
}
