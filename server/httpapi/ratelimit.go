package httpapi

import (
	"math"
	"net/http"
	"sync"
	"time"
)

// The ingestion limit: a token bucket per site and network (the /24 or /48
// that consent.TruncateIP keeps, the same cut the receipts store), shared
// by receipts and impressions. A browser sends one impression and one
// decision per page view that shows the banner, and its outbox retries a
// refused receipt a few times over minutes; even a whole office or mobile
// carrier network behind one /24 visiting the same site stays far below the
// default of 10 per second with bursts of 200. A script replaying receipts
// with a forged Origin (4,000 in 4 s were seen) meets it at once.
//
// The limit is per replica: behind N replicas a network gets up to N times
// the rate, which is still a bound.

// IngestBurstSeconds is how many seconds of the rate a bucket holds, i.e.
// the burst a network may send to a site at once.
const IngestBurstSeconds = 20

// limiterMaxEntries bounds the limiter's memory (about 100 bytes an entry)
// whatever the number of networks and sites that send: when full, an
// arbitrary entry is dropped, which at worst gives that network a fresh
// burst.
const limiterMaxEntries = 100_000

// limiterSweepEvery is how often idle entries are removed.
const limiterSweepEvery = time.Minute

type limiterKey struct{ site, network string }

type bucket struct {
	tokens float64
	at     time.Time
}

type ingestLimiter struct {
	rate, burst float64
	now         func() time.Time
	max         int

	mu      sync.Mutex
	buckets map[limiterKey]bucket
	swept   time.Time
}

func newIngestLimiter(rate float64, now func() time.Time) *ingestLimiter {
	return &ingestLimiter{rate: rate, burst: math.Max(1, rate*IngestBurstSeconds), now: now,
		max: limiterMaxEntries, buckets: map[limiterKey]bucket{}, swept: now()}
}

// allow takes a token for site and network. When none is left it says how
// long until one is.
func (l *ingestLimiter) allow(site, network string) (bool, time.Duration) {
	now := l.now()
	k := limiterKey{site, network}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= limiterSweepEvery {
		l.sweep(now)
	}
	b, ok := l.buckets[k]
	if !ok {
		if len(l.buckets) >= l.max {
			l.sweep(now)
			for victim := range l.buckets {
				if len(l.buckets) < l.max {
					break
				}
				delete(l.buckets, victim)
			}
		}
		b = bucket{tokens: l.burst, at: now}
	}
	b.tokens = l.refill(b, now)
	b.at = now
	if b.tokens < 1 {
		l.buckets[k] = b
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	l.buckets[k] = b
	return true, 0
}

func (l *ingestLimiter) refill(b bucket, now time.Time) float64 {
	if d := now.Sub(b.at); d > 0 {
		return math.Min(l.burst, b.tokens+d.Seconds()*l.rate)
	}
	return b.tokens
}

// sweep removes the buckets that have filled up again: a full bucket is
// what a network without an entry gets, so dropping it changes nothing.
func (l *ingestLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if l.refill(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// size is the number of entries (for tests).
func (l *ingestLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// rateLimited is the 429 answer; wait is rounded up to whole seconds for
// Retry-After.
func rateLimited(wait time.Duration) *Error {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	e := NewError(http.StatusTooManyRequests, "rate_limited",
		"too many receipts and impressions for this site from your network; nothing was stored, retry after %d s", secs)
	e.RetryAfter = secs
	return e
}
