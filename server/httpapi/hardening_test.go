package httpapi_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/internal/logtest"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/store/boltstore"
)

// value reads a counter or gauge.
func value(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// boltHarness is the harness on the embedded store only, for tests whose
// subject does not depend on the store.
func boltHarness(t *testing.T) *harness {
	t.Helper()
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return newHarness(t, st)
}

// Made-up methods and paths must not each become a series: the label values
// come from fixed sets (issue 12, item 2).
func TestMetricLabelsStayBounded(t *testing.T) {
	t.Parallel()
	h := boltHarness(t)
	s := h.createSite(siteJSON)
	for i := 0; i < 3000; i++ {
		method := "M" + strconv.Itoa(i)
		path := "/no/such/path/" + strconv.Itoa(i)
		switch i % 3 {
		case 1:
			path = "/v1/sites/" + s.ID + "/receipts"
		case 2:
			path = "/healthz"
		}
		req, err := http.NewRequest(method, h.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
		"OPTIONS": true, "CONNECT": true, "TRACE": true, "other": true}
	series := 0
	for _, mf := range mfs {
		if mf.GetName() != "samtykke_http_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			series++
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "method":
					if !known[l.GetValue()] {
						t.Errorf("method label %q is not one of the standard methods or \"other\"", l.GetValue())
					}
				case "code":
					if n, err := strconv.Atoi(l.GetValue()); err != nil || http.StatusText(n) == "" {
						t.Errorf("code label %q is not a status code", l.GetValue())
					}
				}
			}
		}
	}
	if series == 0 || series > 20 {
		t.Errorf("3000 requests with made-up methods and paths made %d request series; want a handful", series)
	}
}

// clientAt dials addr from the given loopback address, as a visitor whose
// full address must never reach the log.
func clientAt(t *testing.T, from, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn.(*net.TCPConn)
}

// realServer runs the API behind httpapi.HTTPServer (the http.Server consentd
// uses), logging at Debug into logs, without trusted proxies: the client's
// address is the connection's.
type realServer struct {
	addr string
	logs *logtest.Buffer
	m    *metrics.Metrics
	reg  *prometheus.Registry
	site siteView
	srv  *http.Server
}

