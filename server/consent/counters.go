package consent

import (
	"sort"
	"strings"
	"time"
)

// Counters. Every receipt and impression adds 1 to a handful of counters in
// its site's day and hour buckets; the store increments them in the same
// atomic write that stores the receipt, and the dashboard reads them back.
// The domain hands stores typed Counters; only the store turns them into
// names (Counter.String), "dimension:value:measure", so that one flat hash
// per bucket holds everything and stays bounded: languages, device classes,
// purposes and actions are fixed sets, and config versions are only ever the
// site's own (receipts naming an unknown version are refused).

// Measure is what a counter counts.
type Measure string

const (
	MeasureImpressions Measure = "impressions"
	MeasureDecisions   Measure = "decisions"
	MeasureGranted     Measure = "granted" // decisions granting Counter.Purpose
	MeasureDenied      Measure = "denied"  // decisions denying Counter.Purpose
)

// Dimension is a breakdown of the counts: by language, device class or
// config version.
type Dimension string

const (
	ByLanguage      Dimension = "lang"
	ByDevice        Dimension = "device"
	ByConfigVersion Dimension = "config"
)

// Counter names one counter. The zero Dimension, GPC false and no Action
// is one of the site's totals.
type Counter struct {
	// Dimension and Value, when set, put the counter in a breakdown:
	// language "nb", device class "mobile" or one config version.
	Dimension Dimension
	Value     string
	// GPC counts only browsers sending Global Privacy Control.
	GPC bool
	// Action, when set, counts the decisions taken with it; Measure is
	// then implied.
	Action Action
	// Purpose is the purpose granted or denied, with MeasureGranted or
	// MeasureDenied.
	Purpose Purpose
	Measure Measure
}

// String is the counter's stored name, such as "decisions",
// "action:accept_all", "gpc:impressions", "statistics:granted" or
// "lang:nb:statistics:granted". Stored data holds these names: changing one
// loses the counts already stored under it.
func (c Counter) String() string {
	if c.Action != "" {
		return "action:" + string(c.Action)
	}
	var prefix string
	switch {
	case c.GPC:
		prefix = "gpc:"
	case c.Dimension != "":
		prefix = string(c.Dimension) + ":" + c.Value + ":"
	}
	if c.Purpose != "" {
		return prefix + string(c.Purpose) + ":" + string(c.Measure)
	}
	return prefix + string(c.Measure)
}

// Names of stored counters that BuildStats reads back.
const (
	fieldImpressions = string(MeasureImpressions)
	fieldDecisions   = string(MeasureDecisions)
	measureGranted   = string(MeasureGranted)
	measureDenied    = string(MeasureDenied)
)

// Granularity is the size of a counter bucket.
type Granularity string

const (
	Day  Granularity = "day"
	Hour Granularity = "hour"
)

// Valid reports whether g is day or hour.
func (g Granularity) Valid() bool { return g == Day || g == Hour }

