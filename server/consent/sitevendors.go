package consent

import (
	"strconv"
	"strings"

	"github.com/samtykke/samtykke/server/vendors"
)

// Limits of a site's declared vendors: generous for a real site, small
// enough that the rules every page receives stay small.
const (
	MaxSiteVendors     = 50
	MaxVendorHosts     = 20
	MaxVendorCookies   = 50
	MaxCookieDays      = 3650
	maxDescriptionLen  = 500
	customVendorPrefix = "custom_"
)

// SiteVendor is one vendor a site runs besides its Integrations. It is
// either a built-in vendor whose tag the owner pasted (only ID is set, an
// id from the catalogue), or a custom vendor the owner describes: then ID
// is "custom_" and a slug of Name, made by Normalize, and every other field
// is the owner's.
type SiteVendor struct {
	ID               string   `json:"id,omitempty"`
	Name             string   `json:"name,omitempty"`
	Provider         string   `json:"provider,omitempty"`
	Purpose          Purpose  `json:"purpose,omitempty"`
	PrivacyPolicyURL string   `json:"privacy_policy_url,omitempty"`
	Hosts            []string `json:"hosts,omitempty"`
	// Embed: Hosts serve iframes (a widget, a player), which the banner
	// replaces with a placeholder until Purpose is granted, instead of
	// scripts and pixels it holds back unseen.
	Embed   bool         `json:"embed,omitempty"`
	Cookies []SiteCookie `json:"cookies,omitempty"`
}

// SiteCookie is a cookie of a custom vendor as its owner declares it.
type SiteCookie struct {
	// Name is exact, or a prefix followed by "*".
	Name string `json:"name"`
	// LifetimeDays is how long the cookie lasts; 0 means until the browser
	// closes.
	LifetimeDays int   `json:"lifetime_days"`
	Party        Party `json:"party"`
	// Description maps a banner language to what the cookie is for; the
	// visitor reads their language, else Bokmål for Nynorsk, else English,
	// else any.
	Description map[string]string `json:"description,omitempty"`
}

// builtIn reports whether the entry names a catalogue vendor rather than
// describing a vendor of the site's own.
func (v SiteVendor) builtIn() bool {
	return v.ID != "" && !strings.HasPrefix(v.ID, customVendorPrefix)
}

// normalize trims what the owner typed and gives a custom vendor its id.
func (v *SiteVendor) normalize() {
	v.ID = strings.TrimSpace(v.ID)
	if v.builtIn() {
		return
	}
	v.Name = strings.TrimSpace(v.Name)
	v.Provider = strings.TrimSpace(v.Provider)
	v.PrivacyPolicyURL = strings.TrimSpace(v.PrivacyPolicyURL)
	v.ID = customVendorPrefix + slug(v.Name)
	if len(v.Hosts) == 0 {
		v.Hosts = nil
	}
	for i, h := range v.Hosts {
		v.Hosts[i] = strings.ToLower(strings.TrimSpace(h))
	}
	if len(v.Cookies) == 0 {
		v.Cookies = nil
	}
	for i := range v.Cookies {
		c := &v.Cookies[i]
		c.Name = strings.TrimSpace(c.Name)
		for lang, s := range c.Description {
			c.Description[lang] = strings.TrimSpace(s)
		}
		if len(c.Description) == 0 {
			c.Description = nil
		}
	}
}

// slug turns a vendor's name into the tail of its id: lower-case a-z, 0-9
// and single '_' between words, with the Nordic and German letters written
// the way their languages write them without those letters. At most 57
// characters, so that the id stays within the catalogue's 64.
func slug(name string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(name) {
		var s string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			s = string(r)
		case r == 'æ' || r == 'ä':
			s = "ae"
		case r == 'ø' || r == 'ö':
			s = "oe"
		case r == 'å':
			s = "aa"
		case r == 'ü':
			s = "ue"
		case r == 'ß':
			s = "ss"
		case r == 'é' || r == 'è' || r == 'ê':
			s = "e"
		default:
			gap = true
			continue
		}
		if gap && b.Len() > 0 {
			b.WriteByte('_')
		}
		gap = false
		b.WriteString(s)
	}
	out := b.String()
	if len(out) > 57 {
		out = strings.TrimRight(out[:57], "_")
	}
	return out
}

// catalogueForm is a custom vendor in the catalogue's form, so that it is
// listed, blocked and purged by the same code as a built-in one.
func (v SiteVendor) catalogueForm() vendors.Vendor {
	out := vendors.Vendor{ID: v.ID, Name: v.Name, Provider: v.Provider, PrivacyPolicyURL: v.PrivacyPolicyURL,
		Cookies: make([]vendors.Cookie, 0, len(v.Cookies))}
	if v.Purpose != "" {
		out.Purposes = []string{string(v.Purpose)}
	}
	if v.Embed {
		out.EmbedHosts = append([]string(nil), v.Hosts...)
	} else {
		out.Hosts = append([]string(nil), v.Hosts...)
	}
	for _, c := range v.Cookies {
		out.Cookies = append(out.Cookies, vendors.Cookie{Name: c.Name, DurationMinutes: c.LifetimeDays * minutesPerDay,
			Party: string(c.Party), Description: vendors.Text(c.Description)})
	}
	return out
}

