package scanner

import (
	"regexp"
	"sort"
	"strings"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/vendors"
)

// Finding kinds, in violations, undeclared findings and the diff.
const (
	KindCookie  = "cookie"
	KindStorage = "storage"
	KindRequest = "request"
)

// Report is what a scan's findings mean for the site's owner, in the order
// they should read it.
type Report struct {
	Counts     Counts       `json:"counts"`
	Violations []Violation  `json:"violations"`
	Undeclared []Undeclared `json:"undeclared"`
	// Unseen are declared cookies that no visit saw: perhaps the tag is
	// gone and the declaration can shrink, perhaps the scan did not reach
	// the page that sets them.
	Unseen []Unseen `json:"unseen"`
	// Diff is nil for a site's first scan.
	Diff *Diff `json:"diff,omitempty"`
}

// Counts are the report's sizes, which a scan's summary keeps.
type Counts struct {
	Pages      int `json:"pages"`
	Cookies    int `json:"cookies"`
	Storage    int `json:"storage"`
	Requests   int `json:"requests"`
	Violations int `json:"violations"`
	Undeclared int `json:"undeclared"`
	Unknown    int `json:"unknown"`
	Unseen     int `json:"unseen"`
}

// Violation is something of a statistics or marketing vendor that ran
// before the visitor chose, or after they rejected.
type Violation struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Vendor     string `json:"vendor"`
	VendorName string `json:"vendor_name,omitempty"`
	Purpose    string `json:"purpose"`
	Phase      Phase  `json:"phase"`
	// Page is the first page where it happened in Phase.
	Page string `json:"page"`
	// Source is what caused it, when that can be told: the request's
	// initiator, or what set the cookie.
	Source string `json:"source,omitempty"`
	// Tag is the markup on the page that loads the vendor, when found.
	Tag string `json:"tag,omitempty"`
	// Fix is what to do: the marked markup to paste instead of Tag, or
	// what to look for when there is no tag to mark.
	Fix string `json:"fix"`
}

// Undeclared is a finding whose vendor the site does not declare: a
// catalogue vendor (Vendor set: declare it by id) or an unknown one
// (declare it as a custom vendor).
type Undeclared struct {
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	Vendor     string   `json:"vendor,omitempty"`
	VendorName string   `json:"vendor_name,omitempty"`
	Purpose    string   `json:"purpose,omitempty"`
	Pages      []string `json:"pages"`
}

// Unseen is a declared cookie that no visit saw.
type Unseen struct {
	Vendor     string `json:"vendor"`
	VendorName string `json:"vendor_name,omitempty"`
	Cookie     string `json:"cookie"`
}

// Diff compares a scan with the site's previous finished one.
type Diff struct {
	Previous string `json:"previous"`
	// Added and Removed are findings as "kind:name", sorted.
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	// NewViolations and Resolved are violations as "kind:name:phase".
	NewViolations []string `json:"new_violations"`
	Resolved      []string `json:"resolved"`
}

// BuildReport reads the classified findings of scan against site, and
// compares them with previous (nil when there is none).
func BuildReport(site consent.Site, s Scan, previous *Scan) *Report {
	c := newClassifier(site)
	r := &Report{Violations: []Violation{}, Undeclared: []Undeclared{}, Unseen: []Unseen{}}
	for _, ck := range s.Cookies {
		r.violations(KindCookie, ck.Name, ck.Seen, ck.Classification, ck.SetBy, "", true)
		r.undeclared(KindCookie, ck.Name, ck.Seen, ck.Classification)
	}
	for _, st := range s.Storage {
		r.violations(KindStorage, st.Name, st.Seen, st.Classification, "", "", true)
		r.undeclared(KindStorage, st.Name, st.Seen, st.Classification)
	}
	for _, rq := range s.Requests {
		r.violations(KindRequest, rq.Host, rq.Seen, rq.Classification, rq.Initiator, rq.Tag, c.heldBySite(rq.URL))
		if !FirstPartyHost(rq.Host, site) {
			r.undeclared(KindRequest, rq.Host, rq.Seen, rq.Classification)
		}
	}
	for _, v := range site.DeclaredVendors() {
		for _, dc := range v.Cookies {
			if !anyCookie(s.Cookies, dc.Name) {
				r.Unseen = append(r.Unseen, Unseen{Vendor: v.ID, VendorName: v.Name, Cookie: dc.Name})
			}
		}
	}
	sort.SliceStable(r.Violations, func(i, j int) bool {
		a, b := r.Violations[i], r.Violations[j]
		if a.Phase != b.Phase {
			return a.Phase == BeforeDecision
		}
		return a.Kind+a.Name < b.Kind+b.Name
	})
	r.Counts = Counts{Pages: len(s.Pages), Cookies: len(s.Cookies), Storage: len(s.Storage), Requests: len(s.Requests),
		Violations: len(r.Violations), Undeclared: len(r.Undeclared), Unseen: len(r.Unseen)}
	for _, u := range r.Undeclared {
		if u.Vendor == "" {
			r.Counts.Unknown++
		}
	}
	if previous != nil {
		r.Diff = diff(*previous, s, r)
	}
	return r
}

