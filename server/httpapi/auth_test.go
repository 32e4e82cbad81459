package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/httpapi"
)

func TestLoginSessionLogout(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("Kari@Example.no")
		b := h.browser()
		if r := b.call("GET", "/dashboard/api/session", ""); r.status != http.StatusUnauthorized {
			t.Fatalf("session before login: %d", r.status)
		}
		r := b.login("kari@example.no", password)
		if r.status != http.StatusOK {
			t.Fatalf("login: %d %s", r.status, r.body)
		}
		// The cookie: HttpOnly, SameSite=Lax, Secure (the public URL is
		// https), path /dashboard, and no secret in the answer but the
		// CSRF token.
		sc := r.header.Get("Set-Cookie")
		for _, want := range []string{httpapi.CookieName + "=", "Path=/dashboard", "HttpOnly", "Secure", "SameSite=Lax", "Max-Age=43200"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %q", sc, want)
			}
		}
		token := strings.TrimPrefix(strings.Split(sc, ";")[0], httpapi.CookieName+"=")
		if strings.Contains(string(r.body), token) {
			t.Error("the session token is in the JSON answer")
		}
		if b.csrf == "" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("csrf %q, Cache-Control %q", b.csrf, r.header.Get("Cache-Control"))
		}
		// Only the token's hash is stored.
		if _, err := h.store.Session(t.Context(), token, h.clock.Now()); err == nil {
			t.Error("the raw token finds a session: it is stored in clear")
		}
		// The cookie jar has a cookie for https; send it by hand over the
		// test's plain http.
		withCookie := map[string]string{"Cookie": httpapi.CookieName + "=" + token}
		s := h.do("GET", "/dashboard/api/session", "", withCookie)
		if s.status != http.StatusOK || !strings.Contains(string(s.body), `"email":"kari@example.no"`) {
			t.Fatalf("session: %d %s", s.status, s.body)
		}

		// Sessions end after 12 hours.
		h.clock.Set(h.clock.Now().Add(accounts.SessionLifetime + time.Second))
		if s := h.do("GET", "/dashboard/api/session", "", withCookie); s.status != http.StatusUnauthorized {
			t.Errorf("session after its lifetime: %d", s.status)
		}
		h.clock.Set(h.clock.Now().Add(-accounts.SessionLifetime))

		// Logout ends the session on the server, not just in the browser.
		lo := h.do("POST", "/dashboard/api/logout", "", map[string]string{
			"Cookie": httpapi.CookieName + "=" + token, "Origin": publicURL, httpapi.CSRFHeader: b.csrf})
		if lo.status != http.StatusNoContent || !strings.Contains(lo.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("logout: %d %s %q", lo.status, lo.body, lo.header.Get("Set-Cookie"))
		}
		if s := h.do("GET", "/dashboard/api/session", "", withCookie); s.status != http.StatusUnauthorized {
			t.Errorf("session after logout: %d", s.status)
		}
	})
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("kari@example.no")
		b := h.browser()
		r := b.login("kari@example.no", "wrong password here")
		if r.status != http.StatusUnauthorized || r.err(t).Error.Code != "invalid_credentials" {
			t.Errorf("wrong password: %d %s", r.status, r.body)
		}
		// An unknown address answers exactly like a wrong password.
		r2 := b.login("nobody@example.no", "wrong password here")
		if r2.status != r.status || string(r2.body) != string(r.body) {
			t.Errorf("unknown address answers differently: %d %s", r2.status, r2.body)
		}
		if r := b.call("POST", "/dashboard/api/login", `{}`); r.status != http.StatusUnprocessableEntity ||
			strings.Join(r.fields(t), ",") != "email,password" {
			t.Errorf("empty login: %d %s", r.status, r.body)
		}
		if r := b.call("POST", "/dashboard/api/login", `{"admin_token":"not the token"}`); r.status != http.StatusUnauthorized {
			t.Errorf("wrong admin token: %d %s", r.status, r.body)
		}
		// Login CSRF: a sign-in posted from another site is refused.
		evil := h.browser()
		evil.origin = "https://evil.example"
		if r := evil.login("kari@example.no", password); r.status != http.StatusForbidden {
			t.Errorf("login from a foreign origin: %d %s", r.status, r.body)
		}
		evil.origin = ""
		if r := evil.login("kari@example.no", password); r.status != http.StatusForbidden {
			t.Errorf("login without Origin: %d %s", r.status, r.body)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("kari@example.no")
		b := h.browser()
		for i := 0; i < accounts.EmailLimit.Max; i++ {
			if r := b.login("kari@example.no", "not the password"); r.status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d %s", i+1, r.status, r.body)
			}
		}
		// Locked on that network: even the right password. (Another
		// network is not locked: see TestLockoutNotAWeapon.)
		same := h.browser()
		same.ip = "198.51.100.50"
		r := same.login("kari@example.no", password)
		if r.status != http.StatusTooManyRequests || r.err(t).Error.Code != "too_many_attempts" ||
			!strings.Contains(r.err(t).Error.Message, "try again in 15 minutes") {
			t.Fatalf("after %d failures: %d %s", accounts.EmailLimit.Max, r.status, r.body)
		}
		if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra < 800 || ra > 900 {
			t.Errorf("Retry-After = %q, want about 900", r.header.Get("Retry-After"))
		}
		// Another person on that network is not locked out by it.
		h.createUser("ola@example.no")
		same.mustLogin("ola@example.no")
		// After the window, the right password works again.
		h.clock.Set(h.clock.Now().Add(accounts.EmailLimit.Window + time.Second))
		if r := b.login("kari@example.no", password); r.status != http.StatusOK {
			t.Errorf("after the window: %d %s", r.status, r.body)
		}

		// Per network: many addresses guessed from one /24 lock that network.
		guesser := h.browser()
		guesser.ip = "203.0.113.9"
		for i := 0; i < accounts.NetworkLimit.Max; i++ {
			guesser.login("guess"+strconv.Itoa(i)+"@example.no", "not the password")
		}
		guesser.ip = "203.0.113.200"
		if r := guesser.login("ola@example.no", password); r.status != http.StatusTooManyRequests {
			t.Errorf("a network past its limit: %d %s", r.status, r.body)
		}
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		h.createUser("kari@example.no", [2]string{h.createNamedSite("Owned").ID, "owner"})
		b := h.browser()
		b.mustLogin("kari@example.no")
		token := b.csrf

		// Every change needs both the CSRF header and the dashboard's Origin.
		b.csrf = ""
		if r := b.call("POST", "/dashboard/api/sites", gaSiteJSON); r.status != http.StatusForbidden || r.err(t).Error.Code != "csrf" {
			t.Errorf("without the CSRF header: %d %s", r.status, r.body)
		}
		b.csrf = "forged"
		if r := b.call("POST", "/dashboard/api/sites", gaSiteJSON); r.status != http.StatusForbidden {
			t.Errorf("with a wrong CSRF token: %d %s", r.status, r.body)
		}
		b.csrf = token
		b.origin = "https://evil.example"
		if r := b.call("POST", "/dashboard/api/sites", gaSiteJSON); r.status != http.StatusForbidden || r.err(t).Error.Code != "forbidden_origin" {
			t.Errorf("from a foreign origin: %d %s", r.status, r.body)
		}
		b.origin = ""
		if r := b.call("POST", "/dashboard/api/logout", ""); r.status != http.StatusForbidden {
			t.Errorf("logout without Origin: %d %s", r.status, r.body)
		}
		if sites, _ := h.store.Sites(t.Context()); len(sites) != 1 {
			t.Errorf("a refused request created %d sites", len(sites)-1)
		}
		b.origin = publicURL
		if r := b.call("POST", "/dashboard/api/sites", gaSiteJSON); r.status != http.StatusCreated {
			t.Errorf("with token and origin: %d %s", r.status, r.body)
		}
	})
}