// validateVendors checks the site's vendors; every field error is named
// from the settings' root, such as vendors[0].cookies[1].party.
func (s SiteSettings) validateVendors(v *validator) {
	if len(s.Vendors) > MaxSiteVendors {
		v.add("vendors", "must list at most "+strconv.Itoa(MaxSiteVendors)+" vendors")
	}
	seen := map[string]int{}
	for i, sv := range s.Vendors {
		field := "vendors[" + strconv.Itoa(i) + "]"
		if sv.builtIn() {
			sv.validateBuiltIn(v, field, s.Integrations)
		} else {
			sv.validateCustom(v, field)
		}
		if sv.ID == "" || sv.ID == customVendorPrefix {
			continue // the name's own error says it
		}
		if j, ok := seen[sv.ID]; ok {
			if sv.builtIn() {
				v.add(field+".id", "is listed twice (also as vendors["+strconv.Itoa(j)+"])")
			} else {
				v.add(field+".name", "gives the id "+sv.ID+", which vendors["+strconv.Itoa(j)+"] has already; give each vendor its own name")
			}
			continue
		}
		seen[sv.ID] = i
	}
}

func (sv SiteVendor) validateBuiltIn(v *validator, field string, in Integrations) {
	if _, ok := vendors.Lookup(sv.ID); !ok {
		v.add(field+".id", "is not a vendor in the catalogue; to declare a vendor of your own, leave id out and give its name, provider, purpose, privacy_policy_url and hosts")
		return
	}
	for _, id := range in.ids() {
		if id == sv.ID {
			v.add(field+".id", "is already listed through integrations."+id+"; declare it once")
			return
		}
	}
	// The catalogue knows a built-in vendor; what the owner writes next to
	// its id would be silently ignored, so it is refused instead.
	set := []struct {
		field string
		set   bool
	}{
		{"name", sv.Name != ""}, {"provider", sv.Provider != ""}, {"purpose", sv.Purpose != ""},
		{"privacy_policy_url", sv.PrivacyPolicyURL != ""}, {"hosts", len(sv.Hosts) > 0},
		{"embed", sv.Embed}, {"cookies", len(sv.Cookies) > 0},
	}
	for _, f := range set {
		if f.set {
			v.add(field+"."+f.field, "must be left out for a built-in vendor: the catalogue describes "+sv.ID)
		}
	}
}

func (sv SiteVendor) validateCustom(v *validator, field string) {
	if sv.Name != "" && slug(sv.Name) == "" {
		v.add(field+".name", "must contain at least one letter or digit, from which the vendor's id is made")
	}
	if len(sv.Hosts) > MaxVendorHosts {
		v.add(field+".hosts", "must list at most "+strconv.Itoa(MaxVendorHosts)+" hosts")
	}
	if len(sv.Cookies) > MaxVendorCookies {
		v.add(field+".cookies", "must list at most "+strconv.Itoa(MaxVendorCookies)+" cookies")
	}
	// The catalogue's own check covers names, the provider, the purpose,
	// the policy link, host patterns and cookie names and parties. The
	// lifetime and descriptions are checked here, in the owner's units and
	// languages (which include Nynorsk and German).
	cv := sv.catalogueForm()
	cv.ID = ""
	for i := range cv.Cookies {
		cv.Cookies[i].DurationMinutes, cv.Cookies[i].Description = 0, nil
	}
	for _, fe := range cv.Validate() {
		v.add(field+"."+siteVendorField(fe.Field), fe.Message)
	}
	names := map[string]int{}
	for i, c := range sv.Cookies {
		cf := field + ".cookies[" + strconv.Itoa(i) + "]"
		if j, ok := names[c.Name]; ok && c.Name != "" {
			v.add(cf+".name", "is listed twice (also as cookies["+strconv.Itoa(j)+"])")
		} else {
			names[c.Name] = i
		}
		if c.LifetimeDays < 0 || c.LifetimeDays > MaxCookieDays {
			v.add(cf+".lifetime_days", "must be between 0 (until the browser closes) and "+strconv.Itoa(MaxCookieDays)+" days")
		}
		if len(c.Description) == 0 {
			v.add(cf+".description", "must say what the cookie is for in at least one language, such as {\"en\": \"Remembers the chat visitor\"}")
		}
		for lang, text := range c.Description {
			df := cf + ".description." + lang
			switch {
			case !SupportedLanguage(lang):
				v.add(df, "is not a banner language; use one of "+strings.Join(Languages, ", "))
			case text == "":
				v.add(df, "is empty; leave the language out instead")
			default:
				v.maxLen(df, text, maxDescriptionLen)
			}
		}
	}
}

// siteVendorField names a field of the catalogue's Vendor.Validate as the
// site's settings call it: one purpose instead of a list, hosts whether or
// not they are embeds, and the vendor's id, made from its name.
func siteVendorField(f string) string {
	switch {
	case f == "id":
		return "name"
	case f == "purposes" || strings.HasPrefix(f, "purposes["):
		return "purpose"
	case strings.HasPrefix(f, "embed_hosts"):
		return strings.TrimPrefix(f, "embed_")
	}
	return f
}
