package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/config"
	"github.com/samtykke/samtykke/server/internal/logtest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs consentd in-process until the returned stop is called; stop
// returns run's error.
func start(t *testing.T, env map[string]string) (base string, stdout *logtest.Buffer, stop func() error) {
	t.Helper()
	addr := freeAddr(t)
	env["SAMTYKKE_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &logtest.Buffer{}, &logtest.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, stdout, stderr) }()
	base = "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("consentd stopped at start: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("consentd did not answer /healthz: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("consentd did not stop within 30 s of the signal")
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return base, stdout, stop
}

var tokenLine = regexp.MustCompile(`(?m)^  ([A-Za-z0-9_-]{32})$`)

func TestFirstStartPrintsTokenAndDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMTYKKE_DATA_DIR": dir}
	base, out, stop := start(t, env)

	m := tokenLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("first start printed no admin token:\n%s", out.String())
	}
	token := m[1]
	if !strings.Contains(out.String(), "/v1/admin/sites") || !strings.Contains(out.String(), "/demo") {
		t.Errorf("first start does not show the next step:\n%s", out.String())
	}

	create := func(base string) *http.Response {
		req, _ := http.NewRequest("POST", base+"/v1/admin/sites", strings.NewReader(
			`{"name":"Fjord Books","origins":["https://fjordbooks.no"],"privacy_policy_url":"https://fjordbooks.no/personvern"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := create(base); res.StatusCode != http.StatusCreated {
		t.Fatalf("creating a site with the printed token: %d", res.StatusCode)
	}
	if res, _ := http.Get(base + "/demo"); res == nil || res.StatusCode != http.StatusOK {
		t.Errorf("/demo does not answer 200")
	}
	if err := stop(); err != nil {
		t.Fatalf("run returned %v after the signal, want nil (exit 0)", err)
	}

	// Second start on the same directory: the token is not printed again
	// and still works; the site is still there.
	base2, out2, stop2 := start(t, env)
	if tokenLine.MatchString(out2.String()) {
		t.Errorf("the admin token was printed again on the second start")
	}
	req, _ := http.NewRequest("GET", base2+"/v1/admin/sites", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(body.String(), "Fjord Books") {
		t.Errorf("after a restart: %d %s", res.StatusCode, body.String())
	}
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
}

func TestConfiguredAdminTokenWins(t *testing.T) {
	env := map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir(), "SAMTYKKE_ADMIN_TOKEN": "an-operator-chosen-token", "SAMTYKKE_DEMO": "false"}
	base, out, _ := start(t, env)
	if tokenLine.MatchString(out.String()) {
		t.Errorf("a token was generated although SAMTYKKE_ADMIN_TOKEN is set")
	}
	req, _ := http.NewRequest("GET", base+"/v1/admin/sites", nil)
	req.Header.Set("Authorization", "Bearer an-operator-chosen-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("configured token refused: %d", res.StatusCode)
	}
	if res, _ := http.Get(base + "/demo"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/demo with SAMTYKKE_DEMO=false: %d, want 404", res.StatusCode)
	}
}

// In-flight requests finish after the signal; the process then exits 0.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	env := map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir(), "SAMTYKKE_ADMIN_TOKEN": "an-operator-chosen-token"}
	base, _, stop := start(t, env)

	// A slow upload keeps a request in flight across the signal.
	body := &slowBody{parts: []string{`{"name":"Slow`, ` Shop","origins":["https://slow.example"],`, `"privacy_policy_url":"https://slow.example/p"}`}, delay: 300 * time.Millisecond}
	result := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/v1/admin/sites", body)
		req.Header.Set("Authorization", "Bearer an-operator-chosen-token")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- -1
			return
		}
		res.Body.Close()
		result <- res.StatusCode
	}()
	time.Sleep(150 * time.Millisecond) // the request has started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	if code := <-result; code != http.StatusCreated {
		t.Errorf("request in flight during shutdown answered %d, want 201", code)
	}
	if err := <-stopped; err != nil {
		t.Errorf("run returned %v, want nil", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Errorf("still accepting connections after shutdown")
	}
}

type slowBody struct {
	parts []string
	delay time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if len(b.parts) == 0 {
		return 0, io.EOF
	}
	time.Sleep(b.delay)
	n := copy(p, b.parts[0])
	b.parts = b.parts[1:]
	return n, nil
}

func TestBadSettingStopsStart(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), nil, func(k string) string {
		return map[string]string{"SAMTYKKE_TRUSTED_PROXIES": "10.0.0.0/99"}[k]
	}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "SAMTYKKE_TRUSTED_PROXIES") {
		t.Errorf("run with a bad setting: %v, want an error naming SAMTYKKE_TRUSTED_PROXIES", err)
	}
	err = run(context.Background(), []string{"-redis-url", "redis://127.0.0.1:1/0"}, func(string) string { return "" }, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "SAMTYKKE_REDIS_URL") {
		t.Errorf("run with an unreachable Redis: %v, want an error naming SAMTYKKE_REDIS_URL", err)
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		return -1
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// SAMTYKKE_METRICS_ADDR moves /metrics off the public listener onto one of
// its own, which answers the health checks too; both stop on the signal
// (issue 12, item 8).
func TestMetricsListener(t *testing.T) {
	ops := freeAddr(t)
	env := map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir(), "SAMTYKKE_ADMIN_TOKEN": "an-operator-chosen-token",
		"SAMTYKKE_METRICS_ADDR": ops}
	base, out, stop := start(t, env)
	for _, tt := range []struct {
		url  string
		want int
	}{
		{"http://" + ops + "/metrics", http.StatusOK},
		{"http://" + ops + "/healthz", http.StatusOK},
		{"http://" + ops + "/readyz", http.StatusOK},
		{"http://" + ops + "/demo", http.StatusNotFound},
		{"http://" + ops + "/v1/admin/sites", http.StatusNotFound},
		{base + "/metrics", http.StatusNotFound},
		{base + "/healthz", http.StatusOK},
		{base + "/readyz", http.StatusOK},
	} {
		if got := get(t, tt.url); got != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.url, got, tt.want)
		}
	}
	if !strings.Contains(out.String(), "http://"+ops+"/metrics") {
		t.Errorf("the welcome text does not say where the metrics are:\n%s", out.String())
	}
	if err := stop(); err != nil {
		t.Fatalf("run returned %v after the signal, want nil", err)
	}
	for _, u := range []string{base + "/healthz", "http://" + ops + "/healthz"} {
		if get(t, u) != -1 {
			t.Errorf("%s still answers after shutdown", u)
		}
	}
}

// Without it, /metrics stays where it always was: the single binary on a
// laptop needs no second port.
func TestMetricsOnMainListenerByDefault(t *testing.T) {
	base, _, _ := start(t, map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir(), "SAMTYKKE_ADMIN_TOKEN": "an-operator-chosen-token"})
	if got := get(t, base+"/metrics"); got != http.StatusOK {
		t.Errorf("GET /metrics on the main listener: %d", got)
	}
}

// Out of the box, one network flooding a site with receipts (as a script
// with a forged Origin does) is refused with 429 before long; a visitor's
// browser never gets there (issue 12, item 9).
func TestIngestLimitOnByDefault(t *testing.T) {
	base, _, _ := start(t, map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir(), "SAMTYKKE_ADMIN_TOKEN": "an-operator-chosen-token",
		"SAMTYKKE_DEMO": "false"})
	req, _ := http.NewRequest("POST", base+"/v1/admin/sites", strings.NewReader(
		`{"name":"Fjord Books","origins":["https://fjordbooks.no"],"privacy_policy_url":"https://fjordbooks.no/personvern"}`))
	req.Header.Set("Authorization", "Bearer an-operator-chosen-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var site struct {
		ID            string `json:"id"`
		ConfigVersion string `json:"config_version"`
	}
	json.NewDecoder(res.Body).Decode(&site)
	res.Body.Close()
	// A browser's page view: one impression, one decision, and an outbox
	// retry of the same receipt. Ten of them pass.
	post := func(what, body string) *http.Response {
		req, _ := http.NewRequest("POST", base+"/v1/sites/"+site.ID+"/"+what, strings.NewReader(body))
		req.Header.Set("Origin", "https://fjordbooks.no")
		req.Header.Set("Content-Type", "text/plain")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err) // not Fatal: the flood below posts from goroutines
			return &http.Response{}
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	receipt := func(i int) string {
		return fmt.Sprintf(`{"receipt_id":"6f1c2a3b-0000-4000-8000-%012d","consent_id":"5e0b1a2c-0000-4000-8000-%012d",`+
			`"action":"accept_all","choices":{"necessary":true,"statistics":true,"marketing":true},"config_version":%q,`+
			`"language":"en","page_url":"https://fjordbooks.no/","surface":"banner","gpc":false,"client_time":%q}`,
			i, i, site.ConfigVersion, time.Now().UTC().Format(time.RFC3339))
	}
	for i := 0; i < 10; i++ {
		imp := post("impressions", fmt.Sprintf(`{"config_version":%q,"language":"en"}`, site.ConfigVersion))
		first, retry := post("receipts", receipt(i)), post("receipts", receipt(i))
		if imp.StatusCode != http.StatusNoContent || first.StatusCode != http.StatusCreated || retry.StatusCode != http.StatusOK {
			t.Fatalf("page view %d: impression %d, receipt %d, retry %d", i+1, imp.StatusCode, first.StatusCode, retry.StatusCode)
		}
	}
	// A flood meets the limit. Sixteen at a time: one by one, a loaded
	// machine (the race detector, fsync) can take as long per receipt as
	// the limit takes to refill, and the flood would never outrun it.
	var next, limited, noRetryAfter atomic.Int64
	next.Store(10)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for limited.Load() == 0 {
				i := next.Add(1) - 1
				if i >= 1000 {
					return
				}
				res := post("receipts", receipt(int(i)))
				if res.StatusCode == http.StatusTooManyRequests {
					if res.Header.Get("Retry-After") == "" {
						noRetryAfter.Add(1)
					}
					limited.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if limited.Load() == 0 {
		t.Error("1,000 receipts from one address to one site were all accepted")
	}
	if noRetryAfter.Load() > 0 {
		t.Error("429 without Retry-After")
	}
}

// The startup message sends a new site owner to the dashboard's "Add a
// site" form first, and offers curl after it (issue 13).
func TestWelcomeNamesTheDashboardFormFirst(t *testing.T) {
	cfg := config.Config{PublicURL: "https://consent.example.net", Demo: true}
	for _, tt := range []struct {
		name, newToken, configured, wantToken string
	}{
		{"first start", "Zm9yLXRlc3RzLW9ubHktMDEyMzQ1Njc4OWFi", "", "Zm9yLXRlc3RzLW9ubHktMDEyMzQ1Njc4OWFi"},
		{"configured token", "", "configured-admin-token-0123456789", "$SAMTYKKE_ADMIN_TOKEN"},
	} {
		var out bytes.Buffer
		c := cfg
		c.AdminToken = tt.configured
		printWelcome(&out, c, tt.newToken)
		s := out.String()
		form := strings.Index(s, `fill in "Add a site":`+"\n\n  https://consent.example.net/dashboard#/new\n")
		curl := strings.Index(s, "curl -X POST https://consent.example.net/v1/admin/sites")
		if form < 0 || curl < 0 || curl < form {
			t.Errorf("%s: want the dashboard's form first, then curl:\n%s", tt.name, s)
		}
		if !strings.Contains(s, "Authorization: Bearer "+tt.wantToken) {
			t.Errorf("%s: the curl example lacks the token %q:\n%s", tt.name, tt.wantToken, s)
		}
	}
}
