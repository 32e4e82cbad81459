package consent

import (
	"encoding/json"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Fuzz targets for what arrives from browsers. Run one with
// go test -run '^$' -fuzz '^FuzzParseReceipt$' ./server/consent/
// or all of them briefly with scripts/fuzz.sh. Seeds besides f.Add live in
// testdata/fuzz/<target>/.

const fuzzVersion = "0123456789abcdef"

var fuzzNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func fuzzSite() Site {
	s := Site{ID: "shop", ConfigVersion: fuzzVersion, ConfigHistory: []ConfigRevision{{Version: "fedcba9876543210"}, {Version: fuzzVersion}}}
	s.ConsentLifetimeDays = 182
	return s
}

// requireFieldErrors checks that err is a ValidationError in which every
// entry names a field that known accepts and says something about it.
func requireFieldErrors(t *testing.T, err error, known func(field string) bool) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a ValidationError", err, err)
	}
	if len(ve.Fields) == 0 {
		t.Fatalf("ValidationError names no field: %v", err)
	}
	for _, fe := range ve.Fields {
		if fe.Field == "" || strings.TrimSpace(fe.Message) == "" {
			t.Fatalf("field error without a field or a message: %+v", fe)
		}
		if !known(fe.Field) {
			t.Fatalf("field error names %q, which the input does not have (%s)", fe.Field, fe.Message)
		}
	}
}

func oneOf(names ...string) func(string) bool {
	return func(f string) bool {
		for _, n := range names {
			if f == n {
				return true
			}
		}
		return false
	}
}

var receiptFields = oneOf("body", "receipt_id", "consent_id", "previous_receipt_id", "action", "choices",
	"config_version", "language", "page_url", "surface", "gpc", "client_time")

// requireTruncated checks that a stored address is empty or keeps at most
// 24 (IPv4) or 48 (IPv6) bits of the original, and no zone.
func requireTruncated(t *testing.T, orig, got string) {
	t.Helper()
	if got == "" {
		if a, err := netip.ParseAddr(orig); err == nil {
			t.Fatalf("TruncateIP(%q) = \"\" for the valid address %s", orig, a)
		}
		return
	}
	a, err := netip.ParseAddr(got)
	if err != nil {
		t.Fatalf("TruncateIP(%q) = %q, not an address", orig, got)
	}
	if a.Zone() != "" || a.Is4In6() {
		t.Fatalf("TruncateIP(%q) = %q keeps a zone or an IPv4-mapped form", orig, got)
	}
	bits := 48
	if a.Is4() {
		bits = 24
	}
	if p, _ := a.Prefix(bits); p.Addr() != a {
		t.Fatalf("TruncateIP(%q) = %q has host bits beyond /%d", orig, got, bits)
	}
	in, err := netip.ParseAddr(orig)
	if err != nil {
		t.Fatalf("TruncateIP(%q) = %q for an unparsable address", orig, got)
	}
	in = in.Unmap().WithZone("")
	if p, _ := in.Prefix(bits); p.Addr() != a {
		t.Fatalf("TruncateIP(%q) = %q is not the /%d network of the address", orig, got, bits)
	}
}

// requireCleanURL checks what a stored page URL may be: an absolute http(s)
// URL with no user info, query or fragment, that cleans to itself.
func requireCleanURL(t *testing.T, raw, got string) {
	t.Helper()
	if strings.ContainsAny(got, "?#") {
		t.Fatalf("CleanPageURL(%q) = %q keeps a query or fragment", raw, got)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatalf("CleanPageURL(%q) = %q, which does not parse: %v", raw, got, err)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || u.User != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		t.Fatalf("CleanPageURL(%q) = %q is not scheme://host/path", raw, got)
	}
	if len(got) > 2048 {
		t.Fatalf("CleanPageURL(%q) is %d bytes long", raw, len(got))
	}
	again, err := CleanPageURL(got)
	if err != nil || again != got {
		t.Fatalf("CleanPageURL(%q) = %q, but cleaning that again gives %q, %v", raw, got, again, err)
	}
}

