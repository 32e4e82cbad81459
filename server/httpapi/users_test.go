package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestUsersAdminAPI(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createNamedSite("Shop")
		// The admin token is required.
		if r := h.do("GET", "/v1/admin/users", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("without the token: %d", r.status)
		}
		// Everything is checked before anything is stored.
		r := h.admin("POST", "/v1/admin/users", `{"email":"not-an-address","password":"short",
			"grants":[{"site_id":"nosuchsite","role":"owner"},{"site_id":"`+site.ID+`","role":"admin"}]}`)
		if r.status != http.StatusUnprocessableEntity ||
			strings.Join(r.fields(t), ",") != "email,password,grants[0].site_id,grants[1].role" {
			t.Errorf("invalid user: %d %s", r.status, r.body)
		}
		if users, _ := h.store.Users(t.Context()); len(users) != 0 {
			t.Errorf("an invalid request stored %d users", len(users))
		}
		u := h.createUser("Kari@Example.no", [2]string{site.ID, "viewer"})
		if u.Email != "kari@example.no" || len(u.Grants) != 1 || u.Grants[0].Role != "viewer" {
			t.Errorf("created: %+v", u)
		}
		r = h.admin("GET", "/v1/admin/users/"+u.ID, "")
		if r.status != http.StatusOK || strings.Contains(string(r.body), "argon2") || strings.Contains(string(r.body), "password") {
			t.Errorf("user view leaks the hash: %s", r.body)
		}
		r = h.admin("POST", "/v1/admin/users", `{"email":"kari@example.no","password":"another long one"}`)
		if r.status != http.StatusConflict || strings.Join(r.fields(t), ",") != "email" {
			t.Errorf("duplicate address: %d %s", r.status, r.body)
		}
		// Grants: set, change, refuse unknown sites and roles.
		if r := h.admin("PUT", "/v1/admin/users/"+u.ID+"/grants/"+site.ID, `{"role":"owner"}`); r.status != http.StatusOK ||
			!strings.Contains(string(r.body), `"role":"owner"`) {
			t.Errorf("grant owner: %d %s", r.status, r.body)
		}
		if r := h.admin("PUT", "/v1/admin/users/"+u.ID+"/grants/nosuchsite", `{"role":"owner"}`); r.status != http.StatusNotFound {
			t.Errorf("grant an unknown site: %d", r.status)
		}
		if r := h.admin("PUT", "/v1/admin/users/"+u.ID+"/grants/"+site.ID, `{"role":"god"}`); r.status != http.StatusUnprocessableEntity {
			t.Errorf("grant an unknown role: %d", r.status)
		}

		// A new password ends the user's sessions.
		b := h.browser()
		b.mustLogin("kari@example.no")
		if r := h.admin("PATCH", "/v1/admin/users/"+u.ID, `{"password":"a brand new passphrase"}`); r.status != http.StatusOK {
			t.Fatalf("new password: %d %s", r.status, r.body)
		}
		if r := b.call("GET", "/dashboard/api/sites", ""); r.status != http.StatusUnauthorized {
			t.Errorf("old session after a password change: %d", r.status)
		}
		if r := b.login("kari@example.no", password); r.status != http.StatusUnauthorized {
			t.Errorf("old password: %d", r.status)
		}
		if r := b.login("kari@example.no", "a brand new passphrase"); r.status != http.StatusOK {
			t.Errorf("new password: %d %s", r.status, r.body)
		}
		// Deleting a user ends their session too.
		if r := h.admin("DELETE", "/v1/admin/users/"+u.ID, ""); r.status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if r := b.call("GET", "/dashboard/api/sites", ""); r.status != http.StatusUnauthorized {
			t.Errorf("session of a deleted user: %d", r.status)
		}
		if r := h.admin("DELETE", "/v1/admin/users/"+u.ID, ""); r.status != http.StatusNotFound {
			t.Errorf("second delete: %d", r.status)
		}
	})
}

// Operators manage users in the dashboard too, with CSRF like every change.
func TestOperatorManagesUsers(t *testing.T) {
	t.Parallel()
	h := newHarnessBolt(t)
	site := h.createNamedSite("Shop")
	op := h.operator()
	r := op.call("GET", "/dashboard/api/session", "")
	if !strings.Contains(string(r.body), `"operator":true`) {
		t.Fatalf("operator session: %s", r.body)
	}
	r = op.call("POST", "/dashboard/api/users", `{"email":"ola@example.no","password":"`+password+`","operator":false}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var u userView
	r.decode(t, &u)
	if r := op.call("PUT", "/dashboard/api/users/"+u.ID+"/grants/"+site.ID, `{"role":"viewer"}`); r.status != http.StatusOK {
		t.Errorf("grant: %d %s", r.status, r.body)
	}
	op.csrf = ""
	if r := op.call("DELETE", "/dashboard/api/users/"+u.ID, ""); r.status != http.StatusForbidden {
		t.Errorf("delete without CSRF: %d", r.status)
	}
	ola := h.browser()
	ola.mustLogin("ola@example.no")
	if r := ola.call("GET", "/dashboard/api/sites/"+site.ID+"/stats", ""); r.status != http.StatusOK {
		t.Errorf("granted viewer: %d", r.status)
	}
	// An operator account (not the token) is an operator too.
	r = h.admin("POST", "/v1/admin/users", `{"email":"boss@example.no","password":"`+password+`","operator":true}`)
	if r.status != http.StatusCreated {
		t.Fatal(r.status)
	}
	boss := h.browser()
	boss.mustLogin("boss@example.no")
	if r := boss.call("GET", "/dashboard/api/users", ""); r.status != http.StatusOK || !strings.Contains(string(r.body), "ola@example.no") {
		t.Errorf("operator account lists users: %d %s", r.status, r.body)
	}
}

// Deleting a site leaves its grants in the accounts store, but they grant
// nothing and must not be listed as if they did.
func TestGrantsOfDeletedSitesAreHidden(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		kept, gone := h.createNamedSite("Kept"), h.createNamedSite("Gone")
		u := h.createUser("ola@example.no", [2]string{kept.ID, "owner"}, [2]string{gone.ID, "viewer"})
		if len(u.Grants) != 2 {
			t.Fatalf("grants before the delete: %+v", u.Grants)
		}
		if err := h.store.DeleteSite(t.Context(), gone.ID); err != nil {
			t.Fatal(err)
		}
		r := h.admin("GET", "/v1/admin/users/"+u.ID, "")
		if r.status != http.StatusOK || strings.Contains(string(r.body), gone.ID) || !strings.Contains(string(r.body), kept.ID) {
			t.Errorf("user after a site was deleted: %d %s", r.status, r.body)
		}
	})
}
