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
		{"TouchSession", testTouchSession},
		{"Invites", testInvites},
		{"AdminTokenSession", testAdminTokenSession},
		{"DeleteAllSessions", testDeleteAllSessions},
		{"ReserveAttempt", testReserveAttempt},
		{"ReleaseAttempt", testReleaseAttempt},
		{"FailedSignIns", testFailedSignIns},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentReserve", testConcurrentReserve},
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

// TouchSession moves a session's LastSeen forward only, keeps everything
// else, and never brings back a session that is gone.
func testTouchSession(t *testing.T, s accounts.Store) {
	u := NewUser(t, false)
	create(t, s, u)
	_, se := accounts.NewSession(u.ID, false, t0)
	se.FailedSignIns = &accounts.FailedSignIns{Count: 1, Last: t0, LastNetwork: "192.0.2.0/24"}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if !se.LastSeen.Equal(t0) {
		t.Fatalf("NewSession's LastSeen = %v, want its creation", se.LastSeen)
	}
	steps := []struct {
		touch, want time.Time
	}{
		{t0.Add(5 * time.Minute), t0.Add(5 * time.Minute)},
		{t0.Add(2 * time.Minute), t0.Add(5 * time.Minute)}, // never backwards
		{t0.Add(90 * time.Minute), t0.Add(90 * time.Minute)},
	}
	for _, st := range steps {
		if err := s.TouchSession(ctx, se.TokenHash, st.touch); err != nil {
			t.Fatalf("TouchSession(%v): %v", st.touch, err)
		}
		got, err := s.Session(ctx, se.TokenHash, st.touch)
		if err != nil {
			t.Fatalf("Session after a touch: %v", err)
		}
		if !got.LastSeen.Equal(st.want) || !got.ExpiresAt.Equal(se.ExpiresAt) || !got.CreatedAt.Equal(se.CreatedAt) ||
			got.CSRFToken != se.CSRFToken || got.UserID != u.ID || got.FailedSignIns == nil || got.FailedSignIns.Count != 1 {
			t.Errorf("after touching at %v: %+v, want LastSeen %v and the rest kept", st.touch, got, st.want)
		}
	}
	// Gone stays gone: unknown, and deleted.
	ghost := accounts.HashToken("never signed in")
	if err := s.TouchSession(ctx, ghost, t0); err != nil {
		t.Errorf("TouchSession(unknown): %v", err)
	}
	if _, err := s.Session(ctx, ghost, t0); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("TouchSession made a session: %v", err)
	}
	if err := s.DeleteSession(ctx, se.TokenHash); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, se.TokenHash, t0.Add(time.Hour*2)); err != nil {
		t.Errorf("TouchSession(deleted): %v", err)
	}
	if _, err := s.Session(ctx, se.TokenHash, t0.Add(time.Hour*2)); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("TouchSession brought back a deleted session: %v", err)
	}
}

func testAdminTokenSession(t *testing.T, s accounts.Store) {
	_, op := accounts.NewSession("", true, t0)
	op.AdminToken = accounts.AdminTokenFingerprint([32]byte{1, 2, 3})
	op.FailedSignIns = &accounts.FailedSignIns{Count: 2, Last: t0, LastNetwork: "192.0.2.0/24"}
	if err := s.CreateSession(ctx, op); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, op.TokenHash, t0)
	if err != nil || got.AdminToken != op.AdminToken || got.FailedSignIns == nil || *got.FailedSignIns != *op.FailedSignIns {
		t.Errorf("Session = %+v, %v; want the admin token's fingerprint and the notice kept", got, err)
	}
	if op.AdminToken == accounts.AdminTokenFingerprint([32]byte{1, 2, 4}) {
		t.Error("two admin tokens have one fingerprint")
	}
}

func testDeleteAllSessions(t *testing.T, s accounts.Store) {
	a, b := NewUser(t, false), NewUser(t, true)
	create(t, s, a)
	create(t, s, b)
	var all []accounts.Session
	for _, id := range []string{a.ID, a.ID, b.ID, ""} {
		_, se := accounts.NewSession(id, id == "", t0)
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		all = append(all, se)
	}
	if err := s.DeleteAllSessions(ctx); err != nil {
		t.Fatalf("DeleteAllSessions: %v", err)
	}
	for _, se := range all {
		if _, err := s.Session(ctx, se.TokenHash, t0); !errors.Is(err, consent.ErrNotFound) {
			t.Errorf("session of %q after DeleteAllSessions: %v", se.UserID, err)
		}
	}
	if us, _ := s.Users(ctx); len(us) != 2 {
		t.Errorf("DeleteAllSessions removed users: %d left", len(us))
	}
	// Signing in works as before, and a second call with nothing to end
	// is no error.
	_, again := accounts.NewSession(a.ID, false, t0)
	if err := s.CreateSession(ctx, again); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, again.TokenHash, t0); err != nil {
		t.Errorf("a new session after DeleteAllSessions: %v", err)
	}
	if err := s.DeleteUserSessions(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAllSessions(ctx); err != nil {
		t.Errorf("DeleteAllSessions with none: %v", err)
	}
}

