package httpapi

import (
	"net/netip"
	"testing"
)

func TestScrubAddrs(t *testing.T) {
	for _, tt := range []struct{ in, all, client string }{
		{"read tcp 127.0.0.1:8080->127.0.0.77:41195: i/o timeout",
			"read tcp 127.0.0.0/24->127.0.0.0/24: i/o timeout",
			"read tcp 127.0.0.1:8080->127.0.0.0/24: i/o timeout"},
		{"http: panic serving [2001:db8:7:8::1]:5555: boom at 10:00:01",
			"http: panic serving 2001:db8:7::/48: boom at 10:00:01",
			"http: panic serving 2001:db8:7::/48: boom at 10:00:01"},
		{"dial tcp 10.0.0.5:6379: connection refused from ::ffff:127.0.0.77",
			"dial tcp 10.0.0.0/24: connection refused from 127.0.0.0/24",
			"dial tcp 10.0.0.5:6379: connection refused from 127.0.0.0/24"},
		{"no address here: 1.2.3, 12:34", "no address here: 1.2.3, 12:34", "no address here: 1.2.3, 12:34"},
	} {
		if got := scrubAddrs(tt.in, nil); got != tt.all {
			t.Errorf("scrubAddrs(%q) = %q, want %q", tt.in, got, tt.all)
		}
		client := func(a netip.Addr) bool {
			return a == netip.MustParseAddr("127.0.0.77") || a == netip.MustParseAddr("2001:db8:7:8::1")
		}
		if got := scrubAddrs(tt.in, client); got != tt.client {
			t.Errorf("scrubAddrs(%q, client) = %q, want %q", tt.in, got, tt.client)
		}
	}
}
