package httpapi

import (
	"strconv"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/internal/clocktest"
)

// The limiter's memory is bounded: idle entries go, and a flood of new
// networks cannot grow it past its cap.
func TestIngestLimiterMemoryIsBounded(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	l := newIngestLimiter(1, clk.Now)
	for i := 0; i < 1000; i++ {
		l.allow("site", "198.51."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256))
	}
	if l.size() != 1000 {
		t.Fatalf("%d entries after 1000 networks, want 1000", l.size())
	}
	// Full again after IngestBurstSeconds; swept at the next call a
	// minute on.
	clk.Advance(limiterSweepEvery)
	l.allow("site", "203.0.113.0")
	if l.size() != 1 {
		t.Errorf("%d entries after every bucket refilled, want 1", l.size())
	}

	l = newIngestLimiter(1, clk.Now)
	l.max = 100
	for i := 0; i < 5000; i++ {
		if ok, _ := l.allow("site", "net"+strconv.Itoa(i)); !ok {
			t.Fatalf("a new network was refused")
		}
	}
	if l.size() > 100 {
		t.Errorf("%d entries, over the cap of 100", l.size())
	}
}

func TestIngestLimiterRetryAfter(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	l := newIngestLimiter(0.1, clk.Now) // one per 10 s, burst 2
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("s", "n"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("s", "n")
	if ok || wait != 10*time.Second {
		t.Fatalf("over the limit: ok %v, wait %v; want a refusal and 10 s", ok, wait)
	}
	if e := rateLimited(wait); e.RetryAfter != 10 || e.Status != 429 {
		t.Errorf("answer %+v", e)
	}
	clk.Advance(4 * time.Second)
	if _, wait := l.allow("s", "n"); wait.Round(time.Millisecond) != 6*time.Second {
		t.Errorf("4 s later: wait %v, want 6 s", wait)
	}
	if e := rateLimited(time.Millisecond); e.RetryAfter != 1 {
		t.Errorf("Retry-After of a short wait is %d, want 1", e.RetryAfter)
	}
}
