package accounts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/store/boltstore"
)

func TestPasswordHash(t *testing.T) {
	h, err := accounts.HashPassword("correct horse battery", accounts.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string with the default parameters", h)
	}
	if !accounts.CheckPassword(h, "correct horse battery") {
		t.Error("the right password does not check")
	}
	if accounts.CheckPassword(h, "correct horse batterY") {
		t.Error("a wrong password checks")
	}
	h2, _ := accounts.HashPassword("correct horse battery", accounts.DefaultParams)
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$2a$10$abcdefghijklmnopqrstuv"} {
		if accounts.CheckPassword(bad, "") {
			t.Errorf("malformed hash %q checks", bad)
		}
	}
	if accounts.Authenticate(accounts.User{}, false, "anything at all", accounts.TestParams) {
		t.Error("an unknown user authenticates")
	}
}

func TestNewUserValidation(t *testing.T) {
	tests := []struct {
		in     accounts.NewUser
		fields []string
	}{
		{accounts.NewUser{Email: "kari@example.no", Password: "lang nok passord"}, nil},
		{accounts.NewUser{Email: "  Kari@Example.NO ", Password: "lang nok passord"}, nil},
		{accounts.NewUser{}, []string{"email", "password"}},
		{accounts.NewUser{Email: "kari", Password: "short"}, []string{"email", "password"}},
		{accounts.NewUser{Email: "Kari <kari@example.no>", Password: "lang nok passord"}, []string{"email"}},
		{accounts.NewUser{Email: "kari@localhost", Password: strings.Repeat("x", 2000)}, []string{"email", "password"}},
	}
	for _, tt := range tests {
		err := tt.in.Validate()
		var ve *consent.ValidationError
		var got []string
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
		} else if err != nil {
			t.Errorf("%+v: %v is not a ValidationError", tt.in, err)
		}
		if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
			t.Errorf("%+v: fields %v, want %v", tt.in, got, tt.fields)
		}
	}
	u, err := accounts.NewUser{Email: " Kari@Example.NO", Password: "lang nok passord"}.User(accounts.TestParams, time.Now())
	if err != nil || u.Email != "kari@example.no" || u.ID == "" || !accounts.CheckPassword(u.PasswordHash, "lang nok passord") {
		t.Errorf("User() = %+v, %v", u, err)
	}
}

func TestRoles(t *testing.T) {
	if !accounts.Owner.Allows(accounts.Viewer) || !accounts.Owner.Allows(accounts.Owner) ||
		!accounts.Viewer.Allows(accounts.Viewer) || accounts.Viewer.Allows(accounts.Owner) ||
		accounts.Role("admin").Allows(accounts.Viewer) || accounts.Role("").Valid() {
		t.Error("role order is wrong")
	}
}

