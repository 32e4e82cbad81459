// Package accountstest is the conformance suite of accounts.Store. The
// embedded store and the Redis store (single server and Cluster) run it
// against a real database, so the dashboard behaves the same on each.
package accountstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// Opener returns a new, empty store for one test.
type Opener func(t *testing.T) accounts.Store

// Run runs the suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s accounts.Store)
	}{
		{"Users", testUsers},
		{"UniqueEmail", testUniqueEmail},
		{"UpdateUser", testUpdateUser},
		{"DeleteUser", testDeleteUser},
		{"Grants", testGrants},
		{"Sessions", testSessions},
		{"SessionExpiry", testSessionExpiry},
		{"Failures", testFailures},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentFailures", testConcurrentFailures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	seq int
	mu  sync.Mutex
)

// NewUser returns a valid user with a unique address (cheap hash).
func NewUser(t testing.TB, operator bool) accounts.User {
	t.Helper()
	mu.Lock()
	seq++
	n := seq
	mu.Unlock()
	u, err := accounts.NewUser{Email: fmt.Sprintf("Person%d@Example.com", n), Password: "correct horse battery", Operator: operator}.
		User(accounts.TestParams, t0)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func create(t *testing.T, s accounts.Store, u accounts.User) {
	t.Helper()
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.Email, err)
	}
}

func sameUser(t *testing.T, what string, got, want accounts.User) {
	t.Helper()
	if got.ID != want.ID || got.Email != want.Email || got.PasswordHash != want.PasswordHash ||
		got.Operator != want.Operator || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testUsers(t *testing.T, s accounts.Store) {
	if us, err := s.Users(ctx); err != nil || len(us) != 0 {
		t.Fatalf("Users on an empty store: %v, %v", us, err)
	}
	a, b := NewUser(t, false), NewUser(t, true)
	create(t, s, a)
	create(t, s, b)
	got, err := s.User(ctx, a.ID)
	if err != nil {
		t.Fatalf("User: %v", err)
	}
	sameUser(t, "User(a)", got, a)
	if a.Email != accounts.NormalizeEmail(a.Email) {
		t.Fatalf("fixture address %q is not normalized", a.Email)
	}
	got, err = s.UserByEmail(ctx, b.Email)
	if err != nil {
		t.Fatalf("UserByEmail: %v", err)
	}
	sameUser(t, "UserByEmail(b)", got, b)
	if !accounts.CheckPassword(got.PasswordHash, "correct horse battery") {
		t.Error("the stored hash does not check the password")
	}
	if _, err := s.User(ctx, "nobody"); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("User(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("UserByEmail(unknown): %v, want ErrNotFound", err)
	}
	us, err := s.Users(ctx)
	if err != nil || len(us) != 2 {
		t.Fatalf("Users: %d users, %v; want 2", len(us), err)
	}
	accounts.SortUsers(us)
	want := []accounts.User{a, b}
	accounts.SortUsers(want)
	for i := range us {
		sameUser(t, "Users()", us[i], want[i])
	}
}

func testUniqueEmail(t *testing.T, s accounts.Store) {
	a := NewUser(t, false)
	create(t, s, a)
	dup := NewUser(t, false)
	dup.Email = a.Email
	if err := s.CreateUser(ctx, dup); !errors.Is(err, consent.ErrConflict) {
		t.Errorf("CreateUser with a taken address: %v, want ErrConflict", err)
	}
	if _, err := s.User(ctx, dup.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("the refused user was stored: %v", err)
	}
	sameID := NewUser(t, false)
	sameID.ID = a.ID
	if err := s.CreateUser(ctx, sameID); !errors.Is(err, consent.ErrConflict) {
		t.Errorf("CreateUser with a taken id: %v, want ErrConflict", err)
	}
	if _, err := s.UserByEmail(ctx, sameID.Email); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("the refused user's address was indexed: %v", err)
	}
	got, _ := s.User(ctx, a.ID)
	sameUser(t, "User after refused creates", got, a)
}

