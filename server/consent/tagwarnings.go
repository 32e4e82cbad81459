package consent

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samtykke/samtykke/server/vendors"
)

// Tag warnings tell a site's owner about tracker tags pasted in a way the
// banner cannot fully hold back: Chromium's preload scanner fetches a
// pasted <script src> or <img> before any script runs, and a <noscript>
// pixel fires for visitors whom no banner can ask. The snippet reports what
// it saw (vendor, kind of tag, the marked markup to paste instead, and the
// page's path: nothing about the visitor), and the dashboard lists them as
// "Tags to fix".

// TagKind says how a tag was pasted.
type TagKind string

const (
	// TagScript is a <script src> that was fetched before consent.
	TagScript TagKind = "script"
	// TagPixel is an <img> pixel in the page's HTML.
	TagPixel TagKind = "pixel"
	// TagIframe is an <iframe> that loaded before consent.
	TagIframe TagKind = "iframe"
	// TagNoscript is a pixel inside <noscript>, which fires for visitors
	// without JavaScript; the fix is to remove it.
	TagNoscript TagKind = "noscript"
	// TagInline is an inline loader of a vendor the site does not declare:
	// it is held back, but the banner cannot list a vendor it is not told
	// about; the fix is to declare the vendor.
	TagInline TagKind = "inline"
)

// TagKinds lists every kind of tag.
var TagKinds = []TagKind{TagScript, TagPixel, TagIframe, TagNoscript, TagInline}