func FuzzParseReceipt(f *testing.F) {
	f.Add([]byte(`{"receipt_id":"3b241101-e2bb-4255-8caf-4136c566a962","consent_id":"0f8fad5b-d9cb-469f-a165-70867728950e","action":"custom","choices":{"necessary":true,"statistics":true,"marketing":false},"config_version":"0123456789abcdef","language":"nb","page_url":"https://www.shop.no/handlekurv?email=kari@example.no#betal","surface":"settings","gpc":false,"client_time":"2026-11-23T10:00:00.123+01:00"}`), "203.0.113.77", "Mozilla/5.0 (iPhone)")
	f.Add([]byte(`{"receipt_id":"3B241101-E2BB-4255-8CAF-4136C566A962","consent_id":"0f8fad5b-d9cb-469f-a165-70867728950e","previous_receipt_id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","action":"gpc","choices":{"necessary":true,"statistics":false,"marketing":false},"config_version":"fedcba9876543210","language":"fi","surface":"api","gpc":true,"client_time":"2026-11-23T10:00:00Z"}`), "2001:db8:85a3:8d3:1319:8a2e:370:7348", "")
	f.Add([]byte(`{"receipt_id":1,"choices":{"necessary":false,"ads":true}}`), "::ffff:198.51.100.23", "")
	f.Add([]byte(`{"receipt_id":"x"} {}`), "fe80::1%eth0", "")
	f.Add([]byte(`[]`), "", "")
	f.Fuzz(func(t *testing.T, body []byte, ip, ua string) {
		site := fuzzSite()
		r, err := ParseReceipt(body, site, Request{SiteID: site.ID, IP: ip, UserAgent: ua, Now: fuzzNow})
		if err != nil {
			requireFieldErrors(t, err, func(f string) bool { return receiptFields(f) || strings.HasPrefix(f, "choices.") })
			return
		}
		requireTruncated(t, ip, r.IP)
		if r.SiteID != site.ID || !r.ServerTime.Equal(fuzzNow) || !r.ExpiresAt.Equal(fuzzNow.AddDate(0, 0, 182)) {
			t.Fatalf("server fields: %+v", r)
		}
		if len(r.UserAgent) > 512 || (utf8.ValidString(ua) && !utf8.ValidString(r.UserAgent)) || !strings.HasPrefix(ua, r.UserAgent) {
			t.Fatalf("user agent %q kept as %q", ua, r.UserAgent)
		}
		for name, id := range map[string]string{"receipt_id": r.ReceiptID, "consent_id": r.ConsentID, "previous_receipt_id": r.PreviousReceiptID} {
			if id == "" && name == "previous_receipt_id" {
				continue
			}
			if u, err := uuid.Parse(id); err != nil || u.String() != id {
				t.Fatalf("%s %q is not a UUID in canonical form", name, id)
			}
		}
		if !r.Action.valid() || !r.Surface.valid() || !SupportedLanguage(r.Language) || !site.KnowsVersion(r.ConfigVersion) {
			t.Fatalf("accepted an invalid receipt: %+v", r)
		}
		c := r.Choices
		if !c.Necessary ||
			(r.Action == AcceptAll && !(c.Statistics && c.Marketing)) ||
			((r.Action == RejectAll || r.Action == GPC) && (c.Statistics || c.Marketing)) ||
			(r.Action == GPC && !r.GPC) {
			t.Fatalf("action %s contradicts choices %+v (gpc %v)", r.Action, c, r.GPC)
		}
		if r.PageURL != "" {
			requireCleanURL(t, "(page_url of the body)", r.PageURL)
		}

		// What was accepted, sent again as a client would, is accepted
		// again and gives the same receipt.
		in := map[string]any{
			"receipt_id": r.ReceiptID, "consent_id": r.ConsentID, "action": r.Action,
			"choices":        map[string]bool{"necessary": c.Necessary, "statistics": c.Statistics, "marketing": c.Marketing},
			"config_version": r.ConfigVersion, "language": r.Language, "page_url": r.PageURL, "surface": r.Surface,
			"gpc": r.GPC, "client_time": r.ClientTime.Format(time.RFC3339Nano),
		}
		if r.PreviousReceiptID != "" {
			in["previous_receipt_id"] = r.PreviousReceiptID
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ParseReceipt(b, site, Request{SiteID: site.ID, IP: r.IP, UserAgent: r.UserAgent, Now: fuzzNow})
		if err != nil {
			t.Fatalf("the accepted receipt, sent again, is refused: %v\n%s", err, b)
		}
		if !r2.ClientTime.Equal(r.ClientTime) {
			t.Fatalf("client_time %v became %v", r.ClientTime, r2.ClientTime)
		}
		r2.ClientTime = r.ClientTime
		if r2 != r {
			t.Fatalf("sent again, the receipt changed:\n%+v\n%+v", r, r2)
		}
	})
}

func FuzzParseImpression(f *testing.F) {
	f.Add([]byte(`{"config_version":"0123456789abcdef","language":"sv","gpc":true}`), "Mozilla/5.0 (iPad)")
	f.Add([]byte(`{"config_version":"0123456789abcdef","language":"nb","extra":[1,2]}`), "")
	f.Add([]byte(`{"config_version":"ffffffffffffffff","language":"fr","gpc":"yes"}`), "")
	f.Add([]byte(`{"language":null}`), "")
	f.Add([]byte(` `), "")
	f.Fuzz(func(t *testing.T, body []byte, ua string) {
		site := fuzzSite()
		imp, err := ParseImpression(body, site, Request{SiteID: site.ID, IP: "203.0.113.9", UserAgent: ua, Now: fuzzNow})
		if err != nil {
			requireFieldErrors(t, err, oneOf("body", "config_version", "language", "gpc"))
			return
		}
		if imp.SiteID != site.ID || !imp.At.Equal(fuzzNow) || !SupportedLanguage(imp.Language) || !site.KnowsVersion(imp.ConfigVersion) || imp.Device != DeviceFromUserAgent(ua) {
			t.Fatalf("accepted an invalid impression: %+v", imp)
		}
		b, _ := json.Marshal(map[string]any{"config_version": imp.ConfigVersion, "language": imp.Language, "gpc": imp.GPC})
		again, err := ParseImpression(b, site, Request{SiteID: site.ID, UserAgent: ua, Now: fuzzNow})
		if err != nil || again != imp {
			t.Fatalf("the accepted impression, sent again: %+v, %v; was %+v", again, err, imp)
		}
	})
}

func FuzzCleanPageURL(f *testing.F) {
	for _, s := range []string{
		"https://www.shop.no/handlekurv?email=kari@example.no#betal",
		"http://shop.no",
		"https://shop.no/s%C3%B8k?q=1",
		"https://user:pass@shop.no/konto",
		"https://shop.no/a%3Fb?c#d",
		"HTTPS://SHOP.NO:8443/x;y?",
		"javascript:alert(1)",
		"/relative?x=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := CleanPageURL(raw)
		if err != nil {
			if got != "" || err.Error() == "" {
				t.Fatalf("CleanPageURL(%q) = %q, %v", raw, got, err)
			}
			return
		}
		requireCleanURL(t, raw, got)
		// Nothing but scheme, host and path survives, whole when short
		// enough and cut at the end otherwise.
		u, _ := url.Parse(raw)
		full := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
		if !strings.HasPrefix(full, got) || (len(full) <= 2048 && got != full) {
			t.Fatalf("CleanPageURL(%q) = %q; scheme, host and path are %q", raw, got, full)
		}
	})
}
