package httpapi_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The limits as the issue states them: 5 wrong passwords for one account
// from one network, 30 from one network, per 15 minutes.
const (
	accountNetworkMax = 5
	networkMax        = 30
)

// An attacker who fires many sign-ins at once gets no more guesses than one
// who sends them in turn: each attempt is counted before its password is
// checked. Half the requests go to a second consentd on the same store, as
// behind a load balancer, so the count must live in the store.
func TestLoginParallelGuesses(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("kari@example.no")
		replica := h.restart(adminToken)
		const n = 200
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			statuses = map[int]int{}
			errs     []error
		)
		body := mustJSON(map[string]string{"email": "kari@example.no", "password": "not the password"})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				srv := h
				if i%2 == 1 {
					srv = replica
				}
				r, err := srv.try("POST", "/dashboard/api/login", body, map[string]string{
					"Origin": publicURL, "Content-Type": "application/json",
					// One /24, many addresses.
					"X-Forwarded-For": "203.0.113." + strconv.Itoa(i%250+1),
				})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				statuses[r.status]++
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d requests failed, the first: %v", len(errs), errs[0])
		}
		if statuses[http.StatusUnauthorized] > accountNetworkMax ||
			statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != n {
			t.Errorf("%d parallel guesses: %v; want at most %d checked (401), the rest 429",
				n, statuses, accountNetworkMax)
		}
		// What an attacker checks next: the right password, from the same
		// network, while the limit lasts.
		b := h.browser()
		b.ip = "203.0.113.251"
		if r := b.login("kari@example.no", password); r.status != http.StatusTooManyRequests {
			t.Errorf("the right password after %d parallel guesses: %d %s", n, r.status, r.body)
		}
	})
}

// A session opened with the admin token ends when the token changes: after
// a restart with a new SAMTYKKE_ADMIN_TOKEN the old cookie does nothing,
// least of all create an operator.
func TestAdminTokenChangeEndsSessions(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		op := h.operator()
		if r := op.call("GET", "/dashboard/api/session", ""); r.status != http.StatusOK {
			t.Fatalf("session before the restart: %d %s", r.status, r.body)
		}
		restarted := h.restart("a-new-admin-token-after-a-leak-987")
		op.h = restarted
		if r := op.call("GET", "/dashboard/api/session", ""); r.status != http.StatusUnauthorized {
			t.Errorf("old admin-token session after the token changed: %d %s", r.status, r.body)
		}
		r := op.call("POST", "/dashboard/api/users", mustJSON(map[string]any{
			"email": "mallory@example.no", "password": password, "operator": true}))
		if r.status != http.StatusUnauthorized {
			t.Errorf("old admin-token session creates an operator: %d %s", r.status, r.body)
		}
		if us, _ := h.store.Users(t.Context()); len(us) != 0 {
			t.Errorf("%d users were created with the old session", len(us))
		}
		// The new token signs in as before.
		op2 := restarted.operator()
		if r := op2.call("GET", "/dashboard/api/session", ""); r.status != http.StatusOK {
			t.Errorf("session with the new token: %d %s", r.status, r.body)
		}
	})
}

// Operators can end every session at once: by the admin API, and from the
// dashboard. Users who are not operators cannot.
func TestEndAllSessions(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createNamedSite("Shop")
		h.createUser("kari@example.no", [2]string{site.ID, "owner"})
		kari := h.browser()
		kari.mustLogin("kari@example.no")
		op := h.operator()

		if r := kari.call("DELETE", "/dashboard/api/users/sessions", ""); r.status != http.StatusForbidden {
			t.Errorf("a user ends every session: %d %s", r.status, r.body)
		}
		if r := h.do("DELETE", "/v1/admin/users/sessions", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("without the admin token: %d %s", r.status, r.body)
		}
		if r := h.admin("DELETE", "/v1/admin/users/sessions", ""); r.status != http.StatusNoContent {
			t.Fatalf("DELETE /v1/admin/users/sessions: %d %s", r.status, r.body)
		}
		for name, c := range map[string]*client{"user": kari, "operator": op} {
			if r := c.call("GET", "/dashboard/api/session", ""); r.status != http.StatusUnauthorized {
				t.Errorf("%s's session after every session was ended: %d", name, r.status)
			}
		}

		// From the dashboard: the operator's own session ends too.
		kari.mustLogin("kari@example.no")
		op = h.operator()
		r := op.call("DELETE", "/dashboard/api/users/sessions", "")
		if r.status != http.StatusNoContent || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("DELETE /dashboard/api/users/sessions: %d %s %q", r.status, r.body, r.header.Get("Set-Cookie"))
		}
		for name, c := range map[string]*client{"user": kari, "operator": op} {
			if r := c.call("GET", "/dashboard/api/session", ""); r.status != http.StatusUnauthorized {
				t.Errorf("%s's session after the dashboard ended every session: %d", name, r.status)
			}
		}
		kari.mustLogin("kari@example.no")
	})
}

