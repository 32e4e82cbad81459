package consent

import "testing"

// FuzzTruncateIP: whatever the input, the result is empty (not an
// address) or the /24 (IPv4) or /48 (IPv6) network of it, without a zone.
func FuzzTruncateIP(f *testing.F) {
	for _, s := range []string{"203.0.113.77", "::ffff:198.51.100.23", "2001:db8:85a3:8d3:1319:8a2e:370:7348", "fe80::1%eth0", "::1", "0.0.0.0", "1.2.3", "[::1]", "203.0.113.77:443", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ip string) {
		got := TruncateIP(ip)
		requireTruncated(t, ip, got)
		if TruncateIP(got) != got {
			t.Fatalf("TruncateIP(%q) = %q, but truncating that again gives %q", ip, got, TruncateIP(got))
		}
	})
}
