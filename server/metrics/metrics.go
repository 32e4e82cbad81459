// Package metrics defines consentd's Prometheus metrics for operators. No
// label carries a site id, consent id, raw path or Host header: those are
// unbounded, and per-site numbers belong to the dashboard, which reads them
// from the store.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Namespace prefixes every metric name.
const Namespace = "samtykke"

// Metrics holds every metric consentd records.
type Metrics struct {
	// Receipts counts receipt requests by outcome: stored, duplicate or
	// rejected (any 4xx).
	Receipts *prometheus.CounterVec
	// Decisions counts stored receipts by purpose and choice (granted, denied).
	Decisions *prometheus.CounterVec
	// Actions counts stored receipts by action.
	Actions *prometheus.CounterVec
	// Impressions counts banner displays.
	Impressions prometheus.Counter
	// StoreWrite times store writes by operation (receipt, impression,
	// tag_warnings).
	StoreWrite *prometheus.HistogramVec
	// StoreErrors counts failed store calls by operation.
	StoreErrors *prometheus.CounterVec
	// HTTPDuration times requests by route template, method and status code.
	HTTPDuration *prometheus.HistogramVec
	// InFlight is the number of requests being served.
	InFlight prometheus.Gauge
	// IngestLimited counts receipts, impressions and tag warning reports
	// refused with 429 by the per-site, per-network ingestion limit, by
	// operation (receipt, impression, tag_warnings). The site is not a
	// label: the log does not name it either, and the dashboard has the
	// site's own numbers.
	IngestLimited *prometheus.CounterVec
	// TagWarningReports counts the snippets' reports of tags to fix by
	// outcome: accepted (202) or rejected (any 4xx).
	TagWarningReports *prometheus.CounterVec
	// TagWarningsDropped counts reported tags that were not kept because
	// their site already holds consent.MaxTagWarnings others: its owner
	// has many tags to fix and has not cleared the list. Like every other
	// metric here it has no site label; the dashboard shows each site's.
	TagWarningsDropped prometheus.Counter
	// Scans are the cookie scanner's (scans.go).
	Scans *Scans
}

// Build describes the running binary for samtykke_build_info.
type Build struct {
	Version, Revision string
}

// New registers every metric on reg. Passing the registry in, instead of
// using the global one, lets each test start from zero.
func New(reg prometheus.Registerer, build Build) *Metrics {
	m := &Metrics{
		Receipts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "receipts_total",
			Help: "Receipt requests by outcome: stored, duplicate (an idempotent repeat) or rejected (4xx).",
		}, []string{"outcome"}),
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "decisions_total",
			Help: "Stored decisions by purpose and choice.",
		}, []string{"purpose", "choice"}),
		Actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "actions_total",
			Help: "Stored decisions by action.",
		}, []string{"action"}),
		Impressions: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "impressions_total",
			Help: "Banner displays reported by snippets.",
		}),
		StoreWrite: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "store_write_duration_seconds",
			Help:    "Time to write a receipt or an impression, with its counters, to the store.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 12), // 0.5 ms to 1 s
			// Native buckets where Prometheus can take them; classic ones for the rest.
			NativeHistogramBucketFactor: 1.1,
		}, []string{"op"}),
		StoreErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "store_errors_total",
			Help: "Store calls that failed, by operation.",
		}, []string{"op"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help:                        "HTTP requests by route template, method and status code.",
			Buckets:                     prometheus.ExponentialBuckets(0.0005, 2, 14),
			NativeHistogramBucketFactor: 1.1,
		}, []string{"route", "method", "code"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		IngestLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "ingest_rate_limited_total",
			Help: "Receipts, impressions and tag warning reports refused with 429 by the per-site, per-network limit (SAMTYKKE_INGEST_RATE), by operation.",
		}, []string{"op"}),
		TagWarningReports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "tag_warning_reports_total",
			Help: "Reports of tags to fix (tracker tags pasted unmarked) by outcome: accepted or rejected (4xx).",
		}, []string{"outcome"}),
		TagWarningsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "tag_warnings_dropped_total",
			Help: "Reported tags not kept because their site's list of tags to fix was full.",
		}),
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help:        "Always 1; labels describe the running build.",
		ConstLabels: prometheus.Labels{"version": build.Version, "revision": build.Revision, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)
	m.Scans = newScans(reg)
	reg.MustRegister(m.Receipts, m.Decisions, m.Actions, m.Impressions, m.StoreWrite,
		m.StoreErrors, m.HTTPDuration, m.InFlight, m.IngestLimited, m.TagWarningReports, m.TagWarningsDropped, buildInfo)
	// Series with zero values from the start, so that rate() and alerts work
	// before the first event of each kind.
	for _, o := range []string{"stored", "duplicate", "rejected"} {
		m.Receipts.WithLabelValues(o)
	}
	for _, op := range []string{"receipt", "impression", "tag_warnings"} {
		m.StoreErrors.WithLabelValues(op)
		m.IngestLimited.WithLabelValues(op)
	}
	for _, o := range []string{"accepted", "rejected"} {
		m.TagWarningReports.WithLabelValues(o)
	}
	return m
}

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Label values of the request histogram come from fixed sets, whatever the
// client sends: every distinct value is a series kept for the life of the
// process, so a label a client controls is a memory leak anyone can drive.

// methods are the request methods of RFC 9110 and PATCH.
var methods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true,
}

// Method returns m when it is a standard method and "other" otherwise.
func Method(m string) string {
	if methods[m] {
		return m
	}
	return "other"
}

// Code returns a response status as a label value: the code when it is one
// net/http knows, "other" for anything else a handler might write.
func Code(status int) string {
	if http.StatusText(status) == "" {
		return "other"
	}
	return strconv.Itoa(status)
}
