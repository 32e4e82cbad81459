package httpapi

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
)

// The stats of a site: one report (consent.SiteReport) for the admin API
// and the dashboard, and the dashboard's CSV export of it.

// adminStats (GET /v1/admin/sites/{site}/stats) answers the same report as
// the dashboard. The site is looked up first (404), then the query is
// checked (422).
func (s *server) adminStats(c echo.Context) error {
	id := c.Param("site")
	ctx := c.Request().Context()
	site, err := s.store.Site(ctx, id)
	if err != nil {
		return adminSiteError(err, id)
	}
	p, err := s.period(c)
	if err != nil {
		return err
	}
	report, err := consent.SiteReport(ctx, s.store, site, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, report)
}

// period reads the query's granularity, from and to.
func (s *server) period(c echo.Context) (consent.Period, error) {
	return consent.ParsePeriod(c.QueryParam("granularity"), c.QueryParam("from"), c.QueryParam("to"), s.Now().UTC())
}

// report is the site's report for the period of the query: the same
// report the admin API answers.
func (s *server) report(c echo.Context) (consent.Report, error) {
	p, err := s.period(c)
	if err != nil {
		return consent.Report{}, err
	}
	return consent.SiteReport(c.Request().Context(), s.store, siteOf(c), p)
}

func (s *server) dashboardStats(c echo.Context) error {
	r, err := s.report(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// statsCSV exports the numbers the page shows: the summary with formulas,
// the trend series and the breakdowns, as sections of one CSV file.
func (s *server) statsCSV(c echo.Context) error {
	r, err := s.report(c)
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
func WriteReportCSV(w *csv.Writer, r consent.Report, site consent.Site) {
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
	_ = w.Write([]string{"Interaction rate", pct(r.Funnel.InteractionRate), "%", consent.Formulas["interaction_rate"]})
	_ = w.Write([]string{"No decision", n(r.Funnel.NoDecision), "count", consent.Formulas["no_decision"]})
	_ = w.Write([]string{"No-decision rate", pct(r.Funnel.NoDecisionRate), "%", consent.Formulas["no_decision_rate"]})
	for _, a := range r.Actions {
		_ = w.Write([]string{actionLabels[a.Action], n(a.Count), "count", ""})
		_ = w.Write([]string{actionLabels[a.Action] + " share", pct(a.Share), "%", consent.Formulas["action_share"]})
	}
	for _, p := range r.Purposes {
		l := purposeLabels[p.Purpose]
		_ = w.Write([]string{l + " granted", n(p.Granted), "count", ""})
		_ = w.Write([]string{l + " consent rate", pct(p.ConsentRate), "%", consent.Formulas["consent_rate"]})
		_ = w.Write([]string{l + " opt-in rate", pct(p.OptInRate), "%", consent.Formulas["opt_in_rate"]})
	}
	_ = w.Write([]string{"GPC impressions", n(r.GPC.Impressions), "count", ""})
	_ = w.Write([]string{"GPC share of impressions", pct(r.GPC.ImpressionShare), "%", consent.Formulas["gpc_share"]})
	_ = w.Write([]string{"GPC share of decisions", pct(r.GPC.DecisionShare), "%", consent.Formulas["gpc_decision_share"]})
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
			row = append(row, n(p.Purposes[pu].Granted), pct(p.ConsentRate[pu]))
		}
		_ = w.Write(row)
	}
	_ = w.Write(nil)

	_ = w.Write([]string{"Breakdown", "Value", "Label", "Banner impressions", "Decisions", "Interaction rate (%)",
		"Statistics consent rate (%)", "Marketing consent rate (%)", "Statistics opt-in rate (%)", "Marketing opt-in rate (%)"})
	for _, b := range []struct {
		name string
		rows consent.Breakdown
	}{{"Language", r.Languages}, {"Device", r.Devices}, {"Banner version", r.ConfigVersions}} {
		for _, s := range b.rows.Rows() {
			_ = w.Write([]string{b.name, s.Key, cell(s.Label), n(s.Impressions), n(s.Decisions), pct(s.InteractionRate),
				pct(s.ConsentRate[consent.Statistics]), pct(s.ConsentRate[consent.Marketing]),
				pct(s.OptInRate[consent.Statistics]), pct(s.OptInRate[consent.Marketing])})
		}
	}
}
