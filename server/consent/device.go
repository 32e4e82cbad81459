package consent

import "strings"

// DeviceClass is a coarse form factor for the dashboard's breakdown. Three
// values are enough to compare banner behaviour on phones and desktops, and
// too few to help fingerprint anyone.
type DeviceClass string

const (
	Mobile  DeviceClass = "mobile"
	Tablet  DeviceClass = "tablet"
	Desktop DeviceClass = "desktop"
)

// DeviceClasses lists every class in the dashboard's order.
var DeviceClasses = []DeviceClass{Mobile, Tablet, Desktop}

// DeviceFromUserAgent classifies a User-Agent string. iPadOS 13+ reports a
// desktop Safari UA, so those iPads count as desktop; nothing in the UA can
// tell them apart.
func DeviceFromUserAgent(ua string) DeviceClass {
	u := strings.ToLower(ua)
	switch {
	case strings.Contains(u, "ipad"), strings.Contains(u, "tablet"), strings.Contains(u, "kindle"),
		strings.Contains(u, "silk/"), strings.Contains(u, "playbook"),
		strings.Contains(u, "android") && !strings.Contains(u, "mobile"):
		return Tablet
	case strings.Contains(u, "mobi"), strings.Contains(u, "iphone"), strings.Contains(u, "ipod"),
		strings.Contains(u, "android"), strings.Contains(u, "windows phone"), strings.Contains(u, "opera mini"):
		return Mobile
	}
	return Desktop
}
