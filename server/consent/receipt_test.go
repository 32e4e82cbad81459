package consent

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The table tests below hold ParseReceipt and ParseImpression to the field
// errors a person sending a receipt sees in the 422 answer; the HTTP and
// store tests only go through the happy paths and a few refusals.

func testSite() Site {
	s := Site{ID: "shop", ConfigHistory: []ConfigRevision{{Version: "v1"}, {Version: "v2"}}}
	s.ConsentLifetimeDays = 182
	return s
}

var testRequest = Request{
	SiteID: "shop", IP: "192.0.2.77",
	UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
	Now:       time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600)),
}

const (
	rid  = "3b241101-e2bb-4255-8caf-4136c566a962"
	cid  = "0f8fad5b-d9cb-469f-a165-70867728950e"
	prev = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
)

// receiptBody is a valid receipt with edit applied; a nil value deletes
// the field.
func receiptBody(edit map[string]any) []byte {
	m := map[string]any{
		"receipt_id": rid, "consent_id": cid, "action": "custom",
		"choices":        map[string]bool{"necessary": true, "statistics": true, "marketing": false},
		"config_version": "v2", "language": "nb", "surface": "banner", "gpc": false,
		"client_time": "2026-03-02T08:29:58.5Z", "page_url": "https://www.shop.no/kurv?email=kari@example.no#betal",
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

// fieldErrors returns the field errors of err as "field: message", or the
// error itself when it is not a ValidationError.
func fieldErrors(err error) []string {
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return []string{"not a ValidationError: " + err.Error()}
	}
	out := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		out[i] = f.Field + ": " + f.Message
	}
	return out
}

func TestParseReceipt(t *testing.T) {
	r, err := ParseReceipt(receiptBody(nil), testSite(), testRequest)
	if err != nil {
		t.Fatalf("valid receipt refused: %v", err)
	}
	want := Receipt{
		ReceiptID: rid, ConsentID: cid, SiteID: "shop", Action: Custom,
		Choices: Choices{Necessary: true, Statistics: true}, ConfigVersion: "v2", Language: "nb",
		PageURL: "https://www.shop.no/kurv", Surface: SurfaceBanner,
		ClientTime: time.Date(2026, 3, 2, 8, 29, 58, 500_000_000, time.UTC),
		ServerTime: time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC),
		ExpiresAt:  time.Date(2026, 8, 31, 8, 30, 0, 0, time.UTC),
		UserAgent:  testRequest.UserAgent, IP: TruncateIP(testRequest.IP), Device: Mobile,
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("ParseReceipt =\n%+v\nwant\n%+v", r, want)
	}
	if r.IP == testRequest.IP {
		t.Errorf("IP %q kept whole, want it truncated", r.IP)
	}

	tests := []struct {
		name string
		edit map[string]any
		want []string
	}{
		{"previous receipt", map[string]any{"previous_receipt_id": prev}, nil},
		{"older config version", map[string]any{"config_version": "v1"}, nil},
		{"accept all", map[string]any{"action": "accept_all", "choices": map[string]bool{"necessary": true, "statistics": true, "marketing": true}}, nil},
		{"reject all", map[string]any{"action": "reject_all", "choices": map[string]bool{"necessary": true, "statistics": false, "marketing": false}}, nil},
		{"gpc", map[string]any{"action": "gpc", "gpc": true, "choices": map[string]bool{"necessary": true, "statistics": false, "marketing": false}}, nil},
		{"no page url", map[string]any{"page_url": nil}, nil},

		{"everything missing", map[string]any{"receipt_id": nil, "consent_id": nil, "action": nil, "choices": nil,
			"config_version": nil, "language": nil, "surface": nil, "gpc": nil, "client_time": nil}, []string{
			"action: is required", "choices: is required", "client_time: is required", "config_version: is required",
			"consent_id: is required", "gpc: is required", "language: is required", "receipt_id: is required", "surface: is required",
		}},
		{"bad ids", map[string]any{"receipt_id": "42", "consent_id": "3b241101e2bb42558caf4136c566a962", "previous_receipt_id": "x"}, []string{
			"consent_id: must be a UUID such as 3b241101-e2bb-4255-8caf-4136c566a962",
			"previous_receipt_id: must be a UUID such as 3b241101-e2bb-4255-8caf-4136c566a962",
			"receipt_id: must be a UUID such as 3b241101-e2bb-4255-8caf-4136c566a962",
		}},
		{"unknown action", map[string]any{"action": "maybe"}, []string{"action: must be one of accept_all, reject_all, custom, withdraw, gpc"}},
		{"unknown surface", map[string]any{"surface": "popup"}, []string{"surface: must be one of banner, settings, api, embed"}},
		{"unknown config version", map[string]any{"config_version": "v3"}, []string{"config_version: is not a config version this site has ever had"}},
		{"empty config version", map[string]any{"config_version": ""}, []string{"config_version: is required"}},
		{"unsupported language", map[string]any{"language": "ja"}, []string{"language: must be one of " + strings.Join(Languages, ", ")}},
		{"bad client time", map[string]any{"client_time": "yesterday"}, []string{"client_time: must be an RFC 3339 time such as 2026-01-31T12:00:00Z"}},
		{"relative page url", map[string]any{"page_url": "/kurv"}, []string{"page_url: must be an absolute http(s) URL"}},
		{"choices incomplete and unknown", map[string]any{"choices": map[string]bool{"necessary": true, "ads": true}}, []string{
			"choices.ads: is not a purpose; the purposes are necessary, statistics and marketing",
			"choices.marketing: is required (true or false)",
			"choices.statistics: is required (true or false)",
		}},
		{"necessary refused", map[string]any{"choices": map[string]bool{"necessary": false, "statistics": false, "marketing": false}},
			[]string{"choices.necessary: must be true: necessary cookies cannot be refused"}},
		{"accept all that does not", map[string]any{"action": "accept_all"}, []string{"choices: must grant every purpose when action is accept_all"}},
		{"reject all that does not", map[string]any{"action": "reject_all"}, []string{"choices: must deny statistics and marketing when action is reject_all"}},
		{"gpc without the signal", map[string]any{"action": "gpc", "choices": map[string]bool{"necessary": true, "statistics": false, "marketing": false}},
			[]string{"gpc: must be true when action is gpc"}},
		// The action is checked against the choices only once the rest is
		// right, so a person fixes one thing at a time.
		{"contradiction hidden by another error", map[string]any{"action": "accept_all", "language": "ja"},
			[]string{"language: must be one of " + strings.Join(Languages, ", ")}},
		{"wrong type", map[string]any{"gpc": "yes"}, []string{"gpc: must be true or false, not string"}},
	}
	for _, tt := range tests {
		_, err := ParseReceipt(receiptBody(tt.edit), testSite(), testRequest)
		if got := fieldErrors(err); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: field errors\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}

	for _, body := range []string{"", "  ", "[]", "{", `{"gpc": true} {}`} {
		if got := fieldErrors(mustFail(t, body)); len(got) != 1 || !strings.HasPrefix(got[0], "body: ") {
			t.Errorf("ParseReceipt(%q): field errors %q, want one about the body", body, got)
		}
	}
}

