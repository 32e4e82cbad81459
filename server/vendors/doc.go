// Package vendors is Samtykke's one catalogue of third-party vendors: who
// they are, which purpose their tags serve, which hosts their scripts,
// pixels, beacons and iframes come from, and which cookies and storage keys
// they leave in the visitor's browser.
//
// It is the single source of vendor knowledge. The consent package lists
// these vendors in the settings layer and the cookie declaration (Planet49:
// name, provider, purpose, lifetime, whether third parties can read the
// cookie), and the snippet blocks and purges by the Rules derived from it.
// Nothing about a vendor is meant to be copied by hand into TypeScript.
//
// The package imports no other package of this project, so that the consent
// package can import it. Purposes are plain strings: "necessary",
// "statistics", "marketing" (the constants Necessary, Statistics and
// Marketing).
//
// # How it is meant to be used
//
// The consent package builds a site's vendor list from the built-in vendors
// the site uses (All, Lookup) and the site's own custom vendors, which the
// admin API checks with Vendor.Validate before storing them (FieldError
// carries the JSON field name and a message for the form). The texts the
// visitor sees come from Vendor and Cookie fields: Name, Provider,
// Purposes, PrivacyPolicyURL, and per cookie Name, DurationMinutes, Party
// and Description in the visitor's language (Text.In).
//
// The snippet gets Rules(customVendors...) from the server: the compact list
// of host patterns to hold back and cookie and storage name patterns to
// delete on withdrawal, one entry per vendor (two when a vendor has both
// script hosts and embed hosts). It is served inline with /samtykke.js and
// in the site's config response, so that adding a vendor to this catalogue
// does not grow samtykke.js and a custom vendor is blocked and purged like a
// built-in one. Only first-party cookies are in Rules: a page cannot delete
// a cookie of another site, so third-party cookies are only declared.
//
// # Host patterns
//
// A host pattern is
//
//	[*.]host[/path-prefix[?query-prefix]]
//
// where:
//
//   - host is a lower-case DNS name of at least two labels, without scheme or
//     port. "static.hotjar.com" matches that host only.
//   - "*.example.com" matches example.com itself and every subdomain of it
//     (www.example.com, a.b.example.com), never a host that merely ends in
//     the same letters (badexample.com). A wildcard on a public suffix
//     ("*.com", "*.co.uk", "*.github.io") is refused.
//   - A path part, which starts with "/", restricts the pattern to URLs whose
//     pathname followed by their search ("?" and the query, when the query
//     is not empty) starts with it, compared byte for byte as the browser's
//     URL object gives them (URL.pathname + URL.search). So
//     "www.googletagmanager.com/gtag/js?id=G-" matches
//     https://www.googletagmanager.com/gtag/js?id=G-ABC123 and not
//     .../gtag/js?id=AW-123, and "www.facebook.com/tr" matches /tr, /tr/ and
//     /tr?id=1.
//   - The scheme does not matter (http, https, ws, wss, and protocol-relative
//     URLs all match); the port, the user info and the fragment are ignored.
//
// When several patterns match one URL, the longest pattern (in bytes, as
// written) wins. When the longest matching patterns are equally long, the
// URL needs any one of the union of their purposes and belongs to the
// vendor of the first of them in rule order. Match implements exactly this;
// the snippet must implement the same, and the tests here are the reference
// cases. Examples from the built-in catalogue:
//
//	www.googletagmanager.com/gtag/js?id=G-   -> google_analytics   (statistics)
//	www.googletagmanager.com/gtag/js?id=AW-  -> google_ads         (marketing)
//	www.googletagmanager.com/gtag/js?id=DC-  -> google_ads         (marketing)
//	www.googletagmanager.com/gtm.js          -> google_tag_manager (statistics or marketing)
//	www.googletagmanager.com                 -> google_tag_manager (statistics or marketing)
//	www.facebook.com/tr                      -> meta_pixel         (marketing)
//
// A vendor with more than one purpose (only Google Tag Manager among the
// built-ins) may load once any one of them is granted: it is a loader whose
// tags read the Consent Mode state themselves.
//
// # Cookie and storage name patterns
//
// A cookie or storage name is either exact ("_ga") or a prefix followed by
// a single trailing "*" ("_ga_*" matches "_ga_ABC123"; "_hj*" matches every
// name starting with "_hj"). DurationMinutes 0 means a session cookie, gone
// when the browser closes. Where a vendor does not document a lifetime the
// catalogue uses the lifetime commonly reported or measured, sets Reported,
// and says so in a comment.
package vendors