type failedSignIns struct {
	Count       int       `json:"count"`
	Last        time.Time `json:"last"`
	LastNetwork string    `json:"last_network"`
}

type sessionAnswer struct {
	FailedSignIns *failedSignIns `json:"failed_sign_ins"`
}

// Wrong passwords from elsewhere do not lock the owner out; they slow the
// guesser, and the owner is told after signing in.
func TestLockoutNotAWeapon(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("kari@example.no")
		attacker := h.browser()
		attacker.ip = "203.0.113.66"
		for i := range accountNetworkMax {
			if r := attacker.login("kari@example.no", "guess "+strconv.Itoa(i)); r.status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d %s", i+1, r.status, r.body)
			}
		}
		if r := attacker.login("kari@example.no", password); r.status != http.StatusTooManyRequests {
			t.Errorf("the guesser's network after %d guesses: %d %s", accountNetworkMax, r.status, r.body)
		}
		// The owner, at home on another network, signs in at once.
		owner := h.browser()
		owner.ip = "198.51.100.7"
		r := owner.login("kari@example.no", password)
		if r.status != http.StatusOK {
			t.Fatalf("the owner on another network: %d %s", r.status, r.body)
		}
		// ... and is told what happened, without the guesser's address.
		var s sessionAnswer
		r.decode(t, &s)
		want := failedSignIns{Count: accountNetworkMax, Last: h.clock.Now(), LastNetwork: "203.0.113.0/24"}
		if s.FailedSignIns == nil || s.FailedSignIns.Count != want.Count || !s.FailedSignIns.Last.Equal(want.Last) ||
			s.FailedSignIns.LastNetwork != want.LastNetwork {
			t.Errorf("failed_sign_ins after signing in = %+v, want %+v (%s)", s.FailedSignIns, want, r.body)
		}
		if strings.Contains(string(r.body), "203.0.113.66") || len(h.storeHolds("203.0.113.66")) > 0 {
			t.Errorf("the guesser's full address is shown or stored")
		}
		// The session keeps the notice for a reload of the dashboard.
		var again sessionAnswer
		owner.call("GET", "/dashboard/api/session", "").decode(t, &again)
		if again.FailedSignIns == nil || again.FailedSignIns.Count != accountNetworkMax {
			t.Errorf("GET /session: failed_sign_ins = %+v", again.FailedSignIns)
		}
		// Told once: the next sign-in has nothing to report.
		var next sessionAnswer
		h.browser().login("kari@example.no", password).decode(t, &next)
		if next.FailedSignIns != nil && next.FailedSignIns.Count != 0 {
			t.Errorf("the next sign-in reports %+v again", next.FailedSignIns)
		}

		// Guesses from many networks are slowed down, account-wide, more
		// with each one, and never locked for the whole window.
		h.createUser("ola@example.no")
		// Ola signed in at home yesterday: that browser is known.
		home := h.browser()
		home.mustLogin("ola@example.no")
		if home.device == "" {
			t.Fatal("no device cookie after signing in")
		}
		guess := func(net int) response {
			g := h.browser()
			g.ip = fmt.Sprintf("192.0.%d.9", net)
			return g.login("ola@example.no", "guess from "+strconv.Itoa(net))
		}
		net := 0
		for range 3 * accountNetworkMax {
			net++
			if r := guess(net); r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests {
				t.Fatalf("guess from network %d: %d %s", net, r.status, r.body)
			}
		}
		var waits []int
		for range 4 {
			net++
			r := guess(net)
			if r.status != http.StatusTooManyRequests {
				// Not yet slowed: guess again at once.
				continue
			}
			ra, _ := strconv.Atoi(r.header.Get("Retry-After"))
			if ra < 1 || ra > 60 {
				t.Fatalf("Retry-After = %q, want a delay of at most a minute", r.header.Get("Retry-After"))
			}
			waits = append(waits, ra)
			h.clock.Set(h.clock.Now().Add(time.Duration(ra) * time.Second))
			if r := guess(net); r.status != http.StatusUnauthorized {
				t.Fatalf("after waiting %d s: %d %s", ra, r.status, r.body)
			}
		}
		if len(waits) < 2 || waits[len(waits)-1] <= waits[0] {
			t.Errorf("waits between guesses from many networks: %v s; want growing ones", waits)
		}
		// A guess just now: the account is slowed down. From the known
		// browser, on a network it never used, Ola signs in at once.
		net++
		if r := guess(net); r.status != http.StatusTooManyRequests {
			t.Fatalf("a guess right after one: %d %s", r.status, r.body)
		}
		home.ip = "100.64.0.9"
		if r := home.login("ola@example.no", password); r.status != http.StatusOK {
			t.Errorf("the owner's known browser during an attack: %d %s", r.status, r.body)
		}
		// In a browser never used before, the owner waits as long as a
		// guesser at most, not 15 minutes.
		ola := h.browser()
		ola.ip = "198.51.100.99"
		r = ola.login("ola@example.no", password)
		if r.status == http.StatusTooManyRequests {
			ra, _ := strconv.Atoi(r.header.Get("Retry-After"))
			if ra > 60 {
				t.Fatalf("the owner during an attack must wait %d s", ra)
			}
			h.clock.Set(h.clock.Now().Add(time.Duration(ra) * time.Second))
			r = ola.login("ola@example.no", password)
		}
		if r.status != http.StatusOK {
			t.Errorf("the owner during an attack from many networks: %d %s", r.status, r.body)
		}
	})
}

