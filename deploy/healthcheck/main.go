// Command healthcheck is the HEALTHCHECK of the consentd container image.
// The runtime image (distroless) has no shell, curl or wget, so this small
// static binary, built in the same stage as consentd, asks consentd itself:
// it GETs /healthz (or the path given as its only argument, e.g. /readyz)
// on this machine and exits 0 on 200, 1 otherwise.
//
// It reads SAMTYKKE_ADDR and SAMTYKKE_METRICS_ADDR exactly as consentd does
// (through the same config package), so moving consentd to another port
// moves the check with it; with SAMTYKKE_METRICS_ADDR set it asks the
// operators' listener.
//
//	healthcheck            # GET http://127.0.0.1:8080/healthz
//	healthcheck /readyz    # readiness: also fails while the store is unreachable
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/samtykke/samtykke/server/config"
)

// timeout is the whole check's budget; Docker's own --timeout should be
// longer (the Dockerfile gives it 5 s).
const timeout = 3 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

func run(args []string, getenv func(string) string, stderr io.Writer) int {
	path := "/healthz"
	switch {
	case len(args) == 1 && strings.HasPrefix(args[0], "/"):
		path = args[0]
	case len(args) > 0:
		fmt.Fprintln(stderr, "usage: healthcheck [/path]   (default /healthz)")
		return 2
	}
	target, err := URL(getenv, path)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: %s answered %d: %s\n", target, res.StatusCode, strings.TrimSpace(string(body)))
		return 1
	}
	return 0
}

// URL is where consentd answers path, given its environment: on
// SAMTYKKE_METRICS_ADDR when set (the operators' listener, which serves the
// health checks; a check there needs no route through the public port),
// otherwise on SAMTYKKE_ADDR. An unspecified host (":8080", "0.0.0.0:8080",
// "[::]:8080") is reached on 127.0.0.1; a specific host is used as it is.
func URL(getenv func(string) string, path string) (string, error) {
	// Only the addresses matter here; the other settings are not read, so
	// a value this check does not need cannot make it fail.
	cfg, err := config.Load(nil, func(k string) string {
		if k == "SAMTYKKE_ADDR" || k == "SAMTYKKE_METRICS_ADDR" {
			return getenv(k)
		}
		return ""
	}, io.Discard)
	if err != nil {
		return "", err
	}
	addr := cfg.Addr
	if cfg.MetricsAddr != "" {
		addr = cfg.MetricsAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}
