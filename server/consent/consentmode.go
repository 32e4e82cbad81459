package consent

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/samtykke/samtykke/server/vendors"
)

// ConsentMode is how the banner speaks Google Consent Mode v2 on a site.
// The banner's global default is fixed: every type denied but
// security_storage. What the owner sets are defaults for regions, the
// timing and URL switches, Google's developer id slot and basic or
// advanced mode. A site stored before these settings existed has the zero
// value, which means the defaults below.
type ConsentMode struct {
	// Mode is ConsentModeBasic (also when empty: Google's tags wait until
	// the visitor grants a purpose) or ConsentModeAdvanced (Google's tags
	// load before any choice and send cookieless pings while denied).
	Mode ConsentModeKind `json:"mode,omitempty"`
	// Regions are defaults for visitors in the listed regions, each sent
	// as its own gtag('consent','default',{…, region:[…]}) before the
	// global default; Google applies the most specific one.
	Regions []RegionDefault `json:"regions,omitempty"`
	// WaitForUpdate is how many milliseconds Google's tags wait for the
	// banner's update before they fire, 0 to 10000; 500 when left out.
	WaitForUpdate *int `json:"wait_for_update,omitempty"`
	// URLPassthrough passes ad click ids (gclid, …) on through the site's
	// links while storage is denied. Off unless the owner turns it on.
	URLPassthrough bool `json:"url_passthrough,omitempty"`
	// AdsDataRedaction redacts ad click ids in Google's pings while
	// marketing is denied; true when left out.
	AdsDataRedaction *bool `json:"ads_data_redaction,omitempty"`
	// DeveloperID fills Google's developer id slot:
	// gtag('set','developer_id.<id>',true).
	DeveloperID string `json:"developer_id,omitempty"`
}

// ConsentModeKind is basic or advanced Consent Mode.
type ConsentModeKind string

const (
	ConsentModeBasic    ConsentModeKind = "basic"
	ConsentModeAdvanced ConsentModeKind = "advanced"
)

// ConsentState is a Consent Mode value.
type ConsentState string

const (
	Denied  ConsentState = "denied"
	Granted ConsentState = "granted"
)

// RegionDefault is the Consent Mode default for visitors in Region.
type RegionDefault struct {
	// Region lists ISO 3166-1 alpha-2 country codes ("NO") and ISO 3166-2
	// subdivision codes ("US-CA").
	Region            []string     `json:"region"`
	AnalyticsStorage  ConsentState `json:"analytics_storage"`
	AdStorage         ConsentState `json:"ad_storage"`
	AdUserData        ConsentState `json:"ad_user_data"`
	AdPersonalization ConsentState `json:"ad_personalization"`
}

// Consent Mode limits and defaults.
const (
	DefaultWaitForUpdate = 500
	MaxWaitForUpdate     = 10000
	maxRegionDefaults    = 20
	maxRegionCodes       = 300
)

// EEARegions are the 30 countries of the European Economic Area (the EU's
// 27, Iceland, Liechtenstein and Norway) with the United Kingdom and
// Switzerland: the dashboard's preset. Greece is GR in ISO 3166, not EL.
var EEARegions = []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
	"LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GB", "CH"}

// iso3166 holds the officially assigned ISO 3166-1 alpha-2 codes. Google
// has no "EU" or "EEA" shorthand, and the United Kingdom is GB.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

var (
	reRegion      = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)
	reDeveloperID = regexp.MustCompile(`^[A-Za-z0-9]{4,16}$`)
)

// Advanced reports whether Google's tags load before consent.
func (m ConsentMode) Advanced() bool { return m.Mode == ConsentModeAdvanced }

// Wait is WaitForUpdate, or its default.
func (m ConsentMode) Wait() int {
	if m.WaitForUpdate == nil {
		return DefaultWaitForUpdate
	}
	return *m.WaitForUpdate
}

// Redacts is AdsDataRedaction, or its default.
func (m ConsentMode) Redacts() bool { return m.AdsDataRedaction == nil || *m.AdsDataRedaction }

// IsDefault reports whether m is what a site that never set Consent Mode
// has, so that the banner's built-in default applies.
func (m ConsentMode) IsDefault() bool {
	return !m.Advanced() && len(m.Regions) == 0 && m.Wait() == DefaultWaitForUpdate && !m.URLPassthrough &&
		m.Redacts() && m.DeveloperID == ""
}

// normalize fills in the defaults, so that the owner sees every value, and
// writes region codes the one way Google reads them.
func (m *ConsentMode) normalize() {
	if m.Mode == "" {
		m.Mode = ConsentModeBasic
	}
	if m.WaitForUpdate == nil {
		w := DefaultWaitForUpdate
		m.WaitForUpdate = &w
	}
	if m.AdsDataRedaction == nil {
		t := true
		m.AdsDataRedaction = &t
	}
	m.DeveloperID = strings.TrimSpace(m.DeveloperID)
	if len(m.Regions) == 0 {
		m.Regions = nil
	}
	for i := range m.Regions {
		r := &m.Regions[i]
		for j, code := range r.Region {
			r.Region[j] = strings.ToUpper(strings.TrimSpace(code))
		}
		for _, st := range []*ConsentState{&r.AnalyticsStorage, &r.AdStorage, &r.AdUserData, &r.AdPersonalization} {
			if *st == "" {
				*st = Denied
			}
		}
	}
}

