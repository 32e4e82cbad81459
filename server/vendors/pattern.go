package vendors

import (
	"errors"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// hostPattern is a parsed host pattern (see the package doc).
type hostPattern struct {
	wildcard bool   // "*." prefix: the host and every subdomain
	host     string // lower case, no trailing dot
	path     string // "" or starting with "/": prefix of pathname+search
}

// parsePattern parses a host pattern and says in plain words what is wrong
// with one that is not valid.
func parsePattern(p string) (hostPattern, error) {
	var hp hostPattern
	if p == "" {
		return hp, errors.New("is empty")
	}
	if strings.ContainsAny(p, " \t\r\n#") {
		return hp, errors.New("must not contain spaces or '#'")
	}
	if strings.Contains(p, "://") {
		return hp, errors.New("must not start with a scheme such as https://; write the host only, e.g. cdn.example.com")
	}
	rest := p
	if after, ok := strings.CutPrefix(rest, "*."); ok {
		hp.wildcard, rest = true, after
	}
	host := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, hp.path = rest[:i], rest[i:]
	} else if strings.ContainsRune(rest, '?') {
		return hp, errors.New("a query part must follow a path, e.g. example.com/js?id=")
	}
	if strings.Contains(host, "*") || strings.Contains(hp.path, "*") {
		return hp, errors.New("may use '*' only as a leading '*.' before the host")
	}
	if strings.Contains(host, ":") {
		return hp, errors.New("must not contain a port")
	}
	if host != strings.ToLower(host) {
		return hp, errors.New("must have its host in lower case")
	}
	if err := checkHostname(host); err != nil {
		return hp, err
	}
	if hp.wildcard {
		if ps, _ := publicsuffix.PublicSuffix(host); ps == host {
			return hp, errors.New("must not put '*.' before a public suffix such as com or co.uk: name the vendor's own domain")
		}
	}
	if !strings.Contains(host, ".") {
		return hp, errors.New("must be a domain name with a dot, such as cdn.example.com")
	}
	hp.host = host
	return hp, nil
}

// checkHostname accepts DNS names made of labels of letters, digits and
// hyphens. Its messages complete the sentence "… is not a valid host: it …".
func checkHostname(h string) error {
	if h == "" {
		return errors.New("has no host")
	}
	if len(h) > 253 {
		return errors.New("is longer than 253 characters")
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return errors.New("has an empty or over-long part between dots")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return errors.New("must not have a part that starts or ends with '-'")
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return errors.New("may contain only letters a-z, digits, '-' and '.' in the host")
			}
		}
	}
	if tld := labels[len(labels)-1]; tld[0] >= '0' && tld[0] <= '9' {
		return errors.New("must name a domain, not an IP address")
	}
	return nil
}

// ValidPattern returns nil when p is a valid host pattern, or an error that
// says what is wrong in words a site owner understands.
func ValidPattern(p string) error {
	_, err := parsePattern(p)
	return err
}

// matches reports whether the pattern matches a URL's host and its
// pathname+search.
func (hp hostPattern) matches(host, pathSearch string) bool {
	if host != hp.host && !(hp.wildcard && strings.HasSuffix(host, "."+hp.host)) {
		return false
	}
	return strings.HasPrefix(pathSearch, hp.path)
}

// Match finds the rule for a URL: the purposes of which one must be granted
// before the URL may load, and the vendor it belongs to. ok is false when
// no rule's host pattern matches, or rawURL has no host. The longest
// matching pattern wins; equally long ones give the union of their purposes
// (in the order statistics, marketing, then any other) and the vendor of
// the first of them. Invalid patterns never match.
func Match(rules []Rule, rawURL string) (purposes []string, vendor string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, "", false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return nil, "", false
	}
	pathSearch := u.EscapedPath()
	if pathSearch == "" {
		pathSearch = "/"
	}
	if u.RawQuery != "" {
		pathSearch += "?" + u.RawQuery
	}
	best := -1
	var union []string
	for _, r := range rules {
		for _, p := range r.Hosts {
			hp, err := parsePattern(p)
			if err != nil || !hp.matches(host, pathSearch) {
				continue
			}
			switch {
			case len(p) > best:
				best, vendor, union = len(p), r.Vendor, append([]string(nil), r.Purposes...)
			case len(p) == best:
				for _, x := range r.Purposes {
					if !contains(union, x) {
						union = append(union, x)
					}
				}
			}
		}
	}
	if best < 0 {
		return nil, "", false
	}
	return orderPurposes(union), vendor, true
}

// orderPurposes sorts purposes as statistics, marketing, then the rest in
// their order.
func orderPurposes(ps []string) []string {
	out := make([]string, 0, len(ps))
	for _, known := range []string{Necessary, Statistics, Marketing} {
		if contains(ps, known) {
			out = append(out, known)
		}
	}
	for _, p := range ps {
		if !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
