package httpapi

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
)

// Fuzz targets for what the public endpoints read from request headers:
// the visitor's address, the Origin a receipt comes from, and the
// language and cache headers. scripts/fuzz.sh runs them briefly.

// FuzzClientIP: without trusted proxies the address is the connection's,
// whatever X-Forwarded-For says; behind them a client outside the trusted
// networks still cannot choose its address; and what is logged or counted
// (TruncateIP of it) never keeps more than a /24 or /48.
func FuzzClientIP(f *testing.F) {
	f.Add("203.0.113.77:51234", "198.51.100.1")
	f.Add("127.0.0.1:40000", "198.51.100.23, 10.0.0.1")
	f.Add("127.0.0.1:40000", " [2001:db8::1] , 127.0.0.2")
	f.Add("[::1]:8080", "2001:db8:85a3:8d3:1319:8a2e:370:7348")
	f.Add("127.0.0.1:40000", "unknown, 198.51.100.23")
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	direct, behind := ipExtractor(nil), ipExtractor(trusted)
	f.Fuzz(func(t *testing.T, remote, xff string) {
		if _, err := netip.ParseAddrPort(remote); err != nil {
			return // net/http always sets RemoteAddr to the peer's ip:port
		}
		plain := &http.Request{RemoteAddr: remote, Header: http.Header{}}
		req := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		d := direct(req)
		if d != direct(plain) {
			t.Fatalf("without trusted proxies X-Forwarded-For %q changed the address from %q to %q", xff, direct(plain), d)
		}
		b := behind(req)
		ip := net.ParseIP(d)
		fromProxy := ip != nil && ip.IsLoopback() // 127.0.0.0/8 or ::1
		if !fromProxy && !sameIP(b, d) {
			t.Fatalf("a client at %q chose its address %q with X-Forwarded-For %q", remote, b, xff)
		}
		if !sameIP(b, d) && !forwardedFor(xff, b) {
			t.Fatalf("address %q is neither the connection's (%q) nor in X-Forwarded-For %q", b, d, xff)
		}
		for _, a := range []string{d, b} {
			requireNetwork(t, a, consent.TruncateIP(a))
		}
	})
}

// sameIP reports whether a and b are the same string or the same address
// written two ways ("::0" and "::").
func sameIP(a, b string) bool {
	x, y := net.ParseIP(a), net.ParseIP(b)
	return a == b || (x != nil && x.Equal(y))
}

// forwardedFor reports whether addr is one of the entries of an
// X-Forwarded-For header, as written or in its canonical form.
func forwardedFor(xff, addr string) bool {
	for _, e := range strings.Split(xff, ",") {
		e = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(e), "["), "]")
		if ip := net.ParseIP(e); e == addr || (ip != nil && ip.String() == addr) {
			return ip != nil
		}
	}
	return false
}

// requireNetwork checks that truncated is "" for something that is not an
// address, and otherwise the /24 or /48 network of addr and nothing more.
func requireNetwork(t *testing.T, addr, truncated string) {
	t.Helper()
	in, err := netip.ParseAddr(addr)
	if err != nil {
		if truncated != "" {
			t.Fatalf("TruncateIP(%q) = %q for something that is not an address", addr, truncated)
		}
		return
	}
	in = in.Unmap().WithZone("")
	bits := 48
	if in.Is4() {
		bits = 24
	}
	p, _ := in.Prefix(bits)
	if truncated != p.Addr().String() {
		t.Fatalf("TruncateIP(%q) = %q, want the /%d network %s", addr, truncated, bits, p.Addr())
	}
}

// FuzzRequestOrigin: receipts are taken only from one of the site's
// origins, written exactly as the browser writes it; anything else is a 403
// that says what is wrong.
func FuzzRequestOrigin(f *testing.F) {
	for _, o := range []string{"https://www.nordicshop.no", "https://www.nordicshop.no/", "HTTPS://www.nordicshop.no", "https://www.nordicshop.no:443", "http://www.nordicshop.no", "https://nordicshop.no", "null", "", "http://localhost:8080"} {
		f.Add(o)
	}
	site := consent.Site{ID: "shop", SiteSettings: consent.SiteSettings{Origins: []string{"https://www.nordicshop.no", "http://localhost:8080"}}}
	e := echo.New()
	s := &server{}
	f.Fuzz(func(t *testing.T, origin string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/sites/shop/receipts", nil)
		req.Header["Origin"] = []string{origin}
		got, err := s.checkOrigin(e.NewContext(req, httptest.NewRecorder()), site)
		allowed := origin == site.Origins[0] || origin == site.Origins[1]
		if err == nil {
			if !allowed || got != origin {
				t.Fatalf("origin %q accepted as %q", origin, got)
			}
			return
		}
		var ae *Error
		if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || ae.Code != "forbidden_origin" || ae.Message == "" {
			t.Fatalf("origin %q refused with %#v", origin, err)
		}
		if allowed {
			t.Fatalf("origin %q of the site refused: %v", origin, err)
		}
	})
}

// FuzzRequestHeaderLists: Accept-Language and If-None-Match are split into
// at most 20 trimmed, non-empty entries; the language chosen from them is
// always one the banner speaks; and an ETag listed among fewer than 20
// others matches.
func FuzzRequestHeaderLists(f *testing.F) {
	f.Add("nb-NO,nb;q=0.9,no;q=0.8,nn;q=0.7,en-US;q=0.6,en;q=0.5", `"0123456789abcdef-nb"`)
	f.Add(" da , ;q=0.1,,", `W/"x", "y"`)
	f.Add("*", "*")
	f.Add(strings.Repeat("xx,", 30)+"sv", `"a"`)
	f.Fuzz(func(t *testing.T, header, etag string) {
		for _, list := range [][]string{splitList(header), acceptLanguages(header)} {
			if len(list) > 20 {
				t.Fatalf("%d entries from %q", len(list), header)
			}
			for _, p := range list {
				if strings.TrimSpace(p) != p || strings.Contains(p, ",") {
					t.Fatalf("entry %q from %q", p, header)
				}
			}
		}
		for _, p := range splitList(header) {
			if p == "" {
				t.Fatalf("empty entry from %q", header)
			}
		}
		for _, tag := range acceptLanguages(header) {
			if strings.Contains(tag, ";") {
				t.Fatalf("tag %q from %q keeps its parameters", tag, header)
			}
		}
		if lang := consent.MatchLanguage(acceptLanguages(header), "nb"); !consent.SupportedLanguage(lang) {
			t.Fatalf("language %q chosen from %q", lang, header)
		}
		etag = strings.TrimSpace(etag)
		if etag == "" || strings.Contains(etag, ",") {
			return
		}
		if len(splitList(header)) < 20 && !etagMatches(header+", "+etag, etag) {
			t.Fatalf("ETag %q not found in %q", etag, header+", "+etag)
		}
		if etagMatches(header, etag) && !strings.Contains(header, strings.TrimPrefix(etag, "W/")) && !strings.Contains(header, "*") {
			t.Fatalf("ETag %q matched %q, which does not contain it", etag, header)
		}
	})
}
