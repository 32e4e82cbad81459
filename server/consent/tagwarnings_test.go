package consent

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// tagSite is testSite with a GA integration, a declared built-in vendor
// and a custom one, as its owner would have saved it.
func tagSite() Site {
	s := testSite()
	s.Name = "Sykkelbutikken"
	s.Integrations.GoogleAnalytics = &GoogleAnalytics{MeasurementID: "G-ABC123XYZ"}
	s.Vendors = []SiteVendor{{ID: "linkedin_insight"}, {Name: "Chatly", Provider: "Chatly AS, Norway", Purpose: Marketing,
		PrivacyPolicyURL: "https://chatly.example/privacy", Hosts: []string{"widget.chatly.example"}}}
	s.Normalize()
	return s
}

const metaMarkup = `<script type="text/plain" data-samtykke="marketing" src="https://connect.facebook.net/en_US/fbevents.js"></script>`

// tagBody is a valid report with edit applied; a nil value deletes the
// field.
func tagBody(edit map[string]any) []byte {
	m := map[string]any{
		"config_version": "v2", "page_path": "/sykler/terreng",
		"tags": []map[string]any{
			{"vendor": "meta_pixel", "kind": "script", "markup": metaMarkup},
			{"vendor": "custom_chatly", "kind": "inline", "markup": ""},
		},
	}
	for k, v := range edit {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return b
}

func TestParseTagWarnings(t *testing.T) {
	site := tagSite()
	if site.Vendors[1].ID != "custom_chatly" {
		t.Fatalf("the custom vendor's id is %q; the fixture expects custom_chatly", site.Vendors[1].ID)
	}
	r, err := ParseTagWarnings(tagBody(nil), site, testRequest)
	if err != nil {
		t.Fatalf("valid report refused: %v", err)
	}
	want := TagWarningReport{
		SiteID: "shop", ConfigVersion: "v2", PagePath: "/sykler/terreng",
		Tags: []TagWarning{{Vendor: "meta_pixel", Kind: TagScript, Markup: metaMarkup}, {Vendor: "custom_chatly", Kind: TagInline}},
		At:   time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC),
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("ParseTagWarnings =\n%+v\nwant\n%+v", r, want)
	}

	tag := func(vendor, kind string, markup any) map[string]any {
		m := map[string]any{"vendor": vendor, "kind": kind, "markup": markup}
		if markup == nil {
			delete(m, "markup")
		}
		return m
	}
	many := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = tag("hotjar", "pixel", "")
		}
		return out
	}
	tests := []struct {
		name string
		edit map[string]any
		want []string
	}{
		{"older config version", map[string]any{"config_version": "v1"}, nil},
		{"every kind, markup left out", map[string]any{"tags": []map[string]any{tag("hotjar", "script", nil), tag("hotjar", "pixel", nil),
			tag("youtube", "iframe", nil), tag("meta_pixel", "noscript", nil), tag("linkedin_insight", "inline", nil)}}, nil},
		{"a vendor the site does not declare", map[string]any{"tags": []map[string]any{tag("tiktok_pixel", "inline", "")}}, nil},
		{"markup of 2000 characters, not bytes", map[string]any{"tags": []map[string]any{tag("hotjar", "pixel", strings.Repeat("å", 2000))}}, nil},
		{"20 tags", map[string]any{"tags": many(20)}, nil},
		{"page path of 512 bytes", map[string]any{"page_path": "/" + strings.Repeat("a", 511)}, nil},
		{"escaped query mark in the path", map[string]any{"page_path": "/s%C3%B8k%3Fq"}, nil},

		{"everything missing", map[string]any{"config_version": nil, "page_path": nil, "tags": nil}, []string{
			"config_version: is required", "page_path: is required", "tags: is required",
		}},
		{"empty values", map[string]any{"config_version": "", "page_path": ""}, []string{
			"config_version: is required", "page_path: is required",
		}},
		{"unknown config version", map[string]any{"config_version": "v3"}, []string{"config_version: is not a config version this site has ever had"}},
		{"relative path", map[string]any{"page_path": "sykler"}, []string{`page_path: must be a path starting with "/", such as /shop`}},
		{"whole URL", map[string]any{"page_path": "https://www.shop.no/sykler"}, []string{`page_path: must be a path starting with "/", such as /shop`}},
		{"query", map[string]any{"page_path": "/kurv?email=kari@example.no"}, []string{"page_path: must be the path only, without a query string or fragment"}},
		{"fragment", map[string]any{"page_path": "/kurv#betal"}, []string{"page_path: must be the path only, without a query string or fragment"}},
		{"control character", map[string]any{"page_path": "/kurv\n"}, []string{"page_path: must not contain control characters"}},
		{"long path", map[string]any{"page_path": "/" + strings.Repeat("a", 512)}, []string{"page_path: must be at most 512 bytes long"}},
		{"no tags", map[string]any{"tags": []any{}}, []string{"tags: must list at least one tag"}},
		{"21 tags", map[string]any{"tags": many(21)}, []string{"tags: must list at most 20 tags"}},
		{"tag fields missing", map[string]any{"tags": []map[string]any{{}}}, []string{
			"tags[0].kind: is required", "tags[0].vendor: is required",
		}},
		{"tag fields empty", map[string]any{"tags": []map[string]any{tag("", "", "")}}, []string{
			"tags[0].kind: is required", "tags[0].vendor: is required",
		}},
		{"unknown vendor and kind", map[string]any{"tags": []map[string]any{tag("hotjar", "script", ""), tag("trackzilla", "img", "")}}, []string{
			"tags[1].kind: must be one of script, pixel, iframe, noscript, inline",
			"tags[1].vendor: is neither a vendor in the catalogue nor one this site declares",
		}},
		{"custom vendor of another site", map[string]any{"tags": []map[string]any{tag("custom_chatbot", "inline", "")}}, []string{
			"tags[0].vendor: is neither a vendor in the catalogue nor one this site declares",
		}},
		{"long markup", map[string]any{"tags": []map[string]any{tag("hotjar", "pixel", ""), tag("hotjar", "script", strings.Repeat("å", 2001))}}, []string{
			"tags[1].markup: must be at most 2000 characters long",
		}},
		{"wrong type", map[string]any{"tags": "meta_pixel"}, []string{"tags: must be an array, not string"}},
		{"wrong type in a tag", map[string]any{"tags": []map[string]any{{"vendor": 7}}}, []string{"tags.vendor: must be a string, not number"}},
	}
	for _, tt := range tests {
		_, err := ParseTagWarnings(tagBody(tt.edit), site, testRequest)
		if got := fieldErrors(err); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}

	// The snippet keys its findings by kind, vendor and markup already; a
	// client that repeats a tag still counts it once per page view.
	r, err = ParseTagWarnings(tagBody(map[string]any{"tags": []map[string]any{tag("hotjar", "pixel", "x"), tag("hotjar", "pixel", "x"),
		tag("hotjar", "pixel", "y")}}), site, testRequest)
	if err != nil || len(r.Tags) != 2 {
		t.Errorf("a repeated tag: %v tags, err %v; want 2", r.Tags, err)
	}

	// An unknown config version is a sentinel the handler acts on: it
	// reads the site again before refusing.
	_, err = ParseTagWarnings(tagBody(map[string]any{"config_version": "v3"}), site, testRequest)
	if !errors.Is(err, ErrUnknownConfigVersion) {
		t.Errorf("unknown config version: err %v does not match ErrUnknownConfigVersion", err)
	}
	for _, body := range []string{"", "[]", `{"tags":`, `{} {}`} {
		if got := fieldErrors(func() error { _, err := ParseTagWarnings([]byte(body), site, testRequest); return err }()); len(got) != 1 || !strings.HasPrefix(got[0], "body: ") {
			t.Errorf("body %q: %q, want one error on body", body, got)
		}
	}
}

