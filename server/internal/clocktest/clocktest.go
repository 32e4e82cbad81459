// Package clocktest holds the fake clock that tests hand to code taking a
// `now func() time.Time`, and move by hand instead of sleeping.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a fake clock safe for concurrent use: the code under test reads
// it from its own goroutines while the test moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock that reads start until moved.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time; pass the method value (clk.Now) where a
// `now func() time.Time` is taken.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t, backwards too (to test clock skew).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