func testUpdateUser(t *testing.T, s accounts.Store) {
	a, b := NewUser(t, false), NewUser(t, false)
	create(t, s, a)
	create(t, s, b)

	oldEmail := a.Email
	a.Email = "renamed@example.com"
	a.Operator = true
	a.PasswordHash, _ = accounts.HashPassword("another long password", accounts.TestParams)
	if err := s.UpdateUser(ctx, a); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, _ := s.UserByEmail(ctx, "renamed@example.com")
	sameUser(t, "UserByEmail(new address)", got, a)
	if _, err := s.UserByEmail(ctx, oldEmail); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("the old address still finds the user: %v", err)
	}

	// Taking someone else's address is refused and changes nothing.
	steal := a
	steal.Email = b.Email
	steal.Operator = false
	if err := s.UpdateUser(ctx, steal); !errors.Is(err, consent.ErrConflict) {
		t.Errorf("UpdateUser to a taken address: %v, want ErrConflict", err)
	}
	got, _ = s.User(ctx, a.ID)
	sameUser(t, "User after a refused update", got, a)
	got, _ = s.UserByEmail(ctx, b.Email)
	sameUser(t, "the other user after a refused update", got, b)

	ghost := NewUser(t, false)
	if err := s.UpdateUser(ctx, ghost); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("UpdateUser(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.UserByEmail(ctx, ghost.Email); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("UpdateUser(unknown) indexed its address: %v", err)
	}
}

