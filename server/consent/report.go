package consent

import (
	"context"
	"sort"
	"time"
)

// Formulas, stated once and shown next to each number in the UI, in the CSV
// and in every report. Definitions differ between vendors (commercial-cmps
// §6), so ours are published: consent rate over decisions (Didomi's
// "consent rate", Usercentrics' accept rate), opt-in rate over impressions
// (Didomi's "opt-in rate").
var Formulas = map[string]string{
	"interaction_rate":   "decisions ÷ banner impressions",
	"no_decision":        "banner impressions − decisions (not below 0)",
	"no_decision_rate":   "(banner impressions − decisions) ÷ banner impressions",
	"action_share":       "decisions with this action ÷ all decisions",
	"consent_rate":       "decisions granting the purpose ÷ all decisions",
	"opt_in_rate":        "decisions granting the purpose ÷ banner impressions",
	"gpc_share":          "impressions from browsers sending GPC ÷ all banner impressions",
	"gpc_decision_share": "decisions from browsers sending GPC ÷ all decisions",
}

// reportNotes explain what the numbers include.
var reportNotes = []string{
	"Decisions count every receipt, including changes made later from the cookie settings button, so a decision need not follow an impression in the same period.",
	"Times are in UTC.",
}

// LanguageNames are the languages' own names, for forms and breakdowns.
var LanguageNames = map[string]string{
	"en": "English", "nb": "Norsk bokmål", "nn": "Norsk nynorsk", "sv": "Svenska",
	"da": "Dansk", "fi": "Suomi", "de": "Deutsch",
}

// deviceNames label the device classes in breakdowns.
var deviceNames = map[string]string{"mobile": "Phone", "tablet": "Tablet", "desktop": "Desktop"}

// Report is the numbers of one site and range, the raw counts and every
// rate derived from them. The admin API and the dashboard both answer it,
// and the CSV export is written from it, so all show the same numbers. A
// rate is null when its denominator is 0.
//
// It is a superset of Stats: the counts keep Stats' fields and JSON names
// (totals, series, languages, devices, config_versions), so a client that
// reads Stats reads a Report.
type Report struct {
	SiteID      string        `json:"site_id"`
	From        time.Time     `json:"from"`
	To          time.Time     `json:"to"`
	Granularity Granularity   `json:"granularity"`
	Totals      Counts        `json:"totals"`
	Funnel      Funnel        `json:"funnel"`
	Actions     []ActionRow   `json:"actions"`
	Purposes    []PurposeRow  `json:"purposes"`
	GPC         GPCRow        `json:"gpc"`
	Series      []ReportPoint `json:"series"`
	// The breakdowns are keyed by their value (a language code, a device
	// class, a config version); each row's Order is its place on screen.
	Languages      Breakdown         `json:"languages"`
	Devices        Breakdown         `json:"devices"`
	ConfigVersions Breakdown         `json:"config_versions"`
	Formulas       map[string]string `json:"formulas"`
	// Notes explain what the numbers include.
	Notes []string `json:"notes"`
}

// Funnel follows banner impressions to decisions.
type Funnel struct {
	Impressions     int64    `json:"impressions"`
	Decisions       int64    `json:"decisions"`
	InteractionRate *float64 `json:"interaction_rate"`
	NoDecision      int64    `json:"no_decision"`
	NoDecisionRate  *float64 `json:"no_decision_rate"`
}

// ActionRow is how often one action was taken, and its share of decisions.
type ActionRow struct {
	Action Action   `json:"action"`
	Count  int64    `json:"count"`
	Share  *float64 `json:"share"`
}

// PurposeRow is one optional purpose's counts and rates.
type PurposeRow struct {
	Purpose     Purpose  `json:"purpose"`
	Granted     int64    `json:"granted"`
	Denied      int64    `json:"denied"`
	ConsentRate *float64 `json:"consent_rate"`
	OptInRate   *float64 `json:"opt_in_rate"`
}

// GPCRow is the share of impressions and decisions from browsers sending
// Global Privacy Control.
type GPCRow struct {
	Impressions     int64    `json:"impressions"`
	Decisions       int64    `json:"decisions"`
	ImpressionShare *float64 `json:"impression_share"`
	DecisionShare   *float64 `json:"decision_share"`
}

// ReportPoint is one bucket of the trend series: its counts and, per
// purpose, its consent rate.
type ReportPoint struct {
	Point
	ConsentRate map[Purpose]*float64 `json:"consent_rate"`
}

// SegmentRow is one value of a breakdown: its counts and rates.
type SegmentRow struct {
	SegmentCounts
	Key   string `json:"key"`
	Label string `json:"label"`
	// Order is the row's place in its breakdown, from 0: biggest first for
	// languages and devices, oldest first for banner versions.
	Order int `json:"order"`
	// Since and Current are set for banner versions: when the version came
	// into force, and whether the site shows it now.
	Since           *time.Time           `json:"since,omitempty"`
	Current         bool                 `json:"current,omitempty"`
	InteractionRate *float64             `json:"interaction_rate"`
	ConsentRate     map[Purpose]*float64 `json:"consent_rate"`
	OptInRate       map[Purpose]*float64 `json:"opt_in_rate"`
}

// Breakdown is one breakdown of a report, keyed by the segment's value.
type Breakdown map[string]SegmentRow

