// Package snippet embeds the built banner script and the demo page, so that
// consentd serves them without Node installed. The files under dist/ are
// built from src/ by `npm run build`; a test checks that they match.
package snippet

import _ "embed"

// Script is dist/samtykke.js, the one file a site owner's <script> tag loads.
//
//go:embed dist/samtykke.js
var Script []byte

// UIScript is dist/samtykke-ui.js: the banner's layers, which Script loads
// from next to itself only when it has something to draw.
//
//go:embed dist/samtykke-ui.js
var UIScript []byte

// DemoPage is an html/template source for /demo. It receives ScriptURL (the
// absolute URL of samtykke.js) and SiteID (the demo site's id).
//
//go:embed demo/index.html
var DemoPage string
