package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestCheckLoopbackURL(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://127.3.2.1:1", "http://localhost:8080", "http://LOCALHOST", "https://[::1]:8443", "http://[::ffff:127.0.0.1]:80"} {
		if err := checkLoopbackURL(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8080", "http://192.168.1.2", "http://0.0.0.0:8080", "http://[::]:80", "http://example.com",
		"http://localhost.example.com", "http://127.0.0.1.nip.io", "ftp://127.0.0.1", "http://127.0.0.1:8080/v1", "127.0.0.1:8080"} {
		err := checkLoopbackURL(u)
		if err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if err := checkLoopbackURL("http://203.0.113.9"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("refusal does not say why: %v", err)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 90: 90 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 99) != 0 {
		t.Error("percentile of nothing is not 0")
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one value = %v", got)
	}
}

func TestReceiptBodyIsFreshValidJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	seen := map[string]bool{}
	for range 50 {
		receiptBody(&buf, rng, target{id: "s", configVersion: "0123456789abcdef"}, "https://load.example")
		var r struct {
			ReceiptID     string          `json:"receipt_id"`
			ConsentID     string          `json:"consent_id"`
			Action        string          `json:"action"`
			ConfigVersion string          `json:"config_version"`
			Choices       map[string]bool `json:"choices"`
			ClientTime    time.Time       `json:"client_time"`
		}
		if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, buf.Bytes())
		}
		if r.ReceiptID == "" || seen[r.ReceiptID] || r.ConsentID == "" || r.ConfigVersion != "0123456789abcdef" || r.ClientTime.IsZero() {
			t.Fatalf("not a fresh receipt: %s", buf.Bytes())
		}
		seen[r.ReceiptID] = true
		all := r.Choices["statistics"] && r.Choices["marketing"]
		none := !r.Choices["statistics"] && !r.Choices["marketing"]
		if !r.Choices["necessary"] || (r.Action == "accept_all" && !all) || (r.Action == "reject_all" && !none) {
			t.Errorf("choices contradict the action: %s", buf.Bytes())
		}
	}
}
