package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// Limit is at most Max failed sign-ins per Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Default sign-in limits. Five wrong passwords per address in a quarter of
// an hour stops guessing while forgiving typos; a network (an IPv4 /24 or
// IPv6 /48, as consent.TruncateIP cuts it) gets more, since an office shares
// one address.
var (
	EmailLimit   = Limit{Max: 5, Window: 15 * time.Minute}
	NetworkLimit = Limit{Max: 30, Window: 15 * time.Minute}
)

// TooManyAttempts is returned while a limit is reached.
type TooManyAttempts struct {
	RetryAfter time.Duration
}

func (e *TooManyAttempts) Error() string {
	return fmt.Sprintf("too many failed sign-ins; try again in %d minutes", max(1, int((e.RetryAfter+time.Minute-1)/time.Minute)))
}

// Throttle limits failed sign-ins per e-mail address and per client
// network. The counts live in the Store, so every replica on one database
// sees the same ones.
type Throttle struct {
	Store   Store
	Email   Limit
	Network Limit
	Now     func() time.Time
}

// NewThrottle returns a throttle with the default limits.
func NewThrottle(s Store, now func() time.Time) *Throttle {
	return &Throttle{Store: s, Email: EmailLimit, Network: NetworkLimit, Now: now}
}

type limitedKey struct {
	key   string
	limit Limit
}

func (t *Throttle) keys(email, ip string) []limitedKey {
	ks := []limitedKey{{"net:" + consent.TruncateIP(ip), t.Network}}
	if email != "" {
		ks = append(ks, limitedKey{"email:" + NormalizeEmail(email), t.Email})
	}
	return ks
}

// Check returns *TooManyAttempts if either limit is reached. It is called
// before the password is checked, so that a locked address refuses even the
// right password and a guesser learns nothing.
func (t *Throttle) Check(ctx context.Context, email, ip string) error {
	now := t.Now()
	for _, k := range t.keys(email, ip) {
		n, reset, err := t.Store.Failures(ctx, k.key, now)
		if err != nil {
			return err
		}
		if n >= k.limit.Max {
			return &TooManyAttempts{RetryAfter: reset.Sub(now)}
		}
	}
	return nil
}

// Fail counts a failed sign-in against both keys.
func (t *Throttle) Fail(ctx context.Context, email, ip string) error {
	now := t.Now()
	var errs []error
	for _, k := range t.keys(email, ip) {
		if _, _, err := t.Store.AddFailure(ctx, k.key, k.limit.Window, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Succeed forgets the address's failures; the network's stay, so that one
// good password does not unlock guessing at every other address.
func (t *Throttle) Succeed(ctx context.Context, email string) error {
	if email == "" {
		return nil
	}
	return t.Store.ClearFailures(ctx, "email:"+NormalizeEmail(email))
}
