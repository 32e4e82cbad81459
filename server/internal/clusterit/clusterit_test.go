// Package clusterit runs real consentd processes side by side on one real
// Redis, a 3-master Redis Cluster and a single redis-server, the way a
// Deployment with several replicas runs them, and checks that no replica
// assumes it is the only one: receipts fed through both at once, with
// deliberate duplicates sent to both, are each stored exactly once and
// counted exactly once; the replicas agree on one generated admin token;
// a site changed through one replica is accepted through the other at once.
package clusterit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samtykke/samtykke/server/internal/logtest"
	"github.com/samtykke/samtykke/server/internal/redistest"
)

// Sizes of the run: receipts in all, how many of them are sent to both
// replicas at the same moment, and concurrent senders.
const (
	receipts   = 2000
	duplicates = 200
	senders    = 16
	origin     = "https://shop.example"
)

func TestTwoReplicasOnRedisCluster(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t, 3)
	testTwoReplicas(t, cl.URL())
}

func TestTwoReplicasOnOneRedis(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	testTwoReplicas(t, rs.URL())
}

func testTwoReplicas(t *testing.T, redisURL string) {
	bin := consentdBinary(t)

	// Both start at the same moment with no admin token configured: each
	// generates one, and the store's SetSettingOnce must make them agree.
	var a, b *consentd
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = start(t, bin, redisURL) }()
	go func() { defer wg.Done(); b = start(t, bin, redisURL) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	replicas := []*consentd{a, b}
	token := ""
	for _, r := range replicas {
		if tok := r.printedToken(); tok != "" {
			if token != "" {
				t.Fatalf("both replicas printed an admin token (%q and %q): they did not agree on one", token, tok)
			}
			token = tok
		}
	}
	if token == "" {
		t.Fatalf("no replica printed the generated admin token\nA:\n%s\nB:\n%s", a.stdout.String(), b.stdout.String())
	}
	for _, r := range replicas {
		var sites struct{ Sites []any }
		r.do(t, "GET", "/v1/admin/sites", token, nil, http.StatusOK, &sites)
	}

	// A site created through A is served by B.
	var site struct {
		ID            string `json:"id"`
		ConfigVersion string `json:"config_version"`
	}
	a.do(t, "POST", "/v1/admin/sites", token, map[string]any{
		"name": "Cluster Shop", "origins": []string{origin}, "default_language": "en",
		"privacy_policy_url": origin + "/privacy",
	}, http.StatusCreated, &site)
	var cfg struct {
		ConfigVersion string `json:"config_version"`
	}
	b.do(t, "GET", "/v1/sites/"+site.ID+"/config", "", nil, http.StatusOK, &cfg)
	if cfg.ConfigVersion != site.ConfigVersion {
		t.Fatalf("B serves config version %q; A created %q", cfg.ConfigVersion, site.ConfigVersion)
	}

	// The receipts: every one new, the first `duplicates` of them sent to
	// both replicas at once (a retry racing its original), the rest to A or
	// B in turn.
	rng := rand.New(rand.NewPCG(1, 2))
	type sent struct {
		receiptID, consentID, action string
		choices                      map[string]bool
		body                         []byte
		statuses                     []int
	}
	all := make([]*sent, receipts)
	for i := range all {
		action := []string{"accept_all", "reject_all", "custom", "custom"}[rng.IntN(4)]
		choices := map[string]bool{"necessary": true, "statistics": action == "accept_all", "marketing": action == "accept_all"}
		if action == "custom" {
			choices["statistics"], choices["marketing"] = rng.IntN(2) == 0, rng.IntN(2) == 0
		}
		s := &sent{receiptID: uuid.NewString(), consentID: uuid.NewString(), action: action, choices: choices}
		s.body, _ = json.Marshal(map[string]any{
			"receipt_id": s.receiptID, "consent_id": s.consentID, "action": action, "choices": choices,
			"config_version": site.ConfigVersion, "language": "en", "page_url": origin + "/checkout",
			"surface": "banner", "gpc": false, "client_time": time.Now().UTC().Format(time.RFC3339Nano),
		})
		all[i] = s
	}
	type job struct {
		s       *sent
		replica *consentd
		start   chan struct{} // closed to release both copies of a duplicate together
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var sendWG sync.WaitGroup
	for range senders {
		sendWG.Add(1)
		go func() {
			defer sendWG.Done()
			for j := range jobs {
				if j.start != nil {
					<-j.start
				}
				status := j.replica.postReceipt(t, site.ID, j.s.body)
				mu.Lock()
				j.s.statuses = append(j.s.statuses, status)
				mu.Unlock()
			}
		}()
	}
	go func() {
		for i, s := range all {
			if i < duplicates {
				start := make(chan struct{})
				jobs <- job{s, a, start}
				jobs <- job{s, b, start}
				close(start)
				continue
			}
			jobs <- job{s, replicas[i%2], nil}
		}
		close(jobs)
	}()
	sendWG.Wait()

	// Every receipt: 201 once; a duplicate's second copy 200.
	want := struct {
		actions  map[string]int64
		granted  map[string]int64
		denied   map[string]int64
		receipts int64
	}{map[string]int64{}, map[string]int64{}, map[string]int64{}, 0}
	bad := 0
	for i, s := range all {
		created, dup := 0, 0
		for _, st := range s.statuses {
			switch st {
			case http.StatusCreated:
				created++
			case http.StatusOK:
				dup++
			}
		}
		wantDup := 0
		if i < duplicates {
			wantDup = 1
		}
		if (created != 1 || dup != wantDup) && bad < 5 {
			bad++
			t.Errorf("receipt %d (%s): statuses %v; want one 201 and %d 200", i, s.receiptID, s.statuses, wantDup)
		}
		want.receipts++
		want.actions[s.action]++
		for _, p := range []string{"statistics", "marketing"} {
			if s.choices[p] {
				want.granted[p]++
			} else {
				want.denied[p]++
			}
		}
	}

	// Every receipt is stored once, readable through either replica.
	missing := 0
	var checkWG sync.WaitGroup
	idx := make(chan int)
	for range senders {
		checkWG.Add(1)
		go func() {
			defer checkWG.Done()
			for i := range idx {
				s := all[i]
				var rec struct {
					Receipts []struct {
						ReceiptID string `json:"receipt_id"`
					} `json:"receipts"`
				}
				replicas[(i+1)%2].do(t, "GET", "/v1/sites/"+site.ID+"/consents/"+s.consentID, "", nil, http.StatusOK, &rec)
				if len(rec.Receipts) != 1 || rec.Receipts[0].ReceiptID != s.receiptID {
					mu.Lock()
					if missing++; missing <= 5 {
						t.Errorf("consent %s: stored receipts %+v; want exactly %s", s.consentID, rec.Receipts, s.receiptID)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range all {
		idx <- i
	}
	close(idx)
	checkWG.Wait()

	// The counters are exact, whichever replica reads them.
	for _, r := range replicas {
		var stats struct {
			Totals struct {
				Decisions int64            `json:"decisions"`
				Actions   map[string]int64 `json:"actions"`
				Purposes  map[string]struct {
					Granted int64 `json:"granted"`
					Denied  int64 `json:"denied"`
				} `json:"purposes"`
			} `json:"totals"`
		}
		r.do(t, "GET", "/v1/admin/sites/"+site.ID+"/stats?granularity=hour", token, nil, http.StatusOK, &stats)
		got := stats.Totals
		if got.Decisions != want.receipts {
			t.Errorf("%s: %d decisions counted; %d receipts were stored", r.name, got.Decisions, want.receipts)
		}
		for action, n := range want.actions {
			if got.Actions[action] != n {
				t.Errorf("%s: action %s counted %d times; want %d", r.name, action, got.Actions[action], n)
			}
		}
		for _, p := range []string{"statistics", "marketing"} {
			if g := got.Purposes[p]; g.Granted != want.granted[p] || g.Denied != want.denied[p] {
				t.Errorf("%s: %s granted/denied %d/%d; want %d/%d", r.name, p, g.Granted, g.Denied, want.granted[p], want.denied[p])
			}
		}
	}

	// Each replica counted what it stored; together, every receipt once.
	var stored, dups float64
	for _, r := range replicas {
		m := r.metrics(t)
		stored += m[`samtykke_receipts_total{outcome="stored"}`]
		dups += m[`samtykke_receipts_total{outcome="duplicate"}`]
	}
	if stored != receipts || dups != duplicates {
		t.Errorf("metrics: %v stored and %v duplicates over both replicas; want %d and %d", stored, dups, receipts, duplicates)
	}

	// A site changed through A: B takes receipts with the new config version
	// at once, although its cached copy of the site is older.
	var updated struct {
		ConfigVersion string `json:"config_version"`
	}
	a.do(t, "PUT", "/v1/admin/sites/"+site.ID, token, map[string]any{
		"name": "Cluster Shop (renamed)", "origins": []string{origin}, "default_language": "en",
		"privacy_policy_url": origin + "/privacy",
	}, http.StatusOK, &updated)
	if updated.ConfigVersion == site.ConfigVersion {
		t.Fatal("renaming the site did not change its config version")
	}
	body, _ := json.Marshal(map[string]any{
		"receipt_id": uuid.NewString(), "consent_id": uuid.NewString(), "action": "reject_all",
		"choices":        map[string]bool{"necessary": true, "statistics": false, "marketing": false},
		"config_version": updated.ConfigVersion, "language": "en", "page_url": origin + "/",
		"surface": "banner", "gpc": false, "client_time": time.Now().UTC().Format(time.RFC3339Nano),
	})
	if st := b.postReceipt(t, site.ID, body); st != http.StatusCreated {
		t.Errorf("B answered %d to a receipt with the config version A just made; want 201", st)
	}

	// Both stop cleanly on SIGTERM.
	for _, r := range replicas {
		r.stop(t)
	}
}

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
	buildDir  string
)

// consentdBinary builds consentd once for the package's tests, as the
// Dockerfile does (without the race detector: it is the product under test,
// not this test's code).
func consentdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "samtykke-clusterit")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "consentd")
		cmd := exec.Command("go", "build", "-o", buildBin, "github.com/samtykke/samtykke/server/cmd/consentd")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build consentd: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// consentd is one running consentd process.
type consentd struct {
	name   string
	base   string
	cmd    *exec.Cmd
	stdout *logtest.Buffer
	stderr *logtest.Buffer
	done   chan struct{}
	err    error
	client *http.Client
}

var replicaNames = struct {
	sync.Mutex
	n int
}{}

var startedRE = regexp.MustCompile(`"msg":"consentd started".*?"addr":"([^"]+)"`)

// start runs consentd on a free loopback port against redisURL, with no
// admin token configured, and waits until it is ready.
func start(t *testing.T, bin, redisURL string) *consentd {
	replicaNames.Lock()
	replicaNames.n++
	name := "replica-" + strconv.Itoa(replicaNames.n)
	replicaNames.Unlock()

	c := &consentd{name: name, stdout: &logtest.Buffer{}, stderr: &logtest.Buffer{}, done: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second}}
	c.cmd = exec.Command(bin)
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SAMTYKKE_") {
			env = append(env, kv)
		}
	}
	c.cmd.Env = append(env,
		"SAMTYKKE_ADDR=127.0.0.1:0",
		"SAMTYKKE_REDIS_URL="+redisURL,
		"SAMTYKKE_DEMO=false",
		"SAMTYKKE_LOG_FORMAT=json",
		"SAMTYKKE_SHUTDOWN_TIMEOUT=10s",
		// The test floods sites from one address on purpose.
		"SAMTYKKE_INGEST_RATE=0",
	)
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Errorf("start consentd: %v", err)
		return nil
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for c.base == "" {
		if m := startedRE.FindStringSubmatch(c.stderr.String()); m != nil {
			c.base = "http://" + m[1]
			break
		}
		select {
		case <-c.done:
			t.Errorf("%s exited: %v\n%s", name, c.err, c.stderr.String())
			return nil
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Errorf("%s did not start within 30 s\n%s", name, c.stderr.String())
			return nil
		}
	}
	for {
		res, err := c.client.Get(c.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("%s not ready within 30 s: %v\n%s", name, err, c.stderr.String())
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// printedToken is the admin token this process generated and printed, or "".
func (c *consentd) printedToken() string {
	sc := bufio.NewScanner(strings.NewReader(c.stdout.String()))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Admin token") {
			for sc.Scan() {
				if tok := strings.TrimSpace(sc.Text()); tok != "" {
					return tok
				}
			}
		}
	}
	return ""
}

// do sends a JSON request and decodes the answer, failing the test on any
// other status than want.
func (c *consentd) do(t *testing.T, method, path, token string, in any, want int, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, c.base+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.client.Do(req)
	if err != nil {
		t.Errorf("%s %s %s: %v", c.name, method, path, err)
		return
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Errorf("%s %s %s: %d %s; want %d", c.name, method, path, res.StatusCode, raw, want)
		return
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Errorf("%s %s %s: %v in %s", c.name, method, path, err, raw)
		}
	}
}

// postReceipt sends a receipt as the snippet does and returns the status
// (0 on a transport error, which fails the test).
func (c *consentd) postReceipt(t *testing.T, siteID string, body []byte) int {
	req, _ := http.NewRequest("POST", c.base+"/v1/sites/"+siteID+"/receipts", bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Origin", origin)
	res, err := c.client.Do(req)
	if err != nil {
		t.Errorf("%s: post receipt: %v", c.name, err)
		return 0
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		raw, _ := io.ReadAll(res.Body)
		t.Errorf("%s: post receipt: %d %s", c.name, res.StatusCode, raw)
	} else {
		_, _ = io.Copy(io.Discard, res.Body)
	}
	return res.StatusCode
}

// metrics reads the plain series of /metrics into name{labels} -> value.
func (c *consentd) metrics(t *testing.T) map[string]float64 {
	t.Helper()
	res, err := c.client.Get(c.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// stop sends SIGTERM and expects a clean exit within the shutdown timeout.
func (c *consentd) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		if c.err != nil {
			t.Errorf("%s exited with %v after SIGTERM\n%s", c.name, c.err, c.stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Errorf("%s did not exit within 15 s of SIGTERM", c.name)
	}
}