func reserve(t *testing.T, s accounts.Store, now time.Time, keys ...accounts.ThrottleKey) accounts.Reservation {
	t.Helper()
	r, err := s.ReserveAttempt(ctx, keys, now)
	if err != nil {
		t.Fatalf("ReserveAttempt: %v", err)
	}
	return r
}

func testReserveAttempt(t *testing.T, s accounts.Store) {
	// Times are the caller's: the stores judge windows and delays by now,
	// so these tests need no sleeping.
	capped := accounts.Limit{Max: 3, Window: 15 * time.Minute}
	k := accounts.ThrottleKey{Key: "n:192.0.2.0", Limit: capped}
	for i := 1; i <= 3; i++ {
		if r := reserve(t, s, t0.Add(time.Duration(i)*time.Second), k); !r.OK {
			t.Fatalf("attempt %d of %d refused: %+v", i, capped.Max, r)
		}
	}
	if r := reserve(t, s, t0.Add(time.Minute), k); r.OK || !r.RetryAt.Equal(t0.Add(time.Second+capped.Window)) {
		t.Errorf("attempt past the cap: %+v; want refused until the window opened by the first ends", r)
	}
	if r := reserve(t, s, t0.Add(time.Second+capped.Window), k); !r.OK {
		t.Errorf("attempt after the window: %+v", r)
	}

	// All or none: a key without room keeps the others from counting.
	full := accounts.ThrottleKey{Key: "an:x:192.0.2.0", Limit: accounts.Limit{Max: 1, Window: time.Hour}}
	roomy := accounts.ThrottleKey{Key: "a:x", Limit: accounts.Limit{Max: 3, Window: time.Hour}}
	if r := reserve(t, s, t0, full, roomy); !r.OK {
		t.Fatalf("first attempt on two keys: %+v", r)
	}
	for range 3 {
		if r := reserve(t, s, t0, full, roomy); r.OK || !r.RetryAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("attempt with one key full: %+v", r)
		}
	}
	for i := 2; i <= 3; i++ {
		if r := reserve(t, s, t0, roomy); !r.OK {
			t.Errorf("attempt %d on the other key alone refused: refused attempts were counted", i)
		}
	}

	// Delays grow after the free attempts, as Limit.DelayAfter says.
	slow := accounts.Limit{Window: time.Hour, Free: 2, Delay: time.Second, MaxDelay: 4 * time.Second}
	d := accounts.ThrottleKey{Key: "a:slow", Limit: slow}
	now := t0
	var waits []time.Duration
	for n := 1; n <= 7; n++ {
		if r := reserve(t, s, now, d); !r.OK {
			t.Fatalf("attempt %d at its time refused: %+v", n, r)
		}
		wait := slow.DelayAfter(n)
		if wait > 0 {
			r := reserve(t, s, now.Add(wait-time.Millisecond), d)
			if r.OK || !r.RetryAt.Equal(now.Add(wait)) {
				t.Errorf("attempt %d, %v early: %+v; want refused until %v", n+1, time.Millisecond, r, now.Add(wait))
			}
		}
		waits = append(waits, wait)
		now = now.Add(wait)
	}
	want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("delays %v, want %v", waits, want)
	}
}

func testReleaseAttempt(t *testing.T, s accounts.Store) {
	k := accounts.ThrottleKey{Key: "an:y:198.51.100.0", Limit: accounts.Limit{Max: 2, Window: time.Hour}}
	reserve(t, s, t0, k)
	reserve(t, s, t0, k)
	if r := reserve(t, s, t0, k); r.OK {
		t.Fatal("attempt past the cap counted")
	}
	if err := s.ReleaseAttempt(ctx, []string{k.Key, "a:nothing-here"}, t0); err != nil {
		t.Fatalf("ReleaseAttempt: %v", err)
	}
	if r := reserve(t, s, t0, k); !r.OK {
		t.Errorf("attempt after one was released: %+v", r)
	}
	if r := reserve(t, s, t0, k); r.OK {
		t.Error("a release freed more than one attempt")
	}
	// Releasing more than was counted does not bank attempts.
	for range 3 {
		if err := s.ReleaseAttempt(ctx, []string{k.Key}, t0); err != nil {
			t.Fatal(err)
		}
	}
	reserve(t, s, t0, k)
	reserve(t, s, t0, k)
	if r := reserve(t, s, t0, k); r.OK {
		t.Error("releases past zero were banked as attempts")
	}
}

