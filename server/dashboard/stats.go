package dashboard

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
)

// Formulas, stated once and shown next to each number in the UI and in the
// CSV. Definitions differ between vendors (commercial-cmps §6), so ours are
// published: consent rate over decisions (Didomi's "consent rate",
// Usercentrics' accept rate), opt-in rate over impressions (Didomi's
// "opt-in rate").
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

// Report is the stats of one site and range with every rate derived, so the
// page and the CSV show the same numbers. A rate is null when its
// denominator is 0.
type Report struct {
	SiteID      string              `json:"site_id"`
	From        time.Time           `json:"from"`
	To          time.Time           `json:"to"`
	Granularity consent.Granularity `json:"granularity"`
	Funnel      Funnel              `json:"funnel"`
	Actions     []ActionRow         `json:"actions"`
	Purposes    []PurposeRow        `json:"purposes"`
	GPC         GPCRow              `json:"gpc"`
	Series      []SeriesPoint       `json:"series"`
	Languages   []SegmentRow        `json:"languages"`
	Devices     []SegmentRow        `json:"devices"`
	Configs     []SegmentRow        `json:"config_versions"`
	Formulas    map[string]string   `json:"formulas"`
	// Notes explain what the numbers include.
	Notes []string `json:"notes"`
}

type Funnel struct {
	Impressions     int64    `json:"impressions"`
	Decisions       int64    `json:"decisions"`
	InteractionRate *float64 `json:"interaction_rate"`
	NoDecision      int64    `json:"no_decision"`
	NoDecisionRate  *float64 `json:"no_decision_rate"`
}

type ActionRow struct {
	Action consent.Action `json:"action"`
	Count  int64          `json:"count"`
	Share  *float64       `json:"share"`
}

type PurposeRow struct {
	Purpose     consent.Purpose `json:"purpose"`
	Granted     int64           `json:"granted"`
	Denied      int64           `json:"denied"`
	ConsentRate *float64        `json:"consent_rate"`
	OptInRate   *float64        `json:"opt_in_rate"`
}

type GPCRow struct {
	Impressions     int64    `json:"impressions"`
	Decisions       int64    `json:"decisions"`
	ImpressionShare *float64 `json:"impression_share"`
	DecisionShare   *float64 `json:"decision_share"`
}

type SeriesPoint struct {
	Start       time.Time                    `json:"start"`
	Impressions int64                        `json:"impressions"`
	Decisions   int64                        `json:"decisions"`
	Actions     map[consent.Action]int64     `json:"actions"`
	Granted     map[consent.Purpose]int64    `json:"granted"`
	ConsentRate map[consent.Purpose]*float64 `json:"consent_rate"`
}

// SegmentRow is one value of a breakdown.
type SegmentRow struct {
	Key             string                       `json:"key"`
	Label           string                       `json:"label"`
	Since           *time.Time                   `json:"since,omitempty"`
	Current         bool                         `json:"current,omitempty"`
	Impressions     int64                        `json:"impressions"`
	Decisions       int64                        `json:"decisions"`
	InteractionRate *float64                     `json:"interaction_rate"`
	ConsentRate     map[consent.Purpose]*float64 `json:"consent_rate"`
	OptInRate       map[consent.Purpose]*float64 `json:"opt_in_rate"`
}

