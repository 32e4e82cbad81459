package httpapi_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
)

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

// seed posts a known mix through the public API on two days, with a banner
// change in between:
//
//	day 1 (22 Nov), version A: 6 impressions: 3 accept_all (2 nb phone, 1 en desktop),
//	                           1 reject_all (GPC, nb), 2 no decision (1 GPC)
//	day 2 (23 Nov), version B: 4 impressions: 1 custom (statistics only), 1 accept_all, 2 no decision
func seed(t *testing.T, h *harness, site siteView) (siteView, string) {
	t.Helper()
	h.clock.Set(time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC))
	cid := h.visit(site, "nb", iphoneUA, false, "accept_all")
	h.visit(site, "nb", iphoneUA, false, "accept_all")
	h.visit(site, "en", desktopUA, false, "accept_all")
	h.visit(site, "nb", desktopUA, true, "reject_all")
	h.visit(site, "nb", desktopUA, true, "")
	h.visit(site, "nb", iphoneUA, false, "")

	h.clock.Set(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	body := strings.Replace(gaSiteJSON, `"integrations"`, `"texts":{"nb":{"banner.title":"Ny"}},"integrations"`, 1)
	r := h.admin("PUT", "/v1/admin/sites/"+site.ID, strings.Replace(body, "Nordic Shop", site.Name, 1))
	if r.status != http.StatusOK {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	var v2 siteView
	r.decode(t, &v2)
	h.clock.Set(time.Date(2026, 11, 23, 9, 15, 0, 0, time.UTC))
	h.visit(v2, "nb", iphoneUA, false, "custom")
	h.visit(v2, "nb", desktopUA, false, "accept_all")
	h.visit(v2, "nb", iphoneUA, false, "")
	h.visit(v2, "nb", iphoneUA, false, "")
	return v2, cid
}

func TestStatsNumbers(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createNamedSite("Shop")
		h.createUser("marketer@example.no", [2]string{site.ID, "viewer"})
		v2, _ := seed(t, h, site)
		b := h.browser()
		b.mustLogin("marketer@example.no")

		r := b.call("GET", "/dashboard/api/sites/"+site.ID+"/stats"+query("from", "2026-11-22", "to", "2026-11-23", "granularity", "day"), "")
		if r.status != http.StatusOK {
			t.Fatalf("stats: %d %s", r.status, r.body)
		}
		var rep consent.Report
		r.decode(t, &rep)
		f := rep.Funnel
		if f.Impressions != 10 || f.Decisions != 6 || f.NoDecision != 4 || !near(f.InteractionRate, 0.6) || !near(f.NoDecisionRate, 0.4) {
			t.Errorf("funnel: %+v", f)
		}
		counts := map[consent.Action]int64{}
		for _, a := range rep.Actions {
			counts[a.Action] = a.Count
			if a.Action == consent.AcceptAll && !near(a.Share, 4.0/6) {
				t.Errorf("accept-all share %v", *a.Share)
			}
		}
		if counts[consent.AcceptAll] != 4 || counts[consent.RejectAll] != 1 || counts[consent.Custom] != 1 {
			t.Errorf("actions: %v", counts)
		}
		// Consent rate = granted ÷ decisions; opt-in rate = granted ÷ impressions.
		for _, p := range rep.Purposes {
			switch p.Purpose {
			case consent.Statistics:
				if p.Granted != 5 || !near(p.ConsentRate, 5.0/6) || !near(p.OptInRate, 0.5) {
					t.Errorf("statistics: %+v", p)
				}
			case consent.Marketing:
				if p.Granted != 4 || !near(p.ConsentRate, 4.0/6) || !near(p.OptInRate, 0.4) {
					t.Errorf("marketing: %+v", p)
				}
			}
		}
		if rep.GPC.Impressions != 2 || rep.GPC.Decisions != 1 || !near(rep.GPC.ImpressionShare, 0.2) {
			t.Errorf("gpc: %+v", rep.GPC)
		}
		if rep.Formulas["consent_rate"] == "" || rep.Formulas["opt_in_rate"] == "" {
			t.Error("the formulas are not in the answer")
		}
		if len(rep.Series) != 2 || rep.Series[0].Impressions != 6 || rep.Series[1].Decisions != 2 ||
			!near(rep.Series[1].ConsentRate[consent.Statistics], 1) || !near(rep.Series[1].ConsentRate[consent.Marketing], 0.5) {
			t.Errorf("series: %+v", rep.Series)
		}
		// Breakdowns: the banner change reads as before and after.
		configs := rep.ConfigVersions.Rows()
		if len(configs) != 2 || configs[0].Key != site.ConfigVersion || configs[1].Key != v2.ConfigVersion ||
			!configs[1].Current || configs[0].Impressions != 6 || !near(configs[0].InteractionRate, 4.0/6) ||
			!near(configs[1].ConsentRate[consent.Marketing], 0.5) || !strings.HasPrefix(configs[1].Label, "Banner of 23 Nov 2026") {
			t.Errorf("config versions: %+v", configs)
		}
		langs := map[string]consent.SegmentRow{}
		for _, l := range rep.Languages.Rows() {
			langs[l.Key] = l
		}
		if langs["nb"].Impressions != 9 || langs["en"].Decisions != 1 || langs["nb"].Label != "Norsk bokmål" || rep.Languages.Rows()[0].Key != "nb" {
			t.Errorf("languages: %+v", rep.Languages)
		}
		devs := map[string]consent.SegmentRow{}
		for _, d := range rep.Devices.Rows() {
			devs[d.Key] = d
		}
		if devs["mobile"].Impressions != 6 || devs["desktop"].Impressions != 4 || !near(devs["desktop"].OptInRate[consent.Marketing], 0.5) {
			t.Errorf("devices: %+v", rep.Devices)
		}

		// By hour: one bucket per hour, zeros included.
		r = b.call("GET", "/dashboard/api/sites/"+site.ID+"/stats"+query("from", "2026-11-23", "to", "2026-11-23", "granularity", "hour"), "")
		r.decode(t, &rep)
		if len(rep.Series) != 24 || rep.Series[9].Impressions != 4 || rep.Series[8].Impressions != 0 {
			t.Errorf("hourly series: %d points, %+v", len(rep.Series), rep.Series[9])
		}
		// An empty range has rates of null, not NaN or 0.
		r = b.call("GET", "/dashboard/api/sites/"+site.ID+"/stats"+query("from", "2026-01-01", "to", "2026-01-31"), "")
		if !strings.Contains(string(r.body), `"interaction_rate":null`) {
			t.Errorf("empty range: %s", r.body[:200])
		}
		// Bad ranges name their field.
		for q, field := range map[string]string{
			query("from", "2026-11-23", "to", "2026-11-01"):                        "from",
			query("from", "yesterday"):                                             "from",
			query("to", "2026-13-01"):                                              "to",
			query("granularity", "week"):                                           "granularity",
			query("from", "2020-01-01", "to", "2026-01-01"):                        "from",
			query("from", "2026-01-01", "to", "2026-11-01", "granularity", "hour"): "from",
		} {
			r := b.call("GET", "/dashboard/api/sites/"+site.ID+"/stats"+q, "")
			if r.status != http.StatusUnprocessableEntity || strings.Join(r.fields(t), ",") != field {
				t.Errorf("stats%s: %d %s", q, r.status, r.body)
			}
		}
	})
}

