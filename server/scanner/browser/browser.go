// Package browser is the scanner's Crawler: it drives a headless Chromium
// over the DevTools protocol (chromedp) through a site's own pages, and
// visits each page three times, each in a fresh incognito browser context:
// without a decision, then clicking the banner's "Reject all", then its
// "Accept all". Clicking the banner's own buttons, rather than calling its
// API, makes a scan also a test that the banner shows and works.
//
// Every request of every visit is paused in the browser (the Fetch domain)
// and recorded with the phase it happened in. Then:
//   - the banner's receipts, impressions and tag warnings are answered by
//     the crawler itself and never reach consentd, so a scan neither counts
//     in the site's statistics nor stores receipts or tag warnings, on
//     whichever server the site's banner talks to;
//   - every other request goes on as the browser made it, or, when
//     Crawler.Network is set (the tests), is answered by that RoundTripper:
//     the tests' shop is local and the vendors' hosts unreachable.
//
// What set a cookie: a response's Set-Cookie is read from the raw headers
// the browser reports (exact); a document.cookie write is caught by a hook
// installed before any page script, which reports the outermost script URL
// on the writer's stack (exact for external scripts, the page's URL for
// inline ones). Cookies from iframes' scripts or the CookieStore API have
// no setter.
package browser

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/scanner"
)

