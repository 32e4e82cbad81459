package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/samtykke/samtykke/server/config"
)

// k8sObject is the part of a Kubernetes manifest the tests read; fields not
// used by a kind stay empty.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		// Service: selector is a plain map; decoded separately.
		Ports []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
		MaxUnavailable any `yaml:"maxUnavailable"`
		MinAvailable   any `yaml:"minAvailable"`
		Strategy       struct {
			Type          string `yaml:"type"`
			RollingUpdate struct {
				MaxUnavailable any `yaml:"maxUnavailable"`
			} `yaml:"rollingUpdate"`
		} `yaml:"strategy"`
		Template struct {
			Metadata struct {
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    *int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []struct {
		Name  string `yaml:"name"`
		Image string `yaml:"image"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		EnvFrom []struct {
			ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
			SecretRef    *struct{ Name string } `yaml:"secretRef"`
		} `yaml:"envFrom"`
		Env []struct {
			Name  string `yaml:"name"`
			Value string `yaml:"value"`
		} `yaml:"env"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		StartupProbe   *probe `yaml:"startupProbe"`
		Lifecycle      struct {
			PreStop struct {
				Sleep *struct {
					Seconds int `yaml:"seconds"`
				} `yaml:"sleep"`
			} `yaml:"preStop"`
		} `yaml:"lifecycle"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
	} `yaml:"containers"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
	PeriodSeconds    int `yaml:"periodSeconds"`
	FailureThreshold int `yaml:"failureThreshold"`
}

// loadManifests decodes every document of every YAML file under
// deploy/kubernetes, keyed by kind/name; raw keeps the Service selectors.
func loadManifests(t *testing.T) (map[string]k8sObject, map[string]map[string]any) {
	t.Helper()
	objs := map[string]k8sObject{}
	raw := map[string]map[string]any{}
	files, _ := filepath.Glob("kubernetes/*.yaml")
	for _, p := range files {
		if filepath.Base(p) == "kustomization.yaml" {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(read(t, p)))
		for {
			var node yaml.Node
			err := dec.Decode(&node)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			var o k8sObject
			var m map[string]any
			if err := node.Decode(&o); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if err := node.Decode(&m); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Errorf("%s: a document without apiVersion, kind or metadata.name", p)
			}
			key := o.Kind + "/" + o.Metadata.Name
			if _, dup := objs[key]; dup {
				t.Errorf("%s: %s is defined twice", p, key)
			}
			objs[key] = o
			raw[key] = m
		}
	}
	return objs, raw
}

func mustGet(t *testing.T, objs map[string]k8sObject, key string) k8sObject {
	t.Helper()
	o, ok := objs[key]
	if !ok {
		t.Fatalf("no %s in deploy/kubernetes (have %v)", key, keys(objs))
	}
	return o
}

func deploymentUID(t *testing.T) string {
	objs, _ := loadManifests(t)
	d := mustGet(t, objs, "Deployment/consentd")
	if d.Spec.Template.Spec.SecurityContext.RunAsUser == nil {
		t.Fatal("the Deployment sets no runAsUser")
	}
	return strconv.Itoa(*d.Spec.Template.Spec.SecurityContext.RunAsUser)
}

func subset(small, big map[string]string) bool {
	for k, v := range small {
		if big[k] != v {
			return false
		}
	}
	return len(small) > 0
}

func TestKubernetes(t *testing.T) {
	f := code(t)
	objs, raw := loadManifests(t)
	d := mustGet(t, objs, "Deployment/consentd")
	pod := d.Spec.Template.Spec
	podLabels := d.Spec.Template.Metadata.Labels

	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Error("the Deployment needs at least 2 replicas")
	}
	if !subset(d.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("the Deployment's selector %v does not match its pods' labels %v", d.Spec.Selector.MatchLabels, podLabels)
	}
	if u := d.Spec.Strategy.RollingUpdate.MaxUnavailable; d.Spec.Strategy.Type != "RollingUpdate" || (u != 0 && u != "0" && u != nil) {
		t.Errorf("rolling updates should keep every replica until its replacement is ready (maxUnavailable 0): %+v", d.Spec.Strategy)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, have %d", len(pod.Containers))
	}
	c := pod.Containers[0]

	// Resources.
	for _, r := range []string{"cpu", "memory"} {
		if c.Resources.Requests[r] == "" || c.Resources.Limits[r] == "" {
			t.Errorf("resources: want requests and limits for %s: %+v", r, c.Resources)
		}
	}

	// Security.
	if p := pod.SecurityContext.RunAsNonRoot; p == nil || !*p {
		t.Error("runAsNonRoot must be true")
	}
	if p := c.SecurityContext.ReadOnlyRootFilesystem; p == nil || !*p {
		t.Error("readOnlyRootFilesystem must be true")
	}
	if p := c.SecurityContext.AllowPrivilegeEscalation; p == nil || *p {
		t.Error("allowPrivilegeEscalation must be false")
	}
	if len(c.SecurityContext.Capabilities.Drop) != 1 || c.SecurityContext.Capabilities.Drop[0] != "ALL" {
		t.Error("drop ALL capabilities")
	}

	// Configuration: the ConfigMap and Secret the pod reads exist, name only
	// variables consentd reads, and together form a valid configuration.
	env := map[string]string{}
	var cmName, secretName string
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cmName = ef.ConfigMapRef.Name
		case ef.SecretRef != nil:
			secretName = ef.SecretRef.Name
		}
	}
	cm := mustGet(t, objs, "ConfigMap/"+cmName)
	secret := mustGet(t, objs, "Secret/"+secretName)
	for k, v := range cm.Data {
		env[k] = v
	}
	for k, v := range secret.StringData {
		if _, both := env[k]; both {
			t.Errorf("%s is set in both the ConfigMap and the Secret", k)
		}
		env[k] = v
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	for k := range env {
		if strings.HasPrefix(k, "SAMTYKKE_") && !f.env[k] {
			t.Errorf("the pod's environment sets %s, which consentd does not read", k)
		}
	}
	for _, k := range []string{"SAMTYKKE_ADMIN_TOKEN", "SAMTYKKE_REDIS_URL"} {
		if _, ok := secret.StringData[k]; !ok {
			t.Errorf("the Secret must hold %s", k)
		}
		if _, ok := cm.Data[k]; ok {
			t.Errorf("%s is a secret; keep it out of the ConfigMap", k)
		}
	}
	if env["SAMTYKKE_DEMO"] != "false" {
		t.Errorf("SAMTYKKE_DEMO=%q in production; want false", env["SAMTYKKE_DEMO"])
	}
	if !regexp.MustCompile(`(?m)^\s*#\s*SAMTYKKE_TRUSTED_PROXIES:`).Match(read(t, "kubernetes/configmap.yaml")) &&
		cm.Data["SAMTYKKE_TRUSTED_PROXIES"] == "" {
		t.Error("the ConfigMap should show SAMTYKKE_TRUSTED_PROXIES for the ingress network")
	}
	cfg, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("consentd would not start with the ConfigMap and Secret: %v", err)
	}
	if cfg.RedisURL == "" {
		t.Error("replicas must share Redis: SAMTYKKE_REDIS_URL is empty")
	}
	if !strings.HasSuffix(cfg.Addr, ":"+f.port) {
		t.Errorf("SAMTYKKE_ADDR %s differs from containerPort %s", cfg.Addr, f.port)
	}

	// Ports: the public one (SAMTYKKE_ADDR), for the Service; the operators'
	// one (SAMTYKKE_METRICS_ADDR), for the probes and the scrape, which
	// then never pass the Service or the ingress.
	if cfg.MetricsAddr == "" {
		t.Fatal("SAMTYKKE_METRICS_ADDR is not set: /metrics would be served on the port the Service exposes")
	}
	_, metricsPort, _ := net.SplitHostPort(cfg.MetricsAddr)
	ports := map[string]string{}
	for _, p := range c.Ports {
		ports[p.Name] = strconv.Itoa(p.ContainerPort)
	}
	if len(c.Ports) != 2 || ports["http"] != f.port || ports["metrics"] != metricsPort {
		t.Fatalf("containerPorts %v; want http %s (consentd's port) and metrics %s (SAMTYKKE_METRICS_ADDR)", c.Ports, f.port, metricsPort)
	}
	portName := "http"
	if ann := d.Spec.Template.Metadata.Annotations; ann["prometheus.io/port"] != metricsPort || !f.opsRoutes[ann["prometheus.io/path"]]["GET"] {
		t.Errorf("scrape annotations %v must name port %s and a metrics path the operators' listener serves", ann, metricsPort)
	}

	// Probes: readiness on /readyz (store reachable), liveness on /healthz,
	// both on the operators' listener.
	checkProbe := func(what string, p *probe, wantPath string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no %s probe", what)
			return
		}
		if p.HTTPGet.Path != wantPath || !f.opsRoutes[p.HTTPGet.Path]["GET"] {
			t.Errorf("%s probe asks %s; want %s, served by the operators' listener (routes %v)", what, p.HTTPGet.Path, wantPath, keys(f.opsRoutes))
		}
		if port := p.HTTPGet.Port; port != "metrics" && strconv.Itoa(toInt(port)) != metricsPort {
			t.Errorf("%s probe port %v is neither %q nor %s", what, port, "metrics", metricsPort)
		}
	}
	checkProbe("readiness", c.ReadinessProbe, "/readyz")
	checkProbe("liveness", c.LivenessProbe, "/healthz")

	// Shutdown: the grace period covers the preStop sleep and consentd's own
	// shutdown timeout.
	sleep := 0
	if s := c.Lifecycle.PreStop.Sleep; s != nil {
		sleep = s.Seconds
	}
	if sleep < 3 {
		t.Errorf("preStop sleep %ds: give endpoints and ingress a few seconds to stop routing before SIGTERM", sleep)
	}
	if pod.TerminationGracePeriodSeconds == nil {
		t.Fatal("no terminationGracePeriodSeconds (the default 30 s is too short for preStop + shutdown)")
	}
	grace := *pod.TerminationGracePeriodSeconds
	if need := sleep + int(cfg.ShutdownTimeout.Seconds()); grace <= need {
		t.Errorf("terminationGracePeriodSeconds %d must exceed preStop %ds + SAMTYKKE_SHUTDOWN_TIMEOUT %s",
			grace, sleep, cfg.ShutdownTimeout)
	}

	// Service and PodDisruptionBudget select the pods; the Service targets
	// the named port.
	svc := mustGet(t, objs, "Service/consentd")
	sel := map[string]string{}
	if spec, ok := raw["Service/consentd"]["spec"].(map[string]any); ok {
		if s, ok := spec["selector"].(map[string]any); ok {
			for k, v := range s {
				sel[k], _ = v.(string)
			}
		}
	}
	if !subset(sel, podLabels) {
		t.Errorf("the Service selects %v; the pods have %v", sel, podLabels)
	}
	for _, p := range svc.Spec.Ports {
		if p.TargetPort != portName && strconv.Itoa(toInt(p.TargetPort)) != f.port {
			t.Errorf("the Service targets port %v; the container's port is %s (%s)", p.TargetPort, portName, f.port)
		}
	}
	pdb := mustGet(t, objs, "PodDisruptionBudget/consentd")
	if !subset(pdb.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("the PodDisruptionBudget selects %v; the pods have %v", pdb.Spec.Selector.MatchLabels, podLabels)
	}
	if pdb.Spec.MaxUnavailable == nil && pdb.Spec.MinAvailable == nil {
		t.Error("the PodDisruptionBudget sets neither maxUnavailable nor minAvailable")
	}
}

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return -1
}

// TestKustomization: it lists existing files, and leaves out the example
// Secret (its placeholders must never be applied).
func TestKustomization(t *testing.T) {
	var k struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name string `yaml:"name"`
		} `yaml:"images"`
	}
	decodeYAML(t, "kubernetes/kustomization.yaml", &k)
	listed := map[string]bool{}
	for _, r := range k.Resources {
		listed[r] = true
		if _, err := os.Stat(filepath.Join("kubernetes", r)); err != nil {
			t.Error(err)
		}
	}
	if listed["secret.example.yaml"] {
		t.Error("kustomization.yaml must not apply secret.example.yaml's placeholders")
	}
	for _, want := range []string{"deployment.yaml", "service.yaml", "pdb.yaml", "configmap.yaml"} {
		if !listed[want] {
			t.Errorf("kustomization.yaml does not list %s", want)
		}
	}
	objs, _ := loadManifests(t)
	image := mustGet(t, objs, "Deployment/consentd").Spec.Template.Spec.Containers[0].Image
	if len(k.Images) != 1 || !strings.HasPrefix(image, k.Images[0].Name+":") {
		t.Errorf("kustomization images %+v do not rewrite the Deployment's image %s", k.Images, image)
	}
}
