package consent

import (
	"strings"
	"testing"
	"time"
)

// FuzzParsePeriod: a period is refused with an error naming granularity,
// from or to, or it is a non-empty range starting at a bucket boundary that
// parses back to itself from its own RFC 3339 bounds.
func FuzzParsePeriod(f *testing.F) {
	f.Add("", "", "", int64(1795429800))
	f.Add("hour", "2026-11-23T08:15:00Z", "2026-11-23T10:00:00Z", int64(1795429800))
	f.Add("day", "2026-11-23T08:15:00+01:00", "2026-11-24", int64(0))
	f.Add("week", "", "", int64(1795429800))
	f.Add("", "2026-11-23", "2026-11-01", int64(1795429800))
	f.Add("day", "9999-12-31", "", int64(-62135596800))
	f.Fuzz(func(t *testing.T, g, from, to string, unix int64) {
		// Any instant from year 1 to 9999.
		const lo, hi = -62135596800, 253402300799
		unix = lo + (unix%(hi-lo)+(hi-lo))%(hi-lo)
		now := time.Unix(unix, 0).UTC()
		p, err := ParsePeriod(g, from, to, now)
		if err != nil {
			requireFieldErrors(t, err, oneOf("granularity", "from", "to"))
			if (g == "" || g == "day" || g == "hour") == strings.Contains(err.Error(), "granularity") {
				t.Fatalf("granularity %q: %v", g, err)
			}
			return
		}
		if !p.Granularity.Valid() || (g != "" && string(p.Granularity) != g) {
			t.Fatalf("granularity %q parsed as %q", g, p.Granularity)
		}
		if !p.From.Before(p.To) || !p.From.Equal(p.Granularity.Truncate(p.From)) {
			t.Fatalf("period %v to %v by %s is empty or does not start a bucket", p.From, p.To, p.Granularity)
		}
		if p.From.Location() != time.UTC || p.To.Location() != time.UTC {
			t.Fatalf("period %v to %v is not in UTC", p.From, p.To)
		}
		if from == "" && to == "" {
			if want := p.Granularity.Step(p.Granularity.Truncate(now)); !p.To.Equal(want) {
				t.Fatalf("default end %v, want %v", p.To, want)
			}
		}
		if p.From.Year() < 1 || p.To.Year() > 9999 {
			return // RFC 3339 cannot write it
		}
		again, err := ParsePeriod(string(p.Granularity), p.From.Format(time.RFC3339), p.To.Format(time.RFC3339), now)
		if err != nil || !again.From.Equal(p.From) || !again.To.Equal(p.To) || again.Granularity != p.Granularity {
			t.Fatalf("period %+v parsed back as %+v, %v", p, again, err)
		}
		if err := p.CheckSpan(); err != nil {
			requireFieldErrors(t, err, oneOf("from"))
		}
	})
}