// The admin API and the dashboard answer one report: the same bytes for
// the same site and range.
func TestStatsOneReportForBothAPIs(t *testing.T) {
	t.Parallel()
	h := newHarnessBolt(t)
	site := h.createNamedSite("Shop")
	seed(t, h, site)
	b := h.operator()
	for _, q := range []string{
		query("from", "2026-11-22", "to", "2026-11-23"),
		query("from", "2026-11-23", "to", "2026-11-23", "granularity", "hour"),
		query("from", "2026-01-01", "to", "2026-01-31"),
	} {
		dash := b.call("GET", "/dashboard/api/sites/"+site.ID+"/stats"+q, "")
		admin := h.admin("GET", "/v1/admin/sites/"+site.ID+"/stats"+q, "")
		if dash.status != http.StatusOK || admin.status != http.StatusOK {
			t.Fatalf("stats%s: dashboard %d %s, admin API %d %s", q, dash.status, dash.body, admin.status, admin.body)
		}
		if string(dash.body) != string(admin.body) {
			t.Errorf("stats%s: the dashboard answered\n%s\nthe admin API\n%s", q, dash.body, admin.body)
		}
		var rep consent.Report
		admin.decode(t, &rep)
		if rep.SiteID != site.ID || rep.Formulas["consent_rate"] == "" || rep.Totals.Impressions != rep.Funnel.Impressions {
			t.Errorf("stats%s: %+v", q, rep)
		}
	}
}

func TestStatsCSV(t *testing.T) {
	t.Parallel()
	h := newHarnessBolt(t)
	site := h.createNamedSite("=SUM(1+1)")
	h.createUser("marketer@example.no", [2]string{site.ID, "viewer"})
	seed(t, h, site)
	b := h.browser()
	b.mustLogin("marketer@example.no")
	r := b.call("GET", "/dashboard/api/sites/"+site.ID+"/stats.csv"+query("from", "2026-11-22", "to", "2026-11-23"), "")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		r.header.Get("Content-Disposition") != `attachment; filename="consent-rates-`+site.ID+`-2026-11-22-2026-11-23.csv"` {
		t.Fatalf("csv: %d %v", r.status, r.header)
	}
	cr := csv.NewReader(strings.NewReader(string(r.body)))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	get := func(metric string) []string {
		for _, row := range rows {
			if row[0] == metric {
				return row
			}
		}
		t.Errorf("no row %q", metric)
		return []string{"", "", "", ""}
	}
	if row := get("Interaction rate"); row[1] != "60.0" || row[3] != consent.Formulas["interaction_rate"] {
		t.Errorf("interaction rate row %v", row)
	}
	if row := get("Statistics consent rate"); row[1] != "83.3" || !strings.Contains(row[3], "÷ all decisions") {
		t.Errorf("statistics consent rate row %v", row)
	}
	if row := get("Marketing opt-in rate"); row[1] != "40.0" || !strings.Contains(row[3], "÷ banner impressions") {
		t.Errorf("marketing opt-in row %v", row)
	}
	if row := get("2026-11-22"); row[1] != "6" || row[2] != "4" {
		t.Errorf("series row %v", row)
	}
	if row := get("Language"); row[1] != "nb" || row[3] != "9" {
		t.Errorf("language row %v", row)
	}
	// A site name that looks like a formula is defused.
	if rows[1][0] != "'=SUM(1+1)" {
		t.Errorf("site name cell %q", rows[1][0])
	}
}

