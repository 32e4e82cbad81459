package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"sync"

	"github.com/samtykke/samtykke/server/vendors"
)

// The vendor knowledge itself (hosts, cookies, lifetimes, texts) lives in
// package vendors, the one catalogue. This file turns it into what a
// visitor is told: a site's vendors, each with its cookies in the visitor's
// language, under the purposes they serve.

// Vendor is a vendor as the settings layer and the cookie declaration list
// it (Planet49: who sets which cookie, for how long, and whether third
// parties can read it), in one language.
type Vendor struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Provider         string `json:"provider"`
	PrivacyPolicyURL string `json:"privacy_policy_url"`
	// Cookies lists first-party cookies, which the banner deletes on
	// withdrawal, and third-party ones, which it can only declare.
	Cookies []Cookie `json:"cookies"`
	// Storage lists the localStorage and sessionStorage keys the vendor's
	// scripts write on the site's origin.
	Storage []StorageKey `json:"storage"`
	// Embed: the vendor's content is an iframe (a player, a map, a widget)
	// that waits behind a placeholder until its purpose is granted.
	Embed bool `json:"embed,omitempty"`
	// Custom: the site owner declared this vendor; it is not in Samtykke's
	// catalogue.
	Custom bool `json:"custom,omitempty"`
}

// Cookie is one cookie a vendor sets. A trailing "*" in Name stands for
// any suffix (an id-specific one, usually).
type Cookie struct {
	Name string `json:"name"`
	// DurationMinutes is how long the cookie lasts; 0 means until the
	// browser closes (a session cookie).
	DurationMinutes int `json:"duration_minutes"`
	// DurationDays is the same in whole days, rounded down, so 0 also for a
	// cookie of less than a day. It is kept for snippets cached from before
	// DurationMinutes existed.
	DurationDays int `json:"duration_days"`
	// Party says who can read the cookie: first, this site only; third,
	// the vendor too, on every site that embeds it.
	Party Party `json:"party"`
	// Description is what the cookie is for, in the visitor's language.
	Description string `json:"description"`
}

// StorageKey is one localStorage or sessionStorage key, or a family of
// them (trailing "*").
type StorageKey struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Party is where a cookie is stored, and so who can read it.
type Party string

const (
	FirstParty Party = vendors.FirstParty
	ThirdParty Party = vendors.ThirdParty
)

// Minutes in an hour and in a day, for cookie lifetimes.
const (
	minutesPerHour = 60
	minutesPerDay  = 24 * minutesPerHour
)

// The ids of the vendors that Integrations load; they are the catalogue's
// ids and the keys of Integrations in JSON.
const (
	VendorGoogleAnalytics  = "google_analytics"
	VendorGoogleTagManager = "google_tag_manager"
	VendorHotjar           = "hotjar"
	VendorMetaPixel        = "meta_pixel"
	VendorHubSpot          = "hubspot"
)

// ConsentCookieName is the one first-party cookie the snippet sets.
const ConsentCookieName = "samtykke"

// samtykkeCookieText says what the consent cookie is for. It is Samtykke's
// own, so it is written in every banner language, Nynorsk and German too.
var samtykkeCookieText = vendors.Text{
	"en": "Remembers your cookie choice and its consent ID",
	"nb": "Husker valget ditt om informasjonskapsler og samtykke-ID-en",
	"nn": "Hugsar valet ditt om informasjonskapslar og samtykke-ID-en",
	"sv": "Kommer ihåg ditt val om kakor och dess samtyckes-ID",
	"da": "Husker dit valg om cookies og dets samtykke-ID",
	"fi": "Muistaa evästevalintasi ja sen suostumuksen tunnuksen",
	"de": "Speichert Ihre Cookie-Auswahl und deren Einwilligungs-ID",
}

// samtykkeVendor is Samtykke itself, run by the site's owner: its one
// cookie is necessary, and lasts as long as the site keeps a choice.
func (s SiteSettings) samtykkeVendor() declared {
	return declared{Vendor: vendors.Vendor{
		ID: "samtykke", Name: "Samtykke", Provider: s.Name, PrivacyPolicyURL: s.PrivacyPolicyURL,
		Purposes: []string{string(Necessary)},
		Cookies: []vendors.Cookie{{Name: ConsentCookieName, DurationMinutes: s.ConsentLifetimeDays * minutesPerDay,
			Party: vendors.FirstParty, Description: samtykkeCookieText}},
	}}
}

