package vendors

import "strings"

// The purposes a vendor can serve. Necessary is listed for completeness:
// no vendor in this catalogue is necessary, and custom vendors cannot be.
const (
	Necessary  = "necessary"
	Statistics = "statistics"
	Marketing  = "marketing"
)

// Cookie parties.
const (
	// FirstParty cookies are set on the site's own domain, by a vendor's
	// script running in the page; the snippet can delete them.
	FirstParty = "first"
	// ThirdParty cookies are set on the vendor's domain and sent with every
	// request to it from any site; the page can neither read nor delete
	// them, only stop the requests.
	ThirdParty = "third"
)

// Languages are the banner languages every built-in text is written in.
var Languages = []string{"en", "nb", "sv", "da", "fi"}

// Text is a short text per language code (en, nb, sv, da, fi).
type Text map[string]string

// In returns the text in lang, or in English when there is none in lang.
func (t Text) In(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	return t["en"]
}

// Vendor is one third party whose tags the banner holds back until the
// visitor grants one of its purposes.
type Vendor struct {
	// ID is a snake_case key, stable across releases: sites, receipts and
	// the snippet refer to vendors by it.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Provider is the legal entity responsible for the vendor's processing
	// for visitors in the EEA, and ProviderCountry its country (ISO 3166-1
	// alpha-2).
	Provider        string `json:"provider"`
	ProviderCountry string `json:"provider_country,omitempty"`
	// Purposes the vendor serves; its tags may run once any one of them is
	// granted.
	Purposes         []string `json:"purposes"`
	PrivacyPolicyURL string   `json:"privacy_policy_url"`
	// Hosts are host patterns (see the package doc) of the scripts, pixels
	// and beacons to hold back until consent.
	Hosts []string `json:"hosts,omitempty"`
	// EmbedHosts are host patterns of iframes (video players, maps) that
	// the snippet replaces with a placeholder until consent.
	EmbedHosts []string `json:"embed_hosts,omitempty"`
	Cookies    []Cookie `json:"cookies"`
	// Storage are the localStorage and sessionStorage keys the vendor's
	// scripts write on the site's origin.
	Storage []StorageKey `json:"storage,omitempty"`
	// ConsentHooks name the in-page consent APIs the vendor offers; see
	// the Hook constants.
	ConsentHooks []string `json:"consent_hooks,omitempty"`
	// Sources are the vendor's own documentation pages that the hosts,
	// cookie names and lifetimes come from.
	Sources []string `json:"sources,omitempty"`
}

// Cookie is one cookie a vendor sets, or a family of them.
type Cookie struct {
	// Name is exact, or a prefix followed by "*".
	Name string `json:"name"`
	// DurationMinutes is how long the cookie lasts; 0 means until the
	// browser closes (a session cookie).
	DurationMinutes int `json:"duration_minutes"`
	// Party is FirstParty or ThirdParty.
	Party       string `json:"party"`
	Description Text   `json:"description"`
	// Reported is true when the vendor does not document the lifetime and
	// DurationMinutes is the lifetime commonly reported or measured.
	Reported bool `json:"reported,omitempty"`

	// deliberate is set by the catalogue's constructor, so the tests can
	// tell a session cookie from a lifetime nobody set.
	deliberate bool
}

// StorageKey is one localStorage or sessionStorage key a vendor writes, or
// a family of them (trailing "*").
type StorageKey struct {
	Name        string `json:"name"`
	Party       string `json:"party"`
	Description Text   `json:"description"`
}

// Consent hooks: the in-page consent APIs vendors document.
const (
	// gtag('consent', 'default'|'update', {...}): Google Consent Mode v2.
	HookGoogleConsentMode = "google_consent_mode"
	// fbq('consent', 'grant'|'revoke'), to be repeated on every page.
	HookMetaFbqConsent = "meta_fbq_consent"
	// _hsp.push(['setHubSpotConsent', {...}]) and _hsq.push(['doNotTrack']).
	HookHubSpotHsp = "hubspot_hsp"
	// window.clarity('consentv2', {ad_Storage, analytics_Storage}).
	HookClarityConsent = "clarity_consent"
	// window.uetq.push('consent', 'default'|'update', {ad_storage}).
	HookUETConsentMode = "uet_consent_mode"
	// ttq.grantConsent() / ttq.revokeConsent() / ttq.holdConsent().
	HookTikTokGrantRevoke = "tiktok_grant_revoke"
	// window._uxa.push(['optout']) (Contentsquare).
	HookContentsquareOptout = "contentsquare_optout"
)