// Rows returns the breakdown's rows in their Order.
func (b Breakdown) Rows() []SegmentRow {
	out := make([]SegmentRow, 0, len(b))
	for _, r := range b {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// Ratio is n ÷ d, or nil when d is not positive: a rate of nothing is
// unknown, not 0.
func Ratio(n, d int64) *float64 {
	if d <= 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// BuildReport derives every rate of s. site labels the banner versions with
// the dates they came into force.
func BuildReport(s Stats, site Site) Report {
	t := s.Totals
	r := Report{
		SiteID: s.SiteID, From: s.From, To: s.To, Granularity: s.Granularity,
		Totals:   t,
		Formulas: Formulas,
		Notes:    reportNotes,
		Actions:  []ActionRow{},
		Purposes: []PurposeRow{},
	}
	noDecision := max(t.Impressions-t.Decisions, 0)
	r.Funnel = Funnel{
		Impressions: t.Impressions, Decisions: t.Decisions,
		InteractionRate: Ratio(t.Decisions, t.Impressions),
		NoDecision:      noDecision, NoDecisionRate: Ratio(noDecision, t.Impressions),
	}
	for _, a := range Actions {
		r.Actions = append(r.Actions, ActionRow{Action: a, Count: t.Actions[a], Share: Ratio(t.Actions[a], t.Decisions)})
	}
	for _, p := range OptionalPurposes {
		pc := t.Purposes[p]
		r.Purposes = append(r.Purposes, PurposeRow{Purpose: p, Granted: pc.Granted, Denied: pc.Denied,
			ConsentRate: Ratio(pc.Granted, t.Decisions), OptInRate: Ratio(pc.Granted, t.Impressions)})
	}
	r.GPC = GPCRow{Impressions: t.GPC.Impressions, Decisions: t.GPC.Decisions,
		ImpressionShare: Ratio(t.GPC.Impressions, t.Impressions), DecisionShare: Ratio(t.GPC.Decisions, t.Decisions)}
	r.Series = make([]ReportPoint, len(s.Series))
	for i, p := range s.Series {
		rp := ReportPoint{Point: p, ConsentRate: map[Purpose]*float64{}}
		for _, pu := range OptionalPurposes {
			rp.ConsentRate[pu] = Ratio(p.Purposes[pu].Granted, p.Decisions)
		}
		r.Series[i] = rp
	}
	r.Languages = biggestFirst(s.Languages, LanguageNames)
	r.Devices = biggestFirst(s.Devices, deviceNames)
	r.ConfigVersions = inForceOrder(s.ConfigVersions, site)
	return r
}

func segmentRow(key, label string, c SegmentCounts) SegmentRow {
	row := SegmentRow{SegmentCounts: c, Key: key, Label: label,
		InteractionRate: Ratio(c.Decisions, c.Impressions),
		ConsentRate:     map[Purpose]*float64{}, OptInRate: map[Purpose]*float64{}}
	for _, p := range OptionalPurposes {
		row.ConsentRate[p] = Ratio(c.Granted[p], c.Decisions)
		row.OptInRate[p] = Ratio(c.Granted[p], c.Impressions)
	}
	return row
}

// biggestFirst orders a breakdown by impressions and decisions, biggest
// first, and labels its values with names (or the value itself).
func biggestFirst(m map[string]SegmentCounts, names map[string]string) Breakdown {
	rows := make([]SegmentRow, 0, len(m))
	for k, c := range m {
		label, ok := names[k]
		if !ok {
			label = k
		}
		rows = append(rows, segmentRow(k, label, c))
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i].Impressions+rows[i].Decisions, rows[j].Impressions+rows[j].Decisions
		if a != b {
			return a > b
		}
		return rows[i].Key < rows[j].Key
	})
	return numbered(rows)
}

// inForceOrder orders config versions as they came into force, each
// labelled with its date, so a banner change reads as before/after.
// Versions the site's history does not know come last.
func inForceOrder(m map[string]SegmentCounts, site Site) Breakdown {
	rows := make([]SegmentRow, 0, len(m))
	seen := map[string]bool{}
	for _, rev := range site.ConfigHistory {
		c, ok := m[rev.Version]
		if !ok || seen[rev.Version] {
			continue
		}
		seen[rev.Version] = true
		since := rev.Since
		row := segmentRow(rev.Version, "Banner of "+since.UTC().Format("2 Jan 2006 15:04")+" UTC", c)
		row.Since = &since
		row.Current = rev.Version == site.ConfigVersion
		rows = append(rows, row)
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		rows = append(rows, segmentRow(k, "Version "+k, m[k]))
	}
	return numbered(rows)
}

func numbered(rows []SegmentRow) Breakdown {
	b := make(Breakdown, len(rows))
	for i, r := range rows {
		r.Order = i
		b[r.Key] = r
	}
	return b
}

// SiteReport reads the counters of site for p and builds its report. The
// period's span is checked first, so a year by the hour is refused before
// the store is asked.
func SiteReport(ctx context.Context, store Store, site Site, p Period) (Report, error) {
	if err := p.CheckSpan(); err != nil {
		return Report{}, err
	}
	buckets, err := store.Counters(ctx, site.ID, p.Granularity, p.From, p.To)
	if err != nil {
		return Report{}, err
	}
	return BuildReport(BuildStats(site.ID, p.Granularity, p.From, p.To, buckets), site), nil
}
