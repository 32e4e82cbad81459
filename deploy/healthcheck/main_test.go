package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestURL(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"", "http://127.0.0.1:8080/healthz"}, // consentd's default :8080
		{":9000", "http://127.0.0.1:9000/healthz"},
		{"0.0.0.0:8081", "http://127.0.0.1:8081/healthz"},
		{"[::]:8082", "http://127.0.0.1:8082/healthz"},
		{"127.0.0.2:8083", "http://127.0.0.2:8083/healthz"},
		{"[::1]:8084", "http://[::1]:8084/healthz"},
	} {
		got, err := URL(env(map[string]string{"SAMTYKKE_ADDR": tc.addr}), "/healthz")
		if err != nil || got != tc.want {
			t.Errorf("SAMTYKKE_ADDR=%q: got %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
	// With an operators' listener the check asks it.
	if got, err := URL(env(map[string]string{"SAMTYKKE_ADDR": ":8080", "SAMTYKKE_METRICS_ADDR": ":9464"}), "/readyz"); err != nil || got != "http://127.0.0.1:9464/readyz" {
		t.Errorf("with SAMTYKKE_METRICS_ADDR=:9464: got %q, %v", got, err)
	}
	if _, err := URL(env(map[string]string{"SAMTYKKE_METRICS_ADDR": "nonsense"}), "/healthz"); err == nil {
		t.Error("a bad SAMTYKKE_METRICS_ADDR must fail the check")
	}
	if _, err := URL(env(map[string]string{"SAMTYKKE_ADDR": "nonsense"}), "/healthz"); err == nil {
		t.Error("a bad SAMTYKKE_ADDR must fail the check, not probe a default port")
	}
	// Settings the check does not need never make it fail.
	if _, err := URL(env(map[string]string{"SAMTYKKE_SHUTDOWN_TIMEOUT": "bad"}), "/healthz"); err != nil {
		t.Errorf("an unrelated bad setting failed the check: %v", err)
	}
}

func TestRun(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/healthz":
			w.Write([]byte(`{"status":"ok"}`))
		case r.URL.Path == "/readyz" && ready:
			w.Write([]byte(`{"status":"ok"}`))
		default:
			http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	e := env(map[string]string{"SAMTYKKE_ADDR": ":" + port})

	var out bytes.Buffer
	if code := run(nil, e, &out); code != 0 {
		t.Fatalf("healthy server: exit %d, %s", code, out.String())
	}
	if code := run([]string{"/readyz"}, e, &out); code != 0 {
		t.Fatalf("ready server: exit %d, %s", code, out.String())
	}
	ready = false
	out.Reset()
	if code := run([]string{"/readyz"}, e, &out); code != 1 || !bytes.Contains(out.Bytes(), []byte("503")) {
		t.Fatalf("unready server: exit %d, %q; want 1 naming the 503", code, out.String())
	}
	srv.Close()
	if code := run(nil, e, &out); code != 1 {
		t.Fatalf("nothing listening: exit %d, want 1", code)
	}
	if code := run([]string{"a", "b"}, e, &out); code != 2 {
		t.Fatalf("bad usage: exit %d, want 2", code)
	}
}