func startRealServer(t *testing.T, readTimeout time.Duration, wrap ...func(*boltstore.Store) consent.Store) *realServer {
	t.Helper()
	bolt, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var st consent.Store = bolt
	for _, w := range wrap {
		st = w(bolt)
	}
	rs := &realServer{logs: &logtest.Buffer{}, reg: prometheus.NewRegistry()}
	log := slog.New(slog.NewTextHandler(rs.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rs.m = metrics.New(rs.reg, metrics.Build{})
	e := httpapi.New(st, httpapi.Options{
		PublicURL: "https://consent.example.net", AdminTokenHash: sha256.Sum256([]byte(adminToken)),
		Logger: log, Metrics: rs.m, Gatherer: rs.reg,
	})
	rs.srv = httpapi.HTTPServer("", e, log)
	rs.srv.ReadTimeout = readTimeout
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rs.addr = ln.Addr().String()
	go rs.srv.Serve(ln)
	t.Cleanup(func() {
		rs.srv.Close()
		st.Close()
	})
	rs.site = createSiteAt(t, "http://"+rs.addr, adminToken)
	return rs
}

func createSiteAt(t *testing.T, base, token string) siteView {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/v1/admin/sites", strings.NewReader(siteJSON))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s siteView
	b, _ := io.ReadAll(res.Body)
	mustUnmarshal(t, b, &s)
	return s
}

// slowReceipt starts a receipt whose body never arrives in full.
func slowReceipt(t *testing.T, conn net.Conn, siteID string) {
	t.Helper()
	fmt.Fprintf(conn, "POST /v1/sites/%s/receipts HTTP/1.1\r\nHost: consent.example.net\r\nOrigin: %s\r\n"+
		"Content-Type: text/plain\r\nContent-Length: 400\r\n\r\n{\"receipt_id\":", siteID, shopOrigin)
}

// waitFor polls cond until it holds or 10 s have passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The README promises that client addresses are cut to /24 or /48 before
// anything is logged. A body that arrives slowly and then a reset make the
// body read fail with a net error naming both ends of the connection; no
// log line, at any level, may carry the client's address or port (issue 12,
// item 4).
func TestClientAddressNeverLogged(t *testing.T) {
	rs := startRealServer(t, 500*time.Millisecond)
	const client = "127.0.0.77"

	// 1. Slow body, then a reset while the handler reads it.
	conn := clientAt(t, client, rs.addr)
	_, clientPort, _ := net.SplitHostPort(conn.LocalAddr().String())
	slowReceipt(t, conn, rs.site.ID)
	waitFor(t, "the handler to start", func() bool { return value(rs.m.InFlight) == 1 })
	conn.SetLinger(0)
	conn.Close() // RST
	waitFor(t, "the request to end", func() bool { return value(rs.m.InFlight) == 0 })

	// 2. Slow body until the server's read timeout.
	conn2 := clientAt(t, client, rs.addr)
	_, clientPort2, _ := net.SplitHostPort(conn2.LocalAddr().String())
	slowReceipt(t, conn2, rs.site.ID)
	res, err := http.ReadResponse(bufio.NewReader(conn2), nil)
	if err != nil {
		t.Fatalf("no answer to a body that timed out: %v", err)
	}
	res.Body.Close()
	conn2.SetLinger(0)
	conn2.Close()
	waitFor(t, "the request to end", func() bool { return value(rs.m.InFlight) == 0 })

	logs := rs.logs.String()
	if logs == "" {
		t.Fatal("nothing was logged; is the log captured?")
	}
	for _, leak := range []string{client, ":" + clientPort, ":" + clientPort2} {
		if strings.Contains(logs, leak) {
			t.Errorf("the log carries the client's address (%s):\n%s", leak, logs)
		}
	}
	if !strings.Contains(logs, "127.0.0.0") {
		t.Errorf("the log does not name the client's network 127.0.0.0:\n%s", logs)
	}
}

// A client too slow to send its body gets 408, which is its problem, not
// the server's: no 5xx, nothing at level ERROR (issue 12, item 5).
func TestSlowBodyIs408(t *testing.T) {
	rs := startRealServer(t, 300*time.Millisecond)
	conn := clientAt(t, "127.0.0.78", rs.addr)
	slowReceipt(t, conn, rs.site.ID)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout {
		t.Errorf("a body that timed out: %d %s, want 408", res.StatusCode, b)
	}
	r := response{res.StatusCode, res.Header, b}
	r.fields(t)
	waitFor(t, "the request to end", func() bool { return value(rs.m.InFlight) == 0 })
	code408 := value(rs.m.Receipts.WithLabelValues("rejected"))
	if code408 != 1 {
		t.Errorf("a timed-out receipt is counted %v times as rejected, want 1", code408)
	}
	mfs, _ := rs.reg.Gather()
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "code" && strings.HasPrefix(l.GetValue(), "5") {
					t.Errorf("a client's timeout was counted as %s", l.GetValue())
				}
			}
		}
	}
	if logs := rs.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("a client's timeout was logged as an error:\n%s", logs)
	}
}

// A client that goes away mid-request is no server failure either.
func TestClientGoneIsNot5xx(t *testing.T) {
	rs := startRealServer(t, 10*time.Second)
	conn := clientAt(t, "127.0.0.79", rs.addr)
	slowReceipt(t, conn, rs.site.ID)
	waitFor(t, "the handler to start", func() bool { return value(rs.m.InFlight) == 1 })
	conn.Close() // FIN: the body ends early
	waitFor(t, "the request to end", func() bool { return value(rs.m.InFlight) == 0 })
	if logs := rs.logs.String(); strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "status=500") {
		t.Errorf("a client that left was logged as a server failure:\n%s", logs)
	}
}