// Whatever is typed as the address of a failed sign-in is not kept: the
// throttle keys on a keyed hash of it.
func TestFailedSignInAddressNotStored(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("kari@example.no")
		b := h.browser()
		for _, email := range []string{"Kari.Typo@Exampel.no", "kari@example.no", "kari-pasted-password-by-mistake"} {
			if r := b.login(email, "not the password"); r.status != http.StatusUnauthorized {
				t.Fatalf("%s: %d %s", email, r.status, r.body)
			}
		}
		for _, typed := range []string{"kari.typo@exampel.no", "kari-pasted-password-by-mistake"} {
			if where := h.storeHolds(typed); len(where) > 0 {
				t.Errorf("the store keeps %q, typed at a failed sign-in, in %v", typed, where)
			}
		}
		// A real address is kept where its account is, and nowhere else.
		if h.redisURL != "" {
			for _, k := range h.storeHolds("kari@example.no") {
				if !strings.HasPrefix(k, "samtykke:{accounts}:user:") && !strings.HasPrefix(k, "samtykke:{accounts}:email:") {
					t.Errorf("%s holds the address of a failed sign-in", k)
				}
			}
		}
	})
}

// Who may create a site: operators, and users who own a site; not viewers
// nor users without a grant.
func TestCreateSiteWho(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		shop := h.createNamedSite("Shop")
		tests := []struct {
			email    string
			grant    string // role on Shop, or ""
			operator bool
			want     int
		}{
			{"nogrant@example.no", "", false, http.StatusForbidden},
			{"viewer@example.no", "viewer", false, http.StatusForbidden},
			{"owner@example.no", "owner", false, http.StatusCreated},
			{"operator@example.no", "", true, http.StatusCreated},
		}
		for _, tt := range tests {
			grants := []map[string]string{}
			if tt.grant != "" {
				grants = append(grants, map[string]string{"site_id": shop.ID, "role": tt.grant})
			}
			if r := h.admin("POST", "/v1/admin/users", mustJSON(map[string]any{
				"email": tt.email, "password": password, "operator": tt.operator, "grants": grants})); r.status != http.StatusCreated {
				t.Fatalf("create %s: %d %s", tt.email, r.status, r.body)
			}
			b := h.browser()
			b.mustLogin(tt.email)
			var list struct {
				CanCreate bool `json:"can_create"`
			}
			b.call("GET", "/dashboard/api/sites", "").decode(t, &list)
			if list.CanCreate != (tt.want == http.StatusCreated) {
				t.Errorf("%s: can_create = %v", tt.email, list.CanCreate)
			}
			r := b.call("POST", "/dashboard/api/sites", strings.Replace(gaSiteJSON, "Nordic Shop", "By "+tt.email, 1))
			if r.status != tt.want {
				t.Errorf("%s creates a site: %d %s; want %d", tt.email, r.status, r.body, tt.want)
			}
			if r.status == http.StatusForbidden && r.err(t).Error.Code != "forbidden" {
				t.Errorf("%s: %s", tt.email, r.body)
			}
		}
		if r := h.operator().call("POST", "/dashboard/api/sites", gaSiteJSON); r.status != http.StatusCreated {
			t.Errorf("the admin token creates a site: %d %s", r.status, r.body)
		}
		if sites, _ := h.store.Sites(t.Context()); len(sites) != 4 {
			t.Errorf("%d sites, want Shop and three created", len(sites))
		}
	})
}
