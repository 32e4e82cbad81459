package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"

	"github.com/samtykke/samtykke/server/consent"
)

// The public endpoints are called by the snippet from the site owners'
// pages. Receipts and impressions are sent as text/plain so that browsers
// send them without a CORS preflight (sendBeacon cannot do one at all); the
// origin check below is therefore an authorization check, not CORS.

// bannerConfig answers what the snippet needs to show the banner. It is
// readable from any origin: it holds nothing a visitor's page may not see.
func (s *server) bannerConfig(c echo.Context) error {
	site, lang, err := s.publicSite(c)
	if err != nil {
		return err
	}
	// The answer says whether the request carried Global Privacy Control,
	// so caches must keep one copy per value, and so must the ETag.
	c.Response().Header().Add("Vary", "Sec-GPC")
	gpc := SecGPC(c.Request().Header)
	etag := `"` + site.ConfigVersion + "-" + consent.CatalogueVersion() + "-" + lang // a release may change the rules
	if gpc {
		etag += "-gpc"
	}
	if notModified(c, etag+`"`) {
		return c.NoContent(http.StatusNotModified)
	}
	cfg := site.BannerConfig(lang)
	if snap, found, err := s.sites.shown(c.Request().Context(), site); err != nil {
		return err
	} else if found {
		cfg = site.BannerConfigOf(snap, lang) // what is shown is what is stored
	}
	cfg.GPC = gpc
	return c.JSON(http.StatusOK, cfg)
}

// publicSite is the site a public read names, and the visitor's language:
// ?lang=, else Accept-Language, else the site's default. The answer is
// readable from any origin and varies with the language.
func (s *server) publicSite(c echo.Context) (consent.Site, string, error) {
	site, err := s.sites.get(c.Request().Context(), c.Param("site"))
	if err != nil {
		return consent.Site{}, "", siteError(err, c.Param("site"))
	}
	prefs := splitList(c.QueryParam("lang"))
	if len(prefs) == 0 {
		prefs = acceptLanguages(c.Request().Header.Get("Accept-Language"))
	}
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Add("Vary", "Accept-Language")
	return site, consent.MatchLanguage(prefs, site.DefaultLanguage), nil
}

// notModified marks a public answer briefly cacheable under etag and reports
// whether the client's copy is that one. Short freshness so an owner's
// change reaches visitors within a minute; the ETag makes revalidation cheap.
func notModified(c echo.Context, etag string) bool {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=60, stale-while-revalidate=300")
	h.Set("ETag", etag)
	return etagMatches(c.Request().Header.Get("If-None-Match"), etag)
}

// SecGPC reports whether a request carries the Global Privacy Control
// signal: the header Sec-GPC with the value 1 (any other value is no signal).
func SecGPC(h http.Header) bool {
	return strings.TrimSpace(h.Get("Sec-GPC")) == "1"
}

// gpcJSON is /.well-known/gpc.json: this host honours Global Privacy
// Control (the banner reads it, and sites may apply it as "Reject all").
// lastUpdate is the day the answer last changed.
const gpcJSON = `{"gpc": true, "lastUpdate": "2026-12-02"}` + "\n"

func (s *server) wellKnownGPC(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "application/json", []byte(gpcJSON))
}

