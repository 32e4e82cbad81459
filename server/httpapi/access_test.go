package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// siteRoutes lists every dashboard route that names a site, from the
// router itself, so that a route added later is checked without anyone
// remembering to add it here.
func siteRoutes(t *testing.T, h *harness) [][2]string {
	t.Helper()
	var out [][2]string
	for _, r := range h.e.Routes() {
		if strings.HasPrefix(r.Path, "/dashboard/api/sites/:site") && !strings.HasPrefix(r.Method, "echo_") && !strings.HasSuffix(r.Path, "/*") {
			out = append(out, [2]string{r.Method, r.Path})
		}
	}
	if len(out) < 8 {
		t.Fatalf("found only %d site routes: %v", len(out), out)
	}
	return out
}

func fill(path, site string) string {
	p := strings.Replace(path, ":site", site, 1)
	return strings.Replace(p, ":consent", uuid.NewString(), 1)
}

// A user never sees or touches a site they were not granted: every site
// route answers 404, the same as for a site that does not exist, and
// changes nothing.
func TestIsolationEveryRoute(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		mine, theirs := h.createNamedSite("Mine"), h.createNamedSite("Theirs")
		h.createUser("kari@example.no", [2]string{mine.ID, "owner"})
		h.createUser("ola@example.no", [2]string{theirs.ID, "owner"})
		h.visit(theirs, "nb", iphoneUA, false, "accept_all")
		kari := h.browser()
		kari.mustLogin("kari@example.no")

		for _, rt := range siteRoutes(t, h) {
			for _, target := range []string{theirs.ID, "nosuchsite"} {
				body := ""
				if rt[0] == "PUT" || rt[0] == "POST" {
					body = gaSiteJSON
				}
				r := kari.call(rt[0], fill(rt[1], target), body)
				if r.status != http.StatusNotFound {
					t.Errorf("%s %s on a site not granted: %d %s", rt[0], rt[1], r.status, r.body)
					continue
				}
				e := r.err(t)
				if e.Error.Code != "not_found" || strings.Contains(string(r.body), "Theirs") {
					t.Errorf("%s %s: %s", rt[0], rt[1], r.body)
				}
			}
			// The same route on the granted site is reachable. The scan
			// routes answer 503 without a scanner and 404 for a scan id
			// that does not exist: TestScanAccess (scans_test.go) checks
			// them on the granted site.
			if strings.Contains(rt[1], "/scans") {
				continue
			}
			body := ""
			if rt[0] == "PUT" || rt[0] == "POST" {
				body = gaSiteJSON
			}
			granted := strings.Replace(fill(rt[1], mine.ID), ":version", mine.ConfigVersion, 1)
			if r := kari.call(rt[0], granted, body); r.status == http.StatusNotFound || r.status >= 500 {
				t.Errorf("%s %s on the granted site: %d %s", rt[0], rt[1], r.status, r.body)
			}
		}
		after, err := h.store.Site(t.Context(), theirs.ID)
		if err != nil || after.Name != "Theirs" || after.ConfigVersion != theirs.ConfigVersion {
			t.Errorf("the other site changed: %+v %v", after, err)
		}

		// The list shows the granted site only.
		r := kari.call("GET", "/dashboard/api/sites", "")
		if r.status != http.StatusOK || !strings.Contains(string(r.body), mine.ID) || strings.Contains(string(r.body), theirs.ID) {
			t.Errorf("site list: %s", r.body)
		}
		// Operators are not limited, and see every site.
		op := h.operator()
		r = op.call("GET", "/dashboard/api/sites", "")
		if !strings.Contains(string(r.body), mine.ID) || !strings.Contains(string(r.body), theirs.ID) {
			t.Errorf("operator's site list: %s", r.body)
		}
		if r := op.call("GET", "/dashboard/api/sites/"+theirs.ID+"/stats", ""); r.status != http.StatusOK {
			t.Errorf("operator stats: %d %s", r.status, r.body)
		}
		// Users cannot manage users.
		if r := kari.call("GET", "/dashboard/api/users", ""); r.status != http.StatusForbidden {
			t.Errorf("a user lists users: %d", r.status)
		}
		if r := kari.call("PUT", "/dashboard/api/users/x/grants/"+theirs.ID, `{"role":"owner"}`); r.status != http.StatusForbidden {
			t.Errorf("a user grants herself a site: %d", r.status)
		}
		// Without a session nothing answers but 401.
		anon := h.browser()
		for _, rt := range siteRoutes(t, h) {
			if r := anon.call(rt[0], fill(rt[1], mine.ID), ""); r.status != http.StatusUnauthorized {
				t.Errorf("%s %s without a session: %d", rt[0], rt[1], r.status)
			}
		}
	})
}

func TestRoles(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createNamedSite("Shop")
		h.createUser("owner@example.no", [2]string{site.ID, "owner"})
		h.createUser("viewer@example.no", [2]string{site.ID, "viewer"})
		viewer := h.browser()
		viewer.mustLogin("viewer@example.no")
		for _, p := range []string{"", "/stats", "/stats.csv", "/receipts", "/consents/" + uuid.NewString()} {
			if r := viewer.call("GET", "/dashboard/api/sites/"+site.ID+p, ""); r.status != http.StatusOK {
				t.Errorf("viewer GET %s: %d %s", p, r.status, r.body)
			}
		}
		r := viewer.call("PUT", "/dashboard/api/sites/"+site.ID, strings.Replace(gaSiteJSON, "Nordic Shop", "Renamed", 1))
		if r.status != http.StatusForbidden || r.err(t).Error.Code != "forbidden" {
			t.Errorf("viewer PUT: %d %s", r.status, r.body)
		}
		if r := viewer.call("GET", "/dashboard/api/sites/"+site.ID+"/access", ""); r.status != http.StatusForbidden {
			t.Errorf("viewer reads who has access: %d", r.status)
		}
		if s, _ := h.store.Site(t.Context(), site.ID); s.Name != "Shop" {
			t.Errorf("a viewer renamed the site to %q", s.Name)
		}
		owner := h.browser()
		owner.mustLogin("owner@example.no")
		r = owner.call("PUT", "/dashboard/api/sites/"+site.ID, strings.Replace(gaSiteJSON, "Nordic Shop", "Renamed", 1))
		if r.status != http.StatusOK {
			t.Errorf("owner PUT: %d %s", r.status, r.body)
		}
		r = owner.call("GET", "/dashboard/api/sites/"+site.ID+"/access", "")
		if !strings.Contains(string(r.body), `"email":"viewer@example.no","role":"viewer"`) {
			t.Errorf("access list: %s", r.body)
		}

		// Revoking a grant takes effect at once, in a live session.
		var users struct {
			Users []userView `json:"users"`
		}
		h.admin("GET", "/v1/admin/users", "").decode(t, &users)
		for _, u := range users.Users {
			if u.Email == "viewer@example.no" {
				if r := h.admin("DELETE", "/v1/admin/users/"+u.ID+"/grants/"+site.ID, ""); r.status != http.StatusNoContent {
					t.Fatalf("revoke: %d %s", r.status, r.body)
				}
			}
		}
		if r := viewer.call("GET", "/dashboard/api/sites/"+site.ID+"/stats", ""); r.status != http.StatusNotFound {
			t.Errorf("stats after the grant was revoked: %d", r.status)
		}
	})
}