// UserAgent names the scanner, so that a site's owner can tell its visits
// from people's in their logs and analytics.
const UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 SamtykkeScanner/1.0 (+https://github.com/samtykke/samtykke)"

// Defaults of a Crawler's zero fields.
const (
	DefaultChromium     = "/usr/bin/chromium"
	DefaultPageLimit    = 50
	DefaultPageTimeout  = 30 * time.Second
	DefaultConcurrency  = 2
	DefaultPageInterval = time.Second
	// quiet is how long no request may start before a page counts as
	// settled.
	quiet = 400 * time.Millisecond
	// DefaultBannerWait is how long a visit looks for the banner's
	// buttons before it counts the banner as missing.
	DefaultBannerWait = 8 * time.Second
)

// Crawler visits a site with Chromium. Its zero value uses the defaults.
type Crawler struct {
	Chromium string
	// PageLimit is the most pages one scan visits (each three times).
	PageLimit int
	// PageTimeout bounds each visit.
	PageTimeout time.Duration
	// Concurrency is how many pages are visited at once.
	Concurrency int
	// PageInterval is the least time between the starts of two pages, so
	// that a scan is a polite visitor.
	PageInterval time.Duration
	// BannerWait is how long a visit looks for the banner's buttons.
	BannerWait time.Duration
	// Network, when set, answers every request the browser makes instead
	// of the network.
	Network http.RoundTripper
}

var _ scanner.Crawler = (*Crawler)(nil)

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Crawl visits the site's origins, the pages its sitemap.xml lists and the
// same-origin links it finds, up to PageLimit pages.
func (c *Crawler) Crawl(ctx context.Context, site consent.Site, progress func(scanner.Progress)) (scanner.Observations, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(or(c.Chromium, DefaultChromium)),
		chromedp.NoSandbox,
		chromedp.UserAgent(UserAgent),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		// Iframes in the page's own process, so that their requests pause
		// in the page's target like the rest.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateOrigins,site-per-process"),
		chromedp.Flag("disable-site-isolation-trials", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browserCtx); err != nil {
		return scanner.Observations{}, errors.New("could not start Chromium at " + or(c.Chromium, DefaultChromium) + ": " + err.Error())
	}

	origins := map[string]bool{}
	for _, o := range site.Origins {
		if u, err := url.Parse(o); err == nil {
			origins[u.Scheme+"://"+u.Host] = true
		}
	}
	limit := or(c.PageLimit, DefaultPageLimit)
	col := newCollector(site)
	q := &queue{limit: limit, origins: origins, seen: map[string]bool{}}
	for _, o := range site.Origins {
		q.add(strings.TrimSuffix(o, "/") + "/")
	}
	for _, o := range site.Origins {
		for _, loc := range c.sitemap(ctx, strings.TrimSuffix(o, "/")+"/sitemap.xml") {
			q.add(loc)
		}
	}

	tick := time.NewTicker(or(c.PageInterval, DefaultPageInterval))
	defer tick.Stop()
	var wg sync.WaitGroup
	for range or(c.Concurrency, DefaultConcurrency) {
		wg.Go(func() {
			for {
				page, ok := q.next(ctx)
				if !ok {
					return
				}
				select {
				case <-ctx.Done():
					q.done()
					return
				case <-tick.C:
				}
				c.page(ctx, browserCtx, page, col, q)
				q.done()
				found, done := q.counts()
				progress(scanner.Progress{PagesFound: found, PagesDone: done})
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return scanner.Observations{}, err
	}
	return col.observations(q.order), nil
}

// page visits one page three ways and adds what it saw.
func (c *Crawler) page(ctx, browserCtx context.Context, pageURL string, col *collector, q *queue) {
	var errs []string
	banner := ""
	for _, m := range []mode{modeNone, modeReject, modeAccept} {
		res, err := c.visit(ctx, browserCtx, pageURL, m)
		if err != nil {
			errs = append(errs, string(m)+": "+err.Error())
			continue
		}
		if m == modeNone {
			for _, l := range res.links {
				q.add(l)
			}
		} else if banner == "" || res.banner == "missing" {
			banner = res.banner
		}
		col.add(pageURL, res)
	}
	col.page(scanner.Page{URL: pageURL, Banner: banner, Error: strings.Join(errs, "; ")})
}

// sitemap lists the same-site pages of a sitemap.xml, or none.
func (c *Crawler) sitemap(ctx context.Context, u string) []string {
	ctx, cancel := context.WithTimeout(ctx, or(c.PageTimeout, DefaultPageTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil
	}
	req.Header.Set("User-Agent", UserAgent)
	client := &http.Client{Transport: c.Network}
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var doc struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 5<<20)).Decode(&doc); err != nil {
		return nil
	}
	out := make([]string, 0, len(doc.URLs))
	for _, x := range doc.URLs {
		out = append(out, strings.TrimSpace(x.Loc))
	}
	return out
}

// queue is the crawl's frontier: same-origin pages, each once, up to the
// limit, in the order found.
type queue struct {
	mu      sync.Mutex
	limit   int
	origins map[string]bool
	seen    map[string]bool
	order   []string
	pending []string
	busy    int
	wake    chan struct{}
}

func (q *queue) add(raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !q.origins[u.Scheme+"://"+u.Host] {
		return
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	s := u.String()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.seen[s] || len(q.order) >= q.limit {
		return
	}
	q.seen[s] = true
	q.order = append(q.order, s)
	q.pending = append(q.pending, s)
	q.signal()
}

func (q *queue) signal() {
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
}

// next hands out a page, waiting while other workers may still find more;
// false when there is nothing left.
func (q *queue) next(ctx context.Context) (string, bool) {
	for {
		q.mu.Lock()
		if len(q.pending) > 0 {
			p := q.pending[0]
			q.pending = q.pending[1:]
			q.busy++
			q.mu.Unlock()
			return p, true
		}
		if q.busy == 0 {
			q.signal()
			q.mu.Unlock()
			return "", false
		}
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", false
		case <-wake:
		}
	}
}

func (q *queue) done() {
	q.mu.Lock()
	q.busy--
	q.signal()
	q.mu.Unlock()
}

func (q *queue) counts() (found, done int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order), len(q.order) - len(q.pending) - q.busy
}

// collector merges the visits' observations into findings.
type collector struct {
	mu       sync.Mutex
	hosts    map[string]bool
	pages    map[string]scanner.Page
	cookies  map[string]*scanner.CookieFinding
	storage  map[string]*scanner.StorageFinding
	requests map[string]*scanner.RequestFinding
}

func newCollector(site consent.Site) *collector {
	return &collector{hosts: scanner.OriginHosts(site), pages: map[string]scanner.Page{},
		cookies: map[string]*scanner.CookieFinding{}, storage: map[string]*scanner.StorageFinding{},
		requests: map[string]*scanner.RequestFinding{}}
}

func (col *collector) page(p scanner.Page) {
	col.mu.Lock()
	col.pages[p.URL] = p
	col.mu.Unlock()
}

func (col *collector) add(pageURL string, res visitResult) {
	col.mu.Lock()
	defer col.mu.Unlock()
	for _, ck := range res.cookies {
		key := ck.Name + "@" + ck.Domain
		f := col.cookies[key]
		if f == nil {
			if len(col.cookies) >= scanner.MaxFindings {
				continue
			}
			f = &scanner.CookieFinding{Name: ck.Name, Domain: ck.Domain, Path: ck.Path,
				LifetimeSeconds: ck.lifetime, ThirdParty: !scanner.FirstPartyDomain(ck.Domain, col.hosts)}
			col.cookies[key] = f
		}
		if f.SetBy == "" && ck.setBy != "" {
			f.SetBy, f.SetByKind = ck.setBy, ck.setByKind
		}
		f.Add(ck.phase, pageURL)
	}
	for _, st := range res.storage {
		key := st.Kind + ":" + st.Name
		f := col.storage[key]
		if f == nil {
			if len(col.storage) >= scanner.MaxFindings {
				continue
			}
			f = &scanner.StorageFinding{Name: st.Name, Kind: st.Kind}
			col.storage[key] = f
		}
		f.Add(st.phase, pageURL)
	}
	for _, rq := range res.requests {
		if col.hosts[rq.host] {
			continue
		}
		f := col.requests[rq.host]
		if f == nil {
			if len(col.requests) >= scanner.MaxFindings {
				continue
			}
			f = &scanner.RequestFinding{Host: rq.host, URL: rq.url, Initiator: rq.initiator, Tag: rq.tag}
			col.requests[rq.host] = f
		}
		if f.Tag == "" && rq.tag != "" {
			f.Tag = rq.tag
		}
		if f.Initiator == "" {
			f.Initiator = rq.initiator
		}
		if rq.kind != "" && !contains(f.Types, rq.kind) {
			f.Types = append(f.Types, rq.kind)
			sort.Strings(f.Types)
		}
		f.Add(rq.phase, pageURL)
	}
}

func (col *collector) observations(order []string) scanner.Observations {
	col.mu.Lock()
	defer col.mu.Unlock()
	obs := scanner.Observations{Pages: []scanner.Page{}, Cookies: []scanner.CookieFinding{},
		Storage: []scanner.StorageFinding{}, Requests: []scanner.RequestFinding{}}
	for _, u := range order {
		if p, ok := col.pages[u]; ok {
			obs.Pages = append(obs.Pages, p)
		}
	}
	for _, f := range col.cookies {
		obs.Cookies = append(obs.Cookies, *f)
	}
	for _, f := range col.storage {
		obs.Storage = append(obs.Storage, *f)
	}
	for _, f := range col.requests {
		if f.Types == nil {
			f.Types = []string{}
		}
		obs.Requests = append(obs.Requests, *f)
	}
	sort.Slice(obs.Cookies, func(i, j int) bool {
		return obs.Cookies[i].Name+"@"+obs.Cookies[i].Domain < obs.Cookies[j].Name+"@"+obs.Cookies[j].Domain
	})
	sort.Slice(obs.Storage, func(i, j int) bool {
		return obs.Storage[i].Kind+obs.Storage[i].Name < obs.Storage[j].Kind+obs.Storage[j].Name
	})
	sort.Slice(obs.Requests, func(i, j int) bool { return obs.Requests[i].Host < obs.Requests[j].Host })
	return obs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
