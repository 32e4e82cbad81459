package consent

import (
	"sort"
	"strings"
	"time"
)

// Counter field names. Every receipt and impression adds 1 to a handful of
// named counters in its site's day and hour buckets; the store increments them
// in the same atomic write that stores the receipt, and the dashboard reads
// them back. Names are "dimension:value:measure" so that one flat hash per
// bucket holds everything and stays bounded: languages, device classes,
// purposes and actions are fixed sets, and config versions are only ever the
// site's own (receipts naming an unknown version are refused).
const (
	fieldImpressions = "impressions"
	fieldDecisions   = "decisions"
	measureGranted   = "granted"
	measureDenied    = "denied"
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

// dimensions returns the breakdown prefixes an event is counted under.
func dimensions(lang string, device DeviceClass, configVersion string) []string {
	return []string{"lang:" + lang + ":", "device:" + string(device) + ":", "config:" + configVersion + ":"}
}

// CounterFields lists the counters one receipt adds to.
func (r Receipt) CounterFields() []string {
	f := []string{fieldDecisions, "action:" + string(r.Action)}
	if r.GPC {
		f = append(f, "gpc:"+fieldDecisions)
	}
	for _, p := range OptionalPurposes {
		m := measureDenied
		if r.Choices.Granted(p) {
			m = measureGranted
		}
		f = append(f, string(p)+":"+m)
	}
	for _, d := range dimensions(r.Language, r.Device, r.ConfigVersion) {
		f = append(f, d+fieldDecisions)
		for _, p := range OptionalPurposes {
			if r.Choices.Granted(p) {
				f = append(f, d+string(p)+":"+measureGranted)
			}
		}
	}
	return f
}

// CounterFields lists the counters one impression adds to.
func (imp Impression) CounterFields() []string {
	f := []string{fieldImpressions}
	if imp.GPC {
		f = append(f, "gpc:"+fieldImpressions)
	}
	for _, d := range dimensions(imp.Language, imp.Device, imp.ConfigVersion) {
		f = append(f, d+fieldImpressions)
	}
	return f
}

// CounterBucket is one stored bucket: its start and its raw counters.
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
