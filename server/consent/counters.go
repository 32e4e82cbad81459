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

// ParseCounter reads a stored name back into the Counter it names, the
// inverse of String; false for a name no Counter has, which BuildStats
// skips. A breakdown's value ends at the first colon, as String writes it.
func ParseCounter(name string) (Counter, bool) {
	head, rest, _ := strings.Cut(name, ":")
	switch d := Dimension(head); d {
	case ByLanguage, ByDevice, ByConfigVersion:
		value, m, ok := strings.Cut(rest, ":")
		if !ok {
			return Counter{}, false
		}
		c, ok := parseMeasure(m)
		c.Dimension, c.Value = d, value
		return c, ok
	}
	switch head {
	case "action":
		if rest == "" || strings.Contains(rest, ":") {
			return Counter{}, false
		}
		return Counter{Action: Action(rest)}, true
	case "gpc":
		c, ok := parseMeasure(rest)
		if !ok || c.Purpose != "" {
			return Counter{}, false
		}
		c.GPC = true
		return c, true
	}
	return parseMeasure(name)
}

// parseMeasure reads "impressions", "decisions" or "<purpose>:granted" and
// "<purpose>:denied".
func parseMeasure(s string) (Counter, bool) {
	if m := Measure(s); m == MeasureImpressions || m == MeasureDecisions {
		return Counter{Measure: m}, true
	}
	p, m, ok := strings.Cut(s, ":")
	if !ok || p == "" || (Measure(m) != MeasureGranted && Measure(m) != MeasureDenied) {
		return Counter{}, false
	}
	return Counter{Purpose: Purpose(p), Measure: Measure(m)}, true
}

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

// add folds one of the site's total counters into c.
func (c *Counts) add(k Counter, n int64) {
	switch {
	case k.Action != "":
		c.Actions[k.Action] += n
	case k.Purpose != "":
		pc, ok := c.Purposes[k.Purpose]
		if !ok {
			return
		}
		if k.Measure == MeasureGranted {
			pc.Granted += n
		} else {
			pc.Denied += n
		}
		c.Purposes[k.Purpose] = pc
	case k.GPC && k.Measure == MeasureImpressions:
		c.GPC.Impressions += n
	case k.GPC:
		c.GPC.Decisions += n
	case k.Measure == MeasureImpressions:
		c.Impressions += n
	default:
		c.Decisions += n
	}
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
		for _, name := range keys {
			k, ok := ParseCounter(name)
			switch {
			case !ok:
				// Not a counter this version writes: skip it.
			case k.Dimension != "":
				s.addSegment(k, fields[name])
			default:
				p.Counts.add(k, fields[name])
				s.Totals.add(k, fields[name])
			}
		}
		s.Series = append(s.Series, p)
	}
	return s
}

// addSegment folds a breakdown counter such as the one named
// "lang:nb:statistics:granted".
func (s *Stats) addSegment(k Counter, n int64) {
	var target map[string]SegmentCounts
	switch k.Dimension {
	case ByLanguage:
		target = s.Languages
	case ByDevice:
		target = s.Devices
	case ByConfigVersion:
		target = s.ConfigVersions
	default:
		return
	}
	seg, ok := target[k.Value]
	if !ok {
		seg = SegmentCounts{Granted: map[Purpose]int64{Statistics: 0, Marketing: 0}}
	}
	switch {
	case k.Purpose == "" && k.Measure == MeasureImpressions:
		seg.Impressions += n
	case k.Purpose == "" && k.Measure == MeasureDecisions:
		seg.Decisions += n
	case k.Measure == MeasureGranted:
		seg.Granted[k.Purpose] += n
	}
	target[k.Value] = seg
}
