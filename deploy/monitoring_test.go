package deploy_test

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// exprCheck collects the PromQL expressions of one file and checks them
// against the code: metric names, label names, route values, job names.
type exprCheck struct {
	t     *testing.T
	f     codeFacts
	jobs  map[string]bool
	where string
	// used counts the samtykke_* series queried, for the coverage check.
	used map[string]bool
}

var (
	seriesRE   = regexp.MustCompile(`\b((?:samtykke|go|process|redis)_[a-zA-Z0-9_]+|up)\b(\s*\{[^}]*\})?`)
	matcherRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"`)
	groupingRE = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
)

// Labels every scraped series gets from Prometheus.
var targetLabels = map[string]bool{"job": true, "instance": true}

// redis_exporter's series used here: not in this repository's code, so
// listed, so that a typo still fails.
var redisExporterSeries = map[string]bool{"redis_up": true, "redis_memory_used_bytes": true, "redis_memory_max_bytes": true}

func (c *exprCheck) check(name, expr string) {
	t := c.t
	if strings.TrimSpace(expr) == "" {
		t.Errorf("%s: %s has an empty query", c.where, name)
		return
	}
	if n := strings.Count(expr, "(") - strings.Count(expr, ")"); n != 0 {
		t.Errorf("%s: %s: unbalanced parentheses in %q", c.where, name, expr)
	}
	if n := strings.Count(expr, "{") - strings.Count(expr, "}"); n != 0 {
		t.Errorf("%s: %s: unbalanced braces in %q", c.where, name, expr)
	}
	metricLabels := map[string]bool{}
	for l := range targetLabels {
		metricLabels[l] = true
	}
	for _, m := range seriesRE.FindAllStringSubmatch(expr, -1) {
		series, selector := m[1], m[2]
		var labels map[string]bool
		switch {
		case series == "up":
			labels = targetLabels
		case strings.HasPrefix(series, "redis_"):
			if !redisExporterSeries[series] {
				t.Errorf("%s: %s queries %s, not one of the redis_exporter series this test knows %v",
					c.where, name, series, keys(redisExporterSeries))
			}
			continue
		default:
			labels = c.f.series[series]
			if labels == nil {
				t.Errorf("%s: %s queries %s, which consentd does not expose", c.where, name, series)
				continue
			}
			c.used[series] = true
		}
		for l := range labels {
			metricLabels[l] = true
		}
		for _, mm := range matcherRE.FindAllStringSubmatch(selector, -1) {
			label, op, value := mm[1], mm[2], mm[3]
			if !labels[label] && !targetLabels[label] {
				t.Errorf("%s: %s selects %s on %s, which has only the labels %v", c.where, name, label, series, keys(labels))
			}
			switch {
			case label == "route" && op == "=" && c.f.routes[value] == nil:
				t.Errorf("%s: %s selects route %q, which the API does not register (routes: %v)", c.where, name, value, keys(c.f.routes))
			case label == "job" && op == "=" && !c.jobs[value]:
				t.Errorf("%s: %s selects job %q, which prometheus.yml does not scrape", c.where, name, value)
			case label == "method" && op == "=" && strings.ToUpper(value) != value:
				t.Errorf("%s: %s: method %q must be upper case", c.where, name, value)
			}
		}
	}
	for _, g := range groupingRE.FindAllStringSubmatch(expr, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" && !metricLabels[l] {
				t.Errorf("%s: %s groups by %q, a label none of its series has", c.where, name, l)
			}
		}
	}
}

// promConfig is the part of prometheus.yml the tests read.
type promConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		MetricsPath   string `yaml:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
		DNSSDConfigs []struct {
			Names []string `yaml:"names"`
			Type  string   `yaml:"type"`
			Port  int      `yaml:"port"`
		} `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

func loadPromConfig(t *testing.T) promConfig {
	var pc promConfig
	decodeYAML(t, "prometheus/prometheus.yml", &pc)
	return pc
}

func scrapedJobs(pc promConfig) map[string]bool {
	jobs := map[string]bool{}
	for _, sc := range pc.ScrapeConfigs {
		jobs[sc.JobName] = true
	}
	return jobs
}

