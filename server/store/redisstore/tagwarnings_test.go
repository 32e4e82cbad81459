package redisstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/redisstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// TestTagWarningsKeyLayout pins the documented key of a site's tag
// warnings and the shape of its entries, as keys.go and
// record_tag_warnings.lua describe them.
func TestTagWarningsKeyLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := redistest.Start(t).Client()
	s := redisstore.New(c)
	site := storetest.NewSite(t, "layout2")
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 15, 4, 5, 678_900_000, time.UTC)
	tag := storetest.NewTagWarning(1)
	if _, err := s.RecordTagWarnings(ctx, site.ID, "/sykler", []consent.TagWarning{tag}, at); err != nil {
		t.Fatal(err)
	}

	const key = "samtykke:{layout2}:tag-warnings"
	if got, want := keys(t, c, "samtykke:{layout2}:*"), []string{"samtykke:{layout2}:site", key}; !equal(got, want) {
		t.Errorf("keys after one report:\n got %q\nwant %q", got, want)
	}
	if typ := c.Type(ctx, key).Val(); typ != "hash" {
		t.Errorf("%s is a %s, want a hash", key, typ)
	}
	if ttl := c.TTL(ctx, key).Val(); ttl != -1 {
		t.Errorf("TTL %s = %v, want none", key, ttl)
	}
	raw := c.HGet(ctx, key, tag.Key()).Val()
	var entry map[string]any
	if err := json.Unmarshal([]byte(raw), &entry); err != nil {
		t.Fatalf("entry %q: %v", raw, err)
	}
	want := map[string]any{"vendor": tag.Vendor, "kind": string(tag.Kind), "markup": tag.Markup,
		"count": 1.0, "first": float64(at.UnixMilli()), "last": float64(at.UnixMilli()), "pages": []any{"/sykler"}}
	if g, w := mustJSON(t, entry), mustJSON(t, want); g != w {
		t.Errorf("entry:\n got %s\nwant %s", g, w)
	}

	// Clearing removes the key; the site stays.
	if err := s.ClearTagWarnings(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, c, "samtykke:{layout2}:*"); !equal(got, []string{"samtykke:{layout2}:site"}) {
		t.Errorf("keys after ClearTagWarnings: %q", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
