package consent

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func rateIs(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

func TestRatio(t *testing.T) {
	tests := []struct {
		name string
		n, d int64
		want *float64
	}{
		{"half", 1, 2, ptr(0.5)},
		{"all", 3, 3, ptr(1)},
		{"none of some", 0, 4, ptr(0)},
		{"nothing to divide by is unknown, not 0", 0, 0, nil},
		{"a negative denominator is unknown too", 1, -1, nil},
		{"more than the whole (decisions from earlier impressions)", 3, 2, ptr(1.5)},
	}
	for _, tt := range tests {
		got := Ratio(tt.n, tt.d)
		if (got == nil) != (tt.want == nil) || (got != nil && !rateIs(got, *tt.want)) {
			t.Errorf("%s: Ratio(%d, %d) = %v, want %v", tt.name, tt.n, tt.d, deref(got), deref(tt.want))
		}
	}
}

func ptr(f float64) *float64 { return &f }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// totals builds the Counts of a range from impressions, decisions, actions
// and granted/denied per purpose.
func totals(impressions, decisions int64, actions map[Action]int64, stat, mkt PurposeCounts, gpc GPCCounts) Counts {
	c := newCounts()
	c.Impressions, c.Decisions, c.GPC = impressions, decisions, gpc
	for a, n := range actions {
		c.Actions[a] = n
	}
	c.Purposes[Statistics], c.Purposes[Marketing] = stat, mkt
	return c
}

// Each formula of Formulas, worked on known counts.
func TestBuildReportFormulas(t *testing.T) {
	tests := []struct {
		name  string
		tot   Counts
		check func(t *testing.T, r Report)
	}{{
		name: "funnel: interaction and no-decision rates over impressions",
		tot:  totals(10, 6, nil, PurposeCounts{}, PurposeCounts{}, GPCCounts{}),
		check: func(t *testing.T, r Report) {
			f := r.Funnel
			if f.Impressions != 10 || f.Decisions != 6 || f.NoDecision != 4 || !rateIs(f.InteractionRate, 0.6) || !rateIs(f.NoDecisionRate, 0.4) {
				t.Errorf("funnel %+v", f)
			}
		},
	}, {
		name: "no decision is not below 0 when decisions outnumber impressions",
		tot:  totals(2, 5, nil, PurposeCounts{}, PurposeCounts{}, GPCCounts{}),
		check: func(t *testing.T, r Report) {
			if r.Funnel.NoDecision != 0 || !rateIs(r.Funnel.NoDecisionRate, 0) || !rateIs(r.Funnel.InteractionRate, 2.5) {
				t.Errorf("funnel %+v", r.Funnel)
			}
		},
	}, {
		name: "action shares over decisions, every action listed in order",
		tot:  totals(10, 4, map[Action]int64{AcceptAll: 3, RejectAll: 1}, PurposeCounts{}, PurposeCounts{}, GPCCounts{}),
		check: func(t *testing.T, r Report) {
			if len(r.Actions) != len(Actions) {
				t.Fatalf("actions %+v", r.Actions)
			}
			for i, a := range r.Actions {
				if a.Action != Actions[i] {
					t.Errorf("action %d is %s, want %s", i, a.Action, Actions[i])
				}
			}
			if !rateIs(r.Actions[0].Share, 0.75) || r.Actions[0].Count != 3 || !rateIs(r.Actions[1].Share, 0.25) || !rateIs(r.Actions[2].Share, 0) {
				t.Errorf("shares %+v %+v %+v", r.Actions[0], r.Actions[1], r.Actions[2])
			}
		},
	}, {
		name: "consent rate over decisions, opt-in rate over impressions",
		tot:  totals(10, 6, nil, PurposeCounts{Granted: 5, Denied: 1}, PurposeCounts{Granted: 4, Denied: 2}, GPCCounts{}),
		check: func(t *testing.T, r Report) {
			for _, p := range r.Purposes {
				switch p.Purpose {
				case Statistics:
					if p.Granted != 5 || p.Denied != 1 || !rateIs(p.ConsentRate, 5.0/6) || !rateIs(p.OptInRate, 0.5) {
						t.Errorf("statistics %+v", p)
					}
				case Marketing:
					if p.Granted != 4 || !rateIs(p.ConsentRate, 4.0/6) || !rateIs(p.OptInRate, 0.4) {
						t.Errorf("marketing %+v", p)
					}
				default:
					t.Errorf("purpose %s is not optional", p.Purpose)
				}
			}
		},
	}, {
		name: "GPC shares of impressions and of decisions",
		tot:  totals(10, 4, nil, PurposeCounts{}, PurposeCounts{}, GPCCounts{Impressions: 2, Decisions: 1}),
		check: func(t *testing.T, r Report) {
			if r.GPC.Impressions != 2 || !rateIs(r.GPC.ImpressionShare, 0.2) || !rateIs(r.GPC.DecisionShare, 0.25) {
				t.Errorf("gpc %+v", r.GPC)
			}
		},
	}, {
		name: "an empty range has rates of null, not 0",
		tot:  newCounts(),
		check: func(t *testing.T, r Report) {
			if r.Funnel.InteractionRate != nil || r.Funnel.NoDecisionRate != nil || r.Actions[0].Share != nil ||
				r.Purposes[0].ConsentRate != nil || r.Purposes[0].OptInRate != nil || r.GPC.ImpressionShare != nil {
				t.Errorf("rates of nothing: %+v", r)
			}
			b, _ := json.Marshal(r)
			if !strings.Contains(string(b), `"interaction_rate":null`) {
				t.Errorf("JSON %s", b)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := BuildReport(Stats{Totals: tt.tot}, Site{})
			tt.check(t, r)
			if r.Totals.Impressions != tt.tot.Impressions || r.Formulas["consent_rate"] == "" || len(r.Notes) == 0 {
				t.Errorf("the report lacks its counts, formulas or notes: %+v", r)
			}
		})
	}
}

func TestBuildReportSeriesAndBreakdowns(t *testing.T) {
	day1 := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 1)
	v1 := ConfigRevision{Version: "aaaa", Since: day1.Add(9 * time.Hour)}
	v2 := ConfigRevision{Version: "0bbb", Since: day2.Add(8 * time.Hour)}
	site := Site{ConfigVersion: v2.Version, ConfigHistory: []ConfigRevision{v1, v2}}
	buckets := []CounterBucket{
		{Start: day1, Counters: map[string]int64{
			"impressions": 6, "decisions": 4, "statistics:granted": 3, "marketing:granted": 3,
			"lang:nb:impressions": 5, "lang:nb:decisions": 3, "lang:en:impressions": 1, "lang:en:decisions": 1,
			"device:desktop:impressions": 3, "device:mobile:impressions": 3, "device:desktop:marketing:granted": 2,
			"config:aaaa:impressions": 6, "config:aaaa:decisions": 4,
		}},
		{Start: day2, Counters: map[string]int64{
			"impressions": 4, "decisions": 2, "statistics:granted": 2, "marketing:granted": 1,
			"lang:nb:impressions": 4, "lang:nb:decisions": 2,
			"config:0bbb:impressions": 4, "config:0bbb:decisions": 2, "config:0bbb:marketing:granted": 1,
			"config:ffff:impressions": 1,
		}},
	}
	r := BuildReport(BuildStats("s1", Day, day1, day2.AddDate(0, 0, 1), buckets), site)

	if len(r.Series) != 2 || r.Series[0].Impressions != 6 || r.Series[1].Decisions != 2 ||
		!rateIs(r.Series[1].ConsentRate[Statistics], 1) || !rateIs(r.Series[1].ConsentRate[Marketing], 0.5) ||
		r.Series[1].Purposes[Statistics].Granted != 2 {
		t.Errorf("series %+v", r.Series)
	}

	tests := []struct {
		name      string
		breakdown Breakdown
		keys      []string
		labels    []string
	}{
		{"languages, biggest first, by their own names", r.Languages, []string{"nb", "en"}, []string{"Norsk bokmål", "English"}},
		{"devices, ties by key", r.Devices, []string{"desktop", "mobile"}, []string{"Desktop", "Phone"}},
		{"banner versions as they came into force, unknown ones last", r.ConfigVersions, []string{"aaaa", "0bbb", "ffff"},
			[]string{"Banner of 22 Nov 2026 09:00 UTC", "Banner of 23 Nov 2026 08:00 UTC", "Version ffff"}},
	}
	for _, tt := range tests {
		rows := tt.breakdown.Rows()
		if len(rows) != len(tt.keys) {
			t.Errorf("%s: %+v", tt.name, rows)
			continue
		}
		for i, row := range rows {
			if row.Key != tt.keys[i] || row.Label != tt.labels[i] || row.Order != i {
				t.Errorf("%s: row %d is %s %q (order %d), want %s %q", tt.name, i, row.Key, row.Label, row.Order, tt.keys[i], tt.labels[i])
			}
		}
	}
	if nb := r.Languages["nb"]; nb.Impressions != 9 || nb.Decisions != 5 || !rateIs(nb.InteractionRate, 5.0/9) {
		t.Errorf("nb %+v", nb)
	}
	if d := r.Devices["desktop"]; !rateIs(d.OptInRate[Marketing], 2.0/3) || d.ConsentRate[Marketing] != nil {
		t.Errorf("desktop %+v", d)
	}
	cur, old := r.ConfigVersions["0bbb"], r.ConfigVersions["aaaa"]
	if !cur.Current || old.Current || cur.Since == nil || !cur.Since.Equal(v2.Since) || !rateIs(cur.ConsentRate[Marketing], 0.5) {
		t.Errorf("versions: current %+v, old %+v", cur, old)
	}
}

// A report decodes as Stats: clients of the admin API that read Stats keep
// working.
func TestReportReadsAsStats(t *testing.T) {
	day := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	st := BuildStats("s1", Day, day, day.AddDate(0, 0, 1), []CounterBucket{{Start: day, Counters: map[string]int64{
		"impressions": 2, "decisions": 1, "action:accept_all": 1, "statistics:granted": 1, "lang:nb:decisions": 1,
		"config:aaaa:statistics:granted": 1,
	}}})
	b, err := json.Marshal(BuildReport(st, Site{}))
	if err != nil {
		t.Fatal(err)
	}
	var back Stats
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("a report does not decode as Stats: %v", err)
	}
	if back.Totals.Decisions != 1 || back.Totals.Actions[AcceptAll] != 1 || back.Languages["nb"].Decisions != 1 ||
		back.ConfigVersions["aaaa"].Granted[Statistics] != 1 || len(back.Series) != 1 || back.Series[0].Impressions != 2 {
		t.Errorf("decoded as Stats: %+v", back)
	}
}
