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
      ...MORE_HOSTS,
    ].includes(h) ||
    (h == 'www.facebook.com' && u.pathname.startsWith('/tr')) ||
    MORE_PATHS.some(([host, path]) => h == host && u.pathname.startsWith(path)) ||
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
      ...MORE_DOMAINS,
    ].some(sub)
  );
}

// The hosts of the vendors issue 9 added, as each vendor's published tag and
// documentation name them (the URLs are next to the snippets below), again
// not taken from the snippet or the Go catalogue: that independence is the point.
/** Hosts that serve only the vendor's scripts, pixels and beacons. */
const MORE_HOSTS = [
  'bat.bing.com', // Microsoft UET: bat.js and the /action/ beacon
  'bat.bing.net',
  'snap.licdn.com', // LinkedIn Insight Tag: insight.min.js
  'analytics.tiktok.com', // TikTok Pixel: events.js and /api/ events
  's.pinimg.com', // Pinterest Tag: /ct/core.js
  'ct.pinterest.com', // Pinterest Tag events and its <noscript> pixel
  'sc-static.net', // Snap Pixel: scevent.min.js
  'tr.snapchat.com', // Snap Pixel events
  'tr-shadow.snapchat.com',
  'player.vimeo.com', // Vimeo's embeddable player
  'widget.chatly.test', // the custom vendor of vendors.test.ts
];
/** Hosts shared with other services, where only these paths belong to a tracker. */
const MORE_PATHS: [string, string][] = [
  ['www.google.com', '/pagead'], // Google Ads remarketing and 1p-user-list pings
  ['www.google.com', '/ccm'],
  ['www.google.com', '/rmkt'],
  ['www.google.com', '/maps'], // Google Maps embeds (/maps/embed?pb=…)
  ['www.linkedin.com', '/px'], // LinkedIn Insight Tag cookie syncs
];
/** Registrable domains whose every host is the vendor's. */
const MORE_DOMAINS = [
  'googleadservices.com', // Google Ads conversions
  'googlesyndication.com',
  'clarity.ms', // Microsoft Clarity: www.clarity.ms/tag/<id>, scripts and /collect
  'ads.linkedin.com', // LinkedIn Insight Tag: px.ads.linkedin.com/collect (dc.ads… in older tags)
  'youtube.com', // YouTube embeds and the IFrame API
  'youtube-nocookie.com',
];

/** The tracker cookie pattern of vendors-and-law §10, with the cookies of issue 9's vendors (from their documentation). */
export const TRACKER_COOKIE =
  /^(_ga|_gid|_gat|_dc_gtm_|_gac_|_gcl_|_fbp|_fbc|_hj|__hstc|hubspotutk|__hssc|__hssrc|messagesUtk|_cs_|_clck|_clsk|_uetsid|_uetvid|_uetmsclkid|li_fat_id|_ttp|_tt_enable_cookie|ttclid|_pin_unauth|_epik|_derived_epik|_scid|chatly_id)/;

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

/**
 * The official snippets of the vendors issue 9 added, unmodified but for
 * sample ids, as each vendor publishes them (source next to each). Kept apart
 * from SNIPPETS so that allSnippets() stays the page the gating suites test.
 */
