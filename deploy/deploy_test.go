// Package deploy_test checks every file under deploy/ against the code it
// deploys. No Docker engine or Kubernetes cluster runs where the tests run,
// so each file is parsed and the values that must agree with consentd are
// compared with what the code really has: the default port and every
// SAMTYKKE_* variable (from server/config itself), the routes the probes
// and scrapes use (from the echo instance httpapi.New builds), and every
// metric the dashboard and the alerts query (from the registry
// metrics.New fills). Tools are used when installed: redis-server checks
// redis.conf for real, promtool checks the Prometheus files.
package deploy_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"

	"github.com/samtykke/samtykke/server/config"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/store/boltstore"
)

// codeFacts are the values the deploy files must agree with, read from the
// code rather than copied into this test.
type codeFacts struct {
	// port is the port of config's default SAMTYKKE_ADDR.
	port string
	// shutdownTimeout is config's default SAMTYKKE_SHUTDOWN_TIMEOUT.
	shutdownTimeout time.Duration
	// env holds every SAMTYKKE_* variable config.Load reads.
	env map[string]bool
	// routes maps each registered path template to its methods.
	routes map[string]map[string]bool
	// opsRoutes is routes of the operators' listener (SAMTYKKE_METRICS_ADDR,
	// httpapi.Ops).
	opsRoutes map[string]map[string]bool
	// series maps each exposed series name (histograms as _bucket, _sum and
	// _count) to its label names.
	series map[string]map[string]bool
}

var (
	factsOnce sync.Once
	facts     codeFacts
	factsErr  error
)

func code(t *testing.T) codeFacts {
	t.Helper()
	factsOnce.Do(func() { facts, factsErr = gatherFacts() })
	if factsErr != nil {
		t.Fatal(factsErr)
	}
	return facts
}

func gatherFacts() (codeFacts, error) {
	f := codeFacts{env: map[string]bool{}, routes: map[string]map[string]bool{}, opsRoutes: map[string]map[string]bool{},
		series: map[string]map[string]bool{}}

	// Every variable config.Load asks for, and the defaults.
	cfg, err := config.Load(nil, func(k string) string { f.env[k] = true; return "" }, io.Discard)
	if err != nil {
		return f, err
	}
	_, f.port, err = net.SplitHostPort(cfg.Addr)
	if err != nil {
		return f, err
	}
	f.shutdownTimeout = cfg.ShutdownTimeout
	if len(f.env) < 5 || !f.env["SAMTYKKE_ADDR"] {
		return f, errors.New("config.Load read too few variables; did it stop using getenv?")
	}

	// The registry exactly as consentd builds it (main.go: metrics.NewRegistry
	// then metrics.New), with the collectors recorded so that vectors with no
	// series yet are known too.
	reg := metrics.NewRegistry()
	rec := &recordingRegisterer{Registerer: reg}
	m := metrics.New(rec, metrics.Build{Version: "test", Revision: "test"})
	for _, c := range rec.collectors {
		histogram := false
		switch c.(type) {
		case *prometheus.HistogramVec, prometheus.Histogram, *prometheus.SummaryVec, prometheus.Summary:
			histogram = true
		}
		ch := make(chan *prometheus.Desc, 16)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			name, labels, err := parseDesc(d.String())
			if err != nil {
				return f, err
			}
			f.addSeries(name, labels, histogram)
		}
	}
	// The Go and process collectors, as gathered.
	mfs, err := reg.Gather()
	if err != nil {
		return f, err
	}
	for _, mf := range mfs {
		labels := map[string]bool{}
		for _, metric := range mf.GetMetric() {
			for _, lp := range metric.GetLabel() {
				labels[lp.GetName()] = true
			}
		}
		t := mf.GetType()
		f.addSeries(mf.GetName(), labels, t == dto.MetricType_HISTOGRAM || t == dto.MetricType_SUMMARY)
	}

	// The routes of the API on a throwaway embedded store.
	dir, err := os.MkdirTemp("", "samtykke-deploy-test")
	if err != nil {
		return f, err
	}
	defer os.RemoveAll(dir)
	st, err := boltstore.Open(dir)
	if err != nil {
		return f, err
	}
	defer st.Close()
	e := httpapi.New(st, httpapi.Options{
		PublicURL:      "http://localhost:" + f.port,
		AdminTokenHash: sha256.Sum256([]byte("deploy-test-token-0123456789")),
		Metrics:        m,
		Gatherer:       reg,
	})
	for _, r := range e.Routes() {
		if f.routes[r.Path] == nil {
			f.routes[r.Path] = map[string]bool{}
		}
		f.routes[r.Path][r.Method] = true
	}
	ops := httpapi.Ops(st, httpapi.Options{Metrics: m, Gatherer: reg})
	for _, r := range ops.Routes() {
		if f.opsRoutes[r.Path] == nil {
			f.opsRoutes[r.Path] = map[string]bool{}
		}
		f.opsRoutes[r.Path][r.Method] = true
	}
	return f, nil
}

