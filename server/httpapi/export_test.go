package httpapi

// SetSiteChanged makes the server New builds from o tell f of every site
// its write path changed or deleted, after its cache forgot the site.
func SetSiteChanged(o *Options, f func(siteID string)) { o.siteChanged = f }
