package dashboardapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	dashboardui "github.com/samtykke/samtykke/dashboard"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
)

// asset is one embedded file with its validator.
type asset struct {
	body []byte
	etag string
	ct   string
}

var (
	assetsOnce sync.Once
	assets     map[string]asset
)

func loadAssets() map[string]asset {
	assetsOnce.Do(func() {
		assets = map[string]asset{}
		files := dashboardui.Files()
		_ = fs.WalkDir(files, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := fs.ReadFile(files, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			ct := mime.TypeByExtension(path.Ext(p))
			if ct == "" {
				ct = "application/octet-stream"
			}
			if strings.HasPrefix(ct, "text/") && !strings.Contains(ct, "charset") {
				ct += "; charset=utf-8"
			}
			assets[p] = asset{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ct: ct}
			return nil
		})
	})
	return assets
}

func serveAsset(c echo.Context, name string) error {
	a, ok := loadAssets()[name]
	if !ok {
		return httpapi.NewError(http.StatusNotFound, "not_found", "no such file")
	}
	h := c.Response().Header()
	// Revalidate every time: a new release must reach every browser, and
	// the ETag makes the check cheap.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	if m := c.Request().Header.Get("If-None-Match"); m != "" && m == a.etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.ct, a.body)
}

func (d *dash) index(c echo.Context) error { return serveAsset(c, "index.html") }

func (d *dash) asset(c echo.Context) error {
	name := c.Param("*")
	if name == "index.html" || strings.Contains(name, "..") {
		return httpapi.NewError(http.StatusNotFound, "not_found", "no such file")
	}
	return serveAsset(c, name)
}

// previewCSP lets the preview run the real samtykke.js from this server
// and nothing else: vendor tags the banner would load after a click in the
// preview are blocked (script-src 'self'), and so is any request that is
// not to this server. The banner's own <style> is inline, hence
// 'unsafe-inline' for styles on this page only, which holds no secret.
const previewCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
	"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

var previewPage = template.Must(template.New("preview").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Banner preview</title>
<link rel="stylesheet" href="/dashboard/assets/preview.css">
<script src="/dashboard/assets/preview.js" data-site="{{.SiteID}}" data-lang="{{.Lang}}"></script>
</head>
<body>
<div class="page" aria-hidden="true">
  <header><span class="logo"></span><span class="nav"></span><span class="nav"></span><span class="nav"></span></header>
  <div class="hero"></div>
  <div class="row"><div class="card"></div><div class="card"></div><div class="card"></div></div>
  <p class="line"></p><p class="line short"></p><p class="line"></p>
</div>
</body>
</html>
`))

// previewPage is the page the dashboard shows in an iframe: a neutral
// mock-up of a web page that loads the real /samtykke.js. Its preview.js
// answers the snippet's config request with the draft config the parent
// window sends, and swallows impressions and receipts, so a preview counts
// nothing.
func (d *dash) previewPage(c echo.Context) error {
	lang := c.QueryParam("lang")
	if !consent.SupportedLanguage(lang) {
		lang = "en"
	}
	site := c.QueryParam("site")
	if site == "" || len(site) > 64 {
		site = "preview"
	}
	var buf bytes.Buffer
	if err := previewPage.Execute(&buf, map[string]string{"Lang": lang, "SiteID": site}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", previewCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
