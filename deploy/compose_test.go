package deploy_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/config"
)

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	Ports       []string                     `yaml:"ports"`
	Volumes     []string                     `yaml:"volumes"`
	DependsOn   map[string]map[string]string `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
	StopGracePeriod string `yaml:"stop_grace_period"`
	Restart         string `yaml:"restart"`
	ReadOnly        bool   `yaml:"read_only"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	decodeYAML(t, "compose.yaml", &c)
	return c
}

var interpolationRE = regexp.MustCompile(`\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}`)

// interpolate resolves ${VAR}, ${VAR:-default} and ${VAR:?message} as
// Compose does when VAR is unset, i.e. with the defaults a first
// `docker compose up` uses.
func interpolate(s string) string {
	return interpolationRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := interpolationRE.FindStringSubmatch(m)
		if strings.HasSuffix(sub[2], "-") {
			return sub[3]
		}
		return ""
	})
}

func hostPort(t *testing.T, s string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return h, p
}

func itoa(i int) string { return strconv.Itoa(i) }

func duration(t *testing.T, what, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%s: %q: %v", what, s, err)
	}
	return d
}

func TestCompose(t *testing.T) {
	f := code(t)
	c := loadCompose(t)
	for _, name := range []string{"redis", "consentd", "prometheus", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("compose.yaml has no service %q", name)
		}
	}
	for name, s := range c.Services {
		if s.Restart != "unless-stopped" && s.Restart != "always" {
			t.Errorf("service %s: restart %q; want unless-stopped or always", name, s.Restart)
		}
		for dep, cond := range s.DependsOn {
			d, ok := c.Services[dep]
			if !ok {
				t.Errorf("service %s depends on unknown service %s", name, dep)
				continue
			}
			if cond["condition"] != "service_healthy" {
				t.Errorf("service %s depends on %s with condition %q; want service_healthy", name, dep, cond["condition"])
			}
			if d.Healthcheck == nil {
				t.Errorf("service %s waits for %s to be healthy, but %s has no health check", name, dep, dep)
			}
		}
		if s.Healthcheck != nil && (len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD") {
			t.Errorf("service %s: health check %v; want the exec form [\"CMD\", ...]", name, s.Healthcheck.Test)
		}
		// Bind-mounted files exist (paths are relative to deploy/).
		for _, v := range s.Volumes {
			src := strings.Split(v, ":")[0]
			if strings.HasPrefix(src, ".") {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("service %s mounts %s: %v", name, src, err)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("service %s mounts the volume %s, which is not declared", name, src)
			}
		}
		// Images are pinned: a moving tag changes the stack under you.
		if s.Image != "" && s.Build == nil && (!strings.Contains(s.Image, ":") || strings.HasSuffix(s.Image, ":latest")) {
			t.Errorf("service %s: image %q is not pinned to a version", name, s.Image)
		}
	}

	// consentd: built from the Dockerfile, on the right port, on Redis.
	cd := c.Services["consentd"]
	if cd.Build == nil || cd.Build.Context != ".." || cd.Build.Dockerfile != "deploy/Dockerfile" {
		t.Errorf("consentd must build from context .. with deploy/Dockerfile: %+v", cd.Build)
	} else if _, err := os.Stat(filepath.Join(cd.Build.Context, cd.Build.Dockerfile)); err != nil {
		t.Error(err)
	}
	if len(cd.Ports) != 1 {
		t.Fatalf("consentd ports: %v", cd.Ports)
	}
	mapping := interpolate(cd.Ports[0])
	if container := mapping[strings.LastIndex(mapping, ":")+1:]; container != f.port {
		t.Errorf("consentd publishes container port %s; consentd listens on %s", container, f.port)
	}
	env := map[string]string{}
	for k, v := range cd.Environment {
		if !f.env[k] {
			t.Errorf("consentd environment sets %s, which consentd does not read", k)
		}
		env[k] = interpolate(v)
	}
	// The environment as a first `up` resolves it is a valid configuration.
	cfg, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("consentd would not start with compose.yaml's environment: %v", err)
	}
	if _, p, _ := net.SplitHostPort(cfg.Addr); p != f.port {
		t.Errorf("SAMTYKKE_ADDR %s differs from the published port %s", cfg.Addr, f.port)
	}
	redisHost, redisPort := hostPort(t, strings.TrimSuffix(strings.TrimPrefix(cfg.RedisURL, "redis://"), "/0"))
	if _, ok := c.Services[redisHost]; !ok {
		t.Errorf("SAMTYKKE_REDIS_URL names %s, which is no service", redisHost)
	}
	if want := redisConf(t)["port"]; redisPort != want {
		t.Errorf("SAMTYKKE_REDIS_URL uses port %s; redis.conf sets port %s", redisPort, want)
	}
	if cd.StopGracePeriod == "" || duration(t, "stop_grace_period", cd.StopGracePeriod) <= cfg.ShutdownTimeout {
		t.Errorf("consentd stop_grace_period %q must exceed SAMTYKKE_SHUTDOWN_TIMEOUT %s, or Docker kills requests in flight",
			cd.StopGracePeriod, cfg.ShutdownTimeout)
	}
	if !cd.ReadOnly {
		t.Error("consentd on Redis writes no files: run it with read_only: true")
	}
	// Its health check is the image's healthcheck binary on a real route.
	df := parseDockerfile(t, "Dockerfile")
	if cd.Healthcheck == nil {
		t.Fatal("consentd has no health check")
	}
	test := cd.Healthcheck.Test
	if len(test) < 2 || test[1] != df.healthcheckBinary(t) {
		t.Errorf("consentd health check runs %v; the image's healthcheck binary is %s", test, df.healthcheckBinary(t))
	}
	if len(test) == 3 && !f.routes[test[2]]["GET"] {
		t.Errorf("consentd health check asks for %s, which the API does not serve", test[2])
	}
	// /metrics and the checks are on the operators' listener, which is
	// published nowhere; the healthcheck binary asks it.
	if cfg.MetricsAddr == "" {
		t.Error("consentd: set SAMTYKKE_METRICS_ADDR, or /metrics is served on the published port")
	} else {
		_, mport, _ := net.SplitHostPort(cfg.MetricsAddr)
		if mport == f.port {
			t.Errorf("SAMTYKKE_METRICS_ADDR %s is the public port", cfg.MetricsAddr)
		}
		for _, p := range cd.Ports {
			if m := interpolate(p); strings.HasSuffix(m, ":"+mport) {
				t.Errorf("consentd publishes the operators' port %s (%s)", mport, p)
			}
		}
		if len(test) == 3 && !f.opsRoutes[test[2]]["GET"] {
			t.Errorf("consentd health check asks for %s, which the operators' listener does not serve", test[2])
		}
	}

	// Redis: runs deploy/redis/redis.conf, AOF on, noeviction.
	r := c.Services["redis"]
	confIn := ""
	for _, v := range r.Volumes {
		if strings.HasPrefix(v, "./redis/redis.conf:") {
			confIn = strings.Split(v, ":")[1]
		}
	}
	if confIn == "" || len(r.Command) < 2 || r.Command[0] != "redis-server" || r.Command[1] != confIn {
		t.Errorf("redis must run redis-server with the mounted deploy/redis/redis.conf: command %v, mounted at %q", r.Command, confIn)
	}
	for i, arg := range r.Command {
		// Overrides on the command line must not undo the durability settings.
		switch strings.TrimPrefix(arg, "--") {
		case "appendonly", "appendfsync", "maxmemory-policy", "save":
			t.Errorf("redis command overrides %s %s: keep durability settings in redis.conf", arg, r.Command[i+1])
		}
	}
	hasData := false
	for _, v := range r.Volumes {
		hasData = hasData || strings.HasSuffix(v, ":/data")
	}
	if !hasData {
		t.Error("redis keeps its AOF in /data: mount a volume there")
	}
}

// TestComposeEnvExample: every ${VAR} compose.yaml reads is documented in
// samtykke.env.example, and the example sets nothing compose.yaml ignores.
func TestComposeEnvExample(t *testing.T) {
	used := map[string]bool{}
	for _, m := range interpolationRE.FindAllStringSubmatch(string(read(t, "compose.yaml")), -1) {
		used[m[1]] = true
	}
	example := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(read(t, "samtykke.env.example")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("samtykke.env.example: %q is not VAR=value", line)
		}
		example[k] = v
	}
	for v := range used {
		if _, ok := example[v]; !ok {
			t.Errorf("compose.yaml reads ${%s}, which samtykke.env.example does not document", v)
		}
	}
	for v := range example {
		if !used[v] {
			t.Errorf("samtykke.env.example sets %s, which compose.yaml does not read", v)
		}
	}
	// The example's values are a valid configuration too.
	if _, err := config.Load(nil, func(k string) string { return example[k] }, io.Discard); err != nil {
		t.Errorf("samtykke.env.example: %v", err)
	}
	ignore := string(read(t, ".gitignore"))
	if !strings.Contains(ignore, ".env") {
		t.Error("deploy/.gitignore must keep deploy/.env (secrets) out of git")
	}
}
