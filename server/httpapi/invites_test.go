package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/accounts"
)

// An operator invites a person with a one-time link; the person sets their
// own password through it, once, within 7 days, and gets the grants.
func TestInvites(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createNamedSite("Nordic Shop")
		h.createUser("kari@example.no", [2]string{site.ID, "owner"})
		kari := h.browser()
		kari.mustLogin("kari@example.no")
		op := h.operator()
		invite := `{"email":" Ny.Person@Example.no ","grants":[{"site_id":"` + site.ID + `","role":"viewer"}]}`

		refused := []struct {
			name         string
			c            *client
			body         string
			csrf         string
			status       int
			code, fields string
		}{
			{"a user who is no operator", kari, invite, "", http.StatusForbidden, "forbidden", ""},
			{"no CSRF token", op, invite, "-", http.StatusForbidden, "csrf", ""},
			{"bad fields", op, `{"email":"not an address","grants":[{"site_id":"nosuchsite","role":"boss"}]}`, "", http.StatusUnprocessableEntity, "invalid", "email,grants[0].role,grants[0].site_id"},
			{"a password", op, `{"email":"a@example.no","password":"chosen by the operator"}`, "", http.StatusUnprocessableEntity, "invalid", "password"},
			{"an address with an account", op, `{"email":"KARI@example.no"}`, "", http.StatusConflict, "conflict", "email"},
		}
		for _, tc := range refused {
			c := *tc.c
			if tc.csrf == "-" {
				c.csrf = ""
			}
			r := c.call("POST", "/dashboard/api/users/invites", tc.body)
			if r.status != tc.status || r.err(t).Error.Code != tc.code || strings.Join(r.fields(t), ",") != tc.fields {
				t.Errorf("%s: %d %s", tc.name, r.status, r.body)
			}
		}

		r := op.call("POST", "/dashboard/api/users/invites", invite)
		if r.status != http.StatusCreated {
			t.Fatalf("invite: %d %s", r.status, r.body)
		}
		var inv struct {
			Email     string    `json:"email"`
			URL       string    `json:"url"`
			ExpiresAt time.Time `json:"expires_at"`
			Grants    []struct {
				SiteName string `json:"site_name"`
				Role     string `json:"role"`
			} `json:"grants"`
		}
		r.decode(t, &inv)
		token, ok := strings.CutPrefix(inv.URL, publicURL+"/dashboard#/invite/")
		if !ok || len(token) < 40 || inv.Email != "ny.person@example.no" || !inv.ExpiresAt.Equal(h.clock.Now().Add(7*24*time.Hour)) ||
			len(inv.Grants) != 1 || inv.Grants[0].SiteName != "Nordic Shop" || inv.Grants[0].Role != "viewer" {
			t.Fatalf("invite: %s", r.body)
		}
		// Only the token's hash is stored.
		if where := h.storeHolds(token); len(where) != 0 {
			t.Errorf("the invitation token is stored in %v", where)
		}

		// The person's browser, without a session.
		anon := h.browser()
		tok := func(extra string) string { return `{"token":"` + token + `"` + extra + `}` }
		// body is what each route takes: the token, and for accepting a
		// password.
		body := func(path, pw string) string {
			if strings.HasSuffix(path, "/lookup") {
				return tok("")
			}
			return tok(`,"password":"` + pw + `"`)
		}
		if r := anon.call("POST", "/dashboard/api/invites/lookup", tok("")); r.status != http.StatusOK || !strings.Contains(string(r.body), `"email":"ny.person@example.no"`) {
			t.Errorf("lookup: %d %s", r.status, r.body)
		}
		foreign := *anon
		foreign.origin = "https://evil.example"
		for _, path := range []string{"/dashboard/api/invites/lookup", "/dashboard/api/invites/accept"} {
			if r := foreign.call("POST", path, tok(`,"password":"`+password+`"`)); r.status != http.StatusForbidden {
				t.Errorf("%s from another origin: %d", path, r.status)
			}
		}
		// A too-short password does not use the link up.
		if r := anon.call("POST", "/dashboard/api/invites/accept", tok(`,"password":"short"`)); r.status != http.StatusUnprocessableEntity || strings.Join(r.fields(t), ",") != "password" {
			t.Errorf("short password: %d %s", r.status, r.body)
		}
		for _, wrong := range []string{`{"token":"wrong","password":"` + password + `"}`, `{"token":"","password":"` + password + `"}`} {
			if r := anon.call("POST", "/dashboard/api/invites/accept", wrong); r.status != http.StatusNotFound {
				t.Errorf("accept %s: %d %s", wrong, r.status, r.body)
			}
		}
		if r := anon.call("POST", "/dashboard/api/invites/accept", tok(`,"password":"`+password+`"`)); r.status != http.StatusCreated {
			t.Fatalf("accept: %d %s", r.status, r.body)
		}
		// Once only.
		for _, path := range []string{"/dashboard/api/invites/lookup", "/dashboard/api/invites/accept"} {
			if r := anon.call("POST", path, body(path, "another long passphrase")); r.status != http.StatusNotFound || r.err(t).Error.Code != "not_found" {
				t.Errorf("%s a second time: %d %s", path, r.status, r.body)
			}
		}
		// The person signs in with their own password and has the grant.
		anon.mustLogin("ny.person@example.no")
		if r := anon.call("GET", "/dashboard/api/sites", ""); !strings.Contains(string(r.body), site.ID) || !strings.Contains(string(r.body), `"role":"viewer"`) {
			t.Errorf("the invited person's sites: %s", r.body)
		}

		// By the admin API too; a link expires after 7 days.
		r = h.admin("POST", "/v1/admin/users/invites", `{"email":"late@example.no","operator":true}`)
		if r.status != http.StatusCreated {
			t.Fatalf("admin invite: %d %s", r.status, r.body)
		}
		r.decode(t, &inv)
		token, _ = strings.CutPrefix(inv.URL, publicURL+"/dashboard#/invite/")
		h.clock.Set(h.clock.Now().Add(accounts.InviteLifetime))
		for _, path := range []string{"/dashboard/api/invites/lookup", "/dashboard/api/invites/accept"} {
			if r := anon.call("POST", path, body(path, password)); r.status != http.StatusNotFound {
				t.Errorf("%s after 7 days: %d %s", path, r.status, r.body)
			}
		}
		if r := h.admin("GET", "/v1/admin/users", ""); strings.Contains(string(r.body), "late@example.no") {
			t.Errorf("an expired invite made an account: %s", r.body)
		}
	})
}
