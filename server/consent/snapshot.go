package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// What a visitor was shown (GDPR Art. 7(1): the controller must be able to
// show what the person consented to). Each config version of a site is an
// immutable Snapshot, stored once per version and never overwritten, so a
// receipt's config_version leads to the exact words it was given under,
// however the site or the binary's built-in texts change afterwards.
//
// The version is the hash of the snapshot's Shown alone. The texts in Shown
// are already resolved (the owner's overrides on the built-in wording of the
// binary that saved them), so a later release with other built-in texts
// changes neither the stored words nor the version: replicas of two releases
// in a rolling upgrade serve the same stored snapshot.

// Shown is everything a visitor of a site can be shown, resolved: texts in
// every language as displayed, purposes with their vendors and cookies as
// the catalogue listed them when the version was saved, the policy link,
// how long a choice is kept, and the settings that change what the banner
// does (GPC, Consent Mode, integrations).
type Shown struct {
	// Owner is the site's name: Samtykke's own cookie names it as provider.
	Owner                 string                     `json:"owner"`
	PrivacyPolicyURL      string                     `json:"privacy_policy_url"`
	ConsentLifetimeDays   int                        `json:"consent_lifetime_days"`
	GPCHandling           GPCHandling                `json:"gpc_handling,omitempty"`
	ConsentMode           ConsentMode                `json:"consent_mode"`
	GTMLoadsBeforeConsent bool                       `json:"gtm_loads_before_consent,omitempty"`
	Integrations          Integrations               `json:"integrations"`
	Texts                 map[string]Texts           `json:"texts"`
	Purposes              map[string][]PurposeConfig `json:"purposes"`
}

// Snapshot is one config version of a site as stored.
type Snapshot struct {
	SiteID  string `json:"site_id"`
	Version string `json:"version"`
	// CreatedAt is when the version was first saved; Author who saved it
	// (an operator's "admin token" or a dashboard user's email).
	CreatedAt time.Time `json:"created_at"`
	Author    string    `json:"author,omitempty"`
	// SnippetBuild is the hash of the banner bundle the saving server
	// served. It is a record, not part of the version: a new release of
	// the bundle alone must not ask every visitor again.
	SnippetBuild string `json:"snippet_build,omitempty"`
	// Reconstructed: the site was stored before snapshots existed, and this
	// one was rebuilt from its settings with the built-in texts of the first
	// release that knew snapshots. Its version is the one receipts already
	// carry, not the hash of Shown.
	Reconstructed bool `json:"reconstructed,omitempty"`
	Shown
}

// ShownBy resolves s as it would be shown, with defaults as the built-in
// texts (DefaultTexts of this binary; tests pass others to play an older
// or newer release).
func (s SiteSettings) ShownBy(defaults func(lang string) Texts) Shown {
	if defaults == nil {
		defaults = DefaultTexts
	}
	sh := Shown{
		Owner: s.Name, PrivacyPolicyURL: s.PrivacyPolicyURL, ConsentLifetimeDays: s.ConsentLifetimeDays,
		ConsentMode: s.ConsentMode, GTMLoadsBeforeConsent: s.GTMLoadsBeforeConsent, Integrations: s.Integrations,
		Texts: map[string]Texts{}, Purposes: map[string][]PurposeConfig{},
	}
	if s.RejectsOnGPC() {
		sh.GPCHandling = GPCRejectAll
	}
	for _, lang := range Languages {
		t := defaults(lang)
		for k, v := range s.Texts[lang] {
			t[k] = v
		}
		sh.Texts[lang] = t
		sh.Purposes[lang] = s.purposes(t, lang)
	}
	return sh
}

