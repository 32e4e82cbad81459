// Issue 9 in real Chromium against the real consentd: every built-in
// vendor's official snippet pasted unmodified, Google Ads' cookieless pings,
// a custom vendor, embeds, the cookie declaration, tag warnings, and HubSpot
// after a withdrawal. The vendors' hosts the tests watch are the harness's
// own list (isTracker), written from the vendors' documentation, not taken
// from the snippet or the Go catalogue.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  Consentd,
  type Ctx,
  EMBED,
  INTEGRATIONS,
  launch,
  MORE_SNIPPETS,
  newContext,
  Pages,
  SNIPPETS,
  shopPage,
  waitFor,
  waitForBanner,
} from './harness.ts';

// The vendors' official snippets (a describe per vendor) run in
// vendors-snippets.test.ts, which imports this file; the rest runs here. Two
// files, each with its own consentd and browser, that node runs side by side.
const snippetsHalf = process.env.SAMTYKKE_E2E_VENDORS_HALF == 'snippets';
const snippets = { describe: snippetsHalf ? describe : () => {} };
const rest = { describe: snippetsHalf ? () => {} : describe };

const c = new Consentd();
const pages = new Pages();
let browser: Browser;
/** A site that declares no integrations and no vendors. */
let plain: { id: string };
/** A site with the four integrations, for the declaration. */
let integ: { id: string };
/** A site with one custom vendor, Chatly. */
let chatly: { id: string };
/** A site of its own for the tag warnings, which the server keeps per site. */
let tagged: { id: string };

type Purpose = 'statistics' | 'marketing';

const CHATLY = {
  name: 'Chatly',
  provider: 'Chatly AS, Norway',
  purpose: 'marketing',
  privacy_policy_url: 'https://chatly.example/privacy',
  hosts: ['widget.chatly.test'],
  cookies: [{ name: 'chatly_id', lifetime_days: 365, party: 'first', description: { en: 'Chat visitor id', nb: 'Chat-besøkende-ID' } }],
};

before(async () => {
  await c.start();
  await pages.start();
  const base = { origins: [pages.origin], default_language: 'en', privacy_policy_url: pages.origin + '/privacy' };
  plain = await c.createSite({ name: 'Shop with its own tags', ...base });
  integ = await c.createSite({ name: 'Shop', ...base, integrations: INTEGRATIONS });
  chatly = await c.admin('POST', '/sites', { name: 'Shop with a chat', ...base, vendors: [CHATLY] });
  tagged = await c.createSite({ name: 'Shop with tags to fix', ...base });
  for (const [key, snippet] of Object.entries(MORE_SNIPPETS))
    pages.routes.set('/vendor/' + key, () => shopPage({ consentd: c.url, site: plain.id, head: snippet }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  pages.close();
  await c.close();
});

// ---------------------------------------------------------------- helpers

const action = (p: Page, a: string) => p.locator(`#samtykke-banner [data-samtykke-action=${a}]`).click();

/** Opens the settings (from the banner or the page's link), sets both switches, saves. */
async function choose(p: Page, want: { statistics: boolean; marketing: boolean }) {
  if (await p.locator('#samtykke-banner [data-samtykke-action=customize]').count()) await action(p, 'customize');
  else await p.click('#open-link');
  for (const purpose of ['statistics', 'marketing'] as const) {
    const sw = p.locator(`#samtykke-banner [role=switch][data-purpose=${purpose}]`);
    if ((await sw.getAttribute('aria-checked')) != String(want[purpose])) await sw.click();
  }
  await action(p, 'save');
}

const only = (p: Purpose) => ({ statistics: p == 'statistics', marketing: p == 'marketing' });
const other = (p: Purpose): Purpose => (p == 'statistics' ? 'marketing' : 'statistics');

/** Every request of the context, to tell when the page has gone quiet. */
function recordAll(x: Ctx) {
  const all: { url: string; method: string; body: string | null; at: number }[] = [];
  x.context.on('request', (r) => all.push({ url: r.url(), method: r.method(), body: r.postData(), at: Date.now() }));
  return all;
}

/** Waits until the page has made no request for ms (a condition, like Playwright's networkidle, also after a click). */
async function quiet(all: { at: number }[], ms = 800) {
  await waitFor(() => Date.now() - Math.max(0, ...all.map((r) => r.at)) >= ms, 15000, `no request for ${ms} ms`);
}

async function cookieNames(x: Ctx) {
  return (await x.context.cookies()).map((k) => k.name);
}

async function storageKeys(p: Page) {
  return p.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)]);
}

const flag = (p: Page, name: string) => p.evaluate((n) => (window as any)[n], name);

// ---------------------------------------------------------------- 1. the vendors' own snippets

interface VendorCase {
  key: keyof typeof MORE_SNIPPETS;
  name: string;
  purpose: Purpose;
  /** The vendor's requests. */
  hosts: RegExp;
  /** Set by the vendor stub when its tag is set up (UET: when the snippet's onload created it). */
  ran: string;
  /** Set by the stub as soon as its script runs, where that differs from ran. */
  script?: string;
  cookies: string[];
  storage?: string[];
  /** Its pixel or beacon, which only a tag that ran sends. */
  beacon: RegExp;
  /** A parser-inserted <script src> Chromium's preload scanner may fetch before samtykke.js runs: fetched, never run. */
  preload?: RegExp;
}

