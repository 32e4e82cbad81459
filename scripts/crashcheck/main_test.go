package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://127.0.0.2:1", "http://[::1]:8080", "http://localhost:8080/"} {
		if err := checkLoopback(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://192.168.1.1", "http://example.com", "https://127.0.0.1", "http://127.0.0.1/v1"} {
		if err := checkLoopback(bad); err == nil {
			t.Errorf("%s was allowed", bad)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status int
		err    error
		want   string
	}{
		{201, nil, okCreated},
		{200, nil, okDuplicate},
		{503, nil, "503"},
		{0, &wrapped{syscall.ECONNREFUSED}, errRefused},
		{0, io.EOF, errClosed},
		{0, &wrapped{syscall.ECONNRESET}, errClosed},
		{0, context.DeadlineExceeded, errTimeout},
		{0, errors.New("something else"), errOther},
	} {
		if got := classify(tc.status, tc.err); got != tc.want {
			t.Errorf("classify(%d, %v) = %q; want %q", tc.status, tc.err, got, tc.want)
		}
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "dial: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// fakeConsentd answers the four endpoints crashcheck uses, refuses the
// first requests with 503 (so retries happen), and can drop a stored
// receipt afterwards, as a store that loses data would.
type fakeConsentd struct {
	mu        sync.Mutex
	byConsent map[string][]string // consent id -> receipt ids
	seen      map[string]bool
	refuse    int
	decisions int
}

func (f *fakeConsentd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Path == "/v1/sites/s1/config":
		w.Write([]byte(`{"config_version":"v1"}`))
	case r.URL.Path == "/v1/sites/s1/receipts" && r.Method == http.MethodPost:
		if r.Header.Get("Origin") != "https://ops.example" {
			http.Error(w, "origin", http.StatusForbidden)
			return
		}
		if f.refuse > 0 {
			f.refuse--
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		var in struct {
			ReceiptID     string `json:"receipt_id"`
			ConsentID     string `json:"consent_id"`
			ConfigVersion string `json:"config_version"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.ConfigVersion != "v1" {
			http.Error(w, "bad receipt", http.StatusUnprocessableEntity)
			return
		}
		if f.seen[in.ReceiptID] {
			w.WriteHeader(http.StatusOK)
			return
		}
		f.seen[in.ReceiptID] = true
		f.byConsent[in.ConsentID] = append(f.byConsent[in.ConsentID], in.ReceiptID)
		f.decisions++
		w.WriteHeader(http.StatusCreated)
	case strings.HasPrefix(r.URL.Path, "/v1/sites/s1/consents/"):
		ids := f.byConsent[strings.TrimPrefix(r.URL.Path, "/v1/sites/s1/consents/")]
		if len(ids) == 0 {
			http.NotFound(w, r)
			return
		}
		var out struct {
			Receipts []map[string]string `json:"receipts"`
		}
		for _, id := range ids {
			out.Receipts = append(out.Receipts, map[string]string{"receipt_id": id})
		}
		json.NewEncoder(w).Encode(out)
	case r.URL.Path == "/v1/admin/sites/s1/stats" && r.Header.Get("Authorization") == "Bearer tok":
		json.NewEncoder(w).Encode(map[string]any{"totals": map[string]int{"decisions": f.decisions}})
	default:
		http.NotFound(w, r)
	}
}

func TestSendAndVerify(t *testing.T) {
	fake := &fakeConsentd{byConsent: map[string][]string{}, seen: map[string]bool{}, refuse: 5}
	srv := httptest.NewServer(fake) // listens on 127.0.0.1
	defer srv.Close()
	log := filepath.Join(t.TempDir(), "receipts.log")
	ctx := context.Background()

	var out bytes.Buffer
	err := send(ctx, []string{"-url", srv.URL, "-site", "s1", "-origin", "https://ops.example", "-log", log,
		"-c", "4", "-d", "300ms", "-drain", "5s"}, &out)
	if err != nil {
		t.Fatalf("send: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "abandoned=0") || !strings.Contains(out.String(), "503 5") {
		t.Fatalf("send should retry the five 503s and acknowledge everything:\n%s", out.String())
	}

	out.Reset()
	if err := verify(ctx, []string{"-url", srv.URL, "-site", "s1", "-token", "tok", "-log", log}, &out); err != nil {
		t.Fatalf("verify of a server that kept everything: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "lost=0") {
		t.Fatalf("verify:\n%s", out.String())
	}

	// The store loses one acknowledged receipt: verify must say so.
	fake.mu.Lock()
	for cid := range fake.byConsent {
		delete(fake.byConsent, cid)
		fake.decisions--
		break
	}
	fake.mu.Unlock()
	out.Reset()
	if err := verify(ctx, []string{"-url", srv.URL, "-site", "s1", "-token", "tok", "-log", log}, &out); err == nil ||
		!strings.Contains(out.String(), "lost=1 ") {
		t.Fatalf("verify missed a lost receipt (err %v):\n%s", err, out.String())
	}

	// A counter off by one is caught too.
	fake.mu.Lock()
	fake.decisions += 2
	fake.mu.Unlock()
	out.Reset()
	if err := verify(ctx, []string{"-url", srv.URL, "-site", "s1", "-token", "tok", "-log", log}, &out); err == nil {
		t.Fatalf("verify missed a wrong counter:\n%s", out.String())
	}
}

func TestSendRefusesOtherHosts(t *testing.T) {
	err := send(context.Background(), []string{"-url", "http://10.1.2.3:8080", "-site", "s", "-origin", "https://o.example",
		"-log", filepath.Join(t.TempDir(), "l"), "-d", "1s"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("send to a non-loopback address: %v", err)
	}
}
