package browser

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/samtykke/samtykke/server/scanner"
)

// mode is what a visit decides.
type mode string

const (
	modeNone   mode = "no decision"
	modeReject mode = "reject all"
	modeAccept mode = "accept all"
)

type cookieObs struct {
	Name, Domain, Path string
	lifetime           int64
	phase              scanner.Phase
	setBy, setByKind   string
}

type storageObs struct {
	Name, Kind string
	phase      scanner.Phase
}

type requestObs struct {
	host, url, kind, initiator, tag string
	phase                           scanner.Phase
}

type visitResult struct {
	cookies  []cookieObs
	storage  []storageObs
	requests []requestObs
	links    []string
	banner   string
}

// consentWrite matches the banner's requests that would count or store:
// a scan answers them itself.
var consentWrite = regexp.MustCompile(`^/v1/sites/[^/]+/(receipts|impressions|tag-warnings)$`)

// cookieHook runs before any script of every document: it reports each
// document.cookie write with the outermost script URL on the writer's
// stack, then writes as usual.
const cookieHook = `(() => {
  const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  if (!d || !d.set) return;
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: d.enumerable,
    get() { return d.get.call(this); },
    set(v) {
      try {
        const urls = (new Error().stack || '').match(/https?:\/\/[^\s()]+?:\d+:\d+/g) || [];
        const script = urls.length ? urls[urls.length - 1].replace(/:\d+:\d+$/, '') : '';
        const name = String(v).split(';')[0].split('=')[0].trim();
        if (window.__samtykkeScanCookie) window.__samtykkeScanCookie({ name, script }).catch(() => {});
      } catch (e) {}
      return d.set.call(this, v);
    },
  });
})();`

// snapshotJS lists the page's storage keys, same-origin links and tags
// with a src.
const snapshotJS = `(() => {
  const keys = (s) => { try { return Object.keys(s); } catch (e) { return []; } };
  const tags = [];
  for (const el of document.querySelectorAll('script[src],iframe[src],img[src]')) {
    let html = el.outerHTML;
    if (el.tagName === 'SCRIPT') html = html.replace(/>[\s\S]*<\/script>$/i, '></script>');
    tags.push({ src: el.src, html: html.slice(0, 600) });
  }
  return {
    local: keys(window.localStorage),
    session: keys(window.sessionStorage),
    links: Array.from(document.links, (a) => a.href),
    tags,
  };
})()`

// clickJS clicks the banner's button for an action, looking through open
// shadow roots (the banner lives in one); true once clicked.
const clickJS = `((action) => {
  const find = (root) => {
    const b = root.querySelector('[data-samtykke-action="' + action + '"]');
    if (b) return b;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const x = find(el.shadowRoot); if (x) return x; }
    }
    return null;
  };
  const b = find(document);
  if (!b) return false;
  b.click();
  return true;
})`

type snapshot struct {
	Local   []string `json:"local"`
	Session []string `json:"session"`
	Links   []string `json:"links"`
	Tags    []struct {
		Src  string `json:"src"`
		HTML string `json:"html"`
	} `json:"tags"`
}

// visitState is what the event handlers of one visit share.
type visitState struct {
	mu        sync.Mutex
	phase     scanner.Phase
	last      time.Time
	requests  []requestObs
	initiator map[network.RequestID]string
	urls      map[network.RequestID]string
	setBy     map[string][2]string // cookie name → setter URL, kind
}

func (v *visitState) setter(name, by, kind string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.setBy[name]; !ok && name != "" {
		v.setBy[name] = [2]string{by, kind}
	}
}

// quietSince reports whether no request started in the last d.
func (v *visitState) quietFor(d time.Duration) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return time.Since(v.last) >= d
}