func mustFail(t *testing.T, body string) error {
	t.Helper()
	_, err := ParseReceipt([]byte(body), testSite(), testRequest)
	if err == nil {
		t.Fatalf("ParseReceipt(%q) accepted", body)
	}
	return err
}

// The handler looks the site up again only for ErrUnknownConfigVersion, so
// it must be matched exactly when the version is unknown, with or without
// other mistakes, and never otherwise.
func TestUnknownConfigVersionIsTyped(t *testing.T) {
	tests := []struct {
		name string
		edit map[string]any
		want bool
	}{
		{"unknown", map[string]any{"config_version": "v3"}, true},
		{"unknown and more", map[string]any{"config_version": "v3", "language": "ja", "receipt_id": nil}, true},
		{"missing", map[string]any{"config_version": nil}, false},
		{"known, other mistakes", map[string]any{"language": "ja"}, false},
		{"valid", nil, false},
	}
	for _, tt := range tests {
		_, err := ParseReceipt(receiptBody(tt.edit), testSite(), testRequest)
		if got := errors.Is(err, ErrUnknownConfigVersion); got != tt.want {
			t.Errorf("receipt, %s: errors.Is(%v, ErrUnknownConfigVersion) = %v, want %v", tt.name, err, got, tt.want)
		}
		// Impressions name a config version the same way.
		if v, ok := tt.edit["config_version"]; ok && v != nil {
			body, _ := json.Marshal(map[string]any{"config_version": v, "language": "nb"})
			_, err := ParseImpression(body, testSite(), testRequest)
			if !errors.Is(err, ErrUnknownConfigVersion) {
				t.Errorf("impression, %s: %v does not match ErrUnknownConfigVersion", tt.name, err)
			}
		}
	}
}

func TestParseImpression(t *testing.T) {
	tests := []struct {
		body string
		want Impression
		errs []string
	}{
		{`{"config_version":"v1","language":"sv","gpc":true}`,
			Impression{SiteID: "shop", ConfigVersion: "v1", Language: "sv", GPC: true, Device: Mobile, At: testRequest.Now.UTC()}, nil},
		// gpc is optional: older snippets did not send it.
		{`{"config_version":"v2","language":"en","extra":1}`,
			Impression{SiteID: "shop", ConfigVersion: "v2", Language: "en", Device: Mobile, At: testRequest.Now.UTC()}, nil},
		{`{}`, Impression{}, []string{"config_version: is required", "language: is required"}},
		{`{"config_version":"v9","language":"xx"}`, Impression{}, []string{
			"config_version: is not a config version this site has ever had",
			"language: must be one of " + strings.Join(Languages, ", "),
		}},
		{`{"config_version":1}`, Impression{}, []string{"config_version: must be a string, not number"}},
	}
	for _, tt := range tests {
		imp, err := ParseImpression([]byte(tt.body), testSite(), testRequest)
		if got := fieldErrors(err); !reflect.DeepEqual(got, tt.errs) {
			t.Errorf("ParseImpression(%s): field errors %q, want %q", tt.body, got, tt.errs)
		}
		if tt.errs == nil && imp != tt.want {
			t.Errorf("ParseImpression(%s) = %+v, want %+v", tt.body, imp, tt.want)
		}
	}
}