const VENDORS: VendorCase[] = [
  {
    key: 'googleAds',
    name: 'Google Ads',
    purpose: 'marketing',
    hosts: /googletagmanager\.com\/gtag\/js\?id=AW-|googleadservices\.com|doubleclick\.net|www\.google\.com\/pagead/,
    ran: '__gtagLoaded',
    cookies: ['_gcl_au'],
    beacon: /^https:\/\/googleads\.g\.doubleclick\.net\/pagead\/viewthroughconversion\/123456789\//,
    preload: /^https:\/\/www\.googletagmanager\.com\/gtag\/js\?id=AW-123456789$/,
  },
  {
    key: 'clarity',
    name: 'Microsoft Clarity',
    purpose: 'statistics',
    hosts: /clarity\.ms/,
    ran: '__clarityLoaded',
    cookies: ['_clck', '_clsk'],
    beacon: /^https:\/\/k\.clarity\.ms\/collect/,
  },
  {
    key: 'uet',
    name: 'Microsoft Advertising UET',
    purpose: 'marketing',
    hosts: /bat\.bing\.(com|net)/,
    ran: '__uetLoaded',
    script: '__uetScript',
    cookies: ['_uetsid', '_uetvid'],
    storage: ['_uetsid', '_uetvid'],
    beacon: /^https:\/\/bat\.bing\.com\/action\/0\?ti=12345678&evt=pageLoad/,
  },
  {
    key: 'linkedin',
    name: 'LinkedIn Insight Tag',
    purpose: 'marketing',
    hosts: /licdn\.com|ads\.linkedin\.com|linkedin\.com\/px/,
    ran: '__linkedinLoaded',
    cookies: ['li_fat_id'],
    beacon: /^https:\/\/px\.ads\.linkedin\.com\/collect\?pid=1234567/,
  },
  {
    key: 'tiktok',
    name: 'TikTok Pixel',
    purpose: 'marketing',
    hosts: /tiktok\.com/,
    ran: '__tiktokLoaded',
    cookies: ['_ttp', '_tt_enable_cookie'],
    beacon: /^https:\/\/analytics\.tiktok\.com\/api\/v2\/pixel/,
  },
  {
    key: 'pinterest',
    name: 'Pinterest Tag',
    purpose: 'marketing',
    hosts: /pinimg\.com|pinterest\.com/,
    ran: '__pinterestLoaded',
    cookies: ['_pin_unauth'],
    beacon: /^https:\/\/ct\.pinterest\.com\/v3\/\?event=pagevisit&tid=2612345678901/,
  },
  {
    key: 'snap',
    name: 'Snap Pixel',
    purpose: 'marketing',
    hosts: /sc-static\.net|snapchat\.com/,
    ran: '__snapLoaded',
    cookies: ['_scid'],
    beacon: /^https:\/\/tr\.snapchat\.com\/p$/,
  },
];

/** Nothing of v: no request that carries data, no cookie, no storage key, its code never ran. */
async function nothingOf(x: Ctx, v: VendorCase, when: string) {
  const reqs = x.requests.filter((r) => v.hosts.test(r.url)).map((r) => r.url);
  // The one documented exception: the preload scanner fetches a parser-inserted
  // <script src> before any script can act; it is fetched, never run.
  assert.deepEqual(
    reqs.filter((u) => !v.preload?.test(u)),
    [],
    `${when}: no request to ${v.name}`,
  );
  assert.equal(await flag(x.page, v.ran), undefined, `${when}: ${v.name}'s script never ran`);
  const names = await cookieNames(x);
  assert.deepEqual(
    v.cookies.filter((k) => names.includes(k)),
    [],
    `${when}: no ${v.name} cookie`,
  );
  const keys = await storageKeys(x.page);
  assert.deepEqual(
    (v.storage || []).filter((k) => keys.includes(k)),
    [],
    `${when}: no ${v.name} storage key`,
  );
}