func (c *Crawler) visit(parent, browserCtx context.Context, pageURL string, m mode) (visitResult, error) {
	tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelTab()
	// The parent (the scan) may end first: then the tab goes too.
	stop := context.AfterFunc(parent, cancelTab)
	defer stop()
	if err := chromedp.Do(tabCtx); err != nil {
		return visitResult{}, err
	}
	st := &visitState{phase: scanner.BeforeDecision, last: time.Now(), initiator: map[network.RequestID]string{},
		urls: map[network.RequestID]string{}, setBy: map[string][2]string{}}

	paused := chromedp.Events(tabCtx, fetch.RequestPaused)
	sent := chromedp.Events(tabCtx, network.RequestWillBeSent)
	extra := chromedp.Events(tabCtx, network.ResponseReceivedExtraInfo)
	var handlers sync.WaitGroup
	handlers.Go(func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			st.mu.Lock()
			st.last = time.Now()
			st.mu.Unlock()
			go c.answer(tabCtx, st, pageURL, ev)
		}
	})
	handlers.Go(func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			st.mu.Lock()
			st.urls[ev.RequestID] = ev.Request.URL
			st.initiator[ev.RequestID] = initiatorOf(ev.Initiator)
			st.mu.Unlock()
		}
	})
	handlers.Go(func() {
		for ev, err := range extra {
			if err != nil {
				return
			}
			st.mu.Lock()
			from := st.urls[ev.RequestID]
			st.mu.Unlock()
			for _, line := range headerLines(ev.Headers, "set-cookie") {
				name := strings.TrimSpace(strings.SplitN(strings.SplitN(line, ";", 2)[0], "=", 2)[0])
				st.setter(name, from, "response")
			}
		}
	})
	defer handlers.Wait()
	defer cancelTab()

	ctx, cancel := context.WithTimeout(tabCtx, or(c.PageTimeout, DefaultPageTimeout))
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
			return err
		}),
		chromedp.ExposeFunc("__samtykkeScanCookie", func(_ context.Context, w struct {
			Name   string `json:"name"`
			Script string `json:"script"`
		}) (bool, error) {
			st.setter(w.Name, w.Script, "script")
			return true, nil
		}),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cookieHook})
			return err
		}),
		chromedp.Navigate(pageURL),
	); err != nil {
		return visitResult{}, err
	}
	settle(ctx, st)
	res := visitResult{banner: "clicked"}
	before, err := c.snapshot(ctx, tabCtx)
	if err != nil {
		return visitResult{}, err
	}
	res.links = before.snap.Links

	after := before
	if m != modeNone {
		action := "reject-all"
		next := scanner.AfterReject
		if m == modeAccept {
			action, next = "accept-all", scanner.AfterAccept
		}
		if clicked := click(ctx, st, action, next, or(c.BannerWait, DefaultBannerWait)); !clicked {
			res.banner = "missing"
		} else {
			settle(ctx, st)
			if after, err = c.snapshot(ctx, tabCtx); err != nil {
				return visitResult{}, err
			}
		}
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	phaseOf := func(inBefore bool) scanner.Phase {
		if inBefore {
			return scanner.BeforeDecision
		}
		return st.phase
	}
	for key, ck := range after.cookies {
		_, was := before.cookies[key]
		ck.phase = phaseOf(was)
		if by, ok := st.setBy[ck.Name]; ok {
			ck.setBy, ck.setByKind = by[0], by[1]
		}
		res.cookies = append(res.cookies, ck)
	}
	// A cookie seen before the decision and deleted by it (the banner
	// purging a vendor's cookies on reject) still ran before consent.
	for key, ck := range before.cookies {
		if _, ok := after.cookies[key]; !ok {
			ck.phase = scanner.BeforeDecision
			if by, ok := st.setBy[ck.Name]; ok {
				ck.setBy, ck.setByKind = by[0], by[1]
			}
			res.cookies = append(res.cookies, ck)
		}
	}
	for _, kind := range []string{"local", "session"} {
		was := map[string]bool{}
		for _, k := range before.keys(kind) {
			was[k] = true
			res.storage = append(res.storage, storageObs{Name: k, Kind: kind, phase: scanner.BeforeDecision})
		}
		for _, k := range after.keys(kind) {
			if !was[k] {
				res.storage = append(res.storage, storageObs{Name: k, Kind: kind, phase: st.phase})
			}
		}
	}
	tags := map[string]string{}
	for _, s := range []snapshot{before.snap, after.snap} {
		for _, t := range s.Tags {
			if _, ok := tags[t.Src]; !ok && t.Src != "" {
				tags[t.Src] = t.HTML
			}
		}
	}
	for _, rq := range st.requests {
		rq.tag = tags[rq.url]
		if u, err := url.Parse(rq.url); err == nil {
			u.RawQuery = ""
			rq.url = u.String()
		}
		res.requests = append(res.requests, rq)
	}
	return res, nil
}

// click presses the banner's button, waiting for the banner to appear,
// and moves the visit to the next phase just before.
func click(ctx context.Context, st *visitState, action string, next scanner.Phase, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		st.mu.Lock()
		prev := st.phase
		st.phase = next
		st.mu.Unlock()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](clickJS+`('`+action+`')`))
		if err == nil && ok {
			return true
		}
		st.mu.Lock()
		st.phase = prev
		st.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}

