package consent

import (
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
	for _, f := range append(r.CounterFields(), imp.CounterFields()...) {
		fields[f]++
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