for (const v of VENDORS) {
  snippets.describe(`${v.name}: the official snippet, pasted unmodified`, () => {
    test('before any choice, after "Reject all" and on the next page: no request, cookie or storage key', async () => {
      const x = await newContext(browser);
      const all = recordAll(x);
      await x.page.goto(pages.origin + '/vendor/' + v.key);
      await waitForBanner(x.page);
      await quiet(all);
      await nothingOf(x, v, 'before any choice');
      await action(x.page, 'reject-all');
      await waitFor(async () => (await cookieNames(x)).includes('samtykke'), 5000, 'the choice to be stored');
      await quiet(all);
      await nothingOf(x, v, 'after "Reject all"');
      await x.page.reload();
      await x.page.waitForFunction(() => (window as any).samtykke.consent);
      await quiet(all);
      await nothingOf(x, v, 'on the next page');
      await x.context.close();
    });

    test(`granting ${v.purpose} runs it: its cookies and its ${v.beacon.source.includes('collect') ? 'hit' : 'beacon'}`, async () => {
      const x = await newContext(browser);
      await x.page.goto(pages.origin + '/vendor/' + v.key);
      await waitForBanner(x.page);
      await choose(x.page, only(v.purpose));
      // Its script arrives and runs…
      await waitFor(async () => !!(await flag(x.page, v.script || v.ran)), 8000, `${v.name}'s script to run`);
      // …and the tag it sets up sends its beacon.
      await waitFor(async () => x.hits(v.beacon).length > 0, 8000, `${v.name}'s beacon`).catch(async (e) => {
        throw new Error(`${e.message}; ${v.ran} = ${await flag(x.page, v.ran)}; requests: ${x.requests.map((r) => r.url).join(' ')}`);
      });
      assert.ok(await flag(x.page, v.ran), `${v.name} ran`);
      const names = await cookieNames(x);
      for (const k of v.cookies) assert.ok(names.includes(k), `${k} set (cookies: ${names.join()})`);
      const keys = await storageKeys(x.page);
      for (const k of v.storage || []) assert.ok(keys.includes(k), `${k} stored`);
      await x.context.close();
    });

    test(`granting only ${other(v.purpose)} keeps it off`, async () => {
      const x = await newContext(browser);
      const all = recordAll(x);
      await x.page.goto(pages.origin + '/vendor/' + v.key);
      await waitForBanner(x.page);
      await choose(x.page, only(other(v.purpose)));
      await waitFor(async () => (await cookieNames(x)).includes('samtykke'), 5000, 'the choice to be stored');
      await quiet(all);
      await nothingOf(x, v, `with only ${other(v.purpose)}`);
      await x.context.close();
    });
  });
}

// ---------------------------------------------------------------- 2. cookieless pings

