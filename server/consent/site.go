package consent

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samtykke/samtykke/server/vendors"
)

// Consent lifetime and receipt retention bounds. 182 days follows the CNIL's
// six months, the common Nordic reading; 365 is the longest any EU regulator
// accepts. Five years of receipts matches Cookie Information's log retention.
const (
	DefaultLifetimeDays  = 182
	MaxLifetimeDays      = 365
	DefaultRetentionDays = 5*365 + 1
	MinRetentionDays     = 30
	MaxRetentionDays     = 10*365 + 2
)

// Site is one website that embeds the banner.
type Site struct {
	ID string `json:"id"`
	SiteSettings
	// ConfigVersion is a content hash of everything the visitor is shown;
	// receipts name it so that each one can be tied to what was on screen.
	ConfigVersion string `json:"config_version"`
	// ConfigHistory lists every version this site has had, oldest first.
	ConfigHistory []ConfigRevision `json:"config_history"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// ConfigRevision records when a config version came into force.
type ConfigRevision struct {
	Version string    `json:"version"`
	Since   time.Time `json:"since"`
	// Minor: the change to this version did not ask visitors again, so
	// decisions under the version before it still hold (AcceptedVersions).
	Minor bool `json:"minor,omitempty"`
}

// SiteSettings is what a site owner sets; the rest of Site is derived.
type SiteSettings struct {
	Name                string           `json:"name"`
	Origins             []string         `json:"origins"`
	DefaultLanguage     string           `json:"default_language"`
	PrivacyPolicyURL    string           `json:"privacy_policy_url"`
	ConsentLifetimeDays int              `json:"consent_lifetime_days"`
	RetentionDays       int              `json:"retention_days"`
	Integrations        Integrations     `json:"integrations"`
	Texts               map[string]Texts `json:"texts,omitempty"`
	// GPCHandling says what the banner does for a visitor whose browser
	// sends Global Privacy Control and who has not chosen yet: GPCBanner
	// (also when empty) shows the banner as to everyone else, and the
	// receipt records the signal; GPCRejectAll applies "Reject all" at once,
	// records it as a receipt with action gpc and shows a small notice
	// instead of the banner, from which the visitor can change it.
	GPCHandling GPCHandling `json:"gpc_handling,omitempty"`
	// Vendors are the vendors the site runs besides its Integrations, whose
	// tags the owner pasted: built-in ones by id, and the owner's own.
	// Sites stored before vendors could be declared have none.
	Vendors []SiteVendor `json:"vendors,omitempty"`
	// ConsentMode is how the banner speaks Google Consent Mode v2 (see
	// ConsentMode); sites stored before it existed get its defaults.
	ConsentMode ConsentMode `json:"consent_mode"`
	// GTMLoadsBeforeConsent lets Google Tag Manager's own gtm.js load before
	// the visitor chooses, for sites that install Samtykke through the GTM
	// template, where the container enforces Consent Mode itself. The tags
	// in the container still follow Consent Mode and the other rules. Off,
	// gtm.js waits until either purpose is granted.
	GTMLoadsBeforeConsent bool `json:"gtm_loads_before_consent,omitempty"`
}

// GPCHandling is a site's answer to the Global Privacy Control signal.
type GPCHandling string

const (
	GPCBanner    GPCHandling = "banner"
	GPCRejectAll GPCHandling = "reject_all"
)

// RejectsOnGPC reports whether the site applies GPC as "Reject all".
func (s SiteSettings) RejectsOnGPC() bool { return s.GPCHandling == GPCRejectAll }

// Integrations holds the vendor tags the snippet loads itself once their
// purpose is granted. A nil entry means the vendor is not used.
type Integrations struct {
	GoogleAnalytics  *GoogleAnalytics  `json:"google_analytics,omitempty"`
	GoogleTagManager *GoogleTagManager `json:"google_tag_manager,omitempty"`
	Hotjar           *Hotjar           `json:"hotjar,omitempty"`
	MetaPixel        *MetaPixel        `json:"meta_pixel,omitempty"`
	HubSpot          *HubSpot          `json:"hubspot,omitempty"`
}

type GoogleAnalytics struct {
	MeasurementID string `json:"measurement_id"`
	// CookieExpiresDays shortens the _ga cookies' lifetime (gtag's
	// cookie_expires), 1 to 730 days; left out, Google's 730 days apply.
	CookieExpiresDays int `json:"cookie_expires_days,omitempty"`
}

// MaxGACookieDays is Google's default lifetime of the _ga cookies, and the
// longest a site may set.
const MaxGACookieDays = 730

// withLifetime is GA's catalogue entry with the _ga cookies lasting as
// long as this site sets them to, as the declaration must show the
// lifetime that is really set.
func (g *GoogleAnalytics) withLifetime(v vendors.Vendor) vendors.Vendor {
	if g == nil || g.CookieExpiresDays == 0 {
		return v
	}
	for i, c := range v.Cookies {
		if c.Name == "_ga" || c.Name == "_ga_*" {
			v.Cookies[i].DurationMinutes = g.CookieExpiresDays * minutesPerDay
		}
	}
	return v
}

type GoogleTagManager struct {
	ContainerID string `json:"container_id"`
}

type Hotjar struct {
	SiteID int64 `json:"site_id"`
}

type MetaPixel struct {
	PixelID string `json:"pixel_id"`
}

type HubSpot struct {
	PortalID string `json:"portal_id"`
	// Region is "eu1" for portals hosted in HubSpot's EU data centre, whose
	// loader lives on js-eu1.hs-scripts.com; empty otherwise.
	Region string `json:"region,omitempty"`
}

// Vendor id formats, as the vendors issue them.
var (
	reGA4       = regexp.MustCompile(`^G-[A-Z0-9]{4,12}$`)
	reGTM       = regexp.MustCompile(`^GTM-[A-Z0-9]{4,10}$`)
	rePixel     = regexp.MustCompile(`^[0-9]{10,20}$`)
	rePortal    = regexp.MustCompile(`^[0-9]{1,12}$`)
	reLabel     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	maxHotjarID = int64(1_000_000_000_000)
)

// Normalize fills defaults the owner left out.
func (s *SiteSettings) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	if s.DefaultLanguage == "" {
		s.DefaultLanguage = "en"
	}
	if s.ConsentLifetimeDays == 0 {
		s.ConsentLifetimeDays = DefaultLifetimeDays
	}
	if s.RetentionDays == 0 {
		s.RetentionDays = DefaultRetentionDays
	}
	for i, o := range s.Origins {
		s.Origins[i] = strings.TrimSuffix(strings.TrimSpace(o), "/")
	}
	if len(s.Vendors) == 0 {
		s.Vendors = nil
	}
	for i := range s.Vendors {
		s.Vendors[i].normalize()
	}
	s.ConsentMode.normalize()
}

// Validate checks every field and reports all problems at once.
func (s SiteSettings) Validate() error {
	v := &validator{}
	if v.required("name", s.Name) {
		v.maxLen("name", s.Name, 200)
	}
	if len(s.Origins) == 0 {
		v.add("origins", "must list at least one origin, such as https://www.example.com")
	}
	if len(s.Origins) > 50 {
		v.add("origins", "must list at most 50 origins")
	}
	seen := map[string]bool{}
	for i, o := range s.Origins {
		field := "origins[" + strconv.Itoa(i) + "]"
		if msg := checkOrigin(o); msg != "" {
			v.add(field, msg)
		} else if seen[o] {
			v.add(field, "is listed twice")
		}
		seen[o] = true
	}
	if !SupportedLanguage(s.DefaultLanguage) {
		v.add("default_language", "must be one of "+strings.Join(Languages, ", "))
	}
	if v.required("privacy_policy_url", s.PrivacyPolicyURL) {
		if u, err := url.Parse(s.PrivacyPolicyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.add("privacy_policy_url", "must be an absolute http(s) URL")
		}
		v.maxLen("privacy_policy_url", s.PrivacyPolicyURL, 2048)
	}
	if s.ConsentLifetimeDays < 1 || s.ConsentLifetimeDays > MaxLifetimeDays {
		v.add("consent_lifetime_days", "must be between 1 and "+strconv.Itoa(MaxLifetimeDays))
	}
	if s.RetentionDays < MinRetentionDays || s.RetentionDays > MaxRetentionDays {
		v.add("retention_days", "must be between "+strconv.Itoa(MinRetentionDays)+" and "+strconv.Itoa(MaxRetentionDays))
	}
	if h := s.GPCHandling; h != "" && h != GPCBanner && h != GPCRejectAll {
		v.add("gpc_handling", `must be "banner" (show the banner) or "reject_all" (apply Reject all and show a notice), or left out`)
	}
	s.Integrations.validate(v)
	s.validateVendors(v)
	s.ConsentMode.validate(v)
	for lang, texts := range s.Texts {
		if !SupportedLanguage(lang) {
			v.add("texts."+lang, "is not a supported language; use one of "+strings.Join(Languages, ", "))
			continue
		}
		for k, t := range texts {
			field := "texts." + lang + "." + k
			if !knownTextKey(k) {
				v.add(field, "is not a known text key")
				continue
			}
			if v.required(field, t) {
				v.maxLen(field, t, 2000)
			}
		}
	}
	return v.err()
}

// checkOrigin returns what is wrong with an origin, or "".
func checkOrigin(o string) string {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return "must be an origin such as https://www.example.com"
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "must start with https:// or http://"
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return "must be scheme://host[:port] only, without a path, query or fragment"
	}
	// Browsers send the scheme and host in lower case, so anything else
	// could never match.
	if o != strings.ToLower(o) {
		return "must be written in lower case"
	}
	host := u.Hostname()
	for _, label := range strings.Split(host, ".") {
		if !reLabel.MatchString(label) {
			return "has an invalid host name"
		}
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		// Browsers write the port in plain decimal, and not at all when it
		// is empty.
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
			return "has an invalid port"
		}
	}
	return ""
}

func (in Integrations) validate(v *validator) {
	const p = "integrations."
	if g := in.GoogleAnalytics; g != nil && !reGA4.MatchString(g.MeasurementID) {
		v.add(p+"google_analytics.measurement_id", "must be a GA4 measurement id such as G-ABC123XYZ")
	}
	if g := in.GoogleAnalytics; g != nil && (g.CookieExpiresDays < 0 || g.CookieExpiresDays > MaxGACookieDays) {
		v.add(p+"google_analytics.cookie_expires_days", "must be between 1 and "+strconv.Itoa(MaxGACookieDays)+" days, or left out for Google's "+strconv.Itoa(MaxGACookieDays))
	}
	if g := in.GoogleTagManager; g != nil && !reGTM.MatchString(g.ContainerID) {
		v.add(p+"google_tag_manager.container_id", "must be a GTM container id such as GTM-ABC1234")
	}
	if h := in.Hotjar; h != nil && (h.SiteID < 1 || h.SiteID >= maxHotjarID) {
		v.add(p+"hotjar.site_id", "must be a Hotjar site id, a positive whole number such as 1234567")
	}
	if m := in.MetaPixel; m != nil && !rePixel.MatchString(m.PixelID) {
		v.add(p+"meta_pixel.pixel_id", "must be a Meta pixel id of 10 to 20 digits")
	}
	if h := in.HubSpot; h != nil {
		if !rePortal.MatchString(h.PortalID) {
			v.add(p+"hubspot.portal_id", "must be a HubSpot portal (Hub) id of digits only, such as 1234567")
		}
		if h.Region != "" && h.Region != "eu1" {
			v.add(p+"hubspot.region", `must be "eu1" or left out`)
		}
	}
}

// ids returns the catalogue ids of the integrations that are set, in a
// fixed order.
func (in Integrations) ids() []string {
	var out []string
	for _, x := range []struct {
		set bool
		id  string
	}{
		{in.GoogleAnalytics != nil, VendorGoogleAnalytics},
		{in.GoogleTagManager != nil, VendorGoogleTagManager},
		{in.Hotjar != nil, VendorHotjar},
		{in.MetaPixel != nil, VendorMetaPixel},
		{in.HubSpot != nil, VendorHubSpot},
	} {
		if x.set {
			out = append(out, x.id)
		}
	}
	return out
}

// Texts returns the wording shown in lang: the defaults with the site's
// overrides on top.
func (s SiteSettings) TextsFor(lang string) Texts {
	t := DefaultTexts(lang)
	for k, v := range s.Texts[lang] {
		t[k] = v
	}
	return t
}

// BannerConfig is everything the snippet needs to show the banner in one
// language and to load the vendors the visitor allows.
type BannerConfig struct {
	SiteID              string          `json:"site_id"`
	ConfigVersion       string          `json:"config_version"`
	Language            string          `json:"language"`
	Languages           []string        `json:"languages"`
	ConsentLifetimeDays int             `json:"consent_lifetime_days"`
	PrivacyPolicyURL    string          `json:"privacy_policy_url"`
	Purposes            []PurposeConfig `json:"purposes"`
	Integrations        Integrations    `json:"integrations"`
	Texts               Texts           `json:"texts"`
	// GPCRejectAll: a visitor whose browser sends Global Privacy Control
	// and who has not chosen yet gets "Reject all" and a notice, not the
	// banner. The notice's wording is texts["gpc.notice"].
	GPCRejectAll bool `json:"gpc_reject_all,omitempty"`
	// GPC: the request for this config carried Sec-GPC: 1. Set per request
	// by the HTTP layer, next to navigator.globalPrivacyControl.
	GPC bool `json:"gpc,omitempty"`
	// Rules are what the snippet holds back until consent and purges on
	// withdrawal: the catalogue's and the site's custom vendors'.
	Rules []vendors.Rule `json:"rules"`
	// AcceptedVersions are earlier config versions whose decisions still
	// hold: the changes since them were minor, so the banner does not ask
	// a visitor who decided under one of them again.
	AcceptedVersions []string `json:"accepted_versions,omitempty"`
}

// PurposeConfig is one purpose as the banner shows it.
type PurposeConfig struct {
	ID          Purpose  `json:"id"`
	Required    bool     `json:"required"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Vendors     []Vendor `json:"vendors"`
}

