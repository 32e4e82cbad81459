package httpapi_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// A user changes their own password: the current one is required (and
// guessing it is throttled like signing in), the new one meets the password
// rules, every other session of theirs ends and this one stays.
func TestChangeOwnPassword(t *testing.T) {
	const newPassword = "a different long passphrase"
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("kari@example.no")
		h.createUser("ola@example.no")
		here, elsewhere, ola := h.browser(), h.browser(), h.browser()
		here.mustLogin("kari@example.no")
		elsewhere.ip = "203.0.113.9"
		elsewhere.mustLogin("kari@example.no")
		ola.mustLogin("ola@example.no")
		body := func(cur, next string) string {
			return mustJSON(map[string]string{"current_password": cur, "new_password": next})
		}

		refused := []struct {
			name         string
			body         string
			origin, csrf string
			status       int
			code, fields string
		}{
			{"nothing given", `{}`, publicURL, "", http.StatusUnprocessableEntity, "invalid", "current_password,new_password"},
			{"wrong current password", body("not my password", newPassword), publicURL, "", http.StatusUnprocessableEntity, "invalid", "current_password"},
			{"too short", body(password, "short"), publicURL, "", http.StatusUnprocessableEntity, "invalid", "new_password"},
			{"the same again", body(password, password), publicURL, "", http.StatusUnprocessableEntity, "invalid", "new_password"},
			{"an unknown field", `{"password":"x"}`, publicURL, "", http.StatusUnprocessableEntity, "invalid", "password"},
			{"another origin", body(password, newPassword), "https://evil.example", "", http.StatusForbidden, "forbidden_origin", ""},
			{"no CSRF token", body(password, newPassword), publicURL, "-", http.StatusForbidden, "csrf", ""},
		}
		for _, tc := range refused {
			c := *here
			c.origin = tc.origin
			if tc.csrf == "-" {
				c.csrf = ""
			}
			r := c.call("POST", "/dashboard/api/password", tc.body)
			if r.status != tc.status || r.err(t).Error.Code != tc.code || strings.Join(r.fields(t), ",") != tc.fields {
				t.Errorf("%s: %d %s", tc.name, r.status, r.body)
			}
		}
		// None of it changed the password or ended a session.
		if r := elsewhere.call("GET", "/dashboard/api/session", ""); r.status != http.StatusOK {
			t.Fatalf("a refused change ended another session: %d", r.status)
		}
		// The wrong current password is told to the owner at the next
		// sign-in, like a wrong password at the sign-in form.
		probe := h.browser()
		probe.ip = "192.0.2.44"
		if r := probe.login("kari@example.no", password); r.status != http.StatusOK || !strings.Contains(string(r.body), `"failed_sign_ins":{"count":1`) {
			t.Errorf("sign-in after a wrong current password: %d %s", r.status, r.body)
		}

		if r := here.call("POST", "/dashboard/api/password", body(password, newPassword)); r.status != http.StatusNoContent {
			t.Fatalf("change: %d %s", r.status, r.body)
		}
		// This session stays, with the same CSRF token; the others end.
		if r := here.call("GET", "/dashboard/api/session", ""); r.status != http.StatusOK || !strings.Contains(string(r.body), here.csrf) {
			t.Errorf("this session after the change: %d %s", r.status, r.body)
		}
		if r := here.call("POST", "/dashboard/api/logout", ""); r.status != http.StatusNoContent {
			t.Errorf("a change with this session's CSRF token after the change: %d %s", r.status, r.body)
		}
		for name, c := range map[string]*client{"another browser": elsewhere, "a later one": probe} {
			if r := c.call("GET", "/dashboard/api/session", ""); r.status != http.StatusUnauthorized {
				t.Errorf("%s's session after the change: %d", name, r.status)
			}
		}
		// Another user's session is not touched.
		if r := ola.call("GET", "/dashboard/api/session", ""); r.status != http.StatusOK {
			t.Errorf("another user's session: %d", r.status)
		}
		// The old password no longer signs in; the new one does.
		fresh := h.browser()
		fresh.ip = "192.0.2.45"
		if r := fresh.login("kari@example.no", password); r.status != http.StatusUnauthorized {
			t.Errorf("the old password: %d", r.status)
		}
		if r := fresh.login("kari@example.no", newPassword); r.status != http.StatusOK {
			t.Errorf("the new password: %d %s", r.status, r.body)
		}
		if where := h.storeHolds(newPassword); len(where) != 0 {
			t.Errorf("the new password is stored in clear in %v", where)
		}

		// Guessing the current password from a session meets the sign-in
		// limit: 5 wrong, then 429 even for the right one.
		for i := 0; i < 5; i++ {
			if r := ola.call("POST", "/dashboard/api/password", body("guess number "+string(rune('a'+i)), newPassword)); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: %d %s", i, r.status, r.body)
			}
		}
		r := ola.call("POST", "/dashboard/api/password", body(password, newPassword))
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || strings.Join(r.fields(t), ",") != "current_password" {
			t.Errorf("after 5 guesses: %d %s", r.status, r.body)
		}

		// A session opened with the admin token has no password.
		if r := h.operator().call("POST", "/dashboard/api/password", body(password, newPassword)); r.status != http.StatusForbidden {
			t.Errorf("admin-token session: %d %s", r.status, r.body)
		}
	})
}