func (f *codeFacts) addSeries(name string, labels map[string]bool, histogram bool) {
	if !histogram {
		f.series[name] = labels
		return
	}
	f.series[name+"_sum"] = labels
	f.series[name+"_count"] = labels
	withLE := map[string]bool{"le": true, "quantile": true}
	for l := range labels {
		withLE[l] = true
	}
	f.series[name+"_bucket"] = withLE
	f.series[name] = withLE // a summary's quantiles, or a native histogram
}

// recordingRegisterer remembers what is registered through it.
type recordingRegisterer struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

func (r *recordingRegisterer) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registerer.Register(c)
}

func (r *recordingRegisterer) MustRegister(cs ...prometheus.Collector) {
	r.collectors = append(r.collectors, cs...)
	r.Registerer.MustRegister(cs...)
}

var descRE = regexp.MustCompile(`fqName: "([^"]+)".*constLabels: \{([^}]*)\}, variableLabels: \{([^}]*)\}`)

// parseDesc reads the name and label names from a Desc's String(), the only
// place client_golang exposes them.
func parseDesc(s string) (string, map[string]bool, error) {
	m := descRE.FindStringSubmatch(s)
	if m == nil {
		return "", nil, errors.New("cannot parse metric description " + s)
	}
	labels := map[string]bool{}
	for _, kv := range strings.Split(m[2], ",") {
		if k, _, ok := strings.Cut(kv, "="); ok {
			labels[strings.TrimSpace(k)] = true
		}
	}
	for _, l := range strings.Split(m[3], ",") {
		if l = strings.TrimSpace(l); l != "" {
			labels[l] = true
		}
	}
	return m[1], labels, nil
}

func TestCodeFacts(t *testing.T) {
	f := code(t)
	for _, want := range []string{"samtykke_receipts_total", "samtykke_store_write_duration_seconds_bucket",
		"samtykke_http_requests_in_flight", "go_memstats_heap_inuse_bytes", "process_resident_memory_bytes"} {
		if f.series[want] == nil {
			t.Errorf("the registry has no %s; series known: %v", want, keys(f.series))
		}
	}
	if !f.series["samtykke_http_request_duration_seconds_bucket"]["route"] {
		t.Error("the request histogram lost its route label")
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if !f.routes[p]["GET"] {
			t.Errorf("the API does not register GET %s", p)
		}
		if !f.opsRoutes[p]["GET"] {
			t.Errorf("the operators' listener does not register GET %s", p)
		}
	}
}

// read returns a file under deploy/ (paths are relative to this package).
func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeYAML(t *testing.T, path string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(read(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// deployFiles lists every file under deploy/ and the repository files that
// belong to the deployment, for the checks that apply to all of them.
func deployFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, "_test.go") || p == ".env" {
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../.dockerignore", "../scripts/crash-test.sh", "../scripts/shutdown-test.sh")
	return files
}

var envRE = regexp.MustCompile(`\bSAMTYKKE_[A-Z0-9_]+`)

// TestEnvironmentVariablesExist: every SAMTYKKE_* name written anywhere in
// the deploy files, comments included, is one consentd reads.
func TestEnvironmentVariablesExist(t *testing.T) {
	f := code(t)
	seen := 0
	for _, p := range deployFiles(t) {
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		for _, name := range envRE.FindAllString(string(b), -1) {
			seen++
			if !f.env[name] {
				t.Errorf("%s names %s, which consentd does not read (it reads %v)", p, name, keys(f.env))
			}
		}
	}
	if seen < 20 {
		t.Errorf("only %d SAMTYKKE_* mentions found; is the walk broken?", seen)
	}
}

// TestNoMachinePaths: nothing under deploy/ names this machine's layout.
func TestNoMachinePaths(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Dir(wd)
	for _, p := range deployFiles(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(repo+"/")) {
			t.Errorf("%s contains the local path %s", p, repo)
		}
	}
}
