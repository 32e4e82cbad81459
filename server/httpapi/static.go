package httpapi

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/snippet"
)

// OpenAPI is the description of this API; a test checks it against the
// routes New registers.
//
//go:embed openapi.json
var OpenAPI []byte

var (
	scriptETag = `"` + shortHash(snippet.Script) + `"`
	demoPage   = template.Must(template.New("demo").Parse(snippet.DemoPage))
)

func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// script serves the banner. Five minutes of freshness keeps page loads fast
// while a new release still reaches every visitor quickly.
func (s *server) script(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=300, stale-while-revalidate=3600")
	h.Set("ETag", scriptETag)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatches(c.Request().Header.Get("If-None-Match"), scriptETag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", snippet.Script)
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
		"ScriptURL": s.PublicURL + "/samtykke.js",
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