func testFailedSignIns(t *testing.T, s accounts.Store) {
	u := NewUser(t, false)
	create(t, s, u)
	if f, err := s.TakeFailedSignIns(ctx, u.ID); err != nil || f.Count != 0 {
		t.Fatalf("TakeFailedSignIns with none: %+v, %v", f, err)
	}
	for i, net := range []string{"192.0.2.0/24", "198.51.100.0/24", "2001:db8:1::/48"} {
		if err := s.NoteFailedSignIn(ctx, u.ID, net, t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("NoteFailedSignIn: %v", err)
		}
	}
	if err := s.NoteFailedSignIn(ctx, accounts.NoUser, "203.0.113.0/24", t0); err != nil {
		t.Fatalf("NoteFailedSignIn(NoUser): %v", err)
	}
	want := accounts.FailedSignIns{Count: 3, Last: t0.Add(2 * time.Minute), LastNetwork: "2001:db8:1::/48"}
	if f, err := s.TakeFailedSignIns(ctx, u.ID); err != nil || f != want {
		t.Errorf("TakeFailedSignIns = %+v, %v; want %+v", f, err, want)
	}
	if f, _ := s.TakeFailedSignIns(ctx, u.ID); f.Count != 0 {
		t.Errorf("a second TakeFailedSignIns = %+v, want none", f)
	}
	// Deleting the user forgets their notes.
	if err := s.NoteFailedSignIn(ctx, u.ID, "192.0.2.0/24", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.TakeFailedSignIns(ctx, u.ID); f.Count != 0 {
		t.Errorf("notes left after DeleteUser: %+v", f)
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

// Of many attempts at once (many replicas), no more than the cap count.
func testConcurrentReserve(t *testing.T, s accounts.Store) {
	const n = 50
	k := accounts.ThrottleKey{Key: "an:z:198.51.100.0", Limit: accounts.Limit{Max: 5, Window: time.Minute}}
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		ok int
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.ReserveAttempt(ctx, []accounts.ThrottleKey{k}, t0)
			if err != nil {
				t.Error(err)
				return
			}
			if r.OK {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != k.Limit.Max {
		t.Errorf("%d of %d concurrent attempts counted, want %d", ok, n, k.Limit.Max)
	}
}

// An invite is read any number of times until it is taken, once, or
// expires.
func testInvites(t *testing.T, s accounts.Store) {
	token, inv := accounts.NewInvite(" New.Person@Example.COM ", false,
		[]accounts.InviteGrant{{SiteID: "shop", Role: accounts.Viewer}}, "op-1", t0)
	if inv.TokenHash != accounts.HashToken(token) || inv.Email != "new.person@example.com" || !inv.ExpiresAt.Equal(t0.Add(accounts.InviteLifetime)) {
		t.Fatalf("NewInvite = %q, %+v", token, inv)
	}
	if err := s.CreateInvite(ctx, inv); err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	for i := 0; i < 2; i++ {
		got, err := s.Invite(ctx, inv.TokenHash, t0.Add(time.Hour))
		if err != nil || got.Email != inv.Email || len(got.Grants) != 1 || got.Grants[0] != inv.Grants[0] || got.CreatedBy != "op-1" {
			t.Fatalf("Invite = %+v, %v", got, err)
		}
	}
	if _, err := s.Invite(ctx, inv.TokenHash, inv.ExpiresAt); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Invite at its expiry: %v, want ErrNotFound", err)
	}
	if _, err := s.Invite(ctx, accounts.HashToken("guess"), t0); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Invite(unknown): %v", err)
	}
	got, err := s.TakeInvite(ctx, inv.TokenHash, t0.Add(time.Hour))
	if err != nil || got.Email != inv.Email {
		t.Fatalf("TakeInvite = %+v, %v", got, err)
	}
	if _, err := s.TakeInvite(ctx, inv.TokenHash, t0.Add(time.Hour)); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("second TakeInvite: %v, want ErrNotFound", err)
	}
	if _, err := s.Invite(ctx, inv.TokenHash, t0.Add(time.Hour)); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("Invite after TakeInvite: %v", err)
	}
	// An expired invite cannot be taken.
	_, old := accounts.NewInvite("late@example.com", false, nil, "", t0)
	if err := s.CreateInvite(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeInvite(ctx, old.TokenHash, old.ExpiresAt.Add(time.Second)); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("TakeInvite after expiry: %v, want ErrNotFound", err)
	}
	// Of many acceptances at once, exactly one gets the invite.
	_, race := accounts.NewInvite("race@example.com", false, nil, "", t0)
	if err := s.CreateInvite(ctx, race); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.TakeInvite(ctx, race.TokenHash, t0); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d concurrent TakeInvite calls got the invite, want 1", won)
	}
}