// settle waits until no request has started for a moment, or the visit's
// time is up.
func settle(ctx context.Context, st *visitState) {
	for !st.quietFor(quiet) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

type pageState struct {
	snap    snapshot
	cookies map[string]cookieObs
}

func (p pageState) keys(kind string) []string {
	if kind == "local" {
		return p.snap.Local
	}
	return p.snap.Session
}

func (c *Crawler) snapshot(ctx, tabCtx context.Context) (pageState, error) {
	snap, err := chromedp.Run(ctx, chromedp.Evaluate[snapshot](snapshotJS))
	if err != nil {
		return pageState{}, err
	}
	id := chromedp.FromContext(tabCtx).BrowserContextID
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: id})
	if err != nil {
		return pageState{}, err
	}
	out := pageState{snap: snap, cookies: map[string]cookieObs{}}
	now := float64(time.Now().Unix())
	for _, ck := range res.Cookies {
		o := cookieObs{Name: ck.Name, Domain: ck.Domain, Path: ck.Path}
		if !ck.Session && ck.Expires > now {
			o.lifetime = int64(ck.Expires - now + 0.5)
		}
		out.cookies[ck.Name+"@"+ck.Domain] = o
	}
	return out, nil
}

// answer records a paused request and lets it go on: to the network, to
// Network, or, for the banner's writes, to a stand-in answer.
func (c *Crawler) answer(ctx context.Context, st *visitState, pageURL string, ev fetch.EventRequestPaused) {
	u, err := url.Parse(ev.Request.URL)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		st.mu.Lock()
		st.requests = append(st.requests, requestObs{host: strings.ToLower(u.Hostname()), url: ev.Request.URL,
			kind: strings.ToLower(string(ev.ResourceType)), initiator: st.initiator[network.RequestID(ev.NetworkID)], phase: st.phase})
		st.mu.Unlock()
	}
	if err == nil && consentWrite.MatchString(u.Path) && ev.Request.Method == http.MethodPost {
		_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: http.StatusNoContent,
			ResponseHeaders: []*fetch.HeaderEntry{{Name: "Access-Control-Allow-Origin", Value: "*"}}})
		return
	}
	if c.Network == nil {
		_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		return
	}
	resp, body, err := c.roundTrip(ctx, ev)
	if err != nil {
		_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionFailed})
		return
	}
	var headers []*fetch.HeaderEntry
	for name, vals := range resp.Header {
		for _, v := range vals {
			headers = append(headers, &fetch.HeaderEntry{Name: name, Value: v})
			if strings.EqualFold(name, "Set-Cookie") {
				st.setter(strings.TrimSpace(strings.SplitN(strings.SplitN(v, ";", 2)[0], "=", 2)[0]), ev.Request.URL, "response")
			}
		}
	}
	_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID,
		ResponseCode: int64(resp.StatusCode), ResponseHeaders: headers, Body: body})
}

func (c *Crawler) roundTrip(ctx context.Context, ev fetch.EventRequestPaused) (*http.Response, []byte, error) {
	var body io.Reader
	if ev.Request.HasPostData {
		var buf bytes.Buffer
		for _, e := range ev.Request.PostDataEntries {
			buf.Write(e.Bytes)
		}
		body = &buf
	}
	req, err := http.NewRequestWithContext(ctx, ev.Request.Method, ev.Request.URL, body)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range ev.Request.Headers {
		if s, ok := v.(string); ok {
			req.Header.Set(k, s)
		}
	}
	resp, err := c.Network.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode == 0 {
		return nil, nil, errors.New("no status")
	}
	return resp, b, nil
}

// initiatorOf is the URL of what made a request: the outermost script on
// its stack, or the document whose parser found the tag.
func initiatorOf(in *network.Initiator) string {
	if in == nil {
		return ""
	}
	if in.Stack != nil {
		s := in.Stack
		for s.Parent != nil {
			s = s.Parent
		}
		for i := len(s.CallFrames) - 1; i >= 0; i-- {
			if u := s.CallFrames[i].URL; u != "" {
				return u
			}
		}
	}
	return in.URL
}

// headerLines returns a header's values; the browser joins repeated
// headers with newlines.
func headerLines(h network.Headers, name string) []string {
	var out []string
	for k, v := range h {
		if s, ok := v.(string); ok && strings.EqualFold(k, name) {
			out = append(out, strings.Split(s, "\n")...)
		}
	}
	return out
}
