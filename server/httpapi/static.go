package httpapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
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

func (s *server) demo(c echo.Context) error {
	var buf bytes.Buffer
	err := demoPage.Execute(&buf, map[string]string{
		"ScriptURL": s.PublicURL + "/samtykke.js",
		"SiteID":    s.DemoSiteID,
		"ScriptTag": ScriptTag(s.PublicURL, s.DemoSiteID),
	})
	if err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