func TestPrometheusConfig(t *testing.T) {
	f := code(t)
	pc := loadPromConfig(t)
	compose := loadCompose(t)
	for _, rf := range pc.RuleFiles {
		if _, err := os.Stat(filepath.Join("prometheus", rf)); err != nil {
			t.Errorf("rule file %s: %v", rf, err)
		}
	}
	if len(pc.RuleFiles) == 0 {
		t.Error("prometheus.yml loads no alert rules")
	}
	found := false
	for _, sc := range pc.ScrapeConfigs {
		if sc.JobName != "samtykke" {
			continue
		}
		found = true
		path := sc.MetricsPath
		if path == "" {
			path = "/metrics"
		}
		// consentd in compose.yaml serves /metrics on SAMTYKKE_METRICS_ADDR.
		scrapePort, served := f.port, f.routes
		if a := interpolate(compose.Services["consentd"].Environment["SAMTYKKE_METRICS_ADDR"]); a != "" {
			_, scrapePort, _ = net.SplitHostPort(a)
			served = f.opsRoutes
		}
		if !served[path]["GET"] {
			t.Errorf("job samtykke scrapes %s, which the API does not serve", path)
		}
		if len(sc.DNSSDConfigs) == 0 {
			t.Fatal("job samtykke has no dns_sd_configs (it should find every consentd replica)")
		}
		for _, d := range sc.DNSSDConfigs {
			if itoa(d.Port) != scrapePort {
				t.Errorf("job samtykke scrapes port %d; consentd serves /metrics on %s", d.Port, scrapePort)
			}
			for _, n := range d.Names {
				if _, ok := compose.Services[n]; !ok {
					t.Errorf("job samtykke looks up %q, which is no service of compose.yaml", n)
				}
			}
		}
	}
	if !found {
		t.Error(`prometheus.yml has no job "samtykke"`)
	}
	// Static targets name Compose services.
	for _, sc := range pc.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				host := strings.Split(target, ":")[0]
				if _, ok := compose.Services[host]; !ok && host != "localhost" {
					t.Errorf("job %s scrapes %s: no Compose service %q", sc.JobName, target, host)
				}
			}
		}
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func TestAlertRules(t *testing.T) {
	f := code(t)
	var rf ruleFile
	decodeYAML(t, "prometheus/alerts.yml", &rf)
	c := &exprCheck{t: t, f: f, jobs: scrapedJobs(loadPromConfig(t)), where: "alerts.yml", used: map[string]bool{}}
	names := map[string]bool{}
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: needs a name and rules", g.Name)
		}
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: a rule without alert name (recording rules belong elsewhere): %q", g.Name, r.Expr)
				continue
			}
			if names[r.Alert] {
				t.Errorf("alert %s is defined twice", r.Alert)
			}
			names[r.Alert] = true
			c.check(r.Alert, r.Expr)
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("alert %s: for %q: %v", r.Alert, r.For, err)
				}
			}
			switch r.Labels["severity"] {
			case "critical", "warning", "info":
			default:
				t.Errorf("alert %s: severity %q; want critical, warning or info", r.Alert, r.Labels["severity"])
			}
			for _, a := range []string{"summary", "description"} {
				text := r.Annotations[a]
				if strings.TrimSpace(text) == "" {
					t.Errorf("alert %s has no %s", r.Alert, a)
				}
				if strings.Count(text, "{{") != strings.Count(text, "}}") {
					t.Errorf("alert %s: unbalanced template in %s: %q", r.Alert, a, text)
				}
			}
		}
	}
	// What the issue asks alerts for.
	for _, want := range []string{"samtykke_store_errors_total", "samtykke_http_request_duration_seconds_count",
		"samtykke_http_request_duration_seconds_bucket"} {
		if !c.used[want] {
			t.Errorf("no alert uses %s", want)
		}
	}
	for _, want := range []string{"SamtykkeDown", "SamtykkeNotReady", "SamtykkeStoreErrors", "SamtykkeHigh5xxRate", "SamtykkeReceiptLatencyHigh"} {
		if !names[want] {
			t.Errorf("alert %s is missing", want)
		}
	}
}

