// Command loadgen posts consent receipts to a running consentd as fast as a
// fixed number of connections allow, for a fixed time, and prints the rate,
// the latency percentiles and the errors. It is the benchmark behind the
// README's throughput figure; scripts/load.sh runs it end to end.
//
// Every request is a fresh, valid receipt (new random receipt and consent
// ids), sent as the snippet sends it: text/plain, with the site's origin in
// the Origin header. It only ever targets loopback addresses.
//
//	go run ./scripts/loadgen -url http://127.0.0.1:8080 -sites ab12cd34ef56gh78 -origin https://load.example
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// Bounds: the generator always stops by itself.
const (
	maxConnections = 1024
	maxDuration    = 10 * time.Minute
	maxWarmup      = time.Minute
)

type options struct {
	url           string
	sites         []string
	origin        string
	configVersion string
	connections   int
	duration      time.Duration
	warmup        time.Duration
	maxRequests   int64
	timeout       time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		if code == 0 {
			code = 2
		}
	}
	os.Exit(code)
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var sites string
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: loadgen -sites ID[,ID...] [flags]

Posts fresh valid receipts to a running consentd with -c connections for -d
(after -warmup, which is not measured), then prints receipts/s, latency
percentiles and errors. Exits 1 if any request failed (non-2xx or transport
error), 2 on bad usage. Only loopback targets are allowed (127.0.0.0/8, ::1,
localhost): load on any other address is forbidden in this workplace.

Flags:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of consentd (loopback only)")
	fs.StringVar(&sites, "sites", "", "comma-separated site ids; requests are spread evenly over them (required)")
	fs.StringVar(&o.origin, "origin", "https://load.example", "Origin header: one of the sites' origins")
	fs.StringVar(&o.configVersion, "config-version", "", "config version to send for every site (default: read each site's from /v1/sites/{id}/config)")
	fs.IntVar(&o.connections, "c", 64, fmt.Sprintf("concurrent connections (at most %d)", maxConnections))
	fs.DurationVar(&o.duration, "d", 15*time.Second, fmt.Sprintf("measured duration (at most %s)", maxDuration))
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, fmt.Sprintf("unmeasured warm-up before -d (at most %s)", maxWarmup))
	fs.Int64Var(&o.maxRequests, "n", 10_000_000, "stop after this many requests in all, warm-up included")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of one request")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strings.Split(sites, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.sites = append(o.sites, s)
		}
	}
	switch {
	case len(o.sites) == 0:
		return o, errors.New("-sites: give at least one site id (create one with POST /v1/admin/sites)")
	case o.connections < 1 || o.connections > maxConnections:
		return o, fmt.Errorf("-c: must be between 1 and %d", maxConnections)
	case o.duration <= 0 || o.duration > maxDuration:
		return o, fmt.Errorf("-d: must be more than 0 and at most %s", maxDuration)
	case o.warmup < 0 || o.warmup > maxWarmup:
		return o, fmt.Errorf("-warmup: must be between 0 and %s", maxWarmup)
	case o.maxRequests < 1:
		return o, errors.New("-n: must be at least 1")
	case o.timeout <= 0:
		return o, errors.New("-timeout: must be positive")
	}
	o.url = strings.TrimSuffix(o.url, "/")
	if err := checkLoopbackURL(o.url); err != nil {
		return o, fmt.Errorf("-url: %w", err)
	}
	return o, nil
}

// checkLoopbackURL refuses any target that is not on this machine's
// loopback interface. Names other than localhost are not resolved at all.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL such as http://127.0.0.1:8080", raw)
	}
	if u.Path != "" || u.RawQuery != "" {
		return fmt.Errorf("%q: give the base URL only, without a path or query", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !addr.Unmap().IsLoopback() {
		return fmt.Errorf("refusing %q: load may only be sent to loopback addresses (127.0.0.0/8, ::1, localhost), "+
			"since this workplace forbids load tests against any other address", host)
	}
	return nil
}

// loopbackDialer dials only loopback addresses, so that even a name such as
// localhost that resolves elsewhere cannot send load off this machine.
func loopbackDialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		for _, ip := range ips {
			if ip.Unmap().IsLoopback() {
				return d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			}
		}
		return nil, fmt.Errorf("refusing to dial %s: it is not a loopback address", host)
	}
}

