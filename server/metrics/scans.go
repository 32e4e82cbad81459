package metrics

import "github.com/prometheus/client_golang/prometheus"

// Scans are the cookie scanner's metrics (server/scanner). Like the rest,
// no label names a site: the dashboard shows each site's scans.
type Scans struct {
	// Finished counts scans this replica ran to the end, by outcome (done
	// or failed).
	Finished *prometheus.CounterVec
	// OpenViolations is, per outcome of each site's latest finished scan,
	// the violations that scan found (a failed scan finds none, so its
	// outcome counts the sites whose state is unknown in Sites instead).
	// Every replica computes it from the shared store on its schedule
	// round, so all replicas agree; alert on the max.
	OpenViolations *prometheus.GaugeVec
	// Sites counts sites by the outcome of their latest finished scan.
	Sites *prometheus.GaugeVec
}

func newScans(reg prometheus.Registerer) *Scans {
	s := &Scans{
		Finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "scans_total",
			Help: "Cookie scans this replica finished, by outcome (done, failed).",
		}, []string{"outcome"}),
		OpenViolations: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "scan_open_violations",
			Help: "Violations (statistics or marketing before consent or after a reject) in every site's latest finished scan, summed by that scan's outcome.",
		}, []string{"outcome"}),
		Sites: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "scan_sites",
			Help: "Sites by the outcome of their latest finished cookie scan (done, failed).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(s.Finished, s.OpenViolations, s.Sites)
	for _, o := range []string{"done", "failed"} {
		s.Finished.WithLabelValues(o)
		s.OpenViolations.WithLabelValues(o)
		s.Sites.WithLabelValues(o)
	}
	return s
}