// All returns the built-in catalogue in a stable order. The slice and the
// vendors in it are copies: changing them changes nothing here.
func All() []Vendor {
	out := make([]Vendor, len(catalogue))
	for i, v := range catalogue {
		out[i] = v.clone()
	}
	return out
}

// Lookup returns the built-in vendor with the given id.
func Lookup(id string) (Vendor, bool) {
	for _, v := range catalogue {
		if v.ID == id {
			return v.clone(), true
		}
	}
	return Vendor{}, false
}

func (v Vendor) clone() Vendor {
	v.Purposes = append([]string(nil), v.Purposes...)
	v.Hosts = append([]string(nil), v.Hosts...)
	v.EmbedHosts = append([]string(nil), v.EmbedHosts...)
	cs := make([]Cookie, len(v.Cookies))
	for i, c := range v.Cookies {
		c.Description = cloneText(c.Description)
		cs[i] = c
	}
	v.Cookies = cs
	ss := make([]StorageKey, len(v.Storage))
	for i, s := range v.Storage {
		s.Description = cloneText(s.Description)
		ss[i] = s
	}
	v.Storage = ss
	v.ConsentHooks = append([]string(nil), v.ConsentHooks...)
	v.Sources = append([]string(nil), v.Sources...)
	return v
}

func cloneText(t Text) Text {
	if t == nil {
		return nil
	}
	out := make(Text, len(t))
	for k, s := range t {
		out[k] = s
	}
	return out
}

// Rule is what the snippet needs of one vendor: the host patterns to hold
// back until one of Purposes is granted, and the names of the first-party
// cookies and storage keys to delete when the visitor withdraws.
type Rule struct {
	Vendor   string   `json:"vendor"`
	Purposes []string `json:"purposes"`
	Hosts    []string `json:"hosts"`
	// Embed marks iframe hosts: the snippet shows a placeholder instead.
	Embed bool `json:"embed,omitempty"`
	// Name is the vendor's name, on embed rules only: a placeholder names the
	// vendor also on sites that do not declare it.
	Name    string   `json:"name,omitempty"`
	Cookies []string `json:"cookies,omitempty"`
	Storage []string `json:"storage,omitempty"`
}

// Rules returns the rules of the built-in catalogue followed by those of
// extra (a site's custom vendors), in order. A vendor gives one rule for its
// Hosts, carrying its cookies and storage keys, and one with Embed set for
// its EmbedHosts. Third-party cookies are left out (a page cannot delete
// them), as are names another pattern of the same rule already covers.
func Rules(extra ...Vendor) []Rule {
	out := make([]Rule, 0, len(catalogue)+len(extra)+4)
	for _, vs := range [][]Vendor{catalogue, extra} {
		for _, v := range vs {
			out = append(out, v.rules()...)
		}
	}
	return out
}

func (v Vendor) rules() []Rule {
	var cookies, storage []string
	for _, c := range v.Cookies {
		if c.Party != ThirdParty {
			cookies = append(cookies, c.Name)
		}
	}
	for _, s := range v.Storage {
		if s.Party != ThirdParty {
			storage = append(storage, s.Name)
		}
	}
	cookies, storage = compactNames(cookies), compactNames(storage)
	purposes := append([]string(nil), v.Purposes...)
	var out []Rule
	if len(v.Hosts) > 0 || len(v.EmbedHosts) == 0 {
		out = append(out, Rule{Vendor: v.ID, Purposes: purposes, Hosts: append([]string{}, v.Hosts...),
			Cookies: cookies, Storage: storage})
		cookies, storage = nil, nil
	}
	if len(v.EmbedHosts) > 0 {
		out = append(out, Rule{Vendor: v.ID, Purposes: purposes, Hosts: append([]string(nil), v.EmbedHosts...),
			Embed: true, Name: v.Name, Cookies: cookies, Storage: storage})
	}
	return out
}

// compactNames drops duplicates and names that a prefix pattern in names
// already covers ("_hjSession_*" when "_hj*" is there), keeping order.
func compactNames(names []string) []string {
	var out []string
	for i, n := range names {
		covered := false
		for j, p := range names {
			if i == j || !strings.HasSuffix(p, "*") {
				continue
			}
			pre := strings.TrimSuffix(p, "*")
			if n != p && strings.HasPrefix(strings.TrimSuffix(n, "*"), pre) || n == p && j < i {
				covered = true
				break
			}
		}
		if !covered && !contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// NameMatches reports whether a cookie or storage key name matches pattern
// (exact, or a prefix followed by "*").
func NameMatches(pattern, name string) bool {
	if pre, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, pre)
	}
	return name == pattern
}