// slowSites is a store whose site list waits for the request to end.
type slowSites struct{ *boltstore.Store }

func (s slowSites) Sites(ctx context.Context) ([]consent.Site, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A client that leaves while the server waits on the store is not a server
// failure either (the store gives up with the request's context).
func TestClientLeavingMidRequestIsNot5xx(t *testing.T) {
	rs := startRealServer(t, 10*time.Second, func(b *boltstore.Store) consent.Store { return slowSites{b} })
	conn := clientAt(t, "127.0.0.80", rs.addr)
	fmt.Fprintf(conn, "GET /v1/admin/sites HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", adminToken)
	waitFor(t, "the handler to start", func() bool { return value(rs.m.InFlight) == 1 })
	conn.Close()
	waitFor(t, "the request to end", func() bool { return value(rs.m.InFlight) == 0 })
	logs := rs.logs.String()
	if strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "status=500") || !strings.Contains(logs, "status=400") {
		t.Errorf("a client that left mid-request was logged as a server failure:\n%s", logs)
	}
}

// HEAD works wherever GET does, and a known path asked with a method it does
// not take answers 405 with Allow, including under route groups and the
// dashboard's routes (issue 12, item 7).
func TestHeadAndMethodNotAllowed(t *testing.T) {
	srv := httptestServer(t, openapiServer(t))
	s := createSiteAt(t, srv, openapiAdminToken)
	for _, path := range []string{"/healthz", "/readyz", "/samtykke.js", "/openapi.json", "/demo", "/metrics",
		"/v1/sites/" + s.ID + "/config", "/dashboard"} {
		get := doURL(t, "GET", srv+path, nil)
		head := doURL(t, "HEAD", srv+path, nil)
		if get.status != http.StatusOK || head.status != http.StatusOK || len(head.body) != 0 {
			t.Errorf("HEAD %s: %d (%d bytes); GET: %d", path, head.status, len(head.body), get.status)
		}
		if ct := get.header.Get("Content-Type"); head.header.Get("Content-Type") != ct {
			t.Errorf("HEAD %s: Content-Type %q, GET has %q", path, head.header.Get("Content-Type"), ct)
		}
	}
	auth := map[string]string{"Authorization": "Bearer " + openapiAdminToken}
	for _, tt := range []struct {
		method, path string
		headers      map[string]string
		allow        string
	}{
		{"GET", "/v1/sites/" + s.ID + "/receipts", nil, "OPTIONS, POST"},
		{"DELETE", "/v1/sites/" + s.ID + "/receipts", nil, "OPTIONS, POST"},
		{"HEAD", "/v1/sites/" + s.ID + "/impressions", nil, "OPTIONS, POST"},
		{"POST", "/v1/sites/" + s.ID + "/config", nil, "GET, HEAD, OPTIONS"},
		{"POST", "/healthz", nil, "GET, HEAD, OPTIONS"},
		{"DELETE", "/samtykke.js", nil, "GET, HEAD, OPTIONS"},
		{"PATCH", "/v1/admin/sites", auth, "GET, HEAD, OPTIONS, POST"},
		{"POST", "/v1/admin/sites/" + s.ID + "/stats", auth, "GET, HEAD, OPTIONS"},
		{"POST", "/v1/admin/users/u1", auth, "DELETE, GET, HEAD, OPTIONS, PATCH"},
		{"M1234", "/healthz", nil, "GET, HEAD, OPTIONS"},
	} {
		r := doURL(t, tt.method, srv+tt.path, tt.headers)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tt.method, tt.path, r.status, r.header.Get("Allow"), tt.allow)
		}
		if tt.method != "HEAD" && r.status/100 == 4 {
			r.fields(t)
		}
	}
	// Unknown paths stay 404, and handlers' own 404s are not turned into 405.
	for _, path := range []string{"/no/such/path", "/v1/sites/" + s.ID + "/nothing", "/v1/sites/nosuchsite/config"} {
		if r := doURL(t, "GET", srv+path, nil); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
	if r := doURL(t, "HEAD", srv+"/v1/sites/nosuchsite/config", nil); r.status != http.StatusNotFound {
		t.Errorf("HEAD of an unknown site's config: %d, want 404", r.status)
	}
}