func (s *server) postReceipt(c echo.Context) (err error) {
	defer func() {
		if err != nil && toAPIError(err).Status < 500 {
			s.Metrics.Receipts.WithLabelValues("rejected").Inc()
		}
	}()
	site, body, err := s.ingestPreamble(c, "receipt")
	if err != nil {
		return err
	}
	req := s.requestInfo(c, site.ID)
	r, err := consent.ParseReceipt(body, site, req)
	if errors.Is(err, consent.ErrUnknownConfigVersion) {
		// Another replica may have changed the site moments ago; look again
		// before refusing a version we do not know yet.
		if fresh, err2 := s.sites.refresh(c.Request().Context(), site.ID); err2 == nil {
			site = fresh
			r, err = consent.ParseReceipt(body, site, req)
		}
	}
	if err != nil {
		return err
	}
	ctx := c.Request().Context() // bounded by the group's Deadline
	start := time.Now()
	stored, created, err := s.store.SaveReceipt(ctx, site, r, r.CounterFields())
	s.Metrics.StoreWrite.WithLabelValues("receipt").Observe(time.Since(start).Seconds())
	if err != nil {
		s.Metrics.StoreErrors.WithLabelValues("receipt").Inc()
		if errors.Is(err, consent.ErrNotFound) {
			return siteError(err, site.ID)
		}
		return err
	}
	if !created {
		s.Metrics.Receipts.WithLabelValues("duplicate").Inc()
		return c.JSON(http.StatusOK, stored)
	}
	s.Metrics.Receipts.WithLabelValues("stored").Inc()
	s.Metrics.Actions.WithLabelValues(string(stored.Action)).Inc()
	for _, p := range consent.OptionalPurposes {
		choice := "denied"
		if stored.Choices.Granted(p) {
			choice = "granted"
		}
		s.Metrics.Decisions.WithLabelValues(string(p), choice).Inc()
	}
	return c.JSON(http.StatusCreated, stored)
}

func (s *server) postImpression(c echo.Context) error {
	site, body, err := s.ingestPreamble(c, "impression")
	if err != nil {
		return err
	}
	imp, err := consent.ParseImpression(body, site, s.requestInfo(c, site.ID))
	if errors.Is(err, consent.ErrUnknownConfigVersion) {
		if site, err2 := s.sites.refresh(c.Request().Context(), site.ID); err2 == nil {
			imp, err = consent.ParseImpression(body, site, s.requestInfo(c, site.ID))
		}
	}
	if err != nil {
		return err
	}
	ctx := c.Request().Context() // bounded by the group's Deadline
	start := time.Now()
	err = s.store.CountImpression(ctx, site.ID, imp.At, imp.CounterFields())
	s.Metrics.StoreWrite.WithLabelValues("impression").Observe(time.Since(start).Seconds())
	if err != nil {
		s.Metrics.StoreErrors.WithLabelValues("impression").Inc()
		return err
	}
	s.Metrics.Impressions.Inc()
	return c.NoContent(http.StatusNoContent)
}

// ingestPreamble resolves the site, checks the page's origin against it,
// allows that origin to read the answer, applies the ingestion limit, and
// reads the body. op names the operation in the limit's metric.
func (s *server) ingestPreamble(c echo.Context, op string) (consent.Site, []byte, error) {
	// Refusals must be readable by the page too: the snippet drops a receipt
	// it is told is refused for good (403, 404, 422) and retries the rest,
	// but a response it may not read looks like a network error.
	if origin := c.Request().Header.Get("Origin"); origin != "" {
		h := c.Response().Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
	site, err := s.sites.get(c.Request().Context(), c.Param("site"))
	if err != nil {
		return site, nil, siteError(err, c.Param("site"))
	}
	if _, err := s.checkOrigin(c, site); err != nil {
		return site, nil, err
	}
	// After the site and origin checks, so that unknown sites and foreign
	// origins (already refused) take no room in the limiter; before the
	// body is read, so that a flood costs little.
	if s.limiter != nil {
		if ok, wait := s.limiter.allow(site.ID, consent.TruncateIP(c.RealIP())); !ok {
			s.Metrics.IngestLimited.WithLabelValues(op).Inc()
			return site, nil, rateLimited(wait)
		}
	}
	body, err := readLimited(c)
	return site, body, err
}

// readLimited reads at most publicBodyLimit bytes of the request body. It is
// done here rather than in middleware so that an oversized receipt is
// counted as rejected like every other refusal.
func readLimited(c echo.Context) ([]byte, error) {
	tooLarge := &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
		Message: "body is larger than the limit of " + bodyLimitText,
		Fields:  []consent.FieldError{{Field: "body", Message: "must be at most " + bodyLimitText}}}
	if c.Request().ContentLength > publicBodyLimit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, publicBodyLimit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge
	}
	if err != nil {
		// A body that stalls or breaks off is the client's failure (408 or
		// 400), and its net error must not reach the log: it names the
		// client's address and port.
		if cf := clientFailure(err, c.Request()); cf != nil {
			return nil, cf
		}
	}
	return body, err
}

