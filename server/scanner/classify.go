package scanner

import (
	"net/url"
	"strings"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/vendors"
)

// classifier knows every vendor a finding can belong to: the site's
// declared ones first (its custom vendors, and Samtykke itself), so that
// what the owner says wins, then the whole catalogue.
type classifier struct {
	siteID   string
	all      []vendors.Vendor
	declared map[string]bool
	rules    []vendors.Rule
	// held are the site's own rules: what its banner holds back. In
	// advanced Consent Mode Google's tags are not held, and their loading
	// before a choice is then no violation.
	held []vendors.Rule
}

func newClassifier(site consent.Site) classifier {
	c := classifier{siteID: site.ID, declared: map[string]bool{}}
	for _, v := range site.DeclaredVendors() {
		c.declared[v.ID] = true
		c.all = append(c.all, v)
	}
	for _, v := range vendors.All() {
		if !c.declared[v.ID] {
			c.all = append(c.all, v)
		}
	}
	c.rules = vendors.Rules(site.CustomVendors()...)
	c.held = site.Rules()
	return c
}

func (c classifier) of(v vendors.Vendor) Classification {
	purpose := ""
	for _, p := range []string{vendors.Marketing, vendors.Statistics, vendors.Necessary} {
		for _, vp := range v.Purposes {
			if vp == p && purpose == "" {
				purpose = p
			}
		}
	}
	return Classification{Vendor: v.ID, VendorName: v.Name, Purpose: purpose, Declared: c.declared[v.ID]}
}

func (c classifier) byID(id string) (vendors.Vendor, bool) {
	for _, v := range c.all {
		if v.ID == id {
			return v, true
		}
	}
	return vendors.Vendor{}, false
}

// cookie classifies a cookie by its name: the first vendor, declared ones
// first, with a cookie of that name or prefix.
func (c classifier) cookie(name string) Classification {
	for _, v := range c.all {
		for _, ck := range v.Cookies {
			if vendors.NameMatches(ck.Name, name) {
				return c.of(v)
			}
		}
	}
	return Classification{}
}

func (c classifier) storage(name string) Classification {
	for _, v := range c.all {
		for _, k := range v.Storage {
			if vendors.NameMatches(k.Name, name) {
				return c.of(v)
			}
		}
	}
	return Classification{}
}

// request classifies a request by its URL with the same host patterns the
// banner uses.
func (c classifier) request(rawURL string) Classification {
	if c.samtykke(rawURL) {
		v, _ := c.byID(samtykkeVendorID)
		return c.of(v)
	}
	_, id, ok := vendors.Match(c.rules, rawURL)
	if !ok {
		return Classification{}
	}
	if v, ok := c.byID(id); ok {
		return c.of(v)
	}
	return Classification{Vendor: id}
}

// samtykkeVendorID is the id DeclaredVendors gives Samtykke itself.
const samtykkeVendorID = "samtykke"

// samtykke reports whether a URL is the banner's own: its bundle, or the
// site's config and receipts on whichever host consentd serves them.
func (c classifier) samtykke(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	return u.Path == "/samtykke.js" || strings.HasPrefix(u.Path, "/v1/sites/"+c.siteID+"/")
}

// heldBySite reports whether the site's banner is meant to hold the URL
// back until consent.
func (c classifier) heldBySite(rawURL string) bool {
	_, _, ok := vendors.Match(c.held, rawURL)
	return ok
}

// Classify fills in the classification of every finding.
func Classify(site consent.Site, obs *Observations) {
	c := newClassifier(site)
	for i := range obs.Cookies {
		obs.Cookies[i].Classification = c.cookie(obs.Cookies[i].Name)
	}
	for i := range obs.Storage {
		obs.Storage[i].Classification = c.storage(obs.Storage[i].Name)
	}
	for i := range obs.Requests {
		obs.Requests[i].Classification = c.request(obs.Requests[i].URL)
	}
}

// OriginHosts are the host names of the site's origins: a host among them
// is first party, any other is a third party.
func OriginHosts(site consent.Site) map[string]bool {
	out := map[string]bool{}
	for _, o := range site.Origins {
		if u, err := url.Parse(o); err == nil && u.Hostname() != "" {
			out[strings.ToLower(u.Hostname())] = true
		}
	}
	return out
}

// FirstPartyDomain reports whether a cookie's domain belongs to one of
// hosts (a leading dot means the domain and its subdomains).
func FirstPartyDomain(domain string, hosts map[string]bool) bool {
	d := strings.TrimPrefix(strings.ToLower(domain), ".")
	for h := range hosts {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}
