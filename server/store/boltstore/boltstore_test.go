package boltstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

func open(t testing.TB, dir string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t,
		func(t *testing.T) consent.Store { return open(t, t.TempDir()) },
		storetest.WithReopen(func(t *testing.T, s consent.Store) consent.Store {
			bs := s.(*boltstore.Store)
			if err := bs.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return open(t, bs.Dir())
		}),
	)
}

func TestOpenCreatesDir(t *testing.T) {
	dir := t.TempDir() + "/nested/data"
	s := open(t, dir)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A second consentd on the same directory must fail fast with a message an
// operator understands, not hang on bbolt's file lock.
func TestOpenInUse(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	start := time.Now()
	_, err := boltstore.Open(dir)
	if err == nil || !strings.Contains(err.Error(), "is in use by another consentd") {
		t.Fatalf("second Open: err = %v, want 'in use by another consentd'", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("second Open took %v", d)
	}
}

func TestClosedIsUnavailable(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	site := storetest.NewSite(t, storetest.SiteID())
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	r := storetest.NewReceipt(site, time.Now())
	if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); !errors.Is(err, consent.ErrUnavailable) {
		t.Errorf("SaveReceipt after Close: err = %v, want ErrUnavailable", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, consent.ErrUnavailable) {
		t.Errorf("Ping after Close: err = %v, want ErrUnavailable", err)
	}
}

func BenchmarkSaveReceipt(b *testing.B) {
	storetest.BenchSaveReceipt(b, open(b, b.TempDir()))
}

func BenchmarkCounters365(b *testing.B) {
	storetest.BenchCounters365(b, open(b, b.TempDir()))
}