func (k TagKind) valid() bool {
	for _, x := range TagKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Bounds of tag warnings. A report is one page view's worth; what is stored
// per site is bounded so that a site with a badly pasted tag on every page,
// or a client that makes up tags, costs a fixed amount of space.
const (
	MaxTagsPerReport  = 20
	MaxTagMarkupChars = 2000
	MaxTagPagePath    = 512
	// MaxTagWarnings is how many distinct (vendor, kind, markup) entries a
	// site keeps. A new entry beyond it is dropped, never one the owner
	// has not seen yet evicted for it.
	MaxTagWarnings = 100
	// MaxTagWarningPages is how many of the most recent distinct page
	// paths an entry keeps.
	MaxTagWarningPages = 10
)

// TagWarning is one tag a snippet reported.
type TagWarning struct {
	// Vendor is a catalogue id or one of the site's custom vendor ids.
	Vendor string  `json:"vendor"`
	Kind   TagKind `json:"kind"`
	// Markup is the marked form of the tag to paste instead; empty when the
	// fix is to remove the tag (noscript) or to declare the vendor (inline).
	Markup string `json:"markup"`
}

// Key identifies a tag warning within its site: stores keep one entry per
// distinct vendor, kind and markup under it. It is a hash, so that a key
// stays short however long the markup; each part is hashed after its
// length, so that no two tags' parts run together into the same input.
func (w TagWarning) Key() string {
	h := sha256.New()
	for _, part := range []string{w.Vendor, string(w.Kind), w.Markup} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// TagWarningReport is one snippet's report: the tags it saw on one page.
type TagWarningReport struct {
	SiteID        string
	ConfigVersion string
	// PagePath is the page's path, without query or fragment.
	PagePath string
	// Tags are distinct: a tag listed twice in a report counts once.
	Tags []TagWarning
	At   time.Time
}

// StoredTagWarning is one entry of a site's tag warnings as a store keeps
// it. Times are UTC, to the millisecond.
type StoredTagWarning struct {
	TagWarning
	// Pages are the most recent distinct page paths the tag was reported
	// on, most recent first, at most MaxTagWarningPages.
	Pages []string `json:"pages"`
	// Count is how many reports (page views) named the tag.
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// SortTagWarnings orders entries most recently seen first; entries seen at
// the same moment by first sighting, newest first, then by vendor, kind and
// markup, so that every store lists them in one order.
func SortTagWarnings(ws []StoredTagWarning) {
	sort.Slice(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		switch {
		case !a.LastSeen.Equal(b.LastSeen):
			return a.LastSeen.After(b.LastSeen)
		case !a.FirstSeen.Equal(b.FirstSeen):
			return a.FirstSeen.After(b.FirstSeen)
		case a.Vendor != b.Vendor:
			return a.Vendor < b.Vendor
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		}
		return a.Markup < b.Markup
	})
}

// TagWarningTime is how a store keeps a tag warning's times: UTC, to the
// millisecond, as the Redis store can hold them.
func TagWarningTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

type tagWarningInput struct {
	ConfigVersion *string          `json:"config_version"`
	PagePath      *string          `json:"page_path"`
	Tags          *[]tagInputEntry `json:"tags"`
}

type tagInputEntry struct {
	Vendor *string `json:"vendor"`
	Kind   *string `json:"kind"`
	Markup *string `json:"markup"`
}

// ParseTagWarnings decodes a snippet's report of tags to fix and checks it
// against the site. Unknown fields are ignored, as for receipts: snippets
// cached in browsers may be newer or older than the server.
//
// A page_path with a query string or fragment is refused rather than cut:
// the snippet sends location.pathname, which has neither, so one that does
// comes from another client, and storing something else than it sent would
// hide that from whoever wrote it. Queries are also where personal data
// hides (e-mail addresses, tokens), which tag warnings must not hold.
func ParseTagWarnings(body []byte, site Site, req Request) (TagWarningReport, error) {
	var in tagWarningInput
	if err := DecodeJSON(body, &in, false); err != nil {
		return TagWarningReport{}, err
	}
	v := &validator{}
	r := TagWarningReport{SiteID: site.ID, At: req.Now.UTC()}
	if in.ConfigVersion == nil || *in.ConfigVersion == "" {
		v.add("config_version", "is required")
	} else if r.ConfigVersion = *in.ConfigVersion; !site.KnowsVersion(r.ConfigVersion) {
		v.add("config_version", "is not a config version this site has ever had")
		v.cause = ErrUnknownConfigVersion
	}
	if in.PagePath == nil || *in.PagePath == "" {
		v.add("page_path", "is required")
	} else {
		r.PagePath = *in.PagePath
		if msg := checkPagePath(r.PagePath); msg != "" {
			v.add("page_path", msg)
		}
	}
	switch {
	case in.Tags == nil:
		v.add("tags", "is required")
	case len(*in.Tags) == 0:
		v.add("tags", "must list at least one tag")
	case len(*in.Tags) > MaxTagsPerReport:
		v.add("tags", "must list at most "+strconv.Itoa(MaxTagsPerReport)+" tags")
	default:
		custom := site.customVendorIDs()
		seen := map[TagWarning]bool{}
		for i, t := range *in.Tags {
			w, ok := parseTag(v, "tags["+strconv.Itoa(i)+"]", t, custom)
			if ok && !seen[w] {
				seen[w] = true
				r.Tags = append(r.Tags, w)
			}
		}
	}
	return r, v.err()
}

func parseTag(v *validator, field string, in tagInputEntry, custom map[string]bool) (TagWarning, bool) {
	var w TagWarning
	n := len(v.errs)
	if in.Vendor == nil || *in.Vendor == "" {
		v.add(field+".vendor", "is required")
	} else if w.Vendor = *in.Vendor; !knownTagVendor(w.Vendor, custom) {
		v.add(field+".vendor", "is neither a vendor in the catalogue nor one this site declares")
	}
	if in.Kind == nil || *in.Kind == "" {
		v.add(field+".kind", "is required")
	} else if w.Kind = TagKind(*in.Kind); !w.Kind.valid() {
		v.add(field+".kind", "must be one of script, pixel, iframe, noscript, inline")
	}
	if in.Markup != nil {
		w.Markup = *in.Markup
		if utf8.RuneCountInString(w.Markup) > MaxTagMarkupChars {
			v.add(field+".markup", "must be at most "+strconv.Itoa(MaxTagMarkupChars)+" characters long")
		}
	}
	return w, len(v.errs) == n
}

// checkPagePath returns what is wrong with a page path, or "".
func checkPagePath(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return `must be a path starting with "/", such as /shop`
	case len(p) > MaxTagPagePath:
		return "must be at most " + strconv.Itoa(MaxTagPagePath) + " bytes long"
	case strings.ContainsAny(p, "?#"):
		return "must be the path only, without a query string or fragment"
	case strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return "must not contain control characters"
	}
	return ""
}

func knownTagVendor(id string, custom map[string]bool) bool {
	if _, ok := vendors.Lookup(id); ok {
		return true
	}
	return custom[id]
}

// customVendorIDs are the ids of the site's own vendors.
func (s SiteSettings) customVendorIDs() map[string]bool {
	out := map[string]bool{}
	for _, sv := range s.Vendors {
		if !sv.builtIn() {
			out[sv.ID] = true
		}
	}
	return out
}

// TagWarningList is what the admin API and the dashboard answer for a
// site's tag warnings.
type TagWarningList struct {
	TagWarnings []TagWarningView `json:"tag_warnings"`
}

// TagWarningView is one stored tag warning as its site's owner sees it.
type TagWarningView struct {
	Vendor string `json:"vendor"`
	// VendorName is the catalogue's name of the vendor, or the name the
	// site gave its custom vendor; the id when the site no longer declares
	// that custom vendor.
	VendorName string    `json:"vendor_name"`
	Kind       TagKind   `json:"kind"`
	Markup     string    `json:"markup"`
	Pages      []string  `json:"pages"`
	Count      int64     `json:"count"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	// Declared: the banner lists the vendor (through an integration, a
	// declared built-in vendor or a custom one). When false, the fix
	// includes declaring it.
	Declared bool `json:"declared"`
}

// SiteTagWarnings reads the site's tag warnings from st and describes them
// for its owner: what the admin API and the dashboard both answer.
func SiteTagWarnings(ctx context.Context, st Store, site Site) (TagWarningList, error) {
	stored, err := st.TagWarnings(ctx, site.ID)
	if err != nil {
		return TagWarningList{}, err
	}
	return site.ListTagWarnings(stored), nil
}

// ListTagWarnings describes stored tag warnings for the site's owner, most
// recently seen first.
func (s SiteSettings) ListTagWarnings(stored []StoredTagWarning) TagWarningList {
	names := map[string]string{}
	for _, d := range s.declaredVendors() {
		names[d.ID] = d.Name
	}
	ws := append([]StoredTagWarning(nil), stored...)
	SortTagWarnings(ws)
	out := TagWarningList{TagWarnings: make([]TagWarningView, 0, len(ws))}
	for _, w := range ws {
		name, declared := names[w.Vendor]
		if !declared {
			name = w.Vendor
			if v, ok := vendors.Lookup(w.Vendor); ok {
				name = v.Name
			}
		}
		pages := w.Pages
		if pages == nil {
			pages = []string{}
		}
		out.TagWarnings = append(out.TagWarnings, TagWarningView{
			Vendor: w.Vendor, VendorName: name, Kind: w.Kind, Markup: w.Markup, Pages: pages,
			Count: w.Count, FirstSeen: w.FirstSeen, LastSeen: w.LastSeen, Declared: declared,
		})
	}
	return out
}