func TestThrottle(t *testing.T) {
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	th := accounts.NewThrottle(st, func() time.Time { return now })
	for i := 0; i < accounts.EmailLimit.Max; i++ {
		a, err := th.Begin(ctx, "kari@example.no", "203.0.113.9", "")
		if err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
		if err := a.Failed(ctx, ""); err != nil {
			t.Fatal(err)
		}
	}
	// The address is locked on that network, however it is typed ...
	_, err = th.Begin(ctx, " Kari@Example.no", "203.0.113.77", "")
	var tm *accounts.TooManyAttempts
	if !errors.As(err, &tm) || tm.RetryAfter != accounts.EmailLimit.Window {
		t.Fatalf("after %d failures: %v, want TooManyAttempts for the window", accounts.EmailLimit.Max, err)
	}
	if !strings.Contains(tm.Error(), "15 minutes") {
		t.Errorf("message %q does not say when to retry", tm.Error())
	}
	// ... but not on another network, and another address is not locked
	// on that one (30 per /24).
	if _, err := th.Begin(ctx, "kari@example.no", "198.51.100.1", ""); err != nil {
		t.Errorf("the address from another network: %v", err)
	}
	a, err := th.Begin(ctx, "ola@example.no", "203.0.113.200", "")
	if err != nil {
		t.Fatalf("another address: %v", err)
	}
	// A success gives its attempt back.
	if err := a.Succeeded(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < accounts.NetworkLimit.Max-accounts.EmailLimit.Max; i++ {
		if _, err := th.Begin(ctx, "", "203.0.113.7", ""); err != nil {
			t.Fatalf("network attempt %d: %v", i+1, err)
		}
	}
	if _, err := th.Begin(ctx, "ola@example.no", "203.0.113.200", ""); !errors.As(err, &tm) {
		t.Errorf("a network past its limit: %v", err)
	}
	now = now.Add(accounts.EmailLimit.Window)
	if _, err := th.Begin(ctx, "kari@example.no", "203.0.113.9", ""); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestDelayAfter(t *testing.T) {
	l := accounts.Limit{Free: 10, Delay: time.Second, MaxDelay: time.Minute}
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{
		{0, 0}, {1, 0}, {10, 0}, {11, time.Second}, {12, 2 * time.Second}, {13, 4 * time.Second},
		{16, 32 * time.Second}, {17, time.Minute}, {1000, time.Minute},
	} {
		if got := l.DelayAfter(tt.n); got != tt.want {
			t.Errorf("DelayAfter(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	if d := (accounts.Limit{Max: 5}).DelayAfter(100); d != 0 {
		t.Errorf("a limit without delays delays %v", d)
	}
	for _, tt := range []struct {
		after time.Duration
		want  string
	}{
		{time.Second, "try again in 1 seconds"},
		{1500 * time.Millisecond, "try again in 2 seconds"},
		{59 * time.Second, "try again in 59 seconds"},
		{15 * time.Minute, "try again in 15 minutes"},
	} {
		if got := (&accounts.TooManyAttempts{RetryAfter: tt.after}).Error(); !strings.HasSuffix(got, tt.want) {
			t.Errorf("TooManyAttempts{%v} = %q, want … %q", tt.after, got, tt.want)
		}
	}
}

func TestAccountKey(t *testing.T) {
	k1, k2 := []byte("0123456789abcdef"), []byte("fedcba9876543210")
	a := accounts.AccountKey(k1, "kari@example.no")
	if a != accounts.AccountKey(k1, " Kari@Example.NO ") {
		t.Error("one address typed two ways has two keys")
	}
	if a == accounts.AccountKey(k2, "kari@example.no") || a == accounts.AccountKey(k1, "ola@example.no") {
		t.Error("the key does not depend on the HMAC key and the address")
	}
	if strings.Contains(a, "kari") || len(a) != 32 {
		t.Errorf("AccountKey = %q", a)
	}
}

// A browser where the owner signed in is limited on its own: guesses from
// its network, or from anywhere, do not keep it out. A token is good only
// for its account, for a year, and cannot be made up.
func TestKnownDevice(t *testing.T) {
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	th := accounts.NewThrottle(st, func() time.Time { return now })
	device, err := th.DeviceToken(ctx, "Kari@example.no")
	if err != nil {
		t.Fatal(err)
	}
	// Guessers lock both accounts on the owner's network.
	lock := func(email string) {
		t.Helper()
		for i := 0; i < accounts.EmailLimit.Max; i++ {
			if _, err := th.Begin(ctx, email, "203.0.113.9", ""); err != nil {
				t.Fatalf("guess %d at %s: %v", i+1, email, err)
			}
		}
	}
	lock("kari@example.no")
	lock("ola@example.no")
	var tm *accounts.TooManyAttempts
	tests := []struct {
		name   string
		email  string
		device string
		ok     bool
	}{
		{"the owner's browser", "kari@example.no", device, true},
		{"no device token", "kari@example.no", "", false},
		{"another account's token", "ola@example.no", device, false},
		{"a made-up token", "kari@example.no", device[:len(device)-2] + "AA", false},
		{"not a token", "kari@example.no", "kari@example.no", false},
	}
	for _, tt := range tests {
		_, err := th.Begin(ctx, tt.email, "203.0.113.10", tt.device)
		if tt.ok && err != nil || !tt.ok && !errors.As(err, &tm) {
			t.Errorf("%s: %v, want allowed %v", tt.name, err, tt.ok)
		}
	}
	// A year later the token is no longer good.
	saved := now
	now = now.Add(accounts.DeviceLifetime + time.Hour)
	lock("kari@example.no")
	if _, err := th.Begin(ctx, "kari@example.no", "203.0.113.10", device); !errors.As(err, &tm) {
		t.Errorf("a token past its lifetime: %v", err)
	}
	now = saved
	// The browser's own limit: 5 per window, like a network's per account.
	for i := 1; i < accounts.EmailLimit.Max; i++ {
		if _, err := th.Begin(ctx, "kari@example.no", "198.51.100.1", device); err != nil {
			t.Fatalf("attempt %d from the known browser: %v", i+1, err)
		}
	}
	if _, err := th.Begin(ctx, "kari@example.no", "198.51.100.1", device); !errors.As(err, &tm) {
		t.Errorf("a known browser past its own limit: %v", err)
	}
}
