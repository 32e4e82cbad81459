// End-to-end harness of the banner: the real consentd, a page server for a made-up shop
// domain, and headless Debian Chromium driven by playwright-core, with every
// tracker host intercepted, recorded and answered by a small stub that
// behaves like the vendor where a test needs it.
import { createServer, type Server } from 'node:http';
import { CHROMIUM_ARGS as BASE_CHROMIUM_ARGS, freePort, launchChromium } from '@samtykke/testkit';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

// consentd (with the demo site on: banner.test.ts visits /demo), polling
// and axe-core come from the shared harness.
export {
  axeSource,
  Consentd,
  freePort,
  ROOT,
  SCREENSHOTS,
  type SiteInput,
  sleep,
  waitFor,
} from '@samtykke/testkit';

export const SHOP = 'www.shop.test';

/** The tracker host set of vendors-and-law §10, written out independently of src/trackers.ts. */
export function isTracker(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const h = u.hostname;
  const sub = (d: string) => h == d || h.endsWith('.' + d);
  return (
    [
      'www.googletagmanager.com',
      'www.googleadservices.com',
      'connect.facebook.net',
      'static.hotjar.com',
      't.contentsquare.net',
      'js.hs-scripts.com',
      'js-eu1.hs-scripts.com',
    ].includes(h) ||
    (h == 'www.facebook.com' && u.pathname.startsWith('/tr')) ||
    [
      'google-analytics.com',
      'analytics.google.com',
      'doubleclick.net',
      'hotjar.com',
      'hotjar.io',
      'hs-analytics.net',
      'hs-banner.com',
      'hscollectedforms.net',
      'hsadspixel.net',
      'usemessages.com',
    ].some(sub)
  );
}

/** The tracker cookie pattern of vendors-and-law §10. */
export const TRACKER_COOKIE = /^(_ga|_gid|_gat|_dc_gtm_|_gac_|_gcl_|_fbp|_fbc|_hj|__hstc|hubspotutk|__hssc|__hssrc|messagesUtk|_cs_)/;

// ---------------------------------------------------------------- pages

export type PageFn = (url: URL) => string | { body: string; headers?: Record<string, string>; status?: number; rest?: Promise<string> };

/** An HTTP server for the shop's pages, reached as http://www.shop.test:<port>. */
export class Pages {
  server?: Server;
  port = 0;
  routes = new Map<string, PageFn>();

  get origin() {
    return `http://${SHOP}:${this.port}`;
  }

