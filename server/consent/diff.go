package consent

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Material and minor changes (EDPB guidelines 05/2020 on consent): a visitor
// must be asked again when what they agreed to changes in substance, not
// when a typo is fixed. Changes compares two Shown field by field; a change
// is material when it widens what the visitor is asked to agree to: a
// vendor (with its purpose) or a cookie added, a cookie kept longer or
// given to a third party, a purpose renamed or described anew, the choice
// kept longer, an integration added or pointed at another account, or GPC
// handled otherwise. Removals and other texts are minor: whoever agreed to
// more agreed to less.

// Change is one difference between two versions, under a dotted path such
// as texts.nb.banner.title or purposes.marketing.vendors.meta-pixel.
type Change struct {
	Field string `json:"field"`
	// From and To are the values shown, "" when absent.
	From     string `json:"from"`
	To       string `json:"to"`
	Material bool   `json:"material"`
}

// VersionDiff is what changed from one version to another.
type VersionDiff struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Material: visitors who decided under From are asked again.
	Material bool     `json:"material"`
	Changes  []Change `json:"changes"`
}

// Diff lists what changed from a to b, sorted by field.
func Diff(a, b Shown) VersionDiff {
	fa, fb := a.flatten(), b.flatten()
	d := VersionDiff{From: a.Version(), To: b.Version(), Changes: []Change{}}
	fields := map[string]bool{}
	for k := range fa {
		fields[k] = true
	}
	for k := range fb {
		fields[k] = true
	}
	for f := range fields {
		from, to := fa[f], fb[f]
		if from == to {
			continue
		}
		c := Change{Field: f, From: from, To: to, Material: material(f, from, to)}
		d.Material = d.Material || c.Material
		d.Changes = append(d.Changes, c)
	}
	sort.Slice(d.Changes, func(i, j int) bool { return d.Changes[i].Field < d.Changes[j].Field })
	return d
}

// Summary is a one-line account of the changes, for the audit log.
func (d VersionDiff) Summary() string {
	if len(d.Changes) == 0 {
		return "nothing shown changed"
	}
	names := make([]string, 0, 6)
	for i, c := range d.Changes {
		if i == 5 {
			names = append(names, "and "+strconv.Itoa(len(d.Changes)-5)+" more")
			break
		}
		names = append(names, c.Field)
	}
	kind := "minor"
	if d.Material {
		kind = "material"
	}
	return kind + ": " + strings.Join(names, ", ")
}

// flatten gives each thing shown its own path. Vendors and cookies are taken
// from the English listing: which vendors and cookies there are does not
// depend on the language, only their descriptions do.
func (sh Shown) flatten() map[string]string {
	out := map[string]string{
		"owner":                    sh.Owner,
		"privacy_policy_url":       sh.PrivacyPolicyURL,
		"consent_lifetime_days":    strconv.Itoa(sh.ConsentLifetimeDays),
		"gpc_handling":             string(sh.GPCHandling),
		"consent_mode":             compact(sh.ConsentMode),
		"gtm_loads_before_consent": strconv.FormatBool(sh.GTMLoadsBeforeConsent),
	}
	for _, id := range sh.Integrations.ids() {
		out["integrations."+id] = compact(sh.Integrations.of(id))
	}
	for lang, t := range sh.Texts {
		if sh.GPCHandling != GPCRejectAll {
			t = withoutGPCNotice(t)
		}
		for k, v := range t {
			out["texts."+lang+"."+k] = v
		}
	}
	for _, p := range sh.Purposes["en"] {
		for _, v := range p.Vendors {
			base := "purposes." + string(p.ID) + ".vendors." + v.ID
			out[base] = v.Name + " (" + v.Provider + ")"
			for _, c := range v.Cookies {
				out[base+".cookies."+c.Name] = string(c.Party) + " party, " + strconv.Itoa(c.DurationMinutes) + " min"
			}
		}
	}
	return out
}

func (in Integrations) of(id string) any {
	switch id {
	case VendorGoogleAnalytics:
		return in.GoogleAnalytics
	case VendorGoogleTagManager:
		return in.GoogleTagManager
	case VendorHotjar:
		return in.Hotjar
	case VendorMetaPixel:
		return in.MetaPixel
	case VendorHubSpot:
		return in.HubSpot
	}
	return nil
}

func compact(v any) string {
	b, _ := json.Marshal(v) // plain data
	return string(b)
}

func material(field, from, to string) bool {
	switch {
	case strings.HasPrefix(field, "purposes."):
		if to == "" {
			return false // a vendor or cookie removed
		}
		if from == "" || !strings.Contains(field, ".cookies.") {
			return true // added, or the vendor's name or provider changed
		}
		return cookieWidened(from, to)
	case strings.HasPrefix(field, "integrations."):
		return to != ""
	case field == "consent_lifetime_days":
		f, _ := strconv.Atoi(from)
		t, _ := strconv.Atoi(to)
		return t > f
	case field == "gpc_handling":
		return true
	case strings.HasPrefix(field, "texts."):
		// texts.<lang>.purpose.<id>.name|description: what a purpose means.
		parts := strings.SplitN(field, ".", 3)
		return len(parts) == 3 && strings.HasPrefix(parts[2], "purpose.") && to != ""
	}
	return false
}

// cookieWidened: a cookie now kept longer, or now readable by a third party.
func cookieWidened(from, to string) bool {
	party := func(s string) string { p, _, _ := strings.Cut(s, " "); return p }
	minutes := func(s string) int {
		_, rest, _ := strings.Cut(s, ", ")
		n, _ := strconv.Atoi(strings.TrimSuffix(rest, " min"))
		return n
	}
	if party(from) != party(to) && party(to) == string(ThirdParty) {
		return true
	}
	return minutes(to) > minutes(from)
}
