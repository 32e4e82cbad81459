package consent

import (
	"errors"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)
	d := func(m time.Month, day, hour int) time.Time { return time.Date(2026, m, day, hour, 0, 0, 0, time.UTC) }
	tests := []struct {
		g, from, to string
		want        Period
		field       string // the field an error names, or ""
	}{
		{"", "", "", Period{d(10, 25, 0), d(11, 24, 0), Day}, ""},
		{"hour", "", "", Period{d(11, 21, 11), d(11, 23, 11), Hour}, ""},
		{"day", "2026-11-01", "2026-11-23", Period{d(11, 1, 0), d(11, 24, 0), Day}, ""},
		{"hour", "2026-11-23T08:15:00Z", "2026-11-23T10:00:00Z", Period{d(11, 23, 8), d(11, 23, 10), Hour}, ""},
		{"day", "2026-11-23T08:15:00+01:00", "2026-11-24", Period{d(11, 23, 0), d(11, 25, 0), Day}, ""},
		{"week", "", "", Period{}, "granularity"},
		{"", "yesterday", "", Period{}, "from"},
		{"", "", "2026-13-01", Period{}, "to"},
		{"", "2026-11-23", "2026-11-01", Period{}, "from"},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.g, tt.from, tt.to, now)
		if tt.field != "" {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != tt.field {
				t.Errorf("ParsePeriod(%q, %q, %q) error = %v, want one naming %s", tt.g, tt.from, tt.to, err, tt.field)
			}
			continue
		}
		if err != nil || !got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) || got.Granularity != tt.want.Granularity {
			t.Errorf("ParsePeriod(%q, %q, %q) = %+v, %v; want %+v", tt.g, tt.from, tt.to, got, err, tt.want)
		}
	}
}

func TestPeriodCheckSpan(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		g, from string
		ok      bool
	}{
		{"day", "2025-01-01", true},
		{"day", "2024-01-01", false},
		{"hour", "2026-09-01", true},
		{"hour", "2026-01-01", false},
	} {
		p, err := ParsePeriod(tt.g, tt.from, "2026-11-23", now)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.CheckSpan(); (err == nil) != tt.ok {
			t.Errorf("%s from %s: CheckSpan() = %v, want ok=%v", tt.g, tt.from, err, tt.ok)
		}
	}
}
