package consent

import (
	"errors"
	"time"
)

// Period is a range of time read from counters: [From, To) in buckets of
// Granularity, From at a bucket start.
type Period struct {
	From, To    time.Time
	Granularity Granularity
}

// Longest periods read at once, so that one request cannot ask for years of
// hourly buckets.
const (
	MaxDayPeriod  = 800 * 24 * time.Hour
	MaxHourPeriod = 93 * 24 * time.Hour
)

// ParsePeriod reads a period as the stats endpoints take it: granularity
// "day" (the default) or "hour"; from and to as dates (2026-11-23; "to" then
// includes that day) or RFC 3339 times. Without bounds it is the last 30
// days (48 hours by hour) up to the end of the current bucket.
func ParsePeriod(granularity, from, to string, now time.Time) (Period, error) {
	p := Period{Granularity: Granularity(granularity)}
	if p.Granularity == "" {
		p.Granularity = Day
	}
	if !p.Granularity.Valid() {
		return p, Invalid("granularity", `must be "day" or "hour"`)
	}
	g := p.Granularity
	var err error
	if p.To, err = parseBound(to, true); err != nil {
		return p, Invalid("to", err.Error())
	}
	if p.To.IsZero() {
		p.To = g.Step(g.Truncate(now))
	}
	if p.From, err = parseBound(from, false); err != nil {
		return p, Invalid("from", err.Error())
	}
	if p.From.IsZero() {
		p.From = p.To.AddDate(0, 0, -30)
		if g == Hour {
			p.From = p.To.Add(-48 * time.Hour)
		}
	}
	p.From = g.Truncate(p.From)
	if !p.From.Before(p.To) {
		return p, Invalid("from", "must be before to")
	}
	return p, nil
}

// CheckSpan refuses periods too long to read at once.
func (p Period) CheckSpan() error {
	switch {
	case p.Granularity == Day && p.To.Sub(p.From) > MaxDayPeriod:
		return Invalid("from", "a daily range may span at most 800 days")
	case p.Granularity == Hour && p.To.Sub(p.From) > MaxHourPeriod:
		return Invalid("from", "an hourly range may span at most 93 days; use days instead")
	}
	return nil
}

// parseBound reads a date (the start of that day, or its end for an
// inclusive "to") or an RFC 3339 time; "" gives the zero time.
func parseBound(v string, inclusiveEnd bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if inclusiveEnd {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errors.New("must be a date such as 2026-11-23 or an RFC 3339 time such as 2026-11-23T10:00:00Z")
	}
	return t.UTC(), nil
}