func TestTagWarningKey(t *testing.T) {
	a := TagWarning{Vendor: "meta_pixel", Kind: TagScript, Markup: metaMarkup}
	seen := map[string]TagWarning{a.Key(): a}
	// Each part counts, and parts do not run into each other.
	for _, w := range []TagWarning{
		{Vendor: "meta_pixel", Kind: TagPixel, Markup: metaMarkup},
		{Vendor: "hotjar", Kind: TagScript, Markup: metaMarkup},
		{Vendor: "meta_pixel", Kind: TagScript, Markup: metaMarkup + " "},
		{Vendor: "meta_pixel", Kind: TagScript},
		{Vendor: "a", Kind: "b\x00c"},
		{Vendor: "a\x00b", Kind: "c"},
	} {
		k := w.Key()
		if prev, ok := seen[k]; ok {
			t.Errorf("%+v and %+v share the key %s", w, prev, k)
		}
		seen[k] = w
		if len(k) != 32 || strings.Trim(k, "0123456789abcdef") != "" {
			t.Errorf("key %q is not 32 hex digits", k)
		}
	}
	if a.Key() != (TagWarning{Vendor: "meta_pixel", Kind: TagScript, Markup: metaMarkup}).Key() {
		t.Error("the same tag has two keys")
	}
}