func testDeleteUser(t *testing.T, s accounts.Store) {
	a, b := NewUser(t, false), NewUser(t, false)
	create(t, s, a)
	create(t, s, b)
	for _, u := range []accounts.User{a, b} {
		for _, site := range []string{"site1", "site2"} {
			if err := s.SetGrant(ctx, accounts.Grant{UserID: u.ID, SiteID: site, Role: accounts.Owner, CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, sa := accounts.NewSession(a.ID, false, t0)
	_, sb := accounts.NewSession(b.ID, false, t0)
	for _, se := range []accounts.Session{sa, sb} {
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUser(ctx, a.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := s.User(ctx, a.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("User after DeleteUser: %v", err)
	}
	if _, err := s.UserByEmail(ctx, a.Email); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("UserByEmail after DeleteUser: %v", err)
	}
	if gs, _ := s.Grants(ctx, a.ID); len(gs) != 0 {
		t.Errorf("grants left after DeleteUser: %v", gs)
	}
	for _, site := range []string{"site1", "site2"} {
		gs, err := s.SiteGrants(ctx, site)
		if err != nil || len(gs) != 1 || gs[0].UserID != b.ID {
			t.Errorf("SiteGrants(%s) after deleting a: %v, %v; want only b", site, gs, err)
		}
	}
	if _, err := s.Session(ctx, sa.TokenHash, t0); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("session left after DeleteUser: %v", err)
	}
	if _, err := s.Session(ctx, sb.TokenHash, t0); err != nil {
		t.Errorf("the other user's session: %v", err)
	}
	if us, _ := s.Users(ctx); len(us) != 1 {
		t.Errorf("Users after DeleteUser: %d, want 1", len(us))
	}
	if err := s.DeleteUser(ctx, a.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("second DeleteUser: %v, want ErrNotFound", err)
	}
	// The address is free again.
	again := NewUser(t, false)
	again.Email = a.Email
	create(t, s, again)
}

func testGrants(t *testing.T, s accounts.Store) {
	a, b := NewUser(t, false), NewUser(t, false)
	create(t, s, a)
	create(t, s, b)
	if gs, err := s.Grants(ctx, a.ID); err != nil || gs == nil || len(gs) != 0 {
		t.Errorf("Grants of a user with none: %#v, %v; want an empty slice", gs, err)
	}
	if gs, err := s.SiteGrants(ctx, "nosuchsite"); err != nil || gs == nil || len(gs) != 0 {
		t.Errorf("SiteGrants of a site with none: %#v, %v; want an empty slice", gs, err)
	}
	g1 := accounts.Grant{UserID: a.ID, SiteID: "shop", Role: accounts.Viewer, CreatedAt: t0}
	g2 := accounts.Grant{UserID: a.ID, SiteID: "blog", Role: accounts.Owner, CreatedAt: t0}
	g3 := accounts.Grant{UserID: b.ID, SiteID: "shop", Role: accounts.Owner, CreatedAt: t0}
	for _, g := range []accounts.Grant{g1, g2, g3} {
		if err := s.SetGrant(ctx, g); err != nil {
			t.Fatalf("SetGrant: %v", err)
		}
	}
	// Replacing a role keeps one grant per user and site.
	g1.Role = accounts.Owner
	g1.CreatedAt = t0.Add(time.Hour)
	if err := s.SetGrant(ctx, g1); err != nil {
		t.Fatal(err)
	}
	gs, err := s.Grants(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	accounts.SortGrants(gs)
	if len(gs) != 2 || gs[0].SiteID != g2.SiteID || gs[0].Role != g2.Role || !gs[0].CreatedAt.Equal(g2.CreatedAt) ||
		gs[1].SiteID != "shop" || gs[1].Role != accounts.Owner || !gs[1].CreatedAt.Equal(g1.CreatedAt) {
		t.Errorf("Grants(a) = %+v", gs)
	}
	sg, err := s.SiteGrants(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	accounts.SortGrants(sg)
	if len(sg) != 2 {
		t.Fatalf("SiteGrants(shop) = %+v, want a and b", sg)
	}
	for _, g := range sg {
		if g.SiteID != "shop" || g.Role != accounts.Owner || (g.UserID != a.ID && g.UserID != b.ID) {
			t.Errorf("SiteGrants(shop) has %+v", g)
		}
	}

	if err := s.SetGrant(ctx, accounts.Grant{UserID: "ghost", SiteID: "shop", Role: accounts.Viewer}); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("SetGrant for an unknown user: %v, want ErrNotFound", err)
	}
	if sg, _ := s.SiteGrants(ctx, "shop"); len(sg) != 2 {
		t.Errorf("a refused grant was stored: %+v", sg)
	}

	if err := s.RevokeGrant(ctx, a.ID, "shop"); err != nil {
		t.Fatalf("RevokeGrant: %v", err)
	}
	if gs, _ := s.Grants(ctx, a.ID); len(gs) != 1 || gs[0].SiteID != "blog" {
		t.Errorf("Grants(a) after revoke = %+v", gs)
	}
	if sg, _ := s.SiteGrants(ctx, "shop"); len(sg) != 1 || sg[0].UserID != b.ID {
		t.Errorf("SiteGrants(shop) after revoke = %+v", sg)
	}
	if err := s.RevokeGrant(ctx, a.ID, "shop"); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("second RevokeGrant: %v, want ErrNotFound", err)
	}
}

func testSessions(t *testing.T, s accounts.Store) {
	u := NewUser(t, false)
	create(t, s, u)
	token, se := accounts.NewSession(u.ID, false, t0)
	if se.TokenHash != accounts.HashToken(token) || se.TokenHash == token || se.CSRFToken == "" {
		t.Fatalf("NewSession = %q, %+v", token, se)
	}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := s.Session(ctx, se.TokenHash, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	if got.UserID != u.ID || got.CSRFToken != se.CSRFToken || !got.ExpiresAt.Equal(se.ExpiresAt) || got.Operator {
		t.Errorf("Session = %+v, want %+v", got, se)
	}
	if _, err := s.Session(ctx, accounts.HashToken("guess"), t0); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Session(unknown): %v, want ErrNotFound", err)
	}

	// An operator session opened with the admin token has no user.
	_, op := accounts.NewSession("", true, t0)
	if err := s.CreateSession(ctx, op); err != nil {
		t.Fatalf("CreateSession(operator): %v", err)
	}
	if got, err := s.Session(ctx, op.TokenHash, t0); err != nil || !got.Operator || got.UserID != "" {
		t.Errorf("operator Session = %+v, %v", got, err)
	}
	_, ghost := accounts.NewSession("ghost", false, t0)
	if err := s.CreateSession(ctx, ghost); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("CreateSession for an unknown user: %v, want ErrNotFound", err)
	}

	_, second := accounts.NewSession(u.ID, false, t0)
	if err := s.CreateSession(ctx, second); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, se.TokenHash); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, err := s.Session(ctx, se.TokenHash, t0); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Session after DeleteSession: %v", err)
	}
	if err := s.DeleteSession(ctx, se.TokenHash); err != nil {
		t.Errorf("DeleteSession of a gone session: %v", err)
	}
	if _, err := s.Session(ctx, second.TokenHash, t0); err != nil {
		t.Errorf("the user's other session: %v", err)
	}
	if err := s.DeleteUserSessions(ctx, u.ID); err != nil {
		t.Fatalf("DeleteUserSessions: %v", err)
	}
	if _, err := s.Session(ctx, second.TokenHash, t0); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Session after DeleteUserSessions: %v", err)
	}
	if _, err := s.Session(ctx, op.TokenHash, t0); err != nil {
		t.Errorf("DeleteUserSessions ended the operator's session: %v", err)
	}
}

