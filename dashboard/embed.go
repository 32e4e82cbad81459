// Package dashboardui embeds the built dashboard (dist/), so that consentd
// serves it without Node installed. dist/ is built from src/ by
// `npm run build` in this directory and committed; a test checks that it
// matches a fresh build.
package dashboardui

import (
	"embed"
	"io/fs"
)

//go:embed dist
var files embed.FS

// Files returns the contents of dist/: index.html and the assets.
func Files() fs.FS {
	sub, err := fs.Sub(files, "dist")
	if err != nil {
		panic(err) // dist is embedded above
	}
	return sub
}