// A session ends after 30 minutes without use (the default) as well as 12
// hours after sign-in; use moves the idle deadline, written to the store
// at most once a minute.
func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("kari@example.no")
		b := h.browser()
		t0 := h.clock.Now()
		b.mustLogin("kari@example.no")
		hash := accounts.HashToken(b.cookie)
		steps := []struct {
			at       time.Duration // after signing in
			status   int
			lastSeen time.Duration // what the store holds afterwards
		}{
			{30 * time.Second, http.StatusOK, 0}, // under a minute: no write
			{29 * time.Minute, http.StatusOK, 29 * time.Minute},
			{29*time.Minute + 30*time.Second, http.StatusOK, 29 * time.Minute},
			{58*time.Minute + 59*time.Second, http.StatusOK, 58*time.Minute + 59*time.Second},
			{88*time.Minute + 59*time.Second, http.StatusUnauthorized, -1}, // 30 minutes unused
		}
		for _, st := range steps {
			h.clock.Set(t0.Add(st.at))
			r := b.call("GET", "/dashboard/api/sites", "")
			if r.status != st.status {
				t.Fatalf("at +%v: %d %s", st.at, r.status, r.body)
			}
			se, err := h.store.Session(t.Context(), hash, t0.Add(st.at))
			switch {
			case st.lastSeen < 0:
				if !errors.Is(err, consent.ErrNotFound) {
					t.Errorf("at +%v the idle session is still stored: %v", st.at, err)
				}
				if msg := r.err(t).Error.Message; msg != "your session ended after 30 minutes without use; sign in again" {
					t.Errorf("message: %q", msg)
				}
			case err != nil:
				t.Fatalf("at +%v: %v", st.at, err)
			case !se.LastSeen.Equal(t0.Add(st.lastSeen)):
				t.Errorf("at +%v the store holds LastSeen +%v, want +%v", st.at, se.LastSeen.Sub(t0), st.lastSeen)
			}
		}
		// Used every 25 minutes, a session still ends 12 hours after
		// signing in.
		t1 := h.clock.Now()
		b.mustLogin("kari@example.no")
		for at := 25 * time.Minute; at < accounts.SessionLifetime; at += 25 * time.Minute {
			h.clock.Set(t1.Add(at))
			if r := b.call("GET", "/dashboard/api/session", ""); r.status != http.StatusOK {
				t.Fatalf("at +%v: %d %s", at, r.status, r.body)
			}
		}
		h.clock.Set(t1.Add(accounts.SessionLifetime))
		if r := b.call("GET", "/dashboard/api/session", ""); r.status != http.StatusUnauthorized {
			t.Errorf("12 hours after signing in: %d", r.status)
		}
		// Sessions opened with the admin token go idle the same way.
		h.clock.Set(t1.Add(13 * time.Hour))
		op := h.operator()
		h.clock.Set(t1.Add(13*time.Hour + 30*time.Minute))
		if r := op.call("GET", "/dashboard/api/session", ""); r.status != http.StatusUnauthorized {
			t.Errorf("an idle admin-token session: %d", r.status)
		}
	})
}