func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func doURL(t *testing.T, method, url string, headers map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

var nonceAttr = regexp.MustCompile(`<(script|style)\b[^>]*>`)

// Every response says nosniff; https deployments get HSTS; /demo has a CSP
// whose nonce every script and style of the page carries (issue 12, item 10).
func TestSecurityHeaders(t *testing.T) {
	srv := httptestServer(t, openapiServer(t)) // public URL https://consent.example.net
	s := createSiteAt(t, srv, openapiAdminToken)
	for _, tt := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/metrics"}, {"GET", "/samtykke.js"}, {"GET", "/no/such/path"},
		{"POST", "/healthz"}, {"GET", "/v1/sites/" + s.ID + "/config"}, {"POST", "/v1/sites/" + s.ID + "/receipts"},
		{"GET", "/v1/admin/sites"}, {"GET", "/demo"}, {"GET", "/dashboard"},
	} {
		r := doURL(t, tt.method, srv+tt.path, nil)
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s (%d): no X-Content-Type-Options: nosniff", tt.method, tt.path, r.status)
		}
		if hsts := r.header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
			t.Errorf("%s %s: Strict-Transport-Security %q with an https public URL", tt.method, tt.path, hsts)
		}
	}

	// Without https, no HSTS (a browser would ignore it, and it would
	// break a later move to another scheme).
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := prometheus.NewRegistry()
	httpSrv := httptestServer(t, httpapi.New(st, httpapi.Options{PublicURL: "http://localhost:8080",
		Metrics: metrics.New(reg, metrics.Build{}), Gatherer: reg, DemoSiteID: "demo"}))
	if r := doURL(t, "GET", httpSrv+"/healthz", nil); r.header.Get("Strict-Transport-Security") != "" ||
		r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("http public URL: headers %v", r.header)
	}

	nonces := map[string]bool{}
	for i := 0; i < 2; i++ {
		r := doURL(t, "GET", srv+"/demo", nil)
		csp := r.header.Get("Content-Security-Policy")
		m := regexp.MustCompile(`'nonce-([A-Za-z0-9+/=_-]{16,})'`).FindStringSubmatch(csp)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("/demo: %d, CSP %q has no nonce", r.status, csp)
		}
		for _, d := range []string{"script-src", "object-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("/demo CSP %q lacks %s", csp, d)
			}
		}
		nonces[m[1]] = true
		tags := nonceAttr.FindAllString(string(r.body), -1)
		if len(tags) < 4 {
			t.Fatalf("/demo has only %d script and style tags: %v", len(tags), tags)
		}
		for _, tag := range tags {
			if !strings.Contains(tag, `nonce="`+m[1]+`"`) {
				t.Errorf("/demo: %s does not carry the CSP's nonce", tag)
			}
		}
	}
	if len(nonces) != 2 {
		t.Error("/demo served the same nonce twice")
	}
}

