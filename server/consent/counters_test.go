package consent

import (
	"reflect"
	"testing"
)

// CounterFields decides which stored counters a receipt or impression adds
// to; the names are what is already stored in every bucket (see
// Counter.String), so the table spells them out.
func TestCounterFields(t *testing.T) {
	names := func(cs []Counter) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.String()
		}
		return out
	}
	receipts := []struct {
		name string
		r    Receipt
		want []string
	}{
		{"custom, statistics only", Receipt{Action: Custom, Choices: Choices{Necessary: true, Statistics: true}, Language: "nb", Device: Mobile, ConfigVersion: "v1"}, []string{
			"decisions", "action:custom", "statistics:granted", "marketing:denied",
			"lang:nb:decisions", "lang:nb:statistics:granted",
			"device:mobile:decisions", "device:mobile:statistics:granted",
			"config:v1:decisions", "config:v1:statistics:granted",
		}},
		{"accept all", Receipt{Action: AcceptAll, Choices: Choices{Necessary: true, Statistics: true, Marketing: true}, Language: "sv", Device: Desktop, ConfigVersion: "abc"}, []string{
			"decisions", "action:accept_all", "statistics:granted", "marketing:granted",
			"lang:sv:decisions", "lang:sv:statistics:granted", "lang:sv:marketing:granted",
			"device:desktop:decisions", "device:desktop:statistics:granted", "device:desktop:marketing:granted",
			"config:abc:decisions", "config:abc:statistics:granted", "config:abc:marketing:granted",
		}},
		// A refusal counts no breakdown "denied": the rate is granted ÷ decisions.
		{"gpc", Receipt{Action: GPC, GPC: true, Choices: Choices{Necessary: true}, Language: "da", Device: Tablet, ConfigVersion: "v2"}, []string{
			"decisions", "action:gpc", "gpc:decisions", "statistics:denied", "marketing:denied",
			"lang:da:decisions", "device:tablet:decisions", "config:v2:decisions",
		}},
	}
	for _, tt := range receipts {
		if got := names(tt.r.CounterFields()); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: CounterFields\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}

	impressions := []struct {
		imp  Impression
		want []string
	}{
		{Impression{Language: "fi", Device: Mobile, ConfigVersion: "v1"}, []string{
			"impressions", "lang:fi:impressions", "device:mobile:impressions", "config:v1:impressions",
		}},
		{Impression{Language: "en", Device: Desktop, ConfigVersion: "v3", GPC: true}, []string{
			"impressions", "gpc:impressions", "lang:en:impressions", "device:desktop:impressions", "config:v3:impressions",
		}},
	}
	for _, tt := range impressions {
		if got := names(tt.imp.CounterFields()); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v: CounterFields\n%q\nwant\n%q", tt.imp, got, tt.want)
		}
	}
}

// Every counter CounterFields writes is read back by BuildStats into the
// number it stands for.
func TestCounterFieldsReadBack(t *testing.T) {
	r := Receipt{Action: RejectAll, GPC: true, Choices: Choices{Necessary: true}, Language: "de", Device: Tablet, ConfigVersion: "v7"}
	imp := Impression{Language: "de", Device: Tablet, ConfigVersion: "v7", GPC: true}
	dayStart := Day.Truncate(testRequest.Now)
	fields := map[string]int64{}
	for _, c := range append(r.CounterFields(), imp.CounterFields()...) {
		fields[c.String()]++
	}
	s := BuildStats("shop", Day, dayStart, Day.Step(dayStart), []CounterBucket{{Start: dayStart, Counters: fields}})
	tot := s.Totals
	if tot.Impressions != 1 || tot.Decisions != 1 || tot.Actions[RejectAll] != 1 || tot.GPC != (GPCCounts{1, 1}) ||
		tot.Purposes[Statistics] != (PurposeCounts{Denied: 1}) || tot.Purposes[Marketing] != (PurposeCounts{Denied: 1}) {
		t.Errorf("totals: %+v", tot)
	}
	for name, seg := range map[string]SegmentCounts{"language": s.Languages["de"], "device": s.Devices["tablet"], "config": s.ConfigVersions["v7"]} {
		if seg.Impressions != 1 || seg.Decisions != 1 || seg.Granted[Statistics] != 0 || seg.Granted[Marketing] != 0 {
			t.Errorf("%s breakdown: %+v", name, seg)
		}
	}
}

// ParseCounter is the inverse of String for every counter written, and
// refuses names no counter has (BuildStats skips them).
func TestParseCounter(t *testing.T) {
	var written []Counter
	for _, a := range Actions {
		for _, gpc := range []bool{false, true} {
			r := Receipt{Action: a, GPC: gpc, Choices: Choices{Necessary: true, Statistics: true}, Language: "nn", Device: Desktop, ConfigVersion: "9f86d081884c7d65"}
			written = append(written, r.CounterFields()...)
			written = append(written, Impression{Language: "nn", Device: Desktop, ConfigVersion: "v1", GPC: gpc}.CounterFields()...)
		}
	}
	for _, c := range written {
		if got, ok := ParseCounter(c.String()); !ok || got != c {
			t.Errorf("ParseCounter(%q) = %+v, %v; want %+v", c.String(), got, ok, c)
		}
	}
	for _, name := range []string{
		"", "x", "impression", "action:", "action:a:b", "gpc:", "gpc:statistics:granted", "gpc:x",
		"statistics", "statistics:maybe", ":granted", "lang:nb", "lang:nb:", "lang:nb:x", "device::granted",
	} {
		if c, ok := ParseCounter(name); ok {
			t.Errorf("ParseCounter(%q) = %+v, want no counter", name, c)
		}
	}
}
