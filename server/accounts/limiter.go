package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// Limit bounds sign-in attempts under one key in a fixed window: the first
// attempt opens a window of length Window, later ones add to its count.
//
// Max is a hard cap: attempts past it wait for the window to end. Delay
// is a soft one, for keys an attacker could fill to lock somebody out:
// after Free attempts, each further one must wait Delay since the last,
// doubled with every attempt, up to MaxDelay. A guesser is slowed to one
// try per MaxDelay, and the owner waits at most that long, never the whole
// window.
type Limit struct {
	Max      int // 0: no cap
	Window   time.Duration
	Free     int
	Delay    time.Duration // 0: none
	MaxDelay time.Duration
}

// DelayAfter is how long the attempt after the n-th of a window must wait.
// The stores compute the same: the Redis script has its own copy, and the
// conformance suite holds both to this one.
func (l Limit) DelayAfter(n int) time.Duration {
	if l.Delay <= 0 || n <= l.Free {
		return 0
	}
	d := l.Delay
	for i := l.Free + 1; i < n && d < l.MaxDelay; i++ {
		d *= 2
	}
	return min(d, l.MaxDelay)
}

// Default sign-in limits.
//
// Wrong passwords are counted three ways, so that no one of them can be
// turned against an account's owner:
//   - EmailLimit, per address and network (an IPv4 /24 or IPv6 /48, as
//     consent.TruncateIP cuts it): 5 in a quarter of an hour stops guessing
//     from one place while forgiving typos. It locks only that network out
//     of that account; the owner elsewhere signs in as usual.
//   - NetworkLimit, per network: an office shares one address, so it gets
//     30 for all its people together, which stops one place from trying
//     many accounts.
//   - AccountLimit, per address from anywhere: guessers on many networks
//     are slowed after 10 attempts in an hour, one second at first and
//     twice as long with each further attempt, to one per minute. The owner
//     then waits at most that, not the window, and not at all in a browser
//     where they signed in before (see Begin).
var (
	EmailLimit   = Limit{Max: 5, Window: 15 * time.Minute}
	NetworkLimit = Limit{Max: 30, Window: 15 * time.Minute}
	AccountLimit = Limit{Window: time.Hour, Free: 10, Delay: time.Second, MaxDelay: time.Minute}
)

// ThrottleKey is one key an attempt is counted under, with its limit.
type ThrottleKey struct {
	Key   string
	Limit Limit
}

// Reservation is what a store answers to ReserveAttempt.
type Reservation struct {
	// OK is set when the attempt was counted under every key.
	OK bool
	// RetryAt, when OK is not set, is when every key will have room again.
	RetryAt time.Time
}

// TooManyAttempts is returned while a limit is reached.
type TooManyAttempts struct {
	RetryAfter time.Duration
}