// violations adds one violation per phase in which a finding of a
// statistics or marketing vendor appeared without consent. held is false
// for a request the site's banner deliberately lets through (Google's
// tags in advanced Consent Mode).
func (r *Report) violations(kind, name string, seen Seen, cl Classification, source, tag string, held bool) {
	if cl.Purpose != vendors.Statistics && cl.Purpose != vendors.Marketing || !held {
		return
	}
	for _, p := range []Phase{BeforeDecision, AfterReject} {
		if !seen.Has(p) {
			continue
		}
		v := Violation{Kind: kind, Name: name, Vendor: cl.Vendor, VendorName: cl.VendorName, Purpose: cl.Purpose,
			Phase: p, Page: seen.FirstPages[p], Source: source, Tag: tag}
		v.Fix = fixFor(v)
		r.Violations = append(r.Violations, v)
	}
}

func (r *Report) undeclared(kind, name string, seen Seen, cl Classification) {
	if cl.Declared || cl.Purpose == vendors.Necessary {
		return
	}
	r.Undeclared = append(r.Undeclared, Undeclared{Kind: kind, Name: name, Vendor: cl.Vendor,
		VendorName: cl.VendorName, Purpose: cl.Purpose, Pages: seen.Pages})
}

func anyCookie(found []CookieFinding, pattern string) bool {
	for _, f := range found {
		if vendors.NameMatches(pattern, f.Name) {
			return true
		}
	}
	return false
}

// FirstPartyHost reports whether host is one of the site's own.
func FirstPartyHost(host string, site consent.Site) bool {
	return OriginHosts(site)[strings.ToLower(host)]
}

var (
	scriptType = regexp.MustCompile(`(?i)\s+type\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	iframeSrc  = regexp.MustCompile(`(?i)\s+src\s*=`)
)

// fixFor is the marked markup for a violation's tag: a script becomes
// type="text/plain" with data-samtykke naming the purpose, which the
// banner runs once that purpose is granted; an iframe keeps its address in
// data-samtykke-src. Without a tag (a cookie or a request that a script
// makes itself) the fix names what to mark.
func fixFor(v Violation) string {
	mark := `data-samtykke="` + v.Purpose + `"`
	tag := strings.TrimSpace(v.Tag)
	switch {
	case strings.HasPrefix(strings.ToLower(tag), "<script"):
		t := scriptType.ReplaceAllString(tag, "")
		return `<script type="text/plain" ` + mark + t[len("<script"):]
	case strings.HasPrefix(strings.ToLower(tag), "<iframe"):
		t := iframeSrc.ReplaceAllString(tag, " data-samtykke-src=")
		return `<iframe ` + mark + t[len("<iframe"):]
	case v.Source != "":
		return "Mark the tag that loads " + v.Source + " with type=\"text/plain\" " + mark +
			", so that it runs only once " + v.Purpose + " is granted."
	}
	return "Find the tag of " + nameOr(v.VendorName, v.Vendor) + " on " + v.Page +
		" and mark it with type=\"text/plain\" " + mark + "."
}

func nameOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func diff(prev, cur Scan, r *Report) *Diff {
	d := &Diff{Previous: prev.ID, Added: []string{}, Removed: []string{}, NewViolations: []string{}, Resolved: []string{}}
	before, after := findingKeys(prev), findingKeys(cur)
	for k := range after {
		if !before[k] {
			d.Added = append(d.Added, k)
		}
	}
	for k := range before {
		if !after[k] {
			d.Removed = append(d.Removed, k)
		}
	}
	pv, cv := map[string]bool{}, map[string]bool{}
	if prev.Report != nil {
		for _, v := range prev.Report.Violations {
			pv[v.Kind+":"+v.Name+":"+string(v.Phase)] = true
		}
	}
	for _, v := range r.Violations {
		cv[v.Kind+":"+v.Name+":"+string(v.Phase)] = true
	}
	for k := range cv {
		if !pv[k] {
			d.NewViolations = append(d.NewViolations, k)
		}
	}
	for k := range pv {
		if !cv[k] {
			d.Resolved = append(d.Resolved, k)
		}
	}
	for _, l := range [][]string{d.Added, d.Removed, d.NewViolations, d.Resolved} {
		sort.Strings(l)
	}
	return d
}

func findingKeys(s Scan) map[string]bool {
	out := map[string]bool{}
	for _, c := range s.Cookies {
		out[KindCookie+":"+c.Name] = true
	}
	for _, st := range s.Storage {
		out[KindStorage+":"+st.Name] = true
	}
	for _, rq := range s.Requests {
		out[KindRequest+":"+rq.Host] = true
	}
	return out
}

// Reread classifies a finished scan's findings again against the site as
// it is now and rebuilds its report, keeping the diff made when the scan
// finished: a finding declared since shows as declared at once, without
// another scan.
func Reread(site consent.Site, s *Scan) {
	if s.Status != Done || s.Report == nil {
		return
	}
	obs := Observations{Pages: s.Pages, Cookies: s.Cookies, Storage: s.Storage, Requests: s.Requests}
	Classify(site, &obs)
	d := s.Report.Diff
	s.Report = BuildReport(site, *s, nil)
	s.Report.Diff = d
}