func newClient(o options) *http.Client {
	return &http.Client{
		Timeout: o.timeout,
		Transport: &http.Transport{
			DialContext:         loopbackDialer(),
			MaxIdleConns:        o.connections,
			MaxIdleConnsPerHost: o.connections,
			MaxConnsPerHost:     o.connections,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// fetchConfigVersion reads a site's current config version, as the snippet
// does before it shows the banner.
func fetchConfigVersion(ctx context.Context, client *http.Client, base, site string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/sites/"+url.PathEscape(site)+"/config", nil)
	if err != nil {
		return "", err
	}
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("site %s: config answered %d: %s", site, res.StatusCode, bytes.TrimSpace(body))
	}
	var cfg struct {
		ConfigVersion string `json:"config_version"`
	}
	if err := json.Unmarshal(body, &cfg); err != nil || cfg.ConfigVersion == "" {
		return "", fmt.Errorf("site %s: config has no config_version: %s", site, body)
	}
	return cfg.ConfigVersion, nil
}

// Variety so that the counters see several actions, languages and devices,
// as on a real site. Each choice set matches its action.
var (
	decisions = []struct{ action, choices string }{
		{"accept_all", `{"necessary":true,"statistics":true,"marketing":true}`},
		{"accept_all", `{"necessary":true,"statistics":true,"marketing":true}`},
		{"reject_all", `{"necessary":true,"statistics":false,"marketing":false}`},
		{"custom", `{"necessary":true,"statistics":true,"marketing":false}`},
	}
	languages  = []string{"nb", "en", "sv", "da"}
	userAgents = []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	}
)

// target is one site with the config version its receipts name.
type target struct {
	id, configVersion, url string
}

// receiptBody writes a fresh receipt into buf, the way the snippet builds it.
func receiptBody(buf *bytes.Buffer, rng *rand.Rand, t target, origin string) (userAgent string) {
	d := decisions[rng.IntN(len(decisions))]
	buf.Reset()
	buf.WriteString(`{"receipt_id":"`)
	buf.WriteString(uuid.NewString())
	buf.WriteString(`","consent_id":"`)
	buf.WriteString(uuid.NewString())
	buf.WriteString(`","action":"`)
	buf.WriteString(d.action)
	buf.WriteString(`","choices":`)
	buf.WriteString(d.choices)
	buf.WriteString(`,"config_version":"`)
	buf.WriteString(t.configVersion)
	buf.WriteString(`","language":"`)
	buf.WriteString(languages[rng.IntN(len(languages))])
	buf.WriteString(`","page_url":"`)
	buf.WriteString(origin)
	fmt.Fprintf(buf, `/products/%d?utm_source=load","surface":"banner","gpc":false,"client_time":"`, rng.IntN(1000))
	buf.WriteString(time.Now().UTC().Format(time.RFC3339Nano))
	buf.WriteString(`"}`)
	return userAgents[rng.IntN(len(userAgents))]
}

// workerStats is what one connection saw; merged at the end.
type workerStats struct {
	latencies  []time.Duration // requests started in the measured window
	ok         int64           // 2xx in the measured window
	statuses   map[int]int64   // non-2xx, measured window
	transport  int64           // transport errors, measured window
	warmupOK   int64
	warmupBad  int64     // any failure during warm-up
	last       time.Time // last completion of a measured request
	firstError string
}

type result struct {
	measured  time.Duration
	latencies []time.Duration
	ok        int64
	statuses  map[int]int64
	transport int64
	warmupOK  int64
	warmupBad int64
	errors    []string
}

func (r result) failures() int64 {
	n := r.transport + r.warmupBad
	for _, c := range r.statuses {
		n += c
	}
	return n
}

func runLoad(ctx context.Context, o options, client *http.Client, targets []target) result {
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	end := measureFrom.Add(o.duration)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	// Every request started in [measureFrom, end) is measured, latency and
	// outcome; those started earlier are warm-up.

	var sent atomic.Int64
	stats := make([]*workerStats, o.connections)
	var wg sync.WaitGroup
	for w := range o.connections {
		ws := &workerStats{statuses: map[int]int64{}, latencies: make([]time.Duration, 0, 4096)}
		stats[w] = ws
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			var buf bytes.Buffer
			for i := w; ctx.Err() == nil && sent.Add(1) <= o.maxRequests; i++ {
				t := targets[i%len(targets)]
				ua := receiptBody(&buf, rng, t, o.origin)
				// The request is not tied to ctx: one in flight at the end
				// finishes (bounded by -timeout) rather than counting as an error.
				req, _ := http.NewRequest(http.MethodPost, t.url, bytes.NewReader(buf.Bytes()))
				req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
				req.Header.Set("Origin", o.origin)
				req.Header.Set("User-Agent", ua)
				t0 := time.Now()
				res, err := client.Do(req)
				status := 0
				var body []byte
				if err == nil {
					status = res.StatusCode
					if status/100 == 2 {
						_, err = io.Copy(io.Discard, res.Body)
					} else {
						body, _ = io.ReadAll(io.LimitReader(res.Body, 512))
					}
					res.Body.Close()
				}
				t1 := time.Now()
				if t0.Before(measureFrom) {
					if err != nil || status/100 != 2 {
						ws.warmupBad++
						ws.note(status, err, body)
					} else {
						ws.warmupOK++
					}
					continue
				}
				// Started in the window: counted, even if it ends a little
				// after it; the rate is taken up to the last completion.
				if t1.After(ws.last) {
					ws.last = t1
				}
				switch {
				case err != nil:
					ws.transport++
					ws.note(0, err, nil)
				case status/100 != 2:
					ws.statuses[status]++
					ws.note(status, nil, body)
				default:
					ws.ok++
				}
				ws.latencies = append(ws.latencies, t1.Sub(t0))
			}
		}()
	}
	wg.Wait()

	r := result{statuses: map[int]int64{}}
	var last time.Time
	for _, ws := range stats {
		if ws.last.After(last) {
			last = ws.last
		}
	}
	r.measured = last.Sub(measureFrom)
	for _, ws := range stats {
		r.latencies = append(r.latencies, ws.latencies...)
		r.ok += ws.ok
		r.transport += ws.transport
		r.warmupOK += ws.warmupOK
		r.warmupBad += ws.warmupBad
		for s, n := range ws.statuses {
			r.statuses[s] += n
		}
		if ws.firstError != "" && len(r.errors) < 5 {
			r.errors = append(r.errors, ws.firstError)
		}
	}
	slices.Sort(r.latencies)
	return r
}