func (e *TooManyAttempts) Error() string {
	if e.RetryAfter < time.Minute {
		return fmt.Sprintf("too many failed sign-ins; try again in %d seconds", max(1, int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	return fmt.Sprintf("too many failed sign-ins; try again in %d minutes", max(1, int((e.RetryAfter+time.Minute-1)/time.Minute)))
}

// Throttle limits sign-in attempts per account and network, per network,
// and per account (see the limits above). The counts live in the Store, so
// every replica on one database shares them.
//
// An attempt is counted before its password is checked and taken back if
// the password was right: checking first and counting failures after would
// let many requests sent at once all pass the check before any of them was
// counted.
//
// Keys never hold what was typed as the address: an attacker's typos, or a
// password pasted into the wrong field, would otherwise sit in the store in
// clear. They hold an HMAC of it under a key the store keeps (HMACKey).
type Throttle struct {
	Store Store
	// Email is the limit per address and network, Network per network,
	// Account per address from anywhere; a zero Account is AccountLimit.
	Email, Network, Account Limit
	Now                     func() time.Time

	mu  sync.Mutex
	key []byte
}

// NewThrottle returns a throttle with the default limits.
func NewThrottle(s Store, now func() time.Time) *Throttle {
	return &Throttle{Store: s, Email: EmailLimit, Network: NetworkLimit, Account: AccountLimit, Now: now}
}

// hmacKeySetting is the server-wide setting that holds the throttle's HMAC
// key (hex). SetSettingOnce makes replicas that start together agree on one.
const hmacKeySetting = "accounts_throttle_hmac_key"

// hmacKey returns the throttle's HMAC key, made on first use; an error (the
// store is down) is not remembered, so the next sign-in tries again.
func (t *Throttle) hmacKey(ctx context.Context) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.key != nil {
		return t.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	stored, err := t.Store.SetSettingOnce(ctx, hmacKeySetting, hex.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(stored)
	if err != nil || len(k) < 16 {
		return nil, fmt.Errorf("accounts: the stored setting %s is damaged", hmacKeySetting)
	}
	t.key = k
	return k, nil
}

// AccountKey is the keyed hash of a normalized address that the throttle
// counts under: 128 bits, as hex.
func AccountKey(hmacKey []byte, email string) string {
	m := hmac.New(sha256.New, hmacKey)
	m.Write([]byte(NormalizeEmail(email)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// DeviceLifetime is how long a browser stays known after its last sign-in.
const DeviceLifetime = 365 * 24 * time.Hour

// DeviceToken returns a token for a cookie that marks the browser where
// email's owner just signed in. It needs no storage: the time it was made
// and an HMAC of that time and the address under the throttle's key.
func (t *Throttle) DeviceToken(ctx context.Context, email string) (string, error) {
	k, err := t.hmacKey(ctx)
	if err != nil {
		return "", err
	}
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 24), uint64(t.Now().Unix()))
	b = append(b, deviceMAC(k, AccountKey(k, email), b[:8])...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func deviceMAC(key []byte, account string, issued []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("samtykke device\x00" + account))
	m.Write(issued)
	return m.Sum(nil)[:16]
}

// knownDevice checks a device token for the account: made by DeviceToken,
// for this account, within DeviceLifetime. It returns the id that the
// device's attempts are counted under.
func knownDevice(key []byte, account, token string, now time.Time) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if token == "" || err != nil || len(b) != 24 {
		return "", false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0)
	if now.Sub(issued) > DeviceLifetime || issued.After(now.Add(time.Minute)) {
		return "", false
	}
	if !hmac.Equal(b[8:], deviceMAC(key, account, b[:8])) {
		return "", false
	}
	return hex.EncodeToString(b[8:]), true
}

// Attempt is one sign-in attempt that was let through to the password
// check. Exactly one of Succeeded and Failed should follow.
type Attempt struct {
	t       *Throttle
	keys    []ThrottleKey
	network string
	now     time.Time
}

// Begin counts an attempt to sign in as email (empty for the admin token)
// from ip, or returns *TooManyAttempts without counting it if any limit is
// reached. It is called before the password is checked, so that a locked
// account refuses even the right password and a guesser learns nothing.
//
// device is the browser's device token (DeviceToken), if it sent one. A
// browser where the account's owner signed in before is limited on its own
// (5 per quarter of an hour, as per network) instead of by the account's
// limits, so that guessers anywhere, even on the owner's own network,
// cannot keep the owner out.
func (t *Throttle) Begin(ctx context.Context, email, ip, device string) (*Attempt, error) {
	a := &Attempt{t: t, network: Network(ip), now: t.Now()}
	a.keys = []ThrottleKey{{"n:" + a.network, t.Network}}
	if email != "" {
		k, err := t.hmacKey(ctx)
		if err != nil {
			return nil, err
		}
		acct := AccountKey(k, email)
		account := t.Account
		if account == (Limit{}) {
			account = AccountLimit
		}
		if id, ok := knownDevice(k, acct, device, a.now); ok {
			a.keys = append(a.keys, ThrottleKey{"d:" + id, t.Email})
		} else {
			a.keys = append(a.keys,
				ThrottleKey{"an:" + acct + ":" + a.network, t.Email},
				ThrottleKey{"a:" + acct, account})
		}
	}
	r, err := t.Store.ReserveAttempt(ctx, a.keys, a.now)
	if err != nil {
		return nil, err
	}
	if !r.OK {
		return nil, &TooManyAttempts{RetryAfter: max(time.Second, r.RetryAt.Sub(a.now))}
	}
	return a, nil
}

// Network is a client's network as the throttle counts it and an owner is
// shown it: the address cut by consent.TruncateIP, with its prefix length
// (203.0.113.0/24, 2001:db8:1::/48). The full address is never kept.
func Network(ip string) string {
	n := consent.TruncateIP(ip)
	switch {
	case n == "":
		return "unknown"
	case strings.Contains(n, ":"):
		return n + "/48"
	}
	return n + "/24"
}

// Succeeded takes the attempt back from every count: a right password is
// no guess. (Delays it started still run out: they are short.)
func (a *Attempt) Succeeded(ctx context.Context) error {
	keys := make([]string, len(a.keys))
	for i, k := range a.keys {
		keys[i] = k.Key
	}
	return a.t.Store.ReleaseAttempt(ctx, keys, a.t.Now())
}

// NoUser is the user id under which failures for addresses without an
// account are noted: the same write as for a real account, so that a
// failed sign-in takes as long either way, in one record nobody reads.
const NoUser = "-"

// Failed notes a wrong password for the account's owner (userID; empty
// when the address has no account), who is told after their next sign-in.
// The attempt stays counted.
func (a *Attempt) Failed(ctx context.Context, userID string) error {
	if userID == "" {
		userID = NoUser
	}
	return a.t.Store.NoteFailedSignIn(ctx, userID, a.network, a.now)
}

// FailedSignIns is what the owner of an account is told after signing in:
// wrong passwords given for it since their last sign-in. Only the network
// (a /24 or /48) of the last one is kept, never a full address.
type FailedSignIns struct {
	Count       int       `json:"count"`
	Last        time.Time `json:"last"`
	LastNetwork string    `json:"last_network"`
}

// FailedSignInsKept is how long failures are kept for an owner who does not
// sign in.
const FailedSignInsKept = 90 * 24 * time.Hour
