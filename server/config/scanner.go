package config

import (
	"errors"
	"strconv"
	"time"
)

// Scanner is the cookie scanner's part of the configuration
// (server/scanner). Its settings are appended to the table here, so that
// they read as one block.
type Scanner struct {
	// Chromium is the browser binary; empty turns the scanner off (the API
	// then answers a start with 503).
	Chromium string
	// PageLimit is the most pages one scan visits, each three times.
	PageLimit int
	// PageTimeout bounds one visit of one page; TimeLimit one whole scan.
	PageTimeout, TimeLimit time.Duration
	// Concurrency is how many pages a scan visits at once, and
	// PageInterval the least time between two pages' starts.
	Concurrency  int
	PageInterval time.Duration
	// Interval is how often each site is scanned on schedule; 0 turns the
	// schedule off.
	Interval time.Duration
}

func positiveDuration(v, example string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New("must be a positive duration such as " + example)
	}
	return d, nil
}

func intBetween(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errors.New("must be a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi))
	}
	return n, nil
}

var scannerSettings = []setting{
	{"scanner-chromium", "SAMTYKKE_SCANNER_CHROMIUM", "", "Chromium binary of the cookie scanner, e.g. /usr/bin/chromium (default: no scanner)", func(c *Config, v string) error {
		c.Scanner.Chromium = v
		return nil
	}},
	{"scan-page-limit", "SAMTYKKE_SCAN_PAGE_LIMIT", "50", "most pages one scan visits", func(c *Config, v string) (err error) {
		c.Scanner.PageLimit, err = intBetween(v, 1, 1000)
		return err
	}},
	{"scan-page-timeout", "SAMTYKKE_SCAN_PAGE_TIMEOUT", "30s", "time limit of one visit of one page", func(c *Config, v string) (err error) {
		c.Scanner.PageTimeout, err = positiveDuration(v, "30s")
		return err
	}},
	{"scan-time-limit", "SAMTYKKE_SCAN_TIME_LIMIT", "30m", "time limit of one whole scan", func(c *Config, v string) (err error) {
		c.Scanner.TimeLimit, err = positiveDuration(v, "30m")
		return err
	}},
	{"scan-concurrency", "SAMTYKKE_SCAN_CONCURRENCY", "2", "pages one scan visits at once", func(c *Config, v string) (err error) {
		c.Scanner.Concurrency, err = intBetween(v, 1, 8)
		return err
	}},
	{"scan-page-interval", "SAMTYKKE_SCAN_PAGE_INTERVAL", "1s", "least time between the starts of two pages of a scan (its politeness)", func(c *Config, v string) (err error) {
		c.Scanner.PageInterval, err = positiveDuration(v, "1s")
		return err
	}},
	{"scan-interval", "SAMTYKKE_SCAN_INTERVAL", "720h", "how often every site is scanned on schedule; 0 turns the schedule off", func(c *Config, v string) error {
		if v == "0" {
			c.Scanner.Interval = 0
			return nil
		}
		d, err := positiveDuration(v, "720h (30 days)")
		c.Scanner.Interval = d
		return err
	}},
}

func init() { settings = append(settings, scannerSettings...) }