// BannerConfig builds what the snippet receives for lang, which must be a
// supported language.
func (s Site) BannerConfig(lang string) BannerConfig {
	texts := s.TextsFor(lang)
	return BannerConfig{
		SiteID:              s.ID,
		ConfigVersion:       s.ConfigVersion,
		Language:            lang,
		Languages:           Languages,
		ConsentLifetimeDays: s.ConsentLifetimeDays,
		PrivacyPolicyURL:    s.PrivacyPolicyURL,
		Purposes:            s.purposes(texts, lang),
		Integrations:        s.Integrations,
		Texts:               texts,
		GPCRejectAll:        s.RejectsOnGPC(),
		Rules:               s.Rules(),
		AcceptedVersions:    s.AcceptedVersions(),
	}
}

// Declaration is the cookie declaration for a site's privacy policy page:
// every purpose with its vendors and their cookies, in one language.
type Declaration struct {
	SiteID              string          `json:"site_id"`
	Language            string          `json:"language"`
	ConfigVersion       string          `json:"config_version"`
	ConsentLifetimeDays int             `json:"consent_lifetime_days"`
	PrivacyPolicyURL    string          `json:"privacy_policy_url"`
	Purposes            []PurposeConfig `json:"purposes"`
}

// Declaration builds the declaration in lang, which must be a supported
// language. It lists what the banner lists, in the same words.
func (s Site) Declaration(lang string) Declaration {
	return Declaration{
		SiteID:              s.ID,
		Language:            lang,
		ConfigVersion:       s.ConfigVersion,
		ConsentLifetimeDays: s.ConsentLifetimeDays,
		PrivacyPolicyURL:    s.PrivacyPolicyURL,
		Purposes:            s.purposes(s.TextsFor(lang), lang),
	}
}

