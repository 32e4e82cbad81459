// Main-thread cost of the banner on a first visit, against CookieConsent v3
// (vanilla-cookieconsent from npm) with an equivalent setup: three categories,
// a settings modal, English texts. One headless Chromium run loads three local
// pages in turn (a bare page, the page with samtykke.js served by a real
// consentd, the page with CookieConsent), each in a fresh context so every
// load is a first visit, with the CPU throttled 4× through CDP. After the
// banner is visible and painted it reads DevTools' TaskDuration
// (Performance.getMetrics). The runs alternate, so that load from other
// processes on the machine hits the three alike. Prints the medians, each
// banner's cost above the bare page, and the ratio ours / CookieConsent.
//
//   npm run bench -w snippet [-- runs [cpu-slowdown]]
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { CDPSession } from 'playwright-core';
import { Consentd, freePort, launchChromium } from '@samtykke/testkit';

const RUNS = Number(process.argv[2]) || 9;
const THROTTLE = Number(process.argv[3]) || 4;

const require = createRequire(import.meta.url);
const ccJs = readFileSync(require.resolve('vanilla-cookieconsent/dist/cookieconsent.umd.js'));
const ccCss = readFileSync(require.resolve('vanilla-cookieconsent/dist/cookieconsent.css'));

const body = `<h1>Fjellsko &amp; Friluft</h1>
<main>${'<p>Walking in the rain is better in boots that keep water out and let the foot breathe.</p>'.repeat(30)}</main>`;
const page = (head: string, tail = '') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${head}<title>Shop</title></head><body>${body}${tail}</body></html>`;

// CookieConsent v3 as its documentation sets it up, with what our banner has:
// necessary, analytics and marketing, the consent box and the preferences modal.
// hideFromBots is off because it takes headless Chromium (navigator.webdriver) for a bot and shows nothing.
const ccConfig = {
  hideFromBots: false,
  guiOptions: { consentModal: { layout: 'box', position: 'bottom left' }, preferencesModal: { layout: 'box' } },
  categories: { necessary: { enabled: true, readOnly: true }, analytics: {}, marketing: {} },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'We use cookies',
          description: 'We use cookies for statistics and marketing if you allow it. You can change your choice at any time.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Customize',
          footer: '<a href="/privacy">Privacy policy</a>',
        },
        preferencesModal: {
          title: 'Cookie settings',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save choices',
          closeIconLabel: 'Close',
          sections: [
            { title: 'Your privacy', description: 'Choose which cookies we may use.' },
            { title: 'Necessary', description: 'Needed for the site to work.', linkedCategory: 'necessary' },
            { title: 'Statistics', description: 'Helps us understand how the site is used.', linkedCategory: 'analytics' },
            { title: 'Marketing', description: 'Used to show relevant ads.', linkedCategory: 'marketing' },
          ],
        },
      },
    },
  },
};

type Kind = 'bare' | 'ours' | 'cc';
// Visible: our banner's card in its shadow root; CookieConsent's modal once it adds show--consent.
const visible: Record<Kind, string> = {
  bare: 'true',
  ours: `!!document.getElementById('samtykke-banner')?.shadowRoot?.querySelector('[role=dialog]')`,
  cc: `document.documentElement.classList.contains('show--consent') && !!document.querySelector('#cc-main .cm')`,
};

/** The page's main-thread TaskDuration so far, in ms. */
const taskDuration = async (cdp: CDPSession) => {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name == 'TaskDuration')!.value * 1000;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const consentd = new Consentd();
await consentd.start();
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const site = await consentd.createSite({ name: 'Bench', origins: [origin], privacy_policy_url: `${origin}/privacy` });
const ours = await (await fetch(`${consentd.url}/samtykke.js?site=${site.id}`)).arrayBuffer();
const ourUi = await (await fetch(`${consentd.url}/samtykke-ui.js`)).arrayBuffer();

const pages: Record<string, string> = {
  '/bare': page(''),
  '/ours': page(`<script src="${consentd.url}/samtykke.js?site=${site.id}" data-site="${site.id}"></script>`),
  '/cc': page(
    '<link rel="stylesheet" href="/cc.css">',
    `<script src="/cc.js"></script><script>CookieConsent.run(${JSON.stringify(ccConfig)});</script>`,
  ),
};
const server = createServer((req, res) => {
  const path = new URL(req.url || '/', origin).pathname;
  if (path == '/cc.js') return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(ccJs);
  if (path == '/cc.css') return void res.writeHead(200, { 'Content-Type': 'text/css' }).end(ccCss);
  const html = pages[path];
  if (!html) return void res.writeHead(404).end();
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html);
});
await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));

const browser = await launchChromium();
const times: Record<Kind, number[]> = { bare: [], ours: [], cc: [] };
// One tab in one renderer for every load, so that what a fresh process
// costs (its start, the fonts) is paid once, in an unmeasured first round,
// and not as noise in the runs. Each load is still a first visit: no cookies,
// no storage, and no HTTP cache, hence no V8 code cache either.
const context = await browser.newContext();
const tab = await context.newPage();
tab.on('pageerror', (e) => process.stderr.write(`${e}\n`));
const cdp = await context.newCDPSession(tab);
await cdp.send('Network.enable');
await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
try {
  for (let i = -1; i < RUNS; i++)
    for (const kind of ['bare', 'ours', 'cc'] as Kind[]) {
      await cdp.send('Network.clearBrowserCookies');
      for (const o of [origin, consentd.url]) await cdp.send('Storage.clearDataForOrigin', { origin: o, storageTypes: 'all' });
      await tab.goto('about:blank');
      const before = await taskDuration(cdp);
      await tab.goto(`${origin}/${kind}`, { waitUntil: 'load' });
      // The same wait for all three: poll once a frame, then one frame more so the banner is painted.
      await tab.waitForFunction(`(${visible[kind]})`, null, { timeout: 20000, polling: 'raf' }).catch(async (e) => {
        throw new Error(`${kind}: banner not visible: ${e}\n${await tab.content()}`);
      });
      await tab.evaluate('new Promise((done) => requestAnimationFrame(() => done()))');
      const task = (await taskDuration(cdp)) - before;
      if (process.env.BENCH_DEBUG) console.error(kind, task.toFixed(1));
      if (i >= 0) times[kind].push(task);
    }
} finally {
  await context.close();
  await browser.close();
  server.close();
  await consentd.close();
}

const m = { bare: median(times.bare), ours: median(times.ours), cc: median(times.cc) };
const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length;
const ourJs = new Uint8Array(ours);
// What consentd puts in front of the bundle (window.samtykkeRules=…;) ends at the first newline.
const bundleOnly = ourJs.subarray(ourJs.indexOf(10) + 1);
const line = (k: Kind, label: string) =>
  `${label.padEnd(26)} median ${m[k].toFixed(1).padStart(6)} ms` +
  (k == 'bare' ? '' : `  banner ${(m[k] - m.bare).toFixed(1).padStart(6)} ms`) +
  `   runs: ${times[k].map((x) => x.toFixed(0)).join(' ')}`;
console.log(`Main-thread TaskDuration, first visit, CPU ${THROTTLE}× slower, ${RUNS} runs each, alternating`);
console.log(line('bare', 'bare page'));
console.log(line('ours', 'samtykke.js'));
console.log(line('cc', 'CookieConsent v3.1.0'));
console.log(`ratio ours / CookieConsent (banner only): ${((m.ours - m.bare) / (m.cc - m.bare)).toFixed(2)}`);
// The same ratio from each round's own three loads, which shared the machine's load at that moment.
const paired = median(times.ours.map((o, i) => (o - times.bare[i]) / (times.cc[i] - times.bare[i])));
console.log(`median of the rounds' own ratios: ${paired.toFixed(2)}`);
console.log(
  `bytes gzip -9: samtykke.js ${gz(bundleOnly)} (as served, with the rules in front: ${gz(ourJs)}), samtykke-ui.js ${gz(new Uint8Array(ourUi))}; ` +
    `CookieConsent js ${gz(ccJs)} + css ${gz(ccCss)}`,
);