// checkOrigin accepts a request only from one of the site's origins.
// Browsers always send Origin on a cross-origin POST, and page scripts
// cannot forge it.
func (s *server) checkOrigin(c echo.Context, site consent.Site) (string, error) {
	origin := c.Request().Header.Get("Origin")
	if origin == "" {
		return "", NewError(http.StatusForbidden, "forbidden_origin",
			"the Origin header is missing; receipts are accepted only from the site's registered origins")
	}
	if !site.AllowsOrigin(origin) {
		return "", NewError(http.StatusForbidden, "forbidden_origin",
			"origin %s is not one of this site's origins; add it to the site's \"origins\" to accept its receipts", origin)
	}
	return origin, nil
}

// preflight answers CORS preflights of clients that send
// application/json; the snippet itself never needs one.
func (s *server) preflight(c echo.Context) error {
	site, err := s.sites.get(c.Request().Context(), c.Param("site"))
	if err != nil {
		return siteError(err, c.Param("site"))
	}
	origin, err := s.checkOrigin(c, site)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	h.Add("Vary", "Origin")
	return c.NoContent(http.StatusNoContent)
}

// consentRecord lets visitors see and download their own receipts. It is
// keyed by the random consent id only the visitor's browser holds.
func (s *server) consentRecord(c echo.Context) error {
	site, err := s.sites.get(c.Request().Context(), c.Param("site"))
	if err != nil {
		return siteError(err, c.Param("site"))
	}
	consentID := strings.ToLower(c.Param("consent"))
	ctx := c.Request().Context() // bounded by the group's Deadline
	receipts, err := s.store.Receipts(ctx, site.ID, consentID)
	if err != nil {
		return err
	}
	if len(receipts) == 0 {
		return NewError(http.StatusNotFound, "not_found", "no receipts for consent id %q on this site", consentID)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	if origin := c.Request().Header.Get("Origin"); origin != "" && site.AllowsOrigin(origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
	if c.QueryParams().Has("download") {
		h.Set("Content-Disposition", `attachment; filename="consent-`+consentID+`.json"`)
	}
	return c.JSONPretty(http.StatusOK, map[string]any{
		"consent_id": consentID,
		"site_id":    site.ID,
		"receipts":   receipts,
	}, "  ")
}

func (s *server) requestInfo(c echo.Context, siteID string) consent.Request {
	return consent.Request{SiteID: siteID, IP: c.RealIP(), UserAgent: c.Request().UserAgent(), Now: s.Now()}
}

// siteError names the site in a 404 so a typo in data-site is easy to spot.
func siteError(err error, id string) error {
	if errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "unknown_site", "no site with id %q; check the data-site attribute of the script tag", id)
	}
	return err
}

// adminSiteError is siteError for the admin API, whose callers are not
// looking at a script tag.
func adminSiteError(err error, id string) error {
	if errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "unknown_site", "no site with id %q", id)
	}
	return err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && len(out) < 20 {
			out = append(out, p)
		}
	}
	return out
}

// acceptLanguages returns the tags of an Accept-Language header, most
// wanted first by their q-values (a tag with q=0 is refused and left out),
// at most 20. x/text reads the weights as RFC 9110 defines them, which a
// hand-written split got wrong for headers not already in order. A header
// it cannot read is taken in the order given, as browsers list by
// preference anyway.
func acceptLanguages(h string) []string {
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil {
		var out []string
		for _, p := range splitList(h) {
			tag, _, _ := strings.Cut(p, ";")
			out = append(out, strings.TrimSpace(tag))
		}
		return out
	}
	out := make([]string, 0, min(len(tags), 20))
	for _, t := range tags[:min(len(tags), 20)] {
		out = append(out, t.String())
	}
	return out
}

func etagMatches(header, etag string) bool {
	for _, t := range splitList(header) {
		if t == etag || t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
