package consent

import "net/netip"

// TruncateIP keeps the network part of an address: /24 for IPv4, /48 for
// IPv6, the precision Google Analytics used for IP anonymisation. A /64
// would usually still name one household. Anything unparsable becomes "".
func TruncateIP(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	addr = addr.Unmap().WithZone("")
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.Addr().String()
}