func (m ConsentMode) validate(v *validator) {
	const p = "consent_mode."
	if m.Mode != "" && m.Mode != ConsentModeBasic && m.Mode != ConsentModeAdvanced {
		v.add(p+"mode", `must be "basic" (Google's tags wait for consent) or "advanced" (they load before it and send cookieless pings)`)
	}
	if w := m.Wait(); w < 0 || w > MaxWaitForUpdate {
		v.add(p+"wait_for_update", "must be between 0 and "+strconv.Itoa(MaxWaitForUpdate)+" milliseconds")
	}
	if m.DeveloperID != "" && !reDeveloperID.MatchString(m.DeveloperID) {
		v.add(p+"developer_id", "must be the developer id Google issued, 4 to 16 letters and digits such as dZTNiMT, or left out")
	}
	if len(m.Regions) > maxRegionDefaults {
		v.add(p+"regions", "must list at most "+strconv.Itoa(maxRegionDefaults)+" region defaults")
	}
	where := map[string]string{}
	for i, r := range m.Regions {
		f := p + "regions[" + strconv.Itoa(i) + "]"
		if len(r.Region) == 0 {
			v.add(f+".region", "must list at least one region code, such as NO or US-CA")
		}
		if len(r.Region) > maxRegionCodes {
			v.add(f+".region", "must list at most "+strconv.Itoa(maxRegionCodes)+" region codes")
		}
		for j, code := range r.Region {
			fc := f + ".region[" + strconv.Itoa(j) + "]"
			switch {
			case !reRegion.MatchString(code) || !strings.Contains(iso3166, code[:2]):
				v.add(fc, "must be an ISO 3166-1 country code such as NO (GB for the United Kingdom; there is no EU code) or an ISO 3166-2 region such as US-CA")
			case where[code] != "":
				v.add(fc, code+" is already listed in "+where[code])
			default:
				where[code] = f
			}
		}
		for _, st := range []struct {
			name  string
			value ConsentState
		}{{"analytics_storage", r.AnalyticsStorage}, {"ad_storage", r.AdStorage}, {"ad_user_data", r.AdUserData},
			{"ad_personalization", r.AdPersonalization}} {
			if st.value != Denied && st.value != Granted {
				v.add(f+"."+st.name, `must be "denied" or "granted"`)
			}
		}
	}
}

// Vendor ids whose rules Consent Mode settings change.
const vendorGoogleAds = "google_ads"

// googleTagPaths stay held when GTM may load before consent: Google tags
// (gtag.js) with ids the GA4 and Ads rules do not name, which the GTM rule
// otherwise holds as a loader.
const googleTagPaths = "www.googletagmanager.com/gtag/"

// siteRules adapts the rules to the site's Consent Mode: in advanced mode
// Google's tags (GA4, Google Ads, GTM and gtag.js) are not held back, and
// with GTMLoadsBeforeConsent GTM's own gtm.js is not. Their cookies stay
// in the rules, so that a withdrawal still deletes them.
func (s SiteSettings) siteRules(rules []vendors.Rule) []vendors.Rule {
	for i, r := range rules {
		switch {
		case s.ConsentMode.Advanced() &&
			(r.Vendor == VendorGoogleAnalytics || r.Vendor == VendorGoogleTagManager || r.Vendor == vendorGoogleAds) && !r.Embed:
			rules[i].Hosts = []string{}
		case s.GTMLoadsBeforeConsent && r.Vendor == VendorGoogleTagManager && !r.Embed:
			rules[i].Hosts = []string{googleTagPaths}
		}
	}
	return rules
}

// ScriptPrelude is what samtykke.js needs of a site before its config
// arrives, set in front of the bundle: the rules of what to hold back, and
// the site's Consent Mode, which the banner's first dataLayer entries
// follow.
type ScriptPrelude struct {
	Rules []vendors.Rule
	// ConsentMode is nil when the banner's built-in default applies.
	ConsentMode *ConsentMode
}

// ScriptPrelude returns the site's prelude, and false when it is the
// catalogue's, the one every site without its own vendors or Consent Mode
// settings (and every tag without ?site=) is served.
func (s SiteSettings) ScriptPrelude() (ScriptPrelude, bool) {
	own := len(s.CustomVendors()) > 0 || s.ConsentMode.Advanced() || s.GTMLoadsBeforeConsent
	p := ScriptPrelude{Rules: s.Rules()}
	if m := s.ConsentMode; !m.IsDefault() {
		// The defaults written out, without changing the site's own copy.
		w, r := m.Wait(), m.Redacts()
		m.WaitForUpdate, m.AdsDataRedaction = &w, &r
		if m.Mode == "" {
			m.Mode = ConsentModeBasic
		}
		p.ConsentMode, own = &m, true
	}
	return p, own
}
