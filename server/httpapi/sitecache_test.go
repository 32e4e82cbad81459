package httpapi

import (
	"context"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/clocktest"
)

// countingStore answers Site for any id and counts the reads; the cache is
// what is tested, not a store.
type countingStore struct {
	consent.Store
	reads atomic.Int64
}

func (s *countingStore) Site(_ context.Context, id string) (consent.Site, error) {
	s.reads.Add(1)
	if id == "missing" {
		return consent.Site{}, consent.ErrNotFound
	}
	return consent.Site{ID: id}, nil
}

func TestSiteCache(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{}
	clk := clocktest.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	c := NewSiteCache(st, time.Hour, clk.Now)

	for range 3 {
		if s, err := c.get(ctx, "a"); err != nil || s.ID != "a" {
			t.Fatalf("get(a) = %+v, %v", s, err)
		}
		if _, err := c.get(ctx, "missing"); err != consent.ErrNotFound {
			t.Fatalf("get(missing) = %v, want ErrNotFound", err)
		}
	}
	if n := st.reads.Load(); n != 2 {
		t.Errorf("%d store reads for two ids asked three times, want 2 (unknown ids are cached too)", n)
	}

	// Expiry follows the injected clock.
	clk.Advance(time.Hour)
	c.get(ctx, "a")
	if n := st.reads.Load(); n != 3 {
		t.Errorf("after the ttl: %d store reads, want 3", n)
	}

	c.Forget("a")
	c.get(ctx, "a")
	if n := st.reads.Load(); n != 4 {
		t.Errorf("after Forget: %d store reads, want 4", n)
	}

	// A flood of made-up ids evicts the least recently used entries, not
	// the site that keeps receiving receipts.
	for i := range 2 * siteCacheSize {
		c.get(ctx, "made-up-"+strconv.Itoa(i))
		if i%1000 == 0 {
			c.get(ctx, "a")
		}
	}
	before := st.reads.Load()
	c.get(ctx, "a")
	if st.reads.Load() != before {
		t.Error("a site in use was evicted by a flood of unknown ids")
	}
	if n := c.sites.Len(); n > siteCacheSize {
		t.Errorf("%d entries, want at most %d", n, siteCacheSize)
	}
}

// Accept-Language is read by its q-values, not only in the order given.
func TestAcceptLanguages(t *testing.T) {
	tests := []struct {
		header string
		want   []string
		lang   string // consent.MatchLanguage with fallback "en"
	}{
		{"", []string{}, "en"},
		{"da-DK,da;q=0.9,en;q=0.8", []string{"da-DK", "da", "en"}, "da"},
		{"en;q=0.5, sv;q=0.9, fi", []string{"fi", "sv", "en"}, "fi"},
		{"de;q=0.1,nb;q=0.8", []string{"nb", "de"}, "nb"},
		{"sv;q=0, da", []string{"da"}, "da"}, // q=0 means "not this one"
		{"no", []string{"no"}, "nb"},
		{"*", []string{"mul"}, "en"},
		// Unreadable: taken in the order given.
		{"xx_YY;q=0.2, sv", []string{"xx_YY", "sv"}, "sv"},
	}
	for _, tt := range tests {
		got := acceptLanguages(tt.header)
		if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("acceptLanguages(%q) = %q, want %q", tt.header, got, tt.want)
		}
		if lang := consent.MatchLanguage(got, "en"); lang != tt.lang {
			t.Errorf("language for %q = %q, want %q", tt.header, lang, tt.lang)
		}
	}
}