export const MORE_SNIPPETS = {
  // Google Ads: the Google tag with a conversion id, as the Google Ads
  // "Install the Google tag" step gives it
  // (https://support.google.com/google-ads/answer/7548399,
  // https://developers.google.com/tag-platform/gtagjs/install).
  googleAds: `<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=AW-123456789"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());

  gtag('config', 'AW-123456789');
</script>`,
  // Microsoft Clarity: "Install manually", the tracking code from Settings > Setup
  // (https://learn.microsoft.com/en-us/clarity/setup-and-installation/clarity-setup).
  clarity: `<script type="text/javascript">
    (function(c,l,a,r,i,t,y){
        c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
        t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
        y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);
    })(window, document, "clarity", "script", "abcd1234ef");
</script>`,
  // Microsoft Advertising UET tag tracking code
  // (https://learn.microsoft.com/en-us/advertising/msa-help/hlp_ba_proc_uetv2addtag;
  // the same code is the TrackingScript of
  // https://learn.microsoft.com/en-us/advertising/campaign-management-service/uettag).
  uet: `<script>(function(w,d,t,r,u){var f,n,i;w[u]=w[u]||[],f=function(){var o={ti:"12345678", enableAutoSpaTracking: true};o.q=w[u],w[u]=new UET(o),w[u].push("pageLoad")},n=d.createElement(t),n.src=r,n.async=1,n.onload=n.onreadystatechange=function(){var s=this.readyState;s&&s!=="loaded"&&s!=="complete"||(f(),n.onload=n.onreadystatechange=null)},i=d.getElementsByTagName(t)[0],i.parentNode.insertBefore(n,i)})(window,document,"script","//bat.bing.com/bat.js","uetq");</script>`,
  // LinkedIn Insight Tag, from Campaign Manager's "Install my Insight Tag myself"
  // (https://www.linkedin.com/help/lms/answer/a427660).
  linkedin: `<script type="text/javascript">
_linkedin_partner_id = "1234567";
window._linkedin_data_partner_ids = window._linkedin_data_partner_ids || [];
window._linkedin_data_partner_ids.push(_linkedin_partner_id);
</script><script type="text/javascript">
(function(l) {
if (!l){window.lintrk = function(a,b){window.lintrk.q.push([a,b])};
window.lintrk.q=[]}
var s = document.getElementsByTagName("script")[0];
var b = document.createElement("script");
b.type = "text/javascript";b.async = true;
b.src = "https://snap.licdn.com/li.lms-analytics/insight.min.js";
s.parentNode.insertBefore(b, s);})(window.lintrk);
</script>
<noscript>
<img height="1" width="1" style="display:none;" alt="" src="https://px.ads.linkedin.com/collect/?pid=1234567&fmt=gif" />
</noscript>`,
  // TikTok Pixel base code, from Events Manager's manual setup
  // (https://ads.tiktok.com/help/article/get-started-pixel).
  tiktok: `<script>
!function (w, d, t) {
  w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.methods=["page","track","identify","instances","debug","on","off","once","ready","alias","group","enableCookie","disableCookie","holdConsent","revokeConsent","grantConsent"],ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}};for(var i=0;i<ttq.methods.length;i++)ttq.setAndDefer(ttq,ttq.methods[i]);ttq.instance=function(t){for(var e=ttq._i[t]||[],n=0;n<ttq.methods.length;n++)ttq.setAndDefer(e,ttq.methods[n]);return e},ttq.load=function(e,n){var i="https://analytics.tiktok.com/i18n/pixel/events.js";ttq._i=ttq._i||{},ttq._i[e]=[],ttq._i[e]._u=i,ttq._t=ttq._t||{},ttq._t[e]=+new Date,ttq._o=ttq._o||{},ttq._o[e]=n||{};var o=document.createElement("script");o.type="text/javascript",o.async=!0,o.src=i+"?sdkid="+e+"&lib="+t;var a=document.getElementsByTagName("script")[0];a.parentNode.insertBefore(o,a)};
  ttq.load('CABCDEFGHIJ1234567');
  ttq.page();
}(window, document, 'ttq');
</script>`,
  // Pinterest Tag base code
  // (https://developers.pinterest.com/docs/api-features/pinterest-tag/,
  // https://help.pinterest.com/en/business/article/install-the-pinterest-tag).
  pinterest: `<!-- Pinterest Tag -->
<script>
!function(e){if(!window.pintrk){window.pintrk = function () {
window.pintrk.queue.push(Array.prototype.slice.call(arguments))};var
  n=window.pintrk;n.queue=[],n.version="3.0";var
  t=document.createElement("script");t.async=!0,t.src=e;var
  r=document.getElementsByTagName("script")[0];
  r.parentNode.insertBefore(t,r)}}("https://s.pinimg.com/ct/core.js");
pintrk('load', '2612345678901', {em: '<user_email_address>'});
pintrk('page');
</script>
<noscript>
<img height="1" width="1" style="display:none;" alt=""
  src="https://ct.pinterest.com/v3/?event=init&tid=2612345678901&pd[em]=<hashed_email_address>&noscript=1" />
</noscript>
<!-- end Pinterest Tag -->`,
  // Snap Pixel base code, from Ads Manager's "Install the Pixel code manually"
  // (https://businesshelp.snapchat.com/s/article/pixel-website-install).
  snap: `<!-- Snap Pixel Code -->
<script type='text/javascript'>
(function(e,t,n){if(e.snaptr)return;var a=e.snaptr=function()
{a.handleRequest?a.handleRequest.apply(a,arguments):a.queue.push(arguments)};
a.queue=[];var s='script';r=t.createElement(s);r.async=!0;
r.src=n;var u=t.getElementsByTagName(s)[0];
u.parentNode.insertBefore(r,u);})(window,document,
'https://sc-static.net/scevent.min.js');

snaptr('init', 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', {
'user_email': '__INSERT_USER_EMAIL__'
});

snaptr('track', 'PAGE_VIEW');

</script>
<!-- End Snap Pixel Code -->`,
};

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
  /** The script's URL instead of <consentd>/samtykke.js, e.g. with ?site=. */
  src?: string;
}

