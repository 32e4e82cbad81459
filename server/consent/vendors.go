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

// Cookie is one cookie a vendor sets. A trailing "*" in Name stands for an
// id-specific suffix.
type Cookie struct {
	Name string `json:"name"`
	// DurationMinutes is how long the cookie lasts; 0 means until the
	// browser closes (a session cookie).
	DurationMinutes int `json:"duration_minutes"`
	// DurationDays is the same in whole days, rounded down, so 0 also for a
	// cookie of less than a day. It is kept for snippets cached from before
	// DurationMinutes existed.
	DurationDays int `json:"duration_days"`
}

// Minutes in an hour and in a day, for cookie lifetimes.
const (
	minutesPerHour = 60
	minutesPerDay  = 24 * minutesPerHour
)

// cookie returns a cookie lasting minutes (0: the browser session).
func cookie(name string, minutes int) Cookie {
	return Cookie{Name: name, DurationMinutes: minutes, DurationDays: minutes / minutesPerDay}
}

func days(n int) int { return n * minutesPerDay }

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
		Cookies:       []Cookie{cookie("_ga", days(730)), cookie("_ga_*", days(730))},
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
			cookie("_hjSessionUser_*", days(365)), cookie("_hjSession_*", 30), cookie("_hjAbsoluteSessionInProgress", 30),
			cookie("_hjIncludedInSessionSample_*", 30), cookie("_hjTLDTest", 0), cookie("_hjFirstSeen", 30),
		},
	},
	VendorMetaPixel: {
		ID: VendorMetaPixel, Name: "Meta Pixel", Provider: "Meta Platforms Ireland Limited",
		PrivacyPolicy: "https://www.facebook.com/privacy/policy/",
		Purposes:      []Purpose{Marketing},
		Cookies:       []Cookie{cookie("_fbp", days(90)), cookie("_fbc", days(90))},
	},
	VendorHubSpot: {
		ID: VendorHubSpot, Name: "HubSpot", Provider: "HubSpot, Inc.",
		PrivacyPolicy: "https://legal.hubspot.com/privacy-policy",
		Purposes:      []Purpose{Marketing},
		Cookies: []Cookie{
			cookie("__hstc", days(180)), cookie("hubspotutk", days(180)), cookie("__hssc", 30), cookie("__hssrc", 0),
			cookie("messagesUtk", days(180)),
		},
	},
}

// samtykkeVendor is Samtykke itself: its one cookie is necessary, and its
// lifetime is the site's consent lifetime.
func samtykkeVendor(lifetimeDays int) Vendor {
	return Vendor{
		ID: "samtykke", Name: "Samtykke", Provider: "",
		Purposes: []Purpose{Necessary},
		Cookies:  []Cookie{cookie(ConsentCookieName, days(lifetimeDays))},
	}
}

// ConsentCookieName is the one first-party cookie the snippet sets.
const ConsentCookieName = "samtykke"
