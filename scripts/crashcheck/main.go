// Command crashcheck proves that consentd loses no acknowledged receipt when
// something dies under load. It has two steps:
//
//	crashcheck send   posts fresh receipts with -c connections for -d, and
//	                  retries each one that failed (transport error or 5xx)
//	                  with the same receipt id until it is acknowledged, as
//	                  the snippet's outbox does. Every receipt it sends and
//	                  every acknowledgement (2xx) is written to -log. With
//	                  -signal-pid it sends -signal to that process after
//	                  -signal-after, and reports what the requests in
//	                  flight at that moment, and those sent after it, got.
//	crashcheck verify reads -log and looks every receipt up through
//	                  GET /v1/sites/{site}/consents/{consent}: accepted
//	                  (acknowledged), present, lost; and checks that the
//	                  site's decision counter equals the receipts stored.
//
// scripts/crash-test.sh and scripts/shutdown-test.sh run it against consentd
// and redis-server processes they start. It only sends to loopback
// addresses (127.0.0.0/8, ::1, localhost).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "send":
		err = send(ctx, os.Args[2:], os.Stdout)
	case "verify":
		err = verify(ctx, os.Args[2:], os.Stdout)
	default:
		usage()
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashcheck:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: crashcheck send   -url URL -site ID -origin ORIGIN -log FILE [-c 16] [-d 12s] [-signal-pid PID -signal KILL|TERM -signal-after 4s]
       crashcheck verify -url URL -site ID -token ADMIN_TOKEN -log FILE`)
	os.Exit(2)
}

// Bounds: the tool always stops by itself.
const (
	maxConnections = 256
	maxDuration    = 2 * time.Minute
)

// checkLoopback refuses any target that is not on this machine.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("-url %q: want a base URL such as http://127.0.0.1:8080", raw)
	}
	if strings.EqualFold(u.Hostname(), "localhost") {
		return nil
	}
	if a, err := netip.ParseAddr(u.Hostname()); err != nil || !a.Unmap().IsLoopback() {
		return fmt.Errorf("-url %q: only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed", raw)
	}
	return nil
}

func newClient(conns int) *http.Client {
	d := &net.Dialer{Timeout: 2 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, port, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				if strings.EqualFold(host, "localhost") {
					host = "127.0.0.1"
				}
				if a, err := netip.ParseAddr(host); err != nil || !a.Unmap().IsLoopback() {
					return nil, fmt.Errorf("refusing to dial %s: not a loopback address", host)
				}
				return d.DialContext(ctx, network, net.JoinHostPort(host, port))
			},
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// logWriter appends lines to the receipt log from many goroutines.
//
//	S <receipt_id> <consent_id>            sent for the first time
//	A <receipt_id> <consent_id> <status>   acknowledged with a 2xx
type logWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (l *logWriter) line(format string, args ...any) {
	l.mu.Lock()
	fmt.Fprintf(l.w, format+"\n", args...)
	l.mu.Unlock()
}

// outcome classes of one attempt.
const (
	okCreated   = "201 stored"
	okDuplicate = "200 duplicate"
	errRefused  = "connection refused"
	errClosed   = "connection closed/reset"
	errTimeout  = "timeout"
	errOther    = "other transport error"
)

func classify(status int, err error) string {
	switch {
	case err == nil && status == http.StatusCreated:
		return okCreated
	case err == nil && status == http.StatusOK:
		return okDuplicate
	case err == nil:
		return fmt.Sprintf("%d", status)
	case errors.Is(err, syscall.ECONNREFUSED):
		return errRefused
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), strings.Contains(err.Error(), "server closed idle connection"):
		return errClosed
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(err.Error(), "Client.Timeout"):
		return errTimeout
	}
	return errOther
}

// tally counts outcomes by class, safely from many goroutines.
type tally struct {
	mu sync.Mutex
	m  map[string]int
}

func (t *tally) add(k string) {
	t.mu.Lock()
	if t.m == nil {
		t.m = map[string]int{}
	}
	t.m[k]++
	t.mu.Unlock()
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) == 0 {
		return "none"
	}
	ks := make([]string, 0, len(t.m))
	for k := range t.m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s %d", k, t.m[k]))
	}
	return strings.Join(parts, ", ")
}

func (t *tally) count(keys ...string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, k := range keys {
		n += t.m[k]
	}
	return n
}

func send(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("crashcheck send", flag.ContinueOnError)
	base := fs.String("url", "", "consentd base URL (loopback only)")
	site := fs.String("site", "", "site id")
	origin := fs.String("origin", "", "one of the site's origins")
	logPath := fs.String("log", "", "receipt log to write")
	conns := fs.Int("c", 16, "concurrent connections")
	dur := fs.Duration("d", 12*time.Second, "how long to send new receipts")
	drain := fs.Duration("drain", 20*time.Second, "after -d, how long to keep retrying unacknowledged receipts")
	sigPID := fs.Int("signal-pid", 0, "process to signal during the run (0: none)")
	sigName := fs.String("signal", "KILL", "signal to send: KILL or TERM")
	sigAfter := fs.Duration("signal-after", 4*time.Second, "when to send the signal")
	slow := fs.Int("slow", 0, "with -signal-pid: this many extra requests start 0.5 s before the signal and send the rest of their body 2 s after it, so they are in flight throughout the shutdown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *site == "" || *origin == "" || *logPath == "":
		return errors.New("send: -site, -origin and -log are required")
	case *conns < 1 || *conns > maxConnections:
		return fmt.Errorf("-c: between 1 and %d", maxConnections)
	case *dur <= 0 || *dur > maxDuration || *drain < 0 || *drain > maxDuration:
		return fmt.Errorf("-d and -drain: at most %s", maxDuration)
	}
	if err := checkLoopback(*base); err != nil {
		return err
	}
	*base = strings.TrimSuffix(*base, "/")
	var sig syscall.Signal
	switch *sigName {
	case "KILL":
		sig = syscall.SIGKILL
	case "TERM":
		sig = syscall.SIGTERM
	default:
		return errors.New("-signal: KILL or TERM")
	}

	client := newClient(*conns)
	version, err := configVersion(ctx, client, *base, *site)
	if err != nil {
		return err
	}
	f, err := os.Create(*logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	lw := &logWriter{w: bufio.NewWriterSize(f, 1<<16)}

	start := time.Now()
	newUntil := start.Add(*dur)
	giveUp := newUntil.Add(*drain)

	// Signal bookkeeping: requests in flight at the signal, and what they
	// and the requests started after it got.
	var (
		signalled atomic.Bool
		signalAt  time.Time
		inflight  sync.Map // request number -> struct{}
		reqSeq    atomic.Int64
		atSignal  = map[int64]bool{}
		sigMu     sync.Mutex
	)
	var all, inflightOutcome, afterOutcome, slowOutcome tally
	// The first acknowledgement of a request sent after the signal: how
	// long receipts were refused (a failover's outage, as a visitor's
	// browser sees it).
	var firstAckAfter atomic.Int64 // ns since signalAt; 0: none yet
	var sent, created, duplicate, abandoned atomic.Int64
	var retried atomic.Int64

	if *sigPID > 0 {
		go func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(*sigAfter):
			}
			sigMu.Lock()
			inflight.Range(func(k, _ any) bool { atSignal[k.(int64)] = true; return true })
			signalAt = time.Now()
			signalled.Store(true)
			err := syscall.Kill(*sigPID, sig)
			sigMu.Unlock()
			if err != nil {
				fmt.Fprintf(os.Stderr, "crashcheck: signal %s to %d: %v\n", *sigName, *sigPID, err)
			}
		}()
	}

	var wg sync.WaitGroup
	if *sigPID > 0 && *slow > 0 {
		// Requests whose bodies trickle in across the signal: the server has
		// started reading them before it is told to stop, and must finish
		// them. Each has its own connection.
		slowClient := newClient(*slow)
		for range *slow {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-ctx.Done():
					return
				case <-time.After(*sigAfter - 500*time.Millisecond):
				}
				var body bytes.Buffer
				rid, cid := uuid.NewString(), uuid.NewString()
				receipt(&body, rid, cid, version, *origin)
				payload := append([]byte(nil), body.Bytes()...)
				lw.line("S %s %s", rid, cid)
				sent.Add(1)
				pr, pw := io.Pipe()
				go func() {
					half := len(payload) / 2
					_, _ = pw.Write(payload[:half])
					for !signalled.Load() && ctx.Err() == nil {
						time.Sleep(10 * time.Millisecond)
					}
					time.Sleep(2 * time.Second)
					_, _ = pw.Write(payload[half:])
					_ = pw.Close()
				}()
				status, err := postBody(ctx, slowClient, *base, *site, *origin, pr, -1)
				class := classify(status, err)
				slowOutcome.add(class)
				all.add(class)
				if err == nil && status/100 == 2 {
					lw.line("A %s %s %d", rid, cid, status)
					if status == http.StatusCreated {
						created.Add(1)
					} else {
						duplicate.Add(1)
					}
				} else {
					abandoned.Add(1)
				}
			}()
		}
	}
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body bytes.Buffer
			for ctx.Err() == nil && time.Now().Before(newUntil) {
				rid, cid := uuid.NewString(), uuid.NewString()
				receipt(&body, rid, cid, version, *origin)
				payload := append([]byte(nil), body.Bytes()...)
				lw.line("S %s %s", rid, cid)
				sent.Add(1)
				backoff := 50 * time.Millisecond
				for attempt := 0; ; attempt++ {
					n := reqSeq.Add(1)
					afterSignal := signalled.Load()
					inflight.Store(n, struct{}{})
					status, err := post(ctx, client, *base, *site, *origin, payload)
					inflight.Delete(n)
					class := classify(status, err)
					all.add(class)
					sigMu.Lock()
					wasInFlight := atSignal[n]
					sigMu.Unlock()
					switch {
					case wasInFlight:
						inflightOutcome.add(class)
					case afterSignal:
						afterOutcome.add(class)
					}
					if attempt > 0 {
						retried.Add(1)
					}
					if err == nil && status/100 == 2 {
						lw.line("A %s %s %d", rid, cid, status)
						if status == http.StatusCreated {
							created.Add(1)
						} else {
							duplicate.Add(1)
						}
						if afterSignal {
							sigMu.Lock()
							d := time.Since(signalAt)
							sigMu.Unlock()
							firstAckAfter.CompareAndSwap(0, max(int64(d), 1))
						}
						break
					}
					if err == nil && status/100 == 4 {
						// A refusal the snippet would not retry: the receipt
						// itself is wrong, which this tool never sends.
						fmt.Fprintf(os.Stderr, "crashcheck: receipt %s refused with %d\n", rid, status)
						abandoned.Add(1)
						break
					}
					if ctx.Err() != nil || time.Now().After(giveUp) {
						abandoned.Add(1)
						break
					}
					time.Sleep(backoff)
					backoff = min(2*backoff, time.Second)
				}
			}
		}()
	}
	wg.Wait()
	if err := lw.w.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}

	elapsed := time.Since(start)
	fmt.Fprintf(out, "sent         %d receipts in %s (%d connections), %d retries\n",
		sent.Load(), elapsed.Round(time.Millisecond), *conns, retried.Load())
	fmt.Fprintf(out, "acknowledged %d (201 stored %d, 200 duplicate of a stored one %d); never acknowledged %d\n",
		created.Load()+duplicate.Load(), created.Load(), duplicate.Load(), abandoned.Load())
	fmt.Fprintf(out, "attempts     %s\n", all.String())
	if *sigPID > 0 {
		if !signalled.Load() {
			fmt.Fprintf(out, "signal       SIG%s to %d was never sent\n", *sigName, *sigPID)
		} else {
			fmt.Fprintf(out, "signal       SIG%s to pid %d at %.2fs; %d requests were in flight\n",
				*sigName, *sigPID, signalAt.Sub(start).Seconds(), len(atSignal))
			fmt.Fprintf(out, "in flight    at the signal: %s\n", inflightOutcome.String())
			fmt.Fprintf(out, "after        the signal: %s\n", afterOutcome.String())
			if d := firstAckAfter.Load(); d > 0 {
				fmt.Fprintf(out, "recovery     first receipt sent after the signal acknowledged %.2f s after it\n", time.Duration(d).Seconds())
				fmt.Fprintf(out, "RECOVERY seconds=%.2f\n", time.Duration(d).Seconds())
			} else {
				fmt.Fprintf(out, "recovery     no receipt sent after the signal was acknowledged\n")
				fmt.Fprintf(out, "RECOVERY seconds=none\n")
			}
			if *slow > 0 {
				fmt.Fprintf(out, "slow         %d requests with bodies still arriving 2 s after the signal: %s\n", *slow, slowOutcome.String())
			}
			// One line for scripts.
			fmt.Fprintf(out, "SIGNAL inflight=%d inflight_2xx=%d slow=%d slow_2xx=%d\n", len(atSignal), inflightOutcome.count(okCreated, okDuplicate),
				*slow, slowOutcome.count(okCreated, okDuplicate))
		}
	}
	fmt.Fprintf(out, "SEND sent=%d acked=%d created=%d duplicate=%d abandoned=%d\n",
		sent.Load(), created.Load()+duplicate.Load(), created.Load(), duplicate.Load(), abandoned.Load())
	return nil
}

// receipt writes a fresh receipt the way the snippet builds one.
func receipt(buf *bytes.Buffer, rid, cid, version, origin string) {
	buf.Reset()
	_ = json.NewEncoder(buf).Encode(map[string]any{
		"receipt_id": rid, "consent_id": cid, "action": "custom",
		"choices":        map[string]bool{"necessary": true, "statistics": true, "marketing": false},
		"config_version": version, "language": "en", "page_url": origin + "/checkout",
		"surface": "banner", "gpc": false, "client_time": time.Now().UTC().Format(time.RFC3339Nano),
	})
}

func post(ctx context.Context, client *http.Client, base, site, origin string, body []byte) (int, error) {
	return postBody(ctx, client, base, site, origin, bytes.NewReader(body), int64(len(body)))
}

// postBody sends a receipt from r; size -1 means unknown (chunked).
func postBody(ctx context.Context, client *http.Client, base, site, origin string, r io.Reader, size int64) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/sites/"+url.PathEscape(site)+"/receipts", r)
	if err != nil {
		return 0, err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Origin", origin)
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		// The status arrived but the body did not: the server may have
		// stored the receipt; it is retried, and idempotency makes that safe.
		return 0, err
	}
	return res.StatusCode, nil
}

func configVersion(ctx context.Context, client *http.Client, base, site string) (string, error) {
	var cfg struct {
		ConfigVersion string `json:"config_version"`
	}
	if err := getJSON(ctx, client, base+"/v1/sites/"+url.PathEscape(site)+"/config", "", &cfg); err != nil {
		return "", err
	}
	if cfg.ConfigVersion == "" {
		return "", errors.New("the site's config has no config_version")
	}
	return cfg.ConfigVersion, nil
}

var errNotFound = errors.New("404")

func getJSON(ctx context.Context, client *http.Client, u, token string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return err
	}
	if res.StatusCode == http.StatusNotFound {
		return errNotFound
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", u, res.StatusCode, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, v)
}

type logged struct {
	rid, cid string
	acked    bool
}

func readLog(path string) ([]*logged, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	byID := map[string]*logged{}
	var order []*logged
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s: bad line %q", path, sc.Text())
		}
		r := byID[fields[1]]
		if r == nil {
			r = &logged{rid: fields[1], cid: fields[2]}
			byID[r.rid] = r
			order = append(order, r)
		}
		if fields[0] == "A" {
			r.acked = true
		}
	}
	return order, sc.Err()
}

func verify(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("crashcheck verify", flag.ContinueOnError)
	base := fs.String("url", "", "consentd base URL (loopback only)")
	site := fs.String("site", "", "site id")
	token := fs.String("token", "", "admin token, for the site's counters")
	logPath := fs.String("log", "", "receipt log written by send")
	conns := fs.Int("c", 16, "concurrent lookups")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *site == "" || *logPath == "" || *token == "" {
		return errors.New("verify: -site, -token and -log are required")
	}
	if err := checkLoopback(*base); err != nil {
		return err
	}
	*base = strings.TrimSuffix(*base, "/")
	rs, err := readLog(*logPath)
	if err != nil {
		return err
	}
	client := newClient(*conns)

	var accepted, present, lost, storedUnacked, copies atomic.Int64
	var lostIDs []string
	var mu sync.Mutex
	jobs := make(chan *logged)
	var wg sync.WaitGroup
	var firstErr error
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				var rec struct {
					Receipts []struct {
						ReceiptID string `json:"receipt_id"`
					} `json:"receipts"`
				}
				err := getJSON(ctx, client, *base+"/v1/sites/"+url.PathEscape(*site)+"/consents/"+r.cid, "", &rec)
				if err != nil && !errors.Is(err, errNotFound) {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				n := 0
				for _, x := range rec.Receipts {
					if x.ReceiptID == r.rid {
						n++
					}
				}
				if n > 1 {
					copies.Add(int64(n - 1))
				}
				switch {
				case r.acked && n > 0:
					accepted.Add(1)
					present.Add(1)
				case r.acked:
					accepted.Add(1)
					lost.Add(1)
					mu.Lock()
					lostIDs = append(lostIDs, r.rid)
					mu.Unlock()
				case n > 0:
					storedUnacked.Add(1)
				}
			}
		}()
	}
	for _, r := range rs {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("verify: %w", firstErr)
	}

	// Counters: one decision per stored receipt, no more, no less. The
	// default hourly range covers the last 48 hours.
	var stats struct {
		Totals struct {
			Decisions int64 `json:"decisions"`
		} `json:"totals"`
	}
	if err := getJSON(ctx, client, *base+"/v1/admin/sites/"+url.PathEscape(*site)+"/stats?granularity=hour", *token, &stats); err != nil {
		return fmt.Errorf("verify: stats: %w", err)
	}
	stored := present.Load() + storedUnacked.Load()

	fmt.Fprintf(out, "receipts     %d sent, %d accepted (answered 2xx)\n", len(rs), accepted.Load())
	fmt.Fprintf(out, "present      %d of the accepted (plus %d stored but never acknowledged: the reply was lost, the retry gave up)\n",
		present.Load(), storedUnacked.Load())
	fmt.Fprintf(out, "lost         %d\n", lost.Load())
	for i, id := range lostIDs {
		if i == 10 {
			fmt.Fprintf(out, "  ... and %d more\n", len(lostIDs)-10)
			break
		}
		fmt.Fprintf(out, "  lost       %s\n", id)
	}
	fmt.Fprintf(out, "duplicates   %d receipts stored more than once\n", copies.Load())
	fmt.Fprintf(out, "counters     %d decisions counted for %d receipts stored\n", stats.Totals.Decisions, stored)
	fmt.Fprintf(out, "VERIFY accepted=%d present=%d lost=%d stored_unacked=%d duplicates=%d decisions=%d stored=%d\n",
		accepted.Load(), present.Load(), lost.Load(), storedUnacked.Load(), copies.Load(), stats.Totals.Decisions, stored)
	if lost.Load() > 0 || copies.Load() > 0 || stats.Totals.Decisions != stored {
		return errors.New("verify: FAILED")
	}
	return nil
}