/** A shop page with samtykke.js as the first script in <head>. */
export function shopPage(o: PageOptions): string {
  const nonce = o.nonce ? ` nonce="${o.nonce}"` : '';
  const dataLang = o.dataLang ? ` data-lang="${o.dataLang}"` : '';
  return `<!doctype html>
<html${o.lang === undefined ? ' lang="en"' : o.lang ? ` lang="${o.lang}"` : ''}>
<head>
<meta charset="utf-8">
<script src="${o.src || o.consentd + '/samtykke.js'}" data-site="${o.site}"${dataLang}${nonce}></script>
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
    // 'auto') and sends a hit that carries gcs. For each Google Ads id
    // configured on the page (AW-) it sends the Ads pings on load and on
    // every consent update, whatever ad_storage says (Consent Mode's
    // cookieless pings), as an <img>, a beacon and a fetch; with ad_storage
    // granted it writes _gcl_au first.
    `(function(){var dl=window.dataLayer=window.dataLayer||[],st={},ids=[];
function take(a){if(!a)return;if(a[0]==='consent'){for(var k in a[2])st[k]=a[2][k];}else if(a[0]==='config'&&ids.indexOf(a[1])<0)ids.push(a[1]);}
for(var i=0;i<dl.length;i++)take(dl[i]);
var ad=st.ad_storage==='granted'?1:0,an=st.analytics_storage==='granted'?1:0,gcs='G1'+ad+an;
var id=(document.currentScript&&document.currentScript.src.match(/id=([^&]+)/)||[])[1];
if((id||'').indexOf('G-')===0){
if(an){document.cookie='_ga=GA1.1.111.222; Path=/; Max-Age=63072000; Domain='+${PARENT};document.cookie='_ga_'+id.slice(2)+'=GS1.1.333; Path=/; Max-Age=63072000; Domain='+${PARENT};}
new Image().src='https://region1.google-analytics.com/g/collect?v=2&tid='+id+'&gcs='+gcs+'&en=page_view';}
function ads(){var ad=st.ad_storage==='granted',q='?gcs=G1'+(ad?1:0)+(st.analytics_storage==='granted'?1:0);
ids.forEach(function(aw){if(aw.indexOf('AW-')!==0)return;var n=aw.slice(3);
if(ad)document.cookie='_gcl_au=1.1.555.666; Path=/; Max-Age=7776000; Domain='+${PARENT};
window.__adsTried=(window.__adsTried||0)+3;
new Image().src='https://googleads.g.doubleclick.net/pagead/viewthroughconversion/'+n+'/'+q;
try{navigator.sendBeacon('https://www.google.com/pagead/1p-user-list/'+n+'/'+q);}catch(e){}
try{fetch('https://www.googleadservices.com/pagead/conversion/'+n+'/'+q,{mode:'no-cors',keepalive:true}).catch(function(){});}catch(e){}
if(ad)window.__adsLoaded=(window.__adsLoaded||0)+1;});}
ads();
var push=dl.push;dl.push=function(){var r=push.apply(dl,arguments);for(var j=0;j<arguments.length;j++){var a=arguments[j];take(a);if(a&&a[0]==='consent')ads();}return r;};
window.__gtagLoaded=(window.__gtagLoaded||0)+1;})();`,
  ],
  [
    /^https:\/\/www\.googletagmanager\.com\/gtm\.js\?id=GTM-CMTEST1/,
    // A container that answers as GTM does (consent-mode.test.ts): it reads
    // the dataLayer from the start and every later push, in order, into
    // window.__gtm.seen ("consent default NO,SE", "set url_passthrough",
    // "gtm.js", "consent update", …), keeps the consent state it would give
    // its tags in window.__gtm.state (region defaults for a visitor in
    // window.__gtmRegion, default NO: the most specific region wins, an update
    // overrides), and on the gtm.js event fires its one tag, GA4, which loads
    // gtag.js for G-TEST1234 as GTM's Google tag does.
    `(function(){var dl=window.dataLayer=window.dataLayer||[],g=window.__gtm={seen:[],state:{},fired:0},rg=window.__gtmRegion||'NO',spec={};
function arr(a){return Object.prototype.toString.call(a)==='[object Arguments]'?Array.prototype.slice.call(a):a;}
function take(e){e=arr(e);if(Array.isArray(e)){var o=e[2]||{};g.seen.push(e[0]+' '+e[1]+(o.region?' '+o.region.join(','):''));
if(e[0]==='consent'){var lv=e[1]==='update'?9:!o.region?0:o.region.indexOf(rg)>=0?(rg.indexOf('-')>0?2:1):o.region.indexOf(rg.split('-')[0])>=0?1:-1;
for(var k in o)if(k!=='region'&&k!=='wait_for_update'&&lv>=0&&(lv>=(spec[k]||0)||lv===9)){g.state[k]=o[k];spec[k]=lv;}}}
else if(e&&e.event){g.seen.push(e.event);if(e.event==='gtm.js'&&!g.fired++){var s=document.createElement('script');s.async=true;s.src='https://www.googletagmanager.com/gtag/js?id=G-TEST1234';document.head.appendChild(s);}}}
for(var i=0;i<dl.length;i++)take(dl[i]);var push=dl.push;dl.push=function(){for(var j=0;j<arguments.length;j++)take(arguments[j]);return push.apply(dl,arguments);};
window.__gtmLoaded=(window.__gtmLoaded||0)+1;})();`,
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
  [
    /^https:\/\/www\.clarity\.ms\/tag\//,
    // Clarity's tag: _clck and _clsk on the top domain, a cookie sync pixel and a collect beacon.
    `(function(){document.cookie='_clck=1abc|2|f|0; Path=/; Max-Age=31536000; Domain='+${PARENT};document.cookie='_clsk=1def|1|1|0; Path=/; Max-Age=86400; Domain='+${PARENT};
new Image().src='https://c.clarity.ms/c.gif';
fetch('https://k.clarity.ms/collect',{method:'POST',body:'e',mode:'no-cors',keepalive:true}).catch(function(){});
window.__clarityLoaded=(window.__clarityLoaded||0)+1;})();`,
  ],
  [
    /^https?:\/\/bat\.bing\.(com|net)\/bat\.js/,
    // UET's bat.js defines UET; the snippet's onload creates one, which
    // writes _uetsid/_uetvid (cookies and storage) and sends the queued events.
    `(function(){window.UET=function(o){var ti=o.ti,q=o.q||[];
document.cookie='_uetsid=aaa111; Path=/; Max-Age=86400; Domain='+${PARENT};document.cookie='_uetvid=bbb222; Path=/; Max-Age=33696000; Domain='+${PARENT};
try{localStorage.setItem('_uetsid','aaa111|1');localStorage.setItem('_uetvid','bbb222|1');}catch(e){}
this.push=function(){var a=arguments[0];new Image().src='https://bat.bing.com/action/0?ti='+ti+'&evt='+(typeof a==='string'?a:'custom')+'&Ver=2';return 0;};
for(var i=0;i<q.length;i++)this.push(q[i]);window.__uetLoaded=(window.__uetLoaded||0)+1;};
window.__uetScript=(window.__uetScript||0)+1;})();`,
  ],
  [
    /^https:\/\/snap\.licdn\.com\/li\.lms-analytics\/insight\.min\.js/,
    // LinkedIn's insight.min.js: li_fat_id on the top domain and a collect hit per partner id.
    `(function(){var ids=window._linkedin_data_partner_ids||[];
document.cookie='li_fat_id=member-1; Path=/; Max-Age=2592000; Domain='+${PARENT};
ids.forEach(function(p){new Image().src='https://px.ads.linkedin.com/collect?pid='+p+'&fmt=gif&v=2';});
window.__linkedinLoaded=(window.__linkedinLoaded||0)+1;})();`,
  ],
  [
    /^https:\/\/analytics\.tiktok\.com\/i18n\/pixel\/events\.js/,
    // TikTok's events.js: _ttp and _tt_enable_cookie, and a Pageview event as a beacon.
    `(function(){var id=(document.currentScript&&document.currentScript.src.match(/sdkid=([^&]+)/)||[])[1];
document.cookie='_ttp=2abcDEF; Path=/; Max-Age=34128000; Domain='+${PARENT};document.cookie='_tt_enable_cookie=1; Path=/; Max-Age=34128000; Domain='+${PARENT};
navigator.sendBeacon('https://analytics.tiktok.com/api/v2/pixel','{"event":"Pageview","context":{"pixel":{"code":"'+id+'"}}}');
window.__tiktokLoaded=(window.__tiktokLoaded||0)+1;})();`,
  ],
  [
    /^https:\/\/s\.pinimg\.com\/ct\/core\.js/,
    // Pinterest's core.js: works through pintrk's queue, writes _pin_unauth and sends the page visit.
    `(function(){var p=window.pintrk,q=(p&&p.queue)||[],tid=null;
function run(a){if(a[0]==='load')tid=a[1];if(a[0]==='page'&&tid){document.cookie='_pin_unauth=dWlkPTE; Path=/; Max-Age=31536000; Domain='+${PARENT};new Image().src='https://ct.pinterest.com/v3/?event=pagevisit&tid='+tid;}}
for(var i=0;i<q.length;i++)run(q[i]);window.__pinterestLoaded=(window.__pinterestLoaded||0)+1;})();`,
  ],
  [
    /^https:\/\/sc-static\.net\/scevent\.min\.js/,
    // Snap's scevent.min.js: takes over snaptr, writes _scid and posts the events.
    `(function(){var a=window.snaptr,q=(a&&a.queue)||[],pid=null;
function run(x){x=Array.prototype.slice.call(x);if(x[0]==='init'){pid=x[1];document.cookie='_scid=abc-123; Path=/; Max-Age=34128000; Domain='+${PARENT};}
if(x[0]==='track'&&pid)fetch('https://tr.snapchat.com/p',{method:'POST',mode:'no-cors',body:'pid='+pid+'&ev='+x[1]}).catch(function(){});}
if(a)a.handleRequest=function(){run(arguments)};for(var i=0;i<q.length;i++)run(q[i]);
window.__snapLoaded=(window.__snapLoaded||0)+1;})();`,
  ],
  [
    /^https:\/\/widget\.chatly\.test\/(w|loader)\.js/,
    // The custom vendor's widget: chatly_id on the top domain and a ping.
    `(function(){document.cookie='chatly_id=visitor-7; Path=/; Max-Age=31536000; Domain='+${PARENT};
new Image().src='https://widget.chatly.test/ping';
var k=/loader/.test(document.currentScript.src)?'__chatlyLoader':'__chatlyLoaded';window[k]=(window[k]||0)+1;})();`,
  ],
];

/** The embeddable players and maps; their stand-in page says which URL it is. */
export const EMBED =
  /^https:\/\/(www\.youtube\.com\/embed\/|www\.youtube-nocookie\.com\/embed\/|player\.vimeo\.com\/video\/|www\.google\.com\/maps\/embed)/;
const EMBED_PAGE =
  '<!doctype html><title>player</title><body style="margin:0"><p id="embed-content">The vendor\'s player</p><script>document.body.dataset.url = location.href</script>';

const GIF = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');

/** What a vendor host answers: the stub for its script, a 1×1 GIF for a pixel, else an empty script. */
export function vendorAnswer(url: string, image: boolean): { type: string; body: string | Buffer } {
  if (EMBED.test(url)) return { type: 'text/html', body: EMBED_PAGE };
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
// The bound is for a machine under load (make test runs browsers beside
// the Go tests): the banner waits up to 8 s for its config, then draws.
export async function waitForBanner(page: Page) {
  await page.locator('#samtykke-banner [role=dialog]').waitFor({ state: 'visible', timeout: 20000 });
}

export async function trackerCookies(context: BrowserContext) {
  return (await context.cookies()).filter((c) => TRACKER_COOKIE.test(c.name));
}

export async function hjStorage(page: Page): Promise<string[]> {
  return page.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter((k) => k.startsWith('_hj')));
}