type grafanaPanel struct {
	ID         int            `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource map[string]any `json:"datasource"`
	GridPos    struct{ H, W, X, Y int }
	Targets    []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

func TestGrafanaDashboard(t *testing.T) {
	f := code(t)
	var dash struct {
		UID        string         `json:"uid"`
		Title      string         `json:"title"`
		Panels     []grafanaPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	raw := read(t, "grafana/dashboards/samtykke.json")
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("samtykke.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("the dashboard needs a uid and a title (provisioning keys on the uid)")
	}
	vars := map[string]bool{"__rate_interval": true, "__interval": true, "__range": true}
	for _, v := range dash.Templating.List {
		vars[v.Name] = true
	}
	c := &exprCheck{t: t, f: f, jobs: scrapedJobs(loadPromConfig(t)), where: "samtykke.json", used: map[string]bool{}}
	ids := map[int]bool{}
	queries := 0
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d is used twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.X+p.GridPos.W > 24 || p.GridPos.W <= 0 || p.GridPos.H <= 0 {
			t.Errorf("panel %q: gridPos %+v does not fit the 24-column grid", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Title == "" {
			t.Errorf("panel %d has no title", p.ID)
		}
		if uid, _ := p.Datasource["uid"].(string); uid != "${datasource}" {
			t.Errorf("panel %q: data source %v; want the ${datasource} variable", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			queries++
			c.check("panel "+p.Title+" "+q.RefID, q.Expr)
			for _, m := range regexp.MustCompile(`\$\{?([a-zA-Z_][a-zA-Z0-9_]*)`).FindAllStringSubmatch(q.Expr, -1) {
				if !vars[m[1]] {
					t.Errorf("panel %q uses $%s, which is no dashboard variable", p.Title, m[1])
				}
			}
		}
	}
	if queries < 10 {
		t.Errorf("only %d queries in the dashboard", queries)
	}
	// What the issue asks the dashboard to show.
	for _, want := range []string{
		"samtykke_receipts_total", "samtykke_decisions_total", "samtykke_http_request_duration_seconds_count",
		"samtykke_store_write_duration_seconds_bucket", "samtykke_http_requests_in_flight", "go_memstats_heap_inuse_bytes",
	} {
		if !c.used[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
	if !strings.Contains(string(raw), `up{job=\"samtykke\"`) {
		t.Error("no panel shows readiness (up of job samtykke)")
	}
	if !strings.Contains(string(raw), "histogram_quantile") {
		t.Error("no panel computes latency quantiles")
	}
}

func TestGrafanaProvisioning(t *testing.T) {
	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, UID, Type, URL string
		} `yaml:"datasources"`
	}
	decodeYAML(t, "grafana/provisioning/datasources/prometheus.yaml", &ds)
	if ds.APIVersion != 1 || len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" {
		t.Fatalf("datasources: %+v", ds)
	}
	compose := loadCompose(t)
	host, port := hostPort(t, strings.TrimPrefix(ds.Datasources[0].URL, "http://"))
	if _, ok := compose.Services[host]; !ok || port != "9090" {
		t.Errorf("the data source points at %s, not the Compose service prometheus:9090", ds.Datasources[0].URL)
	}

	var dp struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name    string
			Type    string
			Options struct {
				Path string
			}
		} `yaml:"providers"`
	}
	decodeYAML(t, "grafana/provisioning/dashboards/samtykke.yaml", &dp)
	if dp.APIVersion != 1 || len(dp.Providers) != 1 || dp.Providers[0].Type != "file" {
		t.Fatalf("dashboard providers: %+v", dp)
	}
	// The provider's path is where Compose mounts the dashboards.
	g := compose.Services["grafana"]
	mounted := map[string]string{}
	for _, v := range g.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 {
			mounted[parts[1]] = parts[0]
		}
	}
	if src := mounted[dp.Providers[0].Options.Path]; src != "./grafana/dashboards" {
		t.Errorf("Grafana reads dashboards from %s, where Compose mounts %q", dp.Providers[0].Options.Path, src)
	}
	if mounted["/etc/grafana/provisioning"] != "./grafana/provisioning" {
		t.Errorf("Compose does not mount ./grafana/provisioning at /etc/grafana/provisioning: %v", mounted)
	}
}

// TestPromtool runs Prometheus's own checks and the alert unit tests when
// promtool is installed (Debian: apt-get install prometheus).
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (apt-get install prometheus); the checks above ran without it")
	}
	for _, args := range [][]string{
		{"check", "config", "prometheus.yml"},
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