func ratio(n, d int64) *float64 {
	if d <= 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// BuildReport derives every rate from consent.Stats.
func BuildReport(s consent.Stats, site consent.Site) Report {
	t := s.Totals
	r := Report{
		SiteID: s.SiteID, From: s.From, To: s.To, Granularity: s.Granularity,
		Formulas: Formulas,
		Notes: []string{
			"Decisions count every receipt, including changes made later from the cookie settings button, so a decision need not follow an impression in the same period.",
			"Times are in UTC.",
		},
	}
	noDecision := max(t.Impressions-t.Decisions, 0)
	r.Funnel = Funnel{
		Impressions: t.Impressions, Decisions: t.Decisions,
		InteractionRate: ratio(t.Decisions, t.Impressions),
		NoDecision:      noDecision, NoDecisionRate: ratio(noDecision, t.Impressions),
	}
	for _, a := range consent.Actions {
		r.Actions = append(r.Actions, ActionRow{Action: a, Count: t.Actions[a], Share: ratio(t.Actions[a], t.Decisions)})
	}
	for _, p := range consent.OptionalPurposes {
		pc := t.Purposes[p]
		r.Purposes = append(r.Purposes, PurposeRow{Purpose: p, Granted: pc.Granted, Denied: pc.Denied,
			ConsentRate: ratio(pc.Granted, t.Decisions), OptInRate: ratio(pc.Granted, t.Impressions)})
	}
	r.GPC = GPCRow{Impressions: t.GPC.Impressions, Decisions: t.GPC.Decisions,
		ImpressionShare: ratio(t.GPC.Impressions, t.Impressions), DecisionShare: ratio(t.GPC.Decisions, t.Decisions)}
	r.Series = make([]SeriesPoint, len(s.Series))
	for i, p := range s.Series {
		sp := SeriesPoint{Start: p.Start, Impressions: p.Impressions, Decisions: p.Decisions,
			Actions: p.Actions, Granted: map[consent.Purpose]int64{}, ConsentRate: map[consent.Purpose]*float64{}}
		for _, pu := range consent.OptionalPurposes {
			sp.Granted[pu] = p.Purposes[pu].Granted
			sp.ConsentRate[pu] = ratio(p.Purposes[pu].Granted, p.Decisions)
		}
		r.Series[i] = sp
	}
	r.Languages = segments(s.Languages, func(k string) string {
		if n, ok := languageNames[k]; ok {
			return n
		}
		return k
	})
	devices := map[string]string{"mobile": "Phone", "tablet": "Tablet", "desktop": "Desktop"}
	r.Devices = segments(s.Devices, func(k string) string {
		if n, ok := devices[k]; ok {
			return n
		}
		return k
	})
	r.Configs = configSegments(s.ConfigVersions, site)
	return r
}

func segmentRow(key, label string, c consent.SegmentCounts) SegmentRow {
	row := SegmentRow{Key: key, Label: label, Impressions: c.Impressions, Decisions: c.Decisions,
		InteractionRate: ratio(c.Decisions, c.Impressions),
		ConsentRate:     map[consent.Purpose]*float64{}, OptInRate: map[consent.Purpose]*float64{}}
	for _, p := range consent.OptionalPurposes {
		row.ConsentRate[p] = ratio(c.Granted[p], c.Decisions)
		row.OptInRate[p] = ratio(c.Granted[p], c.Impressions)
	}
	return row
}

// segments lists a breakdown, biggest first.
func segments(m map[string]consent.SegmentCounts, label func(string) string) []SegmentRow {
	out := make([]SegmentRow, 0, len(m))
	for k, c := range m {
		out = append(out, segmentRow(k, label(k), c))
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Impressions+out[i].Decisions, out[j].Impressions+out[j].Decisions
		if a != b {
			return a > b
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// configSegments lists config versions in the order they came into force,
// each labelled with its date, so a banner change reads as before/after.
func configSegments(m map[string]consent.SegmentCounts, site consent.Site) []SegmentRow {
	out := make([]SegmentRow, 0, len(m))
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
		out = append(out, row)
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, segmentRow(k, "Version "+k, m[k]))
	}
	return out
}

// period reads granularity, from and to the way the admin API does.
func (d *dash) period(c echo.Context) (consent.Period, error) {
	return consent.ParsePeriod(c.QueryParam("granularity"), c.QueryParam("from"), c.QueryParam("to"), d.Now().UTC())
}

func (d *dash) report(c echo.Context) (Report, error) {
	p, err := d.period(c)
	if err != nil {
		return Report{}, err
	}
	if err := p.CheckSpan(); err != nil {
		return Report{}, err
	}
	site := siteOf(c)
	buckets, err := d.Store.Counters(c.Request().Context(), site.ID, p.Granularity, p.From, p.To)
	if err != nil {
		return Report{}, err
	}
	return BuildReport(consent.BuildStats(site.ID, p.Granularity, p.From, p.To, buckets), site), nil
}

func (d *dash) stats(c echo.Context) error {
	r, err := d.report(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// statsCSV exports the numbers the page shows: the summary with formulas,
// the trend series and the breakdowns, as sections of one CSV file.
func (d *dash) statsCSV(c echo.Context) error {
	r, err := d.report(c)
	if err != nil {
		return err
	}
	site := siteOf(c)
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+exportName("consent-rates", site.ID, r.From, r.To, r.Granularity)+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	WriteReportCSV(w, r, site)
	w.Flush()
	return w.Error()
}

func exportName(what, siteID string, from, to time.Time, g consent.Granularity) string {
	last := to.Add(-time.Nanosecond)
	if g == consent.Hour {
		return fmt.Sprintf("%s-%s-%s-%s", what, siteID, from.Format("20060102T15"), last.Format("20060102T15"))
	}
	return fmt.Sprintf("%s-%s-%s-%s", what, siteID, from.Format("2006-01-02"), last.Format("2006-01-02"))
}

// pct renders a rate as a percentage with one decimal, or empty for none.
func pct(r *float64) string {
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64)
}

// cell defuses spreadsheet formulas in text that came from a person (a
// site's name): a leading =, +, -, @ or tab would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

var actionLabels = map[consent.Action]string{
	consent.AcceptAll: "Accept all", consent.RejectAll: "Reject all", consent.Custom: "Custom choice",
	consent.Withdraw: "Withdrawal", consent.GPC: "Refused by GPC signal",
}

var purposeLabels = map[consent.Purpose]string{consent.Statistics: "Statistics", consent.Marketing: "Marketing"}

// WriteReportCSV writes r as CSV sections separated by empty rows.
func WriteReportCSV(w *csv.Writer, r Report, site consent.Site) {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	layout := "2006-01-02"
	if r.Granularity == consent.Hour {
		layout = "2006-01-02 15:00"
	}
	_ = w.Write([]string{"Site", "Site id", "From (UTC)", "To (UTC, exclusive)", "By"})
	_ = w.Write([]string{cell(site.Name), site.ID, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), string(r.Granularity)})
	_ = w.Write(nil)

	_ = w.Write([]string{"Metric", "Value", "Unit", "Formula"})
	_ = w.Write([]string{"Banner impressions", n(r.Funnel.Impressions), "count", ""})
	_ = w.Write([]string{"Decisions", n(r.Funnel.Decisions), "count", ""})
	_ = w.Write([]string{"Interaction rate", pct(r.Funnel.InteractionRate), "%", Formulas["interaction_rate"]})
	_ = w.Write([]string{"No decision", n(r.Funnel.NoDecision), "count", Formulas["no_decision"]})
	_ = w.Write([]string{"No-decision rate", pct(r.Funnel.NoDecisionRate), "%", Formulas["no_decision_rate"]})
	for _, a := range r.Actions {
		_ = w.Write([]string{actionLabels[a.Action], n(a.Count), "count", ""})
		_ = w.Write([]string{actionLabels[a.Action] + " share", pct(a.Share), "%", Formulas["action_share"]})
	}
	for _, p := range r.Purposes {
		l := purposeLabels[p.Purpose]
		_ = w.Write([]string{l + " granted", n(p.Granted), "count", ""})
		_ = w.Write([]string{l + " consent rate", pct(p.ConsentRate), "%", Formulas["consent_rate"]})
		_ = w.Write([]string{l + " opt-in rate", pct(p.OptInRate), "%", Formulas["opt_in_rate"]})
	}
	_ = w.Write([]string{"GPC impressions", n(r.GPC.Impressions), "count", ""})
	_ = w.Write([]string{"GPC share of impressions", pct(r.GPC.ImpressionShare), "%", Formulas["gpc_share"]})
	_ = w.Write([]string{"GPC share of decisions", pct(r.GPC.DecisionShare), "%", Formulas["gpc_decision_share"]})
	_ = w.Write(nil)

	head := []string{"Period start (UTC)", "Banner impressions", "Decisions"}
	for _, a := range consent.Actions {
		head = append(head, actionLabels[a])
	}
	for _, p := range consent.OptionalPurposes {
		head = append(head, purposeLabels[p]+" granted", purposeLabels[p]+" consent rate (%)")
	}
	_ = w.Write(head)
	for _, p := range r.Series {
		row := []string{p.Start.Format(layout), n(p.Impressions), n(p.Decisions)}
		for _, a := range consent.Actions {
			row = append(row, n(p.Actions[a]))
		}
		for _, pu := range consent.OptionalPurposes {
			row = append(row, n(p.Granted[pu]), pct(p.ConsentRate[pu]))
		}
		_ = w.Write(row)
	}
	_ = w.Write(nil)

	_ = w.Write([]string{"Breakdown", "Value", "Label", "Banner impressions", "Decisions", "Interaction rate (%)",
		"Statistics consent rate (%)", "Marketing consent rate (%)", "Statistics opt-in rate (%)", "Marketing opt-in rate (%)"})
	for _, b := range []struct {
		name string
		rows []SegmentRow
	}{{"Language", r.Languages}, {"Device", r.Devices}, {"Banner version", r.Configs}} {
		for _, s := range b.rows {
			_ = w.Write([]string{b.name, s.Key, cell(s.Label), n(s.Impressions), n(s.Decisions), pct(s.InteractionRate),
				pct(s.ConsentRate[consent.Statistics]), pct(s.ConsentRate[consent.Marketing]),
				pct(s.OptInRate[consent.Statistics]), pct(s.OptInRate[consent.Marketing])})
		}
	}
}