// One network may send a site only so many receipts and impressions; the
// rest get 429 with Retry-After and the usual error body, and are counted
// without naming the site (issue 12, item 9).
func TestIngestRateLimit(t *testing.T) {
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, st, func(o *httpapi.Options) { o.IngestRate = 1 })
	s := h.createSite(siteJSON)
	other := h.createSite(siteJSON)
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	burst := 1 * httpapi.IngestBurstSeconds
	for i := 0; i < burst; i++ {
		if r := h.postReceipt(s.ID, mustJSON(receipt(s, nil)), from("203.0.113.77")); r.status != http.StatusCreated {
			t.Fatalf("receipt %d of a burst of %d: %d %s", i+1, burst, r.status, r.body)
		}
	}
	r := h.postReceipt(s.ID, mustJSON(receipt(s, nil)), from("203.0.113.200")) // same /24
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Fatalf("receipt over the limit: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if code := r.json(t)["error"].(map[string]any)["code"]; code != "rate_limited" {
		t.Errorf("error code %v, want rate_limited", code)
	}
	if r.header.Get("Access-Control-Allow-Origin") != shopOrigin {
		t.Errorf("the page cannot read the 429 (no Access-Control-Allow-Origin), so it cannot see Retry-After")
	}
	imp := `{"config_version":"` + s.ConfigVersion + `","language":"nb"}`
	if r := h.do("POST", "/v1/sites/"+s.ID+"/impressions", imp, map[string]string{"Origin": shopOrigin, "X-Forwarded-For": "203.0.113.5"}); r.status != http.StatusTooManyRequests {
		t.Errorf("impression over the shared limit: %d", r.status)
	}
	// Other networks, and other sites from the same network, are not held up.
	if r := h.postReceipt(s.ID, mustJSON(receipt(s, nil)), from("198.51.100.7")); r.status != http.StatusCreated {
		t.Errorf("another network: %d", r.status)
	}
	if r := h.postReceipt(other.ID, mustJSON(receipt(other, nil)), from("203.0.113.77")); r.status != http.StatusCreated {
		t.Errorf("another site from the limited network: %d", r.status)
	}
	// A second later one more is allowed.
	h.clock.Advance(time.Second)
	if r := h.postReceipt(s.ID, mustJSON(receipt(s, nil)), from("203.0.113.77")); r.status != http.StatusCreated {
		t.Errorf("after Retry-After: %d %s", r.status, r.body)
	}
	if r := h.postReceipt(s.ID, mustJSON(receipt(s, nil)), from("203.0.113.77")); r.status != http.StatusTooManyRequests {
		t.Errorf("the refilled token was used twice: %d", r.status)
	}
	m := h.metrics()
	for _, want := range []string{`samtykke_ingest_rate_limited_total{op="receipt"} 2`, `samtykke_ingest_rate_limited_total{op="impression"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if st := h.stats(s.ID); st.Totals.Decisions != int64(burst+2) || st.Totals.Impressions != 0 {
		t.Errorf("refused requests were stored: %+v", st.Totals)
	}
}

// IngestRate 0 is no limit: the load scripts measure the server itself.
func TestIngestRateZeroIsOff(t *testing.T) {
	t.Parallel()
	h := boltHarness(t)
	s := h.createSite(siteJSON)
	for i := 0; i < 3*httpapi.IngestBurstSeconds; i++ {
		if r := h.postReceipt(s.ID, mustJSON(receipt(s, nil))); r.status != http.StatusCreated {
			t.Fatalf("receipt %d without a limit: %d %s", i+1, r.status, r.body)
		}
	}
}

// net/http's own log lines (here: a panic no middleware caught) name the
// client's address and port; the http.Server consentd uses logs them cut to
// the network.
func TestServerErrorLogHasNoClientAddress(t *testing.T) {
	logs := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httpapi.HTTPServer("", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	conn := clientAt(t, "127.0.0.77", ln.Addr().String())
	_, port, _ := net.SplitHostPort(conn.LocalAddr().String())
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	io.Copy(io.Discard, conn) // the server closes the connection after the panic
	waitFor(t, "the panic to be logged", func() bool { return strings.Contains(logs.String(), "boom") })
	if l := logs.String(); strings.Contains(l, "127.0.0.77") || strings.Contains(l, ":"+port) || !strings.Contains(l, "127.0.0.0/24") {
		t.Errorf("the server's log line about the client:\n%s", l)
	}
}
