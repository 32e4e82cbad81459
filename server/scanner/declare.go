package scanner

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/vendors"
)

// DeclareInput is the owner's "declare as" for one finding of a scan: add
// it to a catalogue vendor (declared by id), to one of the site's custom
// vendors, or to a new custom vendor.
type DeclareInput struct {
	// Kind and Name name the finding: a cookie's name, a request's host or
	// a storage key.
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Vendor is a catalogue vendor's id, or a custom vendor's (custom_…)
	// to extend. Leave it out to create NewVendor.
	Vendor    string              `json:"vendor,omitempty"`
	NewVendor *consent.SiteVendor `json:"new_vendor,omitempty"`
	// LifetimeDays and Description describe a cookie added to a custom
	// vendor; the lifetime defaults to what the scan measured.
	LifetimeDays *int              `json:"lifetime_days,omitempty"`
	Description  map[string]string `json:"description,omitempty"`
}

// Declare returns the site's settings with the finding declared. The
// caller stores them through the one site write path, which validates
// them: a custom vendor's cookie needs a description, for instance, and
// the error names the field.
func Declare(site consent.Site, s Scan, in DeclareInput) (consent.SiteSettings, error) {
	settings := site.SiteSettings
	settings.Vendors = append([]consent.SiteVendor(nil), settings.Vendors...)
	var (
		cookie *CookieFinding
		found  bool
	)
	switch in.Kind {
	case KindCookie:
		for i := range s.Cookies {
			if s.Cookies[i].Name == in.Name {
				cookie, found = &s.Cookies[i], true
				break
			}
		}
	case KindRequest:
		for _, r := range s.Requests {
			found = found || r.Host == in.Name
		}
	case KindStorage:
		for _, st := range s.Storage {
			found = found || st.Name == in.Name
		}
	default:
		return settings, consent.Invalid("kind", "must be cookie, request or storage")
	}
	if !found {
		return settings, consent.Invalid("name", "is not a "+in.Kind+" this scan found")
	}

	switch {
	case in.Vendor != "" && in.NewVendor != nil:
		return settings, consent.Invalid("vendor", "give either vendor (to extend one) or new_vendor, not both")
	case in.Vendor != "" && !strings.HasPrefix(in.Vendor, "custom_"):
		if _, ok := vendors.Lookup(in.Vendor); !ok {
			return settings, consent.Invalid("vendor", "is not a vendor in the catalogue nor one of the site's own (custom_…)")
		}
		for _, v := range site.DeclaredVendors() {
			if v.ID == in.Vendor {
				return settings, nil // declared already: nothing to change
			}
		}
		settings.Vendors = append(settings.Vendors, consent.SiteVendor{ID: in.Vendor})
		return settings, nil
	case in.Vendor != "":
		for i := range settings.Vendors {
			if settings.Vendors[i].ID == in.Vendor {
				v := settings.Vendors[i]
				v.Hosts = append([]string(nil), v.Hosts...)
				v.Cookies = append([]consent.SiteCookie(nil), v.Cookies...)
				if err := extend(&v, in, cookie, "vendor", site); err != nil {
					return settings, err
				}
				settings.Vendors[i] = v
				return settings, nil
			}
		}
		return settings, consent.Invalid("vendor", "is not one of the site's own vendors")
	case in.NewVendor != nil:
		v := *in.NewVendor
		v.ID = ""
		if err := extend(&v, in, cookie, "new_vendor", site); err != nil {
			return settings, err
		}
		settings.Vendors = append(settings.Vendors, v)
		return settings, nil
	}
	return settings, consent.Invalid("vendor", "is required: a catalogue vendor's id, a custom vendor's id, or new_vendor")
}

// extend adds the finding to a custom vendor. A cookie set by a third
// party's script brings that script's host along, so that the banner holds
// the script back (a custom vendor needs a host).
func extend(v *consent.SiteVendor, in DeclareInput, cookie *CookieFinding, field string, site consent.Site) error {
	switch in.Kind {
	case KindRequest:
		for _, h := range v.Hosts {
			if h == in.Name {
				return nil
			}
		}
		v.Hosts = append(v.Hosts, in.Name)
	case KindCookie:
		for _, c := range v.Cookies {
			if vendors.NameMatches(c.Name, in.Name) {
				return nil
			}
		}
		days := int((cookie.LifetimeSeconds + 86399) / 86400)
		if in.LifetimeDays != nil {
			days = *in.LifetimeDays
		}
		if u, err := url.Parse(cookie.SetBy); err == nil && len(v.Hosts) == 0 && u.Hostname() != "" && !FirstPartyHost(u.Hostname(), site) {
			v.Hosts = append(v.Hosts, strings.ToLower(u.Hostname()))
		}
		party := consent.Party(vendors.FirstParty)
		if cookie.ThirdParty {
			party = consent.Party(vendors.ThirdParty)
		}
		v.Cookies = append(v.Cookies, consent.SiteCookie{Name: in.Name, LifetimeDays: min(days, consent.MaxCookieDays),
			Party: party, Description: in.Description})
	case KindStorage:
		return consent.Invalid(field, "a storage key can only be declared with a catalogue vendor (custom vendors list cookies and hosts); "+
			strconv.Quote(in.Name)+" is described in the cookie declaration by the vendor that writes it")
	}
	return nil
}