func TestUIServed(t *testing.T) {
	t.Parallel()
	h := newHarnessBolt(t)
	for _, p := range []string{"/dashboard", "/dashboard/", "/dashboard/assets/app.js", "/dashboard/assets/app.css", "/dashboard/assets/preview.js"} {
		r := h.do("GET", p, "", nil)
		if r.status != http.StatusOK || len(r.body) < 100 {
			t.Errorf("GET %s: %d, %d bytes", p, r.status, len(r.body))
			continue
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
		etag := r.header.Get("ETag")
		if again := h.do("GET", p, "", map[string]string{"If-None-Match": etag}); again.status != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d", p, again.status)
		}
	}
	if r := h.do("GET", "/dashboard/assets/../../go.mod", "", nil); r.status != http.StatusNotFound {
		t.Errorf("path traversal: %d", r.status)
	}
	r := h.do("GET", "/dashboard/preview?site=abc&lang=nb", "", nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `src="/dashboard/assets/preview.js" data-site="abc" data-lang="nb"`) {
		t.Errorf("preview page: %d %s", r.status, r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "frame-ancestors 'self'") {
		t.Errorf("preview CSP %q", csp)
	}
	r = h.do("GET", "/dashboard/preview?site=%22%3E%3Cscript%3E&lang=xx", "", nil)
	if strings.Contains(string(r.body), `"><script>`) || !strings.Contains(string(r.body), `lang="en"`) {
		t.Errorf("preview page does not escape its parameters: %s", r.body)
	}
}