// Version hashes what Shown puts on screen. Like the versions before
// snapshots, it leaves out the GPC notice's texts while the notice is off,
// so rewording a notice nobody sees asks nobody again. encoding/json sorts
// map keys, so the encoding is canonical.
func (sh Shown) Version() string {
	hashed := sh
	if sh.GPCHandling != GPCRejectAll {
		hashed.Texts = map[string]Texts{}
		for lang, t := range sh.Texts {
			hashed.Texts[lang] = withoutGPCNotice(t)
		}
	}
	b, err := json.Marshal(hashed)
	if err != nil {
		panic("consent: config version: " + err.Error()) // only plain data
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func withoutGPCNotice(t Texts) Texts {
	out := Texts{}
	for k, v := range t {
		if !strings.HasPrefix(k, gpcTextPrefix) {
			out[k] = v
		}
	}
	return out
}

// SameAs reports whether two Shown put the same things on screen.
func (sh Shown) SameAs(other Shown) bool {
	return sh.Version() == other.Version()
}

// ReconstructedSnapshot returns the snapshot of site's current version as
// resolved with defaults (nil: this binary's texts), for a site stored
// before snapshots existed. It keeps the site's version: receipts already
// carry it.
func (s Site) ReconstructedSnapshot(snippetBuild string, defaults func(lang string) Texts, now time.Time) Snapshot {
	return Snapshot{SiteID: s.ID, Version: s.ConfigVersion, CreatedAt: now, SnippetBuild: snippetBuild,
		Reconstructed: true, Shown: s.SiteSettings.ShownBy(defaults)}
}

// ApplyVersion sets new settings on the site under version: when it is a
// new one, it is added to the history, as asked again unless minor.
func (s *Site) ApplyVersion(settings SiteSettings, version string, minor bool, now time.Time) {
	s.SiteSettings = settings
	s.UpdatedAt = now
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	if version != s.ConfigVersion {
		s.ConfigVersion = version
		s.ConfigHistory = append(s.ConfigHistory, ConfigRevision{Version: version, Since: now, Minor: minor})
	}
}

// AcceptedVersions lists the earlier versions whose decisions still hold
// under the current one: those since the last change that asked everyone
// again, newest first. Entries stored before minor changes existed count as
// asking again, as every change did then.
func (s Site) AcceptedVersions() []string {
	var out []string
	for i := len(s.ConfigHistory) - 1; i > 0; i-- {
		if !s.ConfigHistory[i].Minor {
			break
		}
		if v := s.ConfigHistory[i-1].Version; v != s.ConfigVersion && !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// BannerConfigOf builds what the snippet receives in lang from the stored
// snapshot of the site's current version: what is shown is what is stored.
// Rules stay the catalogue's of this binary: they decide which requests to
// hold back, which is protection, not information given to the visitor.
func (s Site) BannerConfigOf(snap Snapshot, lang string) BannerConfig {
	cfg := s.BannerConfig(lang)
	if snap.Version != s.ConfigVersion || snap.Texts[lang] == nil {
		return cfg
	}
	// Every key the snapshot has is served as stored. A key a later
	// release added is not in it (the version showed no such text), and
	// comes from this binary, so a new banner feature is never wordless.
	for k, v := range snap.Texts[lang] {
		cfg.Texts[k] = v
	}
	cfg.Purposes = snap.Purposes[lang]
	cfg.PrivacyPolicyURL = snap.PrivacyPolicyURL
	cfg.ConsentLifetimeDays = snap.ConsentLifetimeDays
	return cfg
}

// DeclarationOf is the declaration in lang from the stored snapshot, in
// the same words as BannerConfigOf.
func (s Site) DeclarationOf(snap Snapshot, lang string) Declaration {
	d := s.Declaration(lang)
	if snap.Version != s.ConfigVersion || snap.Purposes[lang] == nil {
		return d
	}
	d.Purposes = snap.Purposes[lang]
	d.PrivacyPolicyURL = snap.PrivacyPolicyURL
	d.ConsentLifetimeDays = snap.ConsentLifetimeDays
	return d
}

// SortSnapshots orders snapshots as they were first saved.
func SortSnapshots(snaps []Snapshot) {
	sort.SliceStable(snaps, func(i, j int) bool {
		if !snaps[i].CreatedAt.Equal(snaps[j].CreatedAt) {
			return snaps[i].CreatedAt.Before(snaps[j].CreatedAt)
		}
		return snaps[i].Version < snaps[j].Version
	})
}
