package consent

// Vendor is a third party whose tag the banner gates. The catalogue below is
// what the settings layer lists (Planet49: name, provider, cookies, duration)
// and what the config version hashes.
type Vendor struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Provider      string    `json:"provider"`
	PrivacyPolicy string    `json:"privacy_policy_url"`
	Purposes      []Purpose `json:"-"`
	Cookies       []Cookie  `json:"cookies"`
}

// Cookie is one cookie a vendor sets. DurationDays 0 means it lasts for the
// browser session. A trailing "*" in Name stands for an id-specific suffix.
type Cookie struct {
	Name         string `json:"name"`
	DurationDays int    `json:"duration_days"`
}

// Vendor ids double as the keys of Integrations in JSON.
const (
	VendorGoogleAnalytics  = "google_analytics"
	VendorGoogleTagManager = "google_tag_manager"
	VendorHotjar           = "hotjar"
	VendorMetaPixel        = "meta_pixel"
	VendorHubSpot          = "hubspot"
)

// Cookie names and lifetimes from the vendors' own documentation, gathered in
// the reference notes (vendors-and-law §1.3, §2.3, §3.3, §4.3).
var vendorCatalogue = map[string]Vendor{
	VendorGoogleAnalytics: {
		ID: VendorGoogleAnalytics, Name: "Google Analytics 4", Provider: "Google Ireland Limited",
		PrivacyPolicy: "https://policies.google.com/privacy",
		Purposes:      []Purpose{Statistics},
		Cookies:       []Cookie{{"_ga", 730}, {"_ga_*", 730}},
	},
	VendorGoogleTagManager: {
		// GTM itself sets no cookie; it loads the tags configured in the
		// container, which read the Consent Mode state we push.
		ID: VendorGoogleTagManager, Name: "Google Tag Manager", Provider: "Google Ireland Limited",
		PrivacyPolicy: "https://policies.google.com/privacy",
		Purposes:      []Purpose{Statistics, Marketing},
		Cookies:       []Cookie{},
	},
	VendorHotjar: {
		ID: VendorHotjar, Name: "Hotjar", Provider: "Hotjar Ltd.",
		PrivacyPolicy: "https://www.hotjar.com/legal/policies/privacy/",
		Purposes:      []Purpose{Statistics},
		Cookies: []Cookie{
			{"_hjSessionUser_*", 365}, {"_hjSession_*", 0}, {"_hjAbsoluteSessionInProgress", 0},
			{"_hjIncludedInSessionSample_*", 0}, {"_hjTLDTest", 0}, {"_hjFirstSeen", 0},
		},
	},
	VendorMetaPixel: {
		ID: VendorMetaPixel, Name: "Meta Pixel", Provider: "Meta Platforms Ireland Limited",
		PrivacyPolicy: "https://www.facebook.com/privacy/policy/",
		Purposes:      []Purpose{Marketing},
		Cookies:       []Cookie{{"_fbp", 90}, {"_fbc", 90}},
	},
	VendorHubSpot: {
		ID: VendorHubSpot, Name: "HubSpot", Provider: "HubSpot, Inc.",
		PrivacyPolicy: "https://legal.hubspot.com/privacy-policy",
		Purposes:      []Purpose{Marketing},
		Cookies: []Cookie{
			{"__hstc", 180}, {"hubspotutk", 180}, {"__hssc", 0}, {"__hssrc", 0}, {"messagesUtk", 180},
		},
	},
}

// samtykkeVendor is Samtykke itself: its one cookie is necessary, and its
// lifetime is the site's consent lifetime.
func samtykkeVendor(lifetimeDays int) Vendor {
	return Vendor{
		ID: "samtykke", Name: "Samtykke", Provider: "",
		Purposes: []Purpose{Necessary},
		Cookies:  []Cookie{{ConsentCookieName, lifetimeDays}},
	}
}

// ConsentCookieName is the one first-party cookie the snippet sets.
const ConsentCookieName = "samtykke"