// Truncate returns the start of the bucket holding t, in UTC.
func (g Granularity) Truncate(t time.Time) time.Time {
	t = t.UTC()
	if g == Hour {
		return t.Truncate(time.Hour)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Step returns the start of the bucket after the one starting at t.
func (g Granularity) Step(t time.Time) time.Time {
	if g == Hour {
		return t.Add(time.Hour)
	}
	return t.AddDate(0, 0, 1)
}

// How long counters are kept. Daily buckets cover two years so that a
// marketer can compare with the same month last year; hourly ones a quarter.
const (
	DayCounterRetention  = 2*366*24*time.Hour + 31*24*time.Hour
	HourCounterRetention = 92 * 24 * time.Hour
)

// Retention returns how long buckets of this size are kept.
func (g Granularity) Retention() time.Duration {
	if g == Hour {
		return HourCounterRetention
	}
	return DayCounterRetention
}

// breakdowns returns the breakdown counters an event is counted under,
// each still to be given its measure (and purpose).
func breakdowns(lang string, device DeviceClass, configVersion string) [3]Counter {
	return [3]Counter{
		{Dimension: ByLanguage, Value: lang},
		{Dimension: ByDevice, Value: string(device)},
		{Dimension: ByConfigVersion, Value: configVersion},
	}
}

// CounterFields lists the counters one receipt adds to.
func (r Receipt) CounterFields() []Counter {
	f := []Counter{{Measure: MeasureDecisions}, {Action: r.Action}}
	if r.GPC {
		f = append(f, Counter{GPC: true, Measure: MeasureDecisions})
	}
	for _, p := range OptionalPurposes {
		m := MeasureDenied
		if r.Choices.Granted(p) {
			m = MeasureGranted
		}
		f = append(f, Counter{Purpose: p, Measure: m})
	}
	for _, d := range breakdowns(r.Language, r.Device, r.ConfigVersion) {
		d.Measure = MeasureDecisions
		f = append(f, d)
		for _, p := range OptionalPurposes {
			if r.Choices.Granted(p) {
				d.Purpose, d.Measure = p, MeasureGranted
				f = append(f, d)
			}
		}
	}
	return f
}

// CounterFields lists the counters one impression adds to.
func (imp Impression) CounterFields() []Counter {
	f := []Counter{{Measure: MeasureImpressions}}
	if imp.GPC {
		f = append(f, Counter{GPC: true, Measure: MeasureImpressions})
	}
	for _, d := range breakdowns(imp.Language, imp.Device, imp.ConfigVersion) {
		d.Measure = MeasureImpressions
		f = append(f, d)
	}
	return f
}

// CounterBucket is one stored bucket: its start and its counters by stored
// name (Counter.String).
type CounterBucket struct {
	Start    time.Time
	Counters map[string]int64
}

// Counts are the numbers of one bucket or of a whole range.
type Counts struct {
	Impressions int64                     `json:"impressions"`
	Decisions   int64                     `json:"decisions"`
	Actions     map[Action]int64          `json:"actions"`
	Purposes    map[Purpose]PurposeCounts `json:"purposes"`
	GPC         GPCCounts                 `json:"gpc"`
}

// PurposeCounts counts decisions that granted or denied one purpose.
type PurposeCounts struct {
	Granted int64 `json:"granted"`
	Denied  int64 `json:"denied"`
}

// GPCCounts counts impressions and decisions from browsers sending GPC.
type GPCCounts struct {
	Impressions int64 `json:"impressions"`
	Decisions   int64 `json:"decisions"`
}

// SegmentCounts are the numbers for one value of a breakdown (one language,
// one device class, one config version).
type SegmentCounts struct {
	Impressions int64             `json:"impressions"`
	Decisions   int64             `json:"decisions"`
	Granted     map[Purpose]int64 `json:"granted"`
}

// Point is one bucket of the trend series.
type Point struct {
	Start time.Time `json:"start"`
	Counts
}

// Stats answers the dashboard's question for one site and range.
type Stats struct {
	SiteID         string                   `json:"site_id"`
	From           time.Time                `json:"from"`
	To             time.Time                `json:"to"`
	Granularity    Granularity              `json:"granularity"`
	Totals         Counts                   `json:"totals"`
	Series         []Point                  `json:"series"`
	Languages      map[string]SegmentCounts `json:"languages"`
	Devices        map[string]SegmentCounts `json:"devices"`
	ConfigVersions map[string]SegmentCounts `json:"config_versions"`
}

func newCounts() Counts {
	c := Counts{Actions: map[Action]int64{}, Purposes: map[Purpose]PurposeCounts{}}
	for _, a := range Actions {
		c.Actions[a] = 0
	}
	for _, p := range OptionalPurposes {
		c.Purposes[p] = PurposeCounts{}
	}
	return c
}

// add folds one raw counter into c; it reports false for breakdown fields.
func (c *Counts) add(field string, n int64) bool {
	switch field {
	case fieldImpressions:
		c.Impressions += n
	case fieldDecisions:
		c.Decisions += n
	case "gpc:" + fieldImpressions:
		c.GPC.Impressions += n
	case "gpc:" + fieldDecisions:
		c.GPC.Decisions += n
	default:
		parts := strings.Split(field, ":")
		if len(parts) != 2 {
			return false
		}
		if parts[0] == "action" {
			c.Actions[Action(parts[1])] += n
			return true
		}
		p := Purpose(parts[0])
		pc, ok := c.Purposes[p]
		if !ok {
			return false
		}
		switch parts[1] {
		case measureGranted:
			pc.Granted += n
		case measureDenied:
			pc.Denied += n
		}
		c.Purposes[p] = pc
	}
	return true
}

// BuildStats folds raw buckets into Stats. The series has one point per
// bucket in [from, to), zeros included, so a chart needs no gap filling.
func BuildStats(siteID string, g Granularity, from, to time.Time, buckets []CounterBucket) Stats {
	s := Stats{
		SiteID: siteID, From: from, To: to, Granularity: g,
		Totals:         newCounts(),
		Series:         []Point{},
		Languages:      map[string]SegmentCounts{},
		Devices:        map[string]SegmentCounts{},
		ConfigVersions: map[string]SegmentCounts{},
	}
	byStart := map[int64]map[string]int64{}
	for _, b := range buckets {
		byStart[g.Truncate(b.Start).Unix()] = b.Counters
	}
	for t := g.Truncate(from); t.Before(to); t = g.Step(t) {
		p := Point{Start: t, Counts: newCounts()}
		fields := byStart[t.Unix()]
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n := fields[k]
			if p.Counts.add(k, n) {
				s.Totals.add(k, n)
				continue
			}
			s.addSegment(k, n)
		}
		s.Series = append(s.Series, p)
	}
	return s
}

// addSegment folds a breakdown field such as "lang:nb:statistics:granted".
func (s *Stats) addSegment(field string, n int64) {
	var target map[string]SegmentCounts
	var rest string
	switch {
	case strings.HasPrefix(field, "lang:"):
		target, rest = s.Languages, field[len("lang:"):]
	case strings.HasPrefix(field, "device:"):
		target, rest = s.Devices, field[len("device:"):]
	case strings.HasPrefix(field, "config:"):
		target, rest = s.ConfigVersions, field[len("config:"):]
	default:
		return
	}
	value, measure, ok := strings.Cut(rest, ":")
	if !ok {
		return
	}
	seg, ok := target[value]
	if !ok {
		seg = SegmentCounts{Granted: map[Purpose]int64{Statistics: 0, Marketing: 0}}
	}
	switch measure {
	case fieldImpressions:
		seg.Impressions += n
	case fieldDecisions:
		seg.Decisions += n
	default:
		if p, m, ok := strings.Cut(measure, ":"); ok && m == measureGranted {
			seg.Granted[Purpose(p)] += n
		}
	}
	target[value] = seg
}
