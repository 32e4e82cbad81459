package vendors

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// FieldError is one problem with one field of a vendor, named as in JSON
// ("name", "hosts[1]", "cookies[0].party"), with a message for a person.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks a vendor as a site owner declares it (a custom vendor)
// and returns every problem found, or none. Built-in vendors pass it too.
func (v Vendor) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, a ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, a...)})
	}
	if v.ID != "" && !validID(v.ID) {
		add("id", "Use lower-case letters, digits and '_' only, starting with a letter (at most 64 characters).")
	}
	if strings.TrimSpace(v.Name) == "" {
		add("name", "Enter the vendor's name.")
	} else if len(v.Name) > 100 {
		add("name", "Keep the name to 100 characters or fewer.")
	}
	if strings.TrimSpace(v.Provider) == "" {
		add("provider", "Enter the company that provides the service, so visitors know who receives their data.")
	}
	if v.ProviderCountry != "" && !validCountry(v.ProviderCountry) {
		add("provider_country", "Use a two-letter country code such as NO, SE or US.")
	}
	if len(v.Purposes) == 0 {
		add("purposes", "Choose a purpose: statistics or marketing.")
	}
	for i, p := range v.Purposes {
		switch {
		case p != Statistics && p != Marketing:
			add(fmt.Sprintf("purposes[%d]", i), "Purpose must be statistics or marketing; %q is not one of them.", p)
		case contains(v.Purposes[:i], p):
			add(fmt.Sprintf("purposes[%d]", i), "Purpose %q is listed twice.", p)
		}
	}
	if err := checkPolicyURL(v.PrivacyPolicyURL); err != "" {
		add("privacy_policy_url", "%s", err)
	}
	if len(v.Hosts) == 0 && len(v.EmbedHosts) == 0 {
		add("hosts", "List at least one host whose scripts, pixels or frames to hold back until consent, e.g. widget.example.com.")
	}
	for _, fh := range []struct {
		field string
		hosts []string
	}{{"hosts", v.Hosts}, {"embed_hosts", v.EmbedHosts}} {
		field, hosts := fh.field, fh.hosts
		for i, h := range hosts {
			if err := ValidPattern(h); err != nil {
				add(fmt.Sprintf("%s[%d]", field, i), "%q is not a valid host: it %s.", h, err)
			} else if contains(hosts[:i], h) {
				add(fmt.Sprintf("%s[%d]", field, i), "%q is listed twice.", h)
			}
		}
	}
	for i, c := range v.Cookies {
		f := fmt.Sprintf("cookies[%d]", i)
		checkName(add, f, "cookie", c.Name, true)
		if c.DurationMinutes < 0 {
			add(f+".duration_minutes", "A lifetime cannot be negative; use 0 for a cookie that ends with the browser session.")
		} else if c.DurationMinutes > 10*525960 {
			add(f+".duration_minutes", "A lifetime of more than 10 years is not plausible; check the unit (minutes).")
		}
		if c.Party != FirstParty && c.Party != ThirdParty {
			add(f+".party", "Party must be first (set on this site's domain) or third (set on the vendor's domain).")
		}
		checkText(add, f+".description", c.Description)
	}
	for i, s := range v.Storage {
		f := fmt.Sprintf("storage[%d]", i)
		checkName(add, f, "storage key", s.Name, false)
		if s.Party != FirstParty && s.Party != ThirdParty {
			add(f+".party", "Party must be first or third.")
		}
		checkText(add, f+".description", s.Description)
	}
	return errs
}

func validID(id string) bool {
	if len(id) > 64 || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// checkPolicyURL returns "" for an absolute https URL with a host, or what
// is wrong with it.
func checkPolicyURL(s string) string {
	if strings.TrimSpace(s) == "" {
		return "Enter the address of the vendor's privacy policy."
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "Enter the full address of the privacy policy, starting with https://."
	}
	if u.Scheme != "https" {
		return "The privacy policy address must start with https://."
	}
	if u.User != nil {
		return "The privacy policy address must not contain a user name or password."
	}
	return ""
}

// checkName accepts a cookie or storage key name, exact or with one
// trailing "*"; cookie names also without the characters RFC 6265 does not
// allow in them.
func checkName(add func(string, string, ...any), field, what, name string, isCookie bool) {
	f := field + ".name"
	switch {
	case strings.TrimSpace(name) == "":
		add(f, "Enter the %s name.", what)
	case name == "*":
		add(f, "A %s name cannot be only '*': give the prefix the names start with, e.g. chatly_*.", what)
	case strings.Contains(strings.TrimSuffix(name, "*"), "*"):
		add(f, "Use '*' only at the end of a %s name, for names that start with the same prefix.", what)
	case strings.ContainsAny(name, " \t\r\n"):
		add(f, "A %s name cannot contain spaces.", what)
	case isCookie && strings.ContainsAny(name, ";,=\"\\()<>@:/[]?{}"):
		add(f, "A cookie name cannot contain any of ; , = \" \\ ( ) < > @ : / [ ] ? { }.")
	case len(name) > 200:
		add(f, "Keep the %s name to 200 characters or fewer.", what)
	}
}

// checkText accepts texts in the banner languages only.
func checkText(add func(string, string, ...any), field string, t Text) {
	langs := make([]string, 0, len(t))
	for lang := range t {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		s := t[lang]
		if !contains(Languages, lang) {
			add(field, "%q is not a banner language; use %s.", lang, strings.Join(Languages, ", "))
		} else if len(s) > 500 {
			add(field+"."+lang, "Keep the description to 500 characters or fewer.")
		}
	}
}
