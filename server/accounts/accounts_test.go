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
		if err := th.Check(ctx, "kari@example.no", "203.0.113.9"); err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
		if err := th.Fail(ctx, "Kari@example.no", "203.0.113.9"); err != nil {
			t.Fatal(err)
		}
	}
	err = th.Check(ctx, "kari@example.no", "198.51.100.1")
	var tm *accounts.TooManyAttempts
	if !errors.As(err, &tm) || tm.RetryAfter != accounts.EmailLimit.Window {
		t.Fatalf("after %d failures: %v, want TooManyAttempts for the window", accounts.EmailLimit.Max, err)
	}
	if !strings.Contains(tm.Error(), "15 minutes") {
		t.Errorf("message %q does not say when to retry", tm.Error())
	}
	// Another address from the same network is still allowed (30 per /24).
	if err := th.Check(ctx, "ola@example.no", "203.0.113.200"); err != nil {
		t.Errorf("another address: %v", err)
	}
	for i := 0; i < accounts.NetworkLimit.Max; i++ {
		_ = th.Fail(ctx, "", "203.0.113.7")
	}
	if err := th.Check(ctx, "ola@example.no", "203.0.113.200"); !errors.As(err, &tm) {
		t.Errorf("a network past its limit: %v", err)
	}
	now = now.Add(accounts.EmailLimit.Window)
	if err := th.Check(ctx, "kari@example.no", "198.51.100.1"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}