// purposes lists each purpose with its vendors in lang: Samtykke under
// necessary, then every vendor the site declares under each purpose it
// serves.
func (s SiteSettings) purposes(texts Texts, lang string) []PurposeConfig {
	all := append([]declared{s.samtykkeVendor()}, s.declaredVendors()...)
	out := make([]PurposeConfig, 0, len(Purposes))
	for _, p := range Purposes {
		pc := PurposeConfig{
			ID:          p,
			Required:    p == Necessary,
			Name:        texts["purpose."+string(p)+".name"],
			Description: texts["purpose."+string(p)+".description"],
			Vendors:     []Vendor{},
		}
		for _, d := range all {
			for _, vp := range d.Purposes {
				if vp == string(p) {
					pc.Vendors = append(pc.Vendors, d.listed(lang))
				}
			}
		}
		out = append(out, pc)
	}
	return out
}

// ComputeConfigVersion is the version of s as this binary shows it (see
// Shown.Version): purposes, vendors with their cookies in every language,
// texts, the policy link, the lifetime of a choice, and the GPC, Consent Mode
// and integration settings. Origins, retention and the default language
// change nothing on screen, so they are left out.
func (s SiteSettings) ComputeConfigVersion() string {
	return s.ShownBy(nil).Version()
}

// Apply sets new settings on the site, recomputing its config version and
// adding to the history when the version changes. The write path of sites
// (httpapi.SiteWriter) uses ApplyVersion with the stored snapshots instead.
func (s *Site) Apply(settings SiteSettings, now time.Time) {
	s.ApplyVersion(settings, settings.ComputeConfigVersion(), false, now)
}

// KnowsVersion reports whether the site has ever shown config version v.
func (s Site) KnowsVersion(v string) bool {
	for _, r := range s.ConfigHistory {
		if r.Version == v {
			return true
		}
	}
	return false
}

// AllowsOrigin reports whether origin is one of the site's origins.
func (s Site) AllowsOrigin(origin string) bool {
	for _, o := range s.Origins {
		if o == origin {
			return true
		}
	}
	return false
}

// SortSites orders sites by name, then id, for stable listings.
func SortSites(sites []Site) {
	sort.Slice(sites, func(i, j int) bool {
		if sites[i].Name != sites[j].Name {
			return sites[i].Name < sites[j].Name
		}
		return sites[i].ID < sites[j].ID
	})
}