func TestListTagWarnings(t *testing.T) {
	site := tagSite()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	stored := []StoredTagWarning{
		{TagWarning: TagWarning{Vendor: "tiktok_pixel", Kind: TagNoscript}, Pages: []string{"/"}, Count: 1, FirstSeen: t0, LastSeen: t0},
		{TagWarning: TagWarning{Vendor: "google_analytics", Kind: TagScript, Markup: "<script>"}, Pages: []string{"/a", "/b"}, Count: 7,
			FirstSeen: t0.Add(-time.Hour), LastSeen: t0.Add(time.Minute)},
		{TagWarning: TagWarning{Vendor: "custom_chatly", Kind: TagInline}, Count: 2, FirstSeen: t0, LastSeen: t0.Add(time.Second)},
		{TagWarning: TagWarning{Vendor: "linkedin_insight", Kind: TagPixel}, Pages: []string{"/c"}, Count: 1, FirstSeen: t0, LastSeen: t0},
		// A custom vendor the owner has since removed.
		{TagWarning: TagWarning{Vendor: "custom_gone", Kind: TagInline}, Pages: []string{"/d"}, Count: 1, FirstSeen: t0.Add(-time.Hour), LastSeen: t0},
	}
	got := site.ListTagWarnings(stored)
	want := TagWarningList{TagWarnings: []TagWarningView{
		{Vendor: "google_analytics", VendorName: "Google Analytics 4", Kind: TagScript, Markup: "<script>", Pages: []string{"/a", "/b"}, Count: 7,
			FirstSeen: t0.Add(-time.Hour), LastSeen: t0.Add(time.Minute), Declared: true},
		{Vendor: "custom_chatly", VendorName: "Chatly", Kind: TagInline, Pages: []string{}, Count: 2, FirstSeen: t0, LastSeen: t0.Add(time.Second), Declared: true},
		{Vendor: "linkedin_insight", VendorName: "LinkedIn Insight Tag", Kind: TagPixel, Pages: []string{"/c"}, Count: 1, FirstSeen: t0, LastSeen: t0, Declared: true},
		{Vendor: "tiktok_pixel", VendorName: "TikTok Pixel", Kind: TagNoscript, Pages: []string{"/"}, Count: 1, FirstSeen: t0, LastSeen: t0},
		{Vendor: "custom_gone", VendorName: "custom_gone", Kind: TagInline, Pages: []string{"/d"}, Count: 1, FirstSeen: t0.Add(-time.Hour), LastSeen: t0},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListTagWarnings =\n%+v\nwant\n%+v", got, want)
	}
	if stored[0].Vendor != "tiktok_pixel" {
		t.Error("ListTagWarnings reordered its argument")
	}
	b, _ := json.Marshal(site.ListTagWarnings(nil))
	if string(b) != `{"tag_warnings":[]}` {
		t.Errorf("no warnings: %s, want an empty list", b)
	}
	b, _ = json.Marshal(want.TagWarnings[3])
	const wantJSON = `{"vendor":"tiktok_pixel","vendor_name":"TikTok Pixel","kind":"noscript","markup":"","pages":["/"],"count":1,` +
		`"first_seen":"2026-11-23T10:00:00Z","last_seen":"2026-11-23T10:00:00Z","declared":false}`
	if string(b) != wantJSON {
		t.Errorf("JSON of a view:\n got %s\nwant %s", b, wantJSON)
	}
}