func (ws *workerStats) note(status int, err error, body []byte) {
	if ws.firstError != "" {
		return
	}
	if err != nil {
		ws.firstError = "transport: " + err.Error()
		return
	}
	ws.firstError = fmt.Sprintf("HTTP %d: %s", status, bytes.TrimSpace(body))
}

// percentile returns the exact p-th percentile (nearest rank) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func report(w io.Writer, o options, r result, cpu time.Duration) {
	total := int64(len(r.latencies))
	rate := 0.0
	if r.measured > 0 {
		rate = float64(r.ok) / r.measured.Seconds()
	}
	fmt.Fprintf(w, "target       %s, %d site(s), origin %s\n", o.url, len(o.sites), o.origin)
	fmt.Fprintf(w, "load         %d connections, %s measured after %s warm-up (%d ok during warm-up)\n",
		o.connections, r.measured.Round(time.Millisecond), o.warmup, r.warmupOK)
	fmt.Fprintf(w, "requests     %d in the window, %d receipts stored (2xx)\n", total, r.ok)
	fmt.Fprintf(w, "throughput   %.0f receipts/s\n", rate)
	fmt.Fprintf(w, "latency      p50 %s   p90 %s   p99 %s   max %s\n",
		ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 90)), ms(percentile(r.latencies, 99)), ms(percentile(r.latencies, 100)))
	var non2xx int64
	var codes []string
	keys := make([]int, 0, len(r.statuses))
	for s := range r.statuses {
		keys = append(keys, s)
	}
	sort.Ints(keys)
	for _, s := range keys {
		non2xx += r.statuses[s]
		codes = append(codes, fmt.Sprintf("%d×%d", r.statuses[s], s))
	}
	fmt.Fprintf(w, "errors       non-2xx %d %v, transport %d, during warm-up %d\n", non2xx, codes, r.transport, r.warmupBad)
	for _, e := range r.errors {
		fmt.Fprintf(w, "  e.g.       %s\n", e)
	}
	if r.ok > 0 {
		fmt.Fprintf(w, "generator    %.1f µs CPU per request (loadgen itself, GOMAXPROCS %d)\n",
			float64(cpu.Microseconds())/float64(total+r.warmupOK), runtime.GOMAXPROCS(0))
	}
	// One line for scripts.
	fmt.Fprintf(w, "RESULT rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f ok=%d non2xx=%d transport_errors=%d warmup_errors=%d\n",
		rate, float64(percentile(r.latencies, 50).Microseconds())/1000, float64(percentile(r.latencies, 90).Microseconds())/1000,
		float64(percentile(r.latencies, 99).Microseconds())/1000, float64(percentile(r.latencies, 100).Microseconds())/1000,
		r.ok, non2xx, r.transport, r.warmupBad)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 2, err
	}
	uuid.EnableRandPool() // fewer getrandom calls: the generator shares the CPU with the server
	client := newClient(o)

	targets := make([]target, len(o.sites))
	for i, id := range o.sites {
		v := o.configVersion
		if v == "" {
			fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			v, err = fetchConfigVersion(fctx, client, o.url, id)
			cancel()
			if err != nil {
				return 2, err
			}
		}
		targets[i] = target{id: id, configVersion: v, url: o.url + "/v1/sites/" + url.PathEscape(id) + "/receipts"}
	}

	cpu0 := cpuTime()
	r := runLoad(ctx, o, client, targets)
	report(stdout, o, r, cpuTime()-cpu0)
	if ctx.Err() != nil {
		return 1, errors.New("interrupted before the end of the run")
	}
	if r.failures() > 0 {
		return 1, fmt.Errorf("%d request(s) failed", r.failures())
	}
	if r.ok == 0 {
		return 1, errors.New("no request succeeded")
	}
	return 0, nil
}