func testSessionExpiry(t *testing.T, s accounts.Store) {
	u := NewUser(t, false)
	create(t, s, u)
	// Expiry is judged by the caller's clock, and the store may also drop
	// the record once it is past (Redis does, by TTL): both mean gone.
	now := time.Now().UTC()
	_, se := accounts.NewSession(u.ID, false, now)
	se.ExpiresAt = now.Add(2 * time.Second)
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, se.TokenHash, now.Add(time.Second)); err != nil {
		t.Errorf("Session before expiry: %v", err)
	}
	if _, err := s.Session(ctx, se.TokenHash, now.Add(3*time.Second)); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Session after expiry: %v, want ErrNotFound", err)
	}
}

func testFailures(t *testing.T, s accounts.Store) {
	// Real time: Redis expires the window by TTL.
	now := time.Now().UTC()
	window := 3 * time.Second
	if n, _, err := s.Failures(ctx, "email:a@example.com", now); err != nil || n != 0 {
		t.Fatalf("Failures with none: %d, %v", n, err)
	}
	var reset time.Time
	for i := 1; i <= 3; i++ {
		n, r, err := s.AddFailure(ctx, "email:a@example.com", window, now.Add(time.Duration(i)*10*time.Millisecond))
		if err != nil || n != i {
			t.Fatalf("AddFailure #%d = %d, %v", i, n, err)
		}
		if i == 1 {
			reset = r
		} else if !r.Equal(reset) {
			t.Errorf("the window moved: %v then %v", reset, r)
		}
	}
	if d := reset.Sub(now); d < window-time.Second || d > window+time.Second {
		t.Errorf("window ends %v after the first failure, want about %v", d, window)
	}
	n, r, err := s.Failures(ctx, "email:a@example.com", now.Add(time.Second))
	if err != nil || n != 3 || r.Sub(reset).Abs() > time.Second {
		t.Errorf("Failures = %d, %v, %v; want 3 until %v", n, r, err, reset)
	}
	if n, _, _ := s.Failures(ctx, "email:b@example.com", now); n != 0 {
		t.Errorf("another key has %d failures", n)
	}
	if n, _, _ := s.Failures(ctx, "email:a@example.com", now.Add(window+time.Second)); n != 0 {
		t.Errorf("Failures after the window: %d, want 0", n)
	}
	// A failure after the window starts a new count.
	time.Sleep(time.Until(reset.Add(200 * time.Millisecond)))
	if n, _, err := s.AddFailure(ctx, "email:a@example.com", window, time.Now().UTC()); err != nil || n != 1 {
		t.Errorf("AddFailure after the window = %d, %v; want 1", n, err)
	}
	if err := s.ClearFailures(ctx, "email:a@example.com"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := s.Failures(ctx, "email:a@example.com", time.Now().UTC()); n != 0 {
		t.Errorf("Failures after ClearFailures: %d", n)
	}
}

// Two replicas creating the same address at once: exactly one wins.
func testConcurrentCreate(t *testing.T, s accounts.Store) {
	const n = 8
	email := NewUser(t, false).Email
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u := NewUser(t, false)
			u.Email = email
			errs[i] = s.CreateUser(ctx, u)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, consent.ErrConflict):
			t.Errorf("CreateUser: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent creates of one address succeeded, want 1", ok)
	}
	if us, _ := s.Users(ctx); len(us) != 1 {
		t.Errorf("Users = %d, want 1", len(us))
	}
}

// Failures counted from many requests at once are all counted.
func testConcurrentFailures(t *testing.T, s accounts.Store) {
	const n = 20
	now := time.Now().UTC()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := s.AddFailure(ctx, "net:198.51.100.0", time.Minute, now); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got, _, err := s.Failures(ctx, "net:198.51.100.0", now); err != nil || got != n {
		t.Errorf("Failures = %d, %v; want %d", got, err, n)
	}
}
