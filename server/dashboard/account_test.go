package dashboard_test

import (
	"net/http"
	"strings"
	"testing"
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
