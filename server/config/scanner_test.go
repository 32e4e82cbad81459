package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestScannerSettings(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Scanner{PageLimit: 50, PageTimeout: 30 * time.Second, TimeLimit: 30 * time.Minute, Concurrency: 2,
		PageInterval: time.Second, Interval: 720 * time.Hour}
	if c.Scanner != want {
		t.Errorf("defaults = %+v, want %+v", c.Scanner, want)
	}
	c, err = Load([]string{"-scan-page-limit", "5"}, env(map[string]string{"SAMTYKKE_SCANNER_CHROMIUM": "/usr/bin/chromium",
		"SAMTYKKE_SCAN_PAGE_LIMIT": "9", "SAMTYKKE_SCAN_INTERVAL": "0"}), io.Discard)
	if err != nil || c.Scanner.Chromium != "/usr/bin/chromium" || c.Scanner.PageLimit != 5 || c.Scanner.Interval != 0 {
		t.Errorf("set = %+v, %v", c.Scanner, err)
	}
	for _, bad := range []map[string]string{{"SAMTYKKE_SCAN_PAGE_LIMIT": "0"}, {"SAMTYKKE_SCAN_CONCURRENCY": "100"},
		{"SAMTYKKE_SCAN_INTERVAL": "monthly"}, {"SAMTYKKE_SCAN_PAGE_TIMEOUT": "-1s"}} {
		if _, err := Load(nil, env(bad), io.Discard); err == nil || !strings.Contains(err.Error(), "SAMTYKKE_SCAN") {
			t.Errorf("%v: err = %v, want one naming the variable", bad, err)
		}
	}
}