rest.describe("Google Ads' cookieless pings from a GA4 tag that also configures an Ads id", () => {
  // Google's documented way to add a Google Ads destination to an existing
  // Google tag: one more config line (https://support.google.com/google-ads/answer/7548399).
  const head = `<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST1234"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());

  gtag('config', 'G-TEST1234');
  gtag('config', 'AW-123456789');
</script>`;
  const ADS = /^https:\/\/([^/]*\.)?(googleadservices\.com|doubleclick\.net)\/|^https:\/\/www\.google\.com\/pagead\//;

  test('statistics only: GA runs and none of its Ads pings (img, sendBeacon, fetch) is sent; granting marketing sends them', async () => {
    pages.routes.set('/gtag-ads', () => shopPage({ consentd: c.url, site: plain.id, head }));
    const x = await newContext(browser);
    const all = recordAll(x);
    await x.page.goto(pages.origin + '/gtag-ads');
    await waitForBanner(x.page);
    await choose(x.page, only('statistics'));
    await waitFor(async () => x.hits(/google-analytics\.com\/g\/collect/).length > 0, 8000, 'the GA4 hit');
    assert.match(x.hits(/g\/collect/)[0].url, /gcs=G101/, 'analytics granted, ads denied');
    // gtag tried its three kinds of Ads ping after the consent update.
    await waitFor(async () => ((await flag(x.page, '__adsTried')) || 0) >= 3, 5000, 'the Ads pings to be tried');
    await quiet(all);
    assert.deepEqual(
      x.hits(ADS).map((r) => r.url),
      [],
      'no request to googleadservices.com, doubleclick.net or google.com/pagead',
    );
    assert.ok(!(await cookieNames(x)).includes('_gcl_au'), 'no _gcl_au');
    assert.ok((await cookieNames(x)).includes('_ga'), 'GA4 runs');

    const tried = await flag(x.page, '__adsTried');
    await choose(x.page, { statistics: true, marketing: true });
    await waitFor(
      async () =>
        x.hits(/^https:\/\/googleads\.g\.doubleclick\.net\/pagead\/viewthroughconversion\/123456789\//).length > 0 &&
        x.hits(/^https:\/\/www\.google\.com\/pagead\/1p-user-list\/123456789\//).length > 0 &&
        x.hits(/^https:\/\/www\.googleadservices\.com\/pagead\/conversion\/123456789\//).length > 0,
      8000,
      'the image, beacon and fetch pings once marketing is granted',
    ).catch(async (e) => {
      const now = await flag(x.page, '__adsTried');
      throw new Error(`${e.message}: gtag tried ${now - tried} more pings after the update; cookies ${(await cookieNames(x)).join()}`);
    });
    for (const r of x.hits(ADS)) assert.match(r.url, /gcs=G111/, 'sent after the update, never a held one from before');
    assert.ok((await cookieNames(x)).includes('_gcl_au'), '_gcl_au once ad_storage is granted');
    await x.context.close();
  });
});

// ---------------------------------------------------------------- 3. a custom vendor

rest.describe('a custom vendor (Chatly, declared on the site)', () => {
  const PASTED = /^https:\/\/widget\.chatly\.test\/w\.js$/;
  const page = () =>
    shopPage({
      consentd: c.url,
      site: chatly.id,
      src: `${c.url}/samtykke.js?site=${chatly.id}`,
      head: `<script src="https://widget.chatly.test/w.js"></script>
<script>(function(){var s=document.createElement('script');s.async=true;s.src='https://widget.chatly.test/loader.js';document.head.appendChild(s);})();</script>`,
    });

  test('held until marketing (pasted tag and loader), listed with cookie, lifetime and where it is stored, purged on withdrawal', async () => {
    pages.routes.set('/chatly', page);
    const x = await newContext(browser);
    const all = recordAll(x);
    await x.page.goto(pages.origin + '/chatly');
    await waitForBanner(x.page);
    await quiet(all);
    const before = x.hits(/chatly\.test/).map((r) => r.url);
    assert.deepEqual(
      before.filter((u) => !PASTED.test(u)),
      [],
      'only the preload fetch of the pasted <script src>',
    );
    assert.equal(await flag(x.page, '__chatlyLoaded'), undefined, 'the pasted tag never ran');
    assert.equal(await flag(x.page, '__chatlyLoader'), undefined, "the loader's script was held");
    assert.ok(!(await cookieNames(x)).includes('chatly_id'));

    // The settings layer lists Chatly under Marketing.
    await action(x.page, 'customize');
    const section = x.page.locator('#samtykke-banner section', { has: x.page.locator('[role=switch][data-purpose=marketing]') });
    await section.locator('summary').click();
    const item = section.locator('li', { hasText: 'Chatly' });
    await item.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await item.innerText(), /Chatly AS, Norway/);
    assert.deepEqual(await item.locator('thead th').allInnerTexts(), ['Cookie', 'Duration', 'Stored on', 'Purpose']);
    assert.deepEqual(await item.locator('tbody tr').first().locator('td').allInnerTexts(), [
      'chatly_id',
      '1 year',
      "This site's domain",
      'Chat visitor id',
    ]);

    await x.page.locator('#samtykke-banner [role=switch][data-purpose=marketing]').click();
    await action(x.page, 'save');
    await waitFor(
      async () =>
        (await flag(x.page, '__chatlyLoaded')) && (await flag(x.page, '__chatlyLoader')) && x.hits(/chatly\.test\/ping/).length >= 2,
      8000,
      'both Chatly scripts to run',
    );
    assert.ok((await cookieNames(x)).includes('chatly_id'));
    const chatlyCookie = (await x.context.cookies()).find((k) => k.name == 'chatly_id')!;
    assert.equal(chatlyCookie.domain, '.shop.test', 'set on the parent domain');

    // Withdrawal: the snippet deletes it on every domain it may live on, and reloads.
    const reloaded = x.page.waitForEvent('load');
    await choose(x.page, { statistics: false, marketing: false });
    await reloaded;
    await x.page.waitForFunction(() => (window as any).samtykke.consent);
    await quiet(all);
    assert.ok(!(await cookieNames(x)).includes('chatly_id'), 'chatly_id purged');
    assert.equal(await flag(x.page, '__chatlyLoaded'), undefined, 'not run after the withdrawal');
    await x.context.close();
  });
});

// ---------------------------------------------------------------- 4. embeds

interface Embed {
  key: string;
  name: string;
  url: string;
  w: number;
  h: number;
  purpose: Purpose;
}
const EMBEDS: Embed[] = [
  { key: 'youtube', name: 'YouTube', url: 'https://www.youtube.com/embed/M7lc1UVf-VE', w: 560, h: 315, purpose: 'marketing' },
  { key: 'nocookie', name: 'YouTube', url: 'https://www.youtube-nocookie.com/embed/M7lc1UVf-VE', w: 480, h: 270, purpose: 'marketing' },
  { key: 'vimeo', name: 'Vimeo', url: 'https://player.vimeo.com/video/76979871', w: 640, h: 360, purpose: 'statistics' },
  {
    key: 'maps',
    name: 'Google Maps',
    url: 'https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d1999.5!2d10.7522!3d59.9139!2m3!1f0!2f0!3f0',
    w: 600,
    h: 450,
    purpose: 'marketing',
  },
];
/** (a) owner-marked, (b) inserted by a script, (c) parsed from the HTML unmarked. */
const MODES = ['a', 'b', 'c'] as const;
const embedUrl = (e: Embed, m: string) => e.url + (e.url.includes('?') ? '&' : '?') + 'rel=' + m;
const attrs = (e: Embed, m: string) => `width="${e.w}" height="${e.h}" title="${e.name} (${m})" allowfullscreen`;

function embedsPage() {
  const figures = EMBEDS.flatMap((e) => [
    `<figure id="a-${e.key}"><iframe data-samtykke="${e.purpose}" data-samtykke-src="${embedUrl(e, 'a')}" ${attrs(e, 'a')}></iframe></figure>`,
    `<figure id="b-${e.key}"></figure>`,
    `<figure id="c-${e.key}"><iframe src="${embedUrl(e, 'c')}" ${attrs(e, 'c')}></iframe></figure>`,
  ]).join('\n');
  const script = `<script>
${JSON.stringify(EMBEDS.map((e) => [e.key, embedUrl(e, 'b'), e.w, e.h, e.name]))}.forEach(function (e) {
  var f = document.createElement('iframe');
  f.width = e[2]; f.height = e[3]; f.title = e[4] + ' (b)';
  f.src = e[1];
  document.getElementById('b-' + e[0]).appendChild(f);
});
</script>`;
  return shopPage({ consentd: c.url, site: plain.id, body: figures + script });
}

const loaded = (p: Page, url: string) => p.frames().some((f) => f.url() == url);

/** The embeds page, before any choice, once the placeholders are drawn and the page is quiet. */
async function openEmbeds() {
  pages.routes.set('/embeds', embedsPage);
  const x = await newContext(browser);
  const all = recordAll(x);
  await x.page.goto(pages.origin + '/embeds');
  await waitForBanner(x.page);
  await quiet(all);
  return { x, all };
}

rest.describe('embeds: YouTube, youtube-nocookie, Vimeo and Google Maps', () => {
  test('before consent: a placeholder naming the vendor in place of each; marked and script-inserted ones never requested; parsed ones replaced', async (t) => {
    const { x } = await openEmbeds();
    const unnamed: string[] = [];
    for (const e of EMBEDS)
      for (const m of MODES) {
        const ph = x.page.locator(`#${m}-${e.key} [data-samtykke-embed]`);
        assert.equal(await ph.count(), 1, `a placeholder for ${e.key} (${m})`);
        assert.ok(await ph.isVisible(), `${e.key} (${m}) placeholder visible`);
        assert.equal(await ph.getByRole('button').innerText(), 'Allow and show');
        assert.equal(await x.page.locator(`#${m}-${e.key} iframe`).isVisible(), false, `${e.key} (${m}) iframe hidden`);
        assert.ok(!loaded(x.page, embedUrl(e, m)), `nothing of ${e.key} (${m}) loaded`);
        // Its words are in its shadow root, which Playwright's locators enter.
        const region = ph.locator('[role=region]');
        const words = await region.innerText();
        if (!words.includes(e.name) || (await region.getAttribute('aria-label')) != e.name)
          unnamed.push(`${e.key} (${m}): "${words.split('\n')[0]}", labelled "${await region.getAttribute('aria-label')}"`);
      }
    // (a) and (b): never requested.
    for (const e of EMBEDS)
      for (const m of ['a', 'b'])
        assert.deepEqual(
          x.hits(EMBED).filter((r) => r.url == embedUrl(e, m)),
          [],
          `no request for ${e.key} (${m})`,
        );
    // (c) An iframe the parser inserts with its src starts its navigation as it
    // is inserted; samtykke.js's MutationObserver sees it a microtask later and
    // points it at about:blank. FINDING (Chromium, Debian chromium, this
    // harness): whether the request has already gone out by then is a race
    // that differs from run to run (in fourteen runs: none of the four in two,
    // one to all four, in no fixed order, in the others). So the request
    // of an unmarked iframe in the HTML may reach the vendor, like the preload
    // scanner's script fetches, which is why such iframes are reported as tags
    // to fix. What always holds is asserted: at most that one request, the
    // iframe is pointed at about:blank behind the placeholder, and nothing of
    // the vendor's page is shown (no frame has its URL).
    const parsedRequested = EMBEDS.filter((e) => x.hits(EMBED).some((r) => r.url == embedUrl(e, 'c'))).map((e) => e.key);
    t.diagnostic(`parser-inserted embed iframes whose request began before samtykke.js held them: ${parsedRequested.join(', ') || 'none'}`);
    for (const e of EMBEDS) {
      assert.ok(x.hits(EMBED).filter((r) => r.url == embedUrl(e, 'c')).length <= 1, `${e.key} (c): at most the one request`);
      assert.ok(
        await x.page.locator(`#c-${e.key} iframe`).evaluate((f: HTMLIFrameElement) => !f.src || f.src == 'about:blank'),
        `${e.key} (c) pointed at about:blank`,
      );
    }
    assert.equal(await x.page.evaluate(() => (window as any).samtykke.consent), null, 'no choice made by the page');
    assert.deepEqual(unnamed, [], 'each placeholder names its vendor');
    await x.context.close();
  });

  test('"Allow and show" loads the embeds of its purpose at the placeholder\'s size, grants the purpose and records a receipt with surface "embed"', async (t) => {
    const { x } = await openEmbeds();
    const boxes = new Map<string, { width: number; height: number }>();
    for (const e of EMBEDS)
      for (const m of MODES) boxes.set(`${m}-${e.key}`, (await x.page.locator(`#${m}-${e.key} [data-samtykke-embed]`).boundingBox())!);
    // Parsed iframes whose request began before samtykke.js held them (see the FINDING above).
    const began = new Set(EMBEDS.filter((e) => x.hits(EMBED).some((r) => r.url == embedUrl(e, 'c'))).map((e) => e.key));

    // "Allow and show" on the marked YouTube player: marketing is granted.
    const t0 = Date.now();
    await x.page.locator('#a-youtube [data-samtykke-embed]').getByRole('button').click();
    const marketing = EMBEDS.filter((e) => e.purpose == 'marketing');
    const all9 = marketing.flatMap((e) => MODES.map((m) => [e, m] as const));
    // Required: every marked and script-inserted embed, and the parsed ones whose first request never left.
    const required = all9.filter(([e, m]) => m != 'c' || !began.has(e.key));
    const missing = (list: typeof all9) => list.filter(([e, m]) => !loaded(x.page, embedUrl(e, m))).map(([e, m]) => `${e.key} (${m})`);
    await waitFor(() => !missing(all9).length, 8000, 'the marketing embeds to load').catch(async (err) => {
      // A parsed iframe whose first request had begun, set back to its URL,
      // ended on chrome-error:// without a second request in some runs: recorded.
      if (missing(required).length)
        throw new Error(
          `${err.message}: not loaded ${missing(required).join(', ')}; frames ${x.page
            .frames()
            .map((f) => f.url())
            .join(' ')}; requests ${x
            .hits(EMBED)
            .map((r) => r.url)
            .join(' ')}`,
        );
      t.diagnostic(
        `parsed iframes whose first request had begun and which did not load once granted: ${missing(all9).join(', ')}; frames ${x.page
          .frames()
          .map((f) => f.url())
          .join(' ')}`,
      );
    });
    const sizes: string[] = [];
    for (const [e, m] of all9) {
      if (!loaded(x.page, embedUrl(e, m))) continue;
      const frame = x.page.frames().find((f) => f.url() == embedUrl(e, m))!;
      assert.equal(await frame.locator('#embed-content').count(), 1, `${e.key} (${m}) shows the player`);
      assert.equal(await x.page.locator(`#${m}-${e.key} [data-samtykke-embed]`).count(), 0, 'placeholder gone');
      assert.ok(await x.page.locator(`#${m}-${e.key} iframe`).isVisible(), `${e.key} (${m}) iframe shown`);
      const box = (await x.page.locator(`#${m}-${e.key} iframe`).boundingBox())!;
      const ph = boxes.get(`${m}-${e.key}`)!;
      if (Math.abs(box.width - ph.width) > 2 || Math.abs(box.height - ph.height) > 2)
        sizes.push(`${e.key} (${m}): placeholder ${ph.width}×${ph.height}, iframe ${box.width}×${box.height}`);
    }
    assert.deepEqual(
      x.requests.filter((r) => r.at >= t0 && /vimeo/.test(r.url)).map((r) => r.url),
      [],
      'Vimeo (statistics) stays',
    );
    assert.equal(await x.page.locator('#a-vimeo [data-samtykke-embed]').count(), 1);
    assert.deepEqual(await x.page.evaluate(() => (window as any).samtykke.consent), {
      necessary: true,
      statistics: false,
      marketing: true,
    });
    const consentId: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
    await waitFor(async () => (await c.receipts(plain.id, consentId)).length == 1, 5000, 'the embed receipt');
    let receipts = await c.receipts(plain.id, consentId);
    assert.deepEqual(
      receipts.map((r) => [r.surface, r.action, r.choices.statistics, r.choices.marketing]),
      [['embed', 'custom', false, true]],
    );
    assert.equal(receipts[0].page_url, pages.origin + '/embeds');

    // Vimeo's own button grants statistics, on top. It is scrolled to first,
    // and clicked two frames later: clicked in the same move as the scroll,
    // Chromium routed the click by its hit-test data from before the scroll
    // into a player iframe that had been at that spot (no mouse event reached
    // the page in four runs of four), a harness artifact, not the snippet's.
    const vimeoButton = x.page.locator('#b-vimeo [data-samtykke-embed]').getByRole('button');
    await vimeoButton.scrollIntoViewIfNeeded();
    await x.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await vimeoButton.click();
    const vimeo = MODES.filter((m) => m != 'c' || !began.has('vimeo'));
    await waitFor(() => vimeo.every((m) => loaded(x.page, embedUrl(EMBEDS[2], m))), 8000, 'Vimeo to load').catch(async (err) => {
      const consent = JSON.stringify(await x.page.evaluate(() => (window as any).samtykke.consent));
      const loadedNow = MODES.filter((m) => loaded(x.page, embedUrl(EMBEDS[2], m)));
      throw new Error(
        `${err.message}: consent ${consent}, loaded ${loadedNow.join()}, receipts ${(await c.receipts(plain.id, consentId)).length}`,
      );
    });
    await waitFor(async () => (await c.receipts(plain.id, consentId)).length == 2, 5000, 'the second embed receipt');
    receipts = await c.receipts(plain.id, consentId);
    assert.deepEqual(
      receipts.map((r) => [r.surface, r.choices.statistics, r.choices.marketing]),
      [
        ['embed', false, true],
        ['embed', true, true],
      ],
    );
    // Last, so that a size slip does not hide the rest.
    assert.deepEqual(sizes, [], 'each placeholder had the size of its iframe (±2 px)');
    await x.context.close();
  });
});

// ---------------------------------------------------------------- 5. the cookie declaration

rest.describe('the cookie declaration on the privacy page', () => {
  const decl = (lang: string) => () =>
    shopPage({
      consentd: c.url,
      site: integ.id,
      lang,
      title: 'Privacy',
      body: '<article><h2 id="cookies">Cookies</h2><div data-samtykke-declaration></div></article>',
    });

  const TEXT = {
    en: {
      statistics: 'Statistics',
      marketing: 'Marketing',
      visitor: 'Tells visitors apart, to count them and their visits',
      twoYears: '2 years',
      noChoice: 'You have not made a choice yet.',
      change: 'Change your choice',
    },
    nb: {
      statistics: 'Statistikk',
      marketing: 'Markedsføring',
      visitor: 'Skiller besøkende fra hverandre for å telle dem og besøkene deres',
      twoYears: '2 år',
      noChoice: 'Du har ikke gjort et valg ennå.',
      change: 'Endre valget ditt',
    },
  };

  for (const lang of ['en', 'nb'] as const) {
    test(`lists each purpose with its vendors and cookies in the visitor's language (${lang}), as the JSON does`, async () => {
      pages.routes.set('/privacy-' + lang, decl(lang));
      const x = await newContext(browser);
      await x.page.goto(pages.origin + '/privacy-' + lang);
      const d = x.page.locator('[data-samtykke-declaration]');
      await d.locator('section[data-purpose=statistics]').waitFor({ timeout: 8000 });
      const T = TEXT[lang];
      const stats = d.locator('section[data-purpose=statistics]');
      const mkt = d.locator('section[data-purpose=marketing]');
      assert.equal(await stats.locator('h3').innerText(), T.statistics);
      assert.equal(await mkt.locator('h3').innerText(), T.marketing);
      const ga = stats.locator('li', { hasText: 'Google Analytics 4' });
      const gaRow = ga.locator('tbody tr', { has: x.page.locator('code', { hasText: /^_ga$/ }) });
      const cells = await gaRow.locator('td').allInnerTexts();
      assert.equal(cells[1], T.twoYears, '_ga lifetime');
      assert.equal(cells[3], T.visitor, '_ga described in the language');
      assert.match(await stats.innerText(), /Hotjar/);
      assert.match(await mkt.innerText(), /Meta Pixel[\s\S]*_fbp/);
      assert.match(await mkt.innerText(), /HubSpot[\s\S]*__hstc/);
      assert.match(await d.innerText(), new RegExp(T.noChoice.replace('.', '\\.')));
      assert.equal(await d.getByRole('button').innerText(), T.change);

      // The public JSON answers the same purposes and vendors.
      const r = await fetch(`${c.url}/v1/sites/${integ.id}/declaration?lang=${lang}`);
      assert.equal(r.status, 200);
      const json = await r.json();
      assert.equal(json.language, lang);
      for (const p of json.purposes) {
        const shown = await d.locator(`section[data-purpose=${p.id}] li > strong`).allInnerTexts();
        assert.deepEqual(
          shown,
          p.vendors.map((v: any) => v.name),
          `${p.id}: the page lists the JSON's vendors`,
        );
      }
      assert.deepEqual(
        json.purposes.map((p: any) => p.name),
        await d.locator('section h3').allInnerTexts(),
      );
      await x.context.close();
    });
  }

  test('shows the current choice after a decision, and its button opens the settings layer', async () => {
    pages.routes.set('/privacy-en', decl('en'));
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/privacy-en');
    await waitForBanner(x.page);
    await choose(x.page, only('statistics'));
    const d = x.page.locator('[data-samtykke-declaration]');
    await d.locator('dl').waitFor({ timeout: 5000 });
    const consentId: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
    const terms = await d.locator('dl dt').allInnerTexts();
    const defs = await d.locator('dl dd').allInnerTexts();
    const shown = Object.fromEntries(terms.map((t, i) => [t, defs[i]]));
    assert.equal(shown['Consent ID'], consentId);
    assert.equal(shown.Statistics, 'Allowed');
    assert.equal(shown.Marketing, 'Not allowed');
    assert.doesNotMatch(await d.innerText(), /You have not made a choice yet/);
    // On the next page view too.
    await x.page.reload();
    await d.locator('dl').waitFor({ timeout: 5000 });
    await d.getByRole('button', { name: 'Change your choice' }).click();
    const dialog = x.page.locator('#samtykke-banner [role=dialog]');
    await dialog.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await dialog.locator('h2').first().innerText(), 'Cookie settings');
    assert.equal(await x.page.locator('#samtykke-banner [role=switch][data-purpose=statistics]').getAttribute('aria-checked'), 'true');
    await x.context.close();
  });
});

// ---------------------------------------------------------------- 6. tag warnings

rest.describe('tag warnings', () => {
  const SCRIPT = 'https://s.pinimg.com/ct/core.js';
  const PIXEL = 'https://px.ads.linkedin.com/collect/?pid=1234567&fmt=gif';
  const NOSCRIPT = 'https://www.facebook.com/tr?id=1234567890123&ev=PageView&noscript=1';

  test('one console warning per unmarked tag with the markup to paste, one report per page view, listed in the admin API', async () => {
    pages.routes.set('/tags', () =>
      shopPage({
        consentd: c.url,
        site: tagged.id,
        head: `<script async src="${SCRIPT}"></script>`,
        body: `<img height="1" width="1" style="display:none" alt="" src="${PIXEL.replace(/&/g, '&amp;')}">
<noscript><img height="1" width="1" style="display:none" src="${NOSCRIPT.replace(/&/g, '&amp;')}"/></noscript>`,
      }),
    );
    const x = await newContext(browser);
    const all = recordAll(x);
    const warnings: string[] = [];
    x.page.on('console', (m) => {
      if (m.type() == 'warning' && m.text().startsWith('samtykke:')) warnings.push(m.text());
    });
    const reports = () => all.filter((r) => r.method == 'POST' && r.url == `${c.url}/v1/sites/${tagged.id}/tag-warnings`);
    await x.page.goto(pages.origin + '/tags');
    await waitForBanner(x.page);
    await waitFor(() => reports().length == 1, 8000, 'the tag report');
    await quiet(all);
    assert.equal(reports().length, 1, 'one report per page view');
    assert.equal(warnings.length, 3, warnings.join('\n---\n'));
    const script = warnings.find((w) => w.includes(SCRIPT) && /script/.test(w))!;
    assert.ok(script, 'a warning for the <script src>');
    assert.ok(script.includes(`<script type="text/plain" data-samtykke="marketing" src="${SCRIPT}" async></script>`), script);
    const pixel = warnings.find((w) => w.includes('linkedin'))!;
    assert.ok(pixel, 'a warning for the <img> pixel');
    assert.match(
      pixel,
      /<script type="text\/html" data-samtykke="marketing"><img [^>]*src="https:\/\/px\.ads\.linkedin\.com\/collect\/\?pid=1234567&amp;fmt=gif"[^>]*><\/script>/,
    );
    const nos = warnings.find((w) => w.includes('noscript'))!;
    assert.ok(nos, 'a warning for the <noscript> pixel');
    assert.match(nos, /meta_pixel/);

    const body = JSON.parse(reports()[0].body!);
    assert.equal(body.page_path, '/tags');
    assert.ok(body.config_version);
    const tags = body.tags.map((t: any) => [t.vendor, t.kind]).sort();
    assert.deepEqual(tags, [
      ['linkedin_insight', 'pixel'],
      ['meta_pixel', 'noscript'],
      ['pinterest_tag', 'script'],
    ]);
    assert.ok(
      body.tags.every((t: any) => typeof t.markup == 'string' && t.markup.length <= 2000),
      'markup, bounded',
    );
    // Nothing about the visitor: only these fields.
    assert.deepEqual(Object.keys(body).sort(), ['config_version', 'page_path', 'tags']);
    for (const t of body.tags) assert.deepEqual(Object.keys(t).sort(), ['kind', 'markup', 'vendor']);

    // A second page view: a second report, not more.
    await x.page.reload();
    await waitFor(() => reports().length == 2, 8000, 'the second page view’s report');
    await quiet(all);
    assert.equal(reports().length, 2);

    // The owner sees them in the admin API.
    const listed = await c.admin('GET', `/sites/${tagged.id}/tag-warnings`);
    const seen = listed.tag_warnings.map((w: any) => [w.vendor, w.kind]).sort();
    assert.deepEqual(seen, tags);
    for (const w of listed.tag_warnings) {
      assert.deepEqual(w.pages, ['/tags']);
      assert.equal(w.count, 2);
      assert.equal(w.declared, false);
    }
    await x.context.close();
  });
});

// ---------------------------------------------------------------- 7. HubSpot after a withdrawal

rest.describe('HubSpot after a withdrawal', () => {
  test('granting marketing again lifts __hs_do_not_track and HubSpot loads and sets its cookies', async () => {
    pages.routes.set('/hubspot', () => shopPage({ consentd: c.url, site: plain.id, head: SNIPPETS.hubspot }));
    const x = await newContext(browser);
    const all = recordAll(x);
    await x.page.goto(pages.origin + '/hubspot');
    await waitForBanner(x.page);
    await choose(x.page, only('marketing'));
    await waitFor(async () => (await cookieNames(x)).includes('__hstc'), 8000, 'HubSpot cookies');

    const reloaded = x.page.waitForEvent('load');
    await choose(x.page, { statistics: false, marketing: false });
    await reloaded;
    await x.page.waitForFunction(() => (window as any).samtykke.consent);
    await quiet(all);
    let names = await cookieNames(x);
    assert.ok(names.includes('__hs_do_not_track'), 'HubSpot was told doNotTrack');
    assert.ok(!names.includes('__hstc') && !names.includes('hubspotutk'), 'its cookies purged');

    await choose(x.page, only('marketing'));
    await waitFor(
      async () => (await flag(x.page, '__hubspotLoaded')) && (await cookieNames(x)).includes('__hstc'),
      8000,
      'HubSpot to load again',
    );
    names = await cookieNames(x);
    assert.ok(!names.includes('__hs_do_not_track'), `__hs_do_not_track lifted (cookies: ${names.join()})`);
    assert.ok(names.includes('hubspotutk'));
    assert.ok(x.hits(/hs-analytics\.net/).length > 0, "HubSpot's analytics script requested");
    await x.context.close();
  });
});
