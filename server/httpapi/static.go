package httpapi

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/vendors"
	"github.com/samtykke/samtykke/snippet"
)

// OpenAPI is the description of this API; a test checks it against the
// routes New registers.
//
//go:embed openapi.json
var OpenAPI []byte

var (
	// bundleHash names this build's samtykke.js; each served variant's
	// ETag is it and a hash of the rules in front of it.
	bundleHash = shortHash(snippet.Script)
	// catalogueScript is samtykke.js with the catalogue's rules, what every
	// site without custom vendors (and every old tag without ?site=) gets;
	// it is built once.
	catalogueScript = newRulesScript(vendors.Rules())
	uiScriptETag    = `"` + shortHash(snippet.UIScript) + `"`
	demoPage        = template.Must(template.New("demo").Parse(snippet.DemoPage))
)

// rulesScript is one variant of samtykke.js: the rules it holds back
// (window.samtykkeRules, set before the bundle runs), the site's Consent
// Mode settings when it has its own (window.samtykkeGcm) and the bundle.
type rulesScript struct {
	prefix []byte // window.samtykkeRules=…;\n[window.samtykkeGcm=…;\n]
	etag   string
}

func newRulesScript(rules []vendors.Rule) rulesScript {
	return newPreludeScript(consent.ScriptPrelude{Rules: rules})
}

func newPreludeScript(p consent.ScriptPrelude) rulesScript {
	prefix := append(append([]byte("window.samtykkeRules="), jsJSON(p.Rules)...), ";\n"...)
	if p.ConsentMode != nil {
		prefix = append(append(append(prefix, "window.samtykkeGcm="...), jsJSON(p.ConsentMode)...), ";\n"...)
	}
	return rulesScript{prefix: prefix, etag: `"` + bundleHash + "-" + shortHash(prefix) + `"`}
}

// jsJSON encodes v as a JavaScript expression that is also safe inside an
// HTML <script> element, where a site may inline samtykke.js: encoding/json
// already writes <, > and & as \u escapes (so no "</script>" or "<!--"
// ends or changes the element) and U+2028 and U+2029 as \u2028 and \u2029
// (line terminators in JavaScript before ES2019). The replacements below
// make sure of both whatever the encoder's settings.
func jsJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("httpapi: rules: " + err.Error()) // rules are plain strings and bools
	}
	b = bytes.ReplaceAll(b, []byte("</"), []byte(`<\/`))
	b = bytes.ReplaceAll(b, []byte("\u2028"), []byte(`\u2028`))
	return bytes.ReplaceAll(b, []byte("\u2029"), []byte(`\u2029`))
}

func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// script serves the banner, with the rules of what to hold back in front
// of it, so that they apply before the config arrives: the catalogue's,
// and with ?site= those of the site's custom vendors too. An unknown site
// (a typo, a deleted site) gets the catalogue's rules: the banner still
// protects the page, and its config request reports the bad id. Five
// minutes of freshness keeps page loads fast while a new release, or a new
// custom vendor, still reaches every visitor quickly.
func (s *server) script(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=300, stale-while-revalidate=3600")
	v := catalogueScript
	if id := c.QueryParam("site"); id != "" {
		site, err := s.sites.get(c.Request().Context(), id)
		switch {
		case err == nil:
			if p, own := site.ScriptPrelude(); own {
				v = newPreludeScript(p)
			}
		case !errors.Is(err, consent.ErrNotFound):
			// The store is down: the catalogue's rules now, and the
			// site's as soon as a browser asks again.
			s.log.Warn("samtykke.js without the site's rules", "err", err)
			h.Set("Cache-Control", "no-cache")
		}
	}
	h.Set("ETag", v.etag)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatches(c.Request().Header.Get("If-None-Match"), v.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	body := make([]byte, 0, len(v.prefix)+len(snippet.Script))
	body = append(append(body, v.prefix...), snippet.Script...)
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", body)
}

// uiScript serves samtykke-ui.js, the layers samtykke.js loads when it has
// something to draw, with the same freshness as samtykke.js. samtykke.js
// names it with a hash of its contents (?v=), so a cached samtykke.js and
// a newer samtykke-ui.js never meet; the query is not needed here.
func (s *server) uiScript(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=300, stale-while-revalidate=3600")
	h.Set("ETag", uiScriptETag)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatches(c.Request().Header.Get("If-None-Match"), uiScriptETag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", snippet.UIScript)
}

func (s *server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", OpenAPI)
}

func (s *server) home(c echo.Context) error {
	if s.DemoSiteID != "" {
		return c.Redirect(http.StatusFound, "/demo")
	}
	return c.JSON(http.StatusOK, map[string]string{"service": "samtykke consentd", "api": "/openapi.json"})
}

// demo serves the demo page under a strict Content Security Policy: only
// scripts and styles carrying this answer's nonce run, and, through
// 'strict-dynamic', what they load (samtykke.js loads the vendors with the
// nonce it was given; the tags it releases keep theirs). This is also the
// setup the banner recommends to sites with a CSP. The http:, https: and
// 'unsafe-inline' sources are ignored by browsers that understand nonces
// and 'strict-dynamic', and keep the page working in older ones.
func (s *server) demo(c echo.Context) error {
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	err = demoPage.Execute(&buf, map[string]string{
		"ScriptURL": s.PublicURL + "/samtykke.js?site=" + url.QueryEscape(s.DemoSiteID),
		"SiteID":    s.DemoSiteID,
		"ScriptTag": ScriptTag(s.PublicURL, s.DemoSiteID),
		"Nonce":     nonce,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", "script-src 'nonce-"+nonce+"' 'strict-dynamic' https: http: 'unsafe-inline'; "+
		"style-src 'self' 'nonce-"+nonce+"'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
	c.Response().Header().Set("Cache-Control", "no-store") // a nonce is good for one answer only
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// newNonce returns 128 random bits for a CSP nonce.
func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