// declared is one vendor a site runs, in the catalogue's form.
type declared struct {
	vendors.Vendor
	custom bool
}

// declaredVendors are the vendors the visitor is told about besides
// Samtykke: those of the integrations that are set (in a fixed order), the
// built-in vendors the site declared, then its custom vendors, each once.
// Entries that do not validate (an unknown id in a draft being previewed)
// are left out rather than shown half.
func (s SiteSettings) declaredVendors() []declared {
	var out []declared
	seen := map[string]bool{}
	add := func(d declared) {
		if d.ID != "" && !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, d)
		}
	}
	for _, id := range s.Integrations.ids() {
		v, _ := vendors.Lookup(id)
		if id == VendorGoogleAnalytics {
			v = s.Integrations.GoogleAnalytics.withLifetime(v)
		}
		add(declared{Vendor: v})
	}
	for _, sv := range s.Vendors {
		if sv.builtIn() {
			v, _ := vendors.Lookup(sv.ID)
			add(declared{Vendor: v})
		}
	}
	for _, sv := range s.Vendors {
		if !sv.builtIn() {
			add(declared{Vendor: sv.catalogueForm(), custom: true})
		}
	}
	return out
}

// CustomVendors returns the site's own vendors in the catalogue's form, for
// vendors.Rules: the snippet holds them back and purges their cookies like
// built-in ones.
func (s SiteSettings) CustomVendors() []vendors.Vendor {
	var out []vendors.Vendor
	for _, sv := range s.Vendors {
		if !sv.builtIn() {
			out = append(out, sv.catalogueForm())
		}
	}
	return out
}

// Rules are what the snippet blocks and purges for this site: the whole
// catalogue (a pasted tag of any known vendor is held back, declared or
// not) and the site's custom vendors, with Google's tags let through as
// the site's Consent Mode settings say (siteRules).
func (s SiteSettings) Rules() []vendors.Rule {
	return s.siteRules(vendors.Rules(s.CustomVendors()...))
}

// listed is d as the visitor sees it in lang.
func (d declared) listed(lang string) Vendor {
	v := Vendor{ID: d.ID, Name: d.Name, Provider: d.Provider, PrivacyPolicyURL: d.PrivacyPolicyURL,
		Cookies: make([]Cookie, 0, len(d.Cookies)), Storage: make([]StorageKey, 0, len(d.Storage)),
		Embed: len(d.EmbedHosts) > 0, Custom: d.custom}
	for _, c := range d.Cookies {
		v.Cookies = append(v.Cookies, Cookie{Name: c.Name, DurationMinutes: c.DurationMinutes,
			DurationDays: c.DurationMinutes / minutesPerDay, Party: Party(c.Party), Description: textIn(c.Description, lang)})
	}
	for _, k := range d.Storage {
		v.Storage = append(v.Storage, StorageKey{Name: k.Name, Description: textIn(k.Description, lang)})
	}
	return v
}

// textIn picks the wording for lang: the language itself, Bokmål for
// Nynorsk (the catalogue is not written in Nynorsk, and a Nynorsk reader
// reads Bokmål without effort), English, or else any language there is,
// the same one every time.
func textIn(t vendors.Text, lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	if lang == "nn" && t["nb"] != "" {
		return t["nb"]
	}
	if s := t["en"]; s != "" {
		return s
	}
	langs := make([]string, 0, len(t))
	for l, s := range t {
		if s != "" {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		return ""
	}
	sort.Strings(langs)
	return t[langs[0]]
}

// CatalogueVersion is a short hash of what this build tells visitors
// besides a site's own settings: the vendor catalogue, its rules and the
// default texts. Caches of answers built from a site (its config, its
// declaration) add it to their ETag, so that a release that changes the
// catalogue is not answered "not modified" from before it.
var CatalogueVersion = sync.OnceValue(func() string {
	b, err := json.Marshal(struct {
		V []vendors.Vendor `json:"v"`
		R []vendors.Rule   `json:"r"`
		T map[string]Texts `json:"t"`
		S vendors.Text     `json:"s"`
	}{vendors.All(), vendors.Rules(), defaultTexts, samtykkeCookieText})
	if err != nil {
		panic("consent: catalogue version: " + err.Error()) // only plain data above
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
})