func TestReceiptExport(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createNamedSite("Shop")
		h.createUser("auditor@example.no", [2]string{site.ID, "viewer"})
		_, cid := seed(t, h, site)
		b := h.browser()
		b.mustLogin("auditor@example.no")

		base := "/dashboard/api/sites/" + site.ID + "/receipts"
		r := b.call("GET", base+query("from", "2026-11-22", "to", "2026-11-23", "format", "csv"), "")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(r.header.Get("Content-Disposition"), "receipts-"+site.ID+"-2026-11-22-2026-11-23.csv") {
			t.Fatalf("csv export: %d %v %s", r.status, r.header, r.body)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != strings.Join(httpapi.ReceiptColumns, ",") || len(rows) != 7 {
			t.Fatalf("csv: %d rows, header %v", len(rows), rows[0])
		}
		first := map[string]string{}
		for i, c := range rows[0] {
			first[c] = rows[1][i]
		}
		if first["consent_id"] != cid || first["action"] != "accept_all" || first["statistics"] != "true" ||
			first["page_url"] != shopOrigin+"/produkter" || first["ip"] != "203.0.113.0" || first["device"] != "mobile" ||
			first["server_time"] != "2026-11-22T09:30:00Z" {
			t.Errorf("first row: %v", first)
		}
		// Oldest first.
		if rows[len(rows)-1][0] < rows[1][0] {
			t.Errorf("not oldest first: %s then %s", rows[1][0], rows[len(rows)-1][0])
		}

		// NDJSON, one day: only that day's receipts, each a full receipt,
		// then the trailer: the checkpoints and the key.
		r = b.call("GET", base+query("from", "2026-11-23", "to", "2026-11-23", "format", "ndjson"), "")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("ndjson: %d %v", r.status, r.header)
		}
		sc := bufio.NewScanner(strings.NewReader(string(r.body)))
		n := 0
		trailer := map[string]int{}
		for sc.Scan() {
			var kind struct {
				Record string `json:"record"`
			}
			if json.Unmarshal(sc.Bytes(), &kind); kind.Record != "" {
				trailer[kind.Record]++
				continue
			}
			var rec consent.Receipt
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("line %d: %v", n+1, err)
			}
			if rec.ServerTime.Day() != 23 || rec.SiteID != site.ID {
				t.Errorf("receipt outside the period: %+v", rec)
			}
			n++
		}
		if n != 2 {
			t.Errorf("ndjson receipt lines = %d, want 2", n)
		}
		if trailer["checkpoint"] != 1 || trailer["public_key"] != 1 {
			t.Errorf("ndjson trailer = %v, want a checkpoint and a public key", trailer)
		}
		// An empty period is a header only.
		r = b.call("GET", base+query("from", "2025-01-01", "to", "2025-01-02"), "")
		if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != strings.Join(httpapi.ReceiptColumns, ",") {
			t.Errorf("empty export: %d %q", r.status, r.body)
		}
		if r := b.call("GET", base+query("format", "xml"), ""); r.status != http.StatusUnprocessableEntity {
			t.Errorf("format=xml: %d", r.status)
		}

		// Consent-id lookup.
		r = b.call("GET", "/dashboard/api/sites/"+site.ID+"/consents/"+strings.ToUpper(cid), "")
		var look struct {
			ConsentID string            `json:"consent_id"`
			Receipts  []consent.Receipt `json:"receipts"`
		}
		r.decode(t, &look)
		if r.status != http.StatusOK || look.ConsentID != cid || len(look.Receipts) != 1 || look.Receipts[0].Action != consent.AcceptAll {
			t.Errorf("lookup: %d %s", r.status, r.body)
		}
		r = b.call("GET", "/dashboard/api/sites/"+site.ID+"/consents/not-an-id", "")
		if r.status != http.StatusUnprocessableEntity || strings.Join(r.fields(t), ",") != "consent_id" {
			t.Errorf("lookup of a malformed id: %d %s", r.status, r.body)
		}
	})
}
