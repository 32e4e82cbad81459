package clocktest

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want %v", got, start)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { c.Advance(time.Minute); _ = c.Now() })
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(start.Add(4 * time.Minute)) {
		t.Errorf("after four Advance(1m): %v", got)
	}
	c.Set(start.Add(-time.Hour))
	if got := c.Now(); !got.Equal(start.Add(-time.Hour)) {
		t.Errorf("after Set: %v", got)
	}
}