  async start() {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      const url = new URL(req.url || '/', this.origin);
      const fn = this.routes.get(url.pathname);
      if (!fn) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const out = fn(url);
      const r = typeof out == 'string' ? { body: out } : out;
      res.writeHead(r.status || 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...r.headers });
      // `rest`, when given, is sent once it resolves: a page that arrives in two parts.
      if (!r.rest) return void res.end(r.body);
      res.write(r.body);
      r.rest.then(
        (more) => res.end(more),
        () => res.end(),
      );
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  close() {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}

/** The official vendor snippets, unmodified (vendors-and-law §1.1, §2.1, §3.1, §4.1), with sample ids. */
export const SNIPPETS = {
  gtag: `<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST1234"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){window.dataLayer.push(arguments);}
  gtag('js', new Date());

  gtag('config', 'G-TEST1234');
</script>`,
  gtm: `<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-TEST123');</script>
<!-- End Google Tag Manager -->`,
  meta: `<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '1234567890123');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=1234567890123&ev=PageView&noscript=1"/></noscript>
<!-- End Meta Pixel Code -->`,
  hubspot: `<!-- Start of HubSpot Embed Code -->
<script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/7654321.js"></script>
<!-- End of HubSpot Embed Code -->`,
  hotjar: `<!-- Hotjar Tracking Code -->
<script>
    (function(h,o,t,j,a,r){
        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:1234567,hjsv:6};
        a=o.getElementsByTagName('head')[0];
        r=o.createElement('script');r.async=1;
        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
        a.appendChild(r);
    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script>`,
};

export const allSnippets = () => Object.values(SNIPPETS).join('\n');

/** The four vendors configured on a site, with the ids the stubs and SNIPPETS use. */
export const INTEGRATIONS = {
  google_analytics: { measurement_id: 'G-TEST1234' },
  hotjar: { site_id: 1234567 },
  meta_pixel: { pixel_id: '1234567890123' },
  hubspot: { portal_id: '7654321' },
};

export interface PageOptions {
  consentd: string;
  site: string;
  lang?: string;
  dataLang?: string;
  head?: string;
  body?: string;
  nonce?: string;
  title?: string;
}

/** A shop page with samtykke.js as the first script in <head>. */
export function shopPage(o: PageOptions): string {
  const nonce = o.nonce ? ` nonce="${o.nonce}"` : '';
  const dataLang = o.dataLang ? ` data-lang="${o.dataLang}"` : '';
  return `<!doctype html>
<html${o.lang === undefined ? ' lang="en"' : o.lang ? ` lang="${o.lang}"` : ''}>
<head>
<meta charset="utf-8">
<script src="${o.consentd}/samtykke.js" data-site="${o.site}"${dataLang}${nonce}></script>
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title || 'Shop'}</title>
${o.head || ''}
</head>
<body>
<header><h1>Fjellsko &amp; Friluft</h1><nav><a href="/other" id="internal">Other page</a> · <a href="/privacy">Privacy</a> · <a href="#" data-samtykke-open id="open-link">Cookie settings</a></nav></header>
<main>
<p id="lead">Handmade boots for wet mountains. Free shipping over 1000 kr.</p>
${'<p>Walking in the rain is better in boots that keep water out and let the foot breathe.</p>'.repeat(30)}
</main>
${o.body || ''}
</body>
</html>`;
}

// ---------------------------------------------------------------- browser

/** Chromium resolves the shop's made-up host names to 127.0.0.1. */
const HOST_RULES = `--host-resolver-rules=MAP ${SHOP} 127.0.0.1, MAP shop.test 127.0.0.1, MAP other.shop.test 127.0.0.1`;

export const CHROMIUM_ARGS = [...BASE_CHROMIUM_ARGS, HOST_RULES];

export function launch(): Promise<Browser> {
  return launchChromium([HOST_RULES]);
}

export interface TrackerRequest {
  url: string;
  host: string;
  at: number;
}

// Vendor stubs. Each behaves like the real script as far as a test needs:
// cookies where the vendor writes them, hits to the vendor's collection host.
const PARENT = `location.hostname.split('.').slice(-2).join('.')`;
const STUBS: [RegExp, string][] = [
  [
    /^https:\/\/www\.googletagmanager\.com\/gtag\/js/,
    // gtag.js: reads Consent Mode from the dataLayer queue; with analytics
    // granted it writes _ga on the highest domain it can (cookie_domain
    // 'auto') and sends a hit that carries gcs.
    `(function(){var dl=window.dataLayer||[],st={};
for(var i=0;i<dl.length;i++){var a=dl[i];if(a&&a[0]==='consent'){for(var k in a[2])st[k]=a[2][k];}}
var ad=st.ad_storage==='granted'?1:0,an=st.analytics_storage==='granted'?1:0,gcs='G1'+ad+an;
var id=(document.currentScript&&document.currentScript.src.match(/id=([^&]+)/)||[])[1];
if(an){document.cookie='_ga=GA1.1.111.222; Path=/; Max-Age=63072000; Domain='+${PARENT};document.cookie='_ga_'+id.slice(2)+'=GS1.1.333; Path=/; Max-Age=63072000; Domain='+${PARENT};}
new Image().src='https://region1.google-analytics.com/g/collect?v=2&tid='+id+'&gcs='+gcs+'&en=page_view';
window.__gtagLoaded=(window.__gtagLoaded||0)+1;})();`,
  ],
  [/^https:\/\/www\.googletagmanager\.com\/gtm\.js/, `window.__gtmLoaded=(window.__gtmLoaded||0)+1;`],
  [
    /^https:\/\/static\.hotjar\.com\/c\/hotjar-/,
    `(function(){var id=window._hjSettings&&window._hjSettings.hjid;
document.cookie='_hjSessionUser_'+id+'=eyJpZCI6MX0; Path=/; Max-Age=31536000; Domain='+${PARENT};
document.cookie='_hjSession_'+id+'=eyJpZCI6Mn0; Path=/; Max-Age=1800; Domain='+${PARENT};
document.cookie='_hjTLDTest=1; Path=/';
localStorage.setItem('_hjSessionUser_'+id,'{"id":1}');localStorage.setItem('_hjLocalStorageTest','x');sessionStorage.setItem('_hjSession_'+id,'{"id":2}');
localStorage.setItem('shop_cart','2 boots');
new Image().src='https://in.hotjar.com/api/v2/client/sites/'+id+'/visit-data';
window.__hotjarLoaded=(window.__hotjarLoaded||0)+1;})();`,
  ],
  [
    /^https:\/\/connect\.facebook\.net\/.*fbevents\.js/,
    // fbevents.js: works through the queue, honours consent revoke/grant,
    // writes _fbp on the registrable domain and fires PageView.
    `(function(){var f=window.fbq,q=(f&&f.queue)||[],ok=true,log=JSON.parse(sessionStorage.getItem('test_fbq')||'[]'),px=null,sent=false;
function run(a){a=Array.prototype.slice.call(a);log.push(a.join(' '));sessionStorage.setItem('test_fbq',JSON.stringify(log));
if(a[0]==='consent')ok=a[1]!=='revoke';if(a[0]==='init')px=a[1];
if(ok&&px&&!sent){sent=true;document.cookie='_fbp=fb.1.1700000000000.42; Path=/; Max-Age=7776000; Domain='+${PARENT};new Image().src='https://www.facebook.com/tr?id='+px+'&ev=PageView';}}
for(var i=0;i<q.length;i++)run(q[i]);f.callMethod=function(){run(arguments)};window.__fbLoaded=(window.__fbLoaded||0)+1;})();`,
  ],
  [
    /^https?:\/\/js(-eu1)?\.hs-scripts\.com\//,
    // HubSpot's loader: cookies on the top domain, then its analytics script.
    `(function(){document.cookie='__hstc=1.2.3; Path=/; Max-Age=15552000; Domain='+${PARENT};document.cookie='hubspotutk=abc; Path=/; Max-Age=15552000; Domain='+${PARENT};
var q=window._hsq=window._hsq||[],p=window._hsp=window._hsp||[];
function hsq(a){if(a[0]==='doNotTrack')document.cookie='__hs_do_not_track=yes; Path=/; Max-Age=15552000; Domain='+${PARENT};}
function hsp(a){sessionStorage.setItem('test_hsp',JSON.stringify(a));}
q.forEach(hsq);p.forEach(hsp);q.push=function(a){hsq(a);return 0};p.push=function(a){hsp(a);return 0};
var s=document.createElement('script');s.src='https://js.hs-analytics.net/analytics/1700000000000/7654321.js';document.head.appendChild(s);
window.__hubspotLoaded=(window.__hubspotLoaded||0)+1;})();`,
  ],
];

const GIF = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');

/** What a vendor host answers: the stub for its script, a 1×1 GIF for a pixel, else an empty script. */
export function vendorAnswer(url: string, image: boolean): { type: string; body: string | Buffer } {
  const stub = STUBS.find(([re]) => re.test(url));
  if (stub) return { type: 'text/javascript', body: stub[1] };
  return image ? { type: 'image/gif', body: GIF } : { type: 'text/javascript', body: '' };
}

export interface Ctx {
  context: BrowserContext;
  page: Page;
  requests: TrackerRequest[];
  /** Tracker requests whose URL matches re. */
  hits(re: RegExp): TrackerRequest[];
}

export async function newContext(browser: Browser, opts: BrowserContextOptions = {}): Promise<Ctx> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US', ...opts });
  const requests: TrackerRequest[] = [];
  await context.route(
    (url) => isTracker(url.href),
    async (route) => {
      const url = route.request().url();
      requests.push({ url, host: new URL(url).hostname, at: Date.now() });
      const a = vendorAnswer(url, route.request().resourceType() == 'image');
      return route.fulfill({ status: 200, contentType: a.type, body: a.body });
    },
  );
  const page = await context.newPage();
  return { context, page, requests, hits: (re) => requests.filter((r) => re.test(r.url)) };
}

/** The banner's shadow root must be there: waits for the first layer. */
export async function waitForBanner(page: Page) {
  await page.locator('#samtykke-banner [role=dialog]').waitFor({ state: 'visible', timeout: 10000 });
}

export async function trackerCookies(context: BrowserContext) {
  return (await context.cookies()).filter((c) => TRACKER_COOKIE.test(c.name));
}

export async function hjStorage(page: Page): Promise<string[]> {
  return page.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter((k) => k.startsWith('_hj')));
}
