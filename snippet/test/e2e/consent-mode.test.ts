// Google Consent Mode per site (issue 16), against the real consentd in
// Chromium: the GTM snippet with a container stub that reads the dataLayer
// as GTM does (harness.ts, GTM-CMTEST1), the order of `consent default` →
// `consent update` for each choice and for a region-scoped site, the
// site's wait_for_update, url_passthrough and developer_id, advanced mode
// (Google's tags load before consent and ping) against basic, and GTM
// allowed to load before consent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import {
  Consentd,
  MORE_SNIPPETS,
  Pages,
  SNIPPETS,
  launch,
  newContext,
  shopPage,
  sleep,
  trackerCookies,
  waitFor,
  waitForBanner,
} from './harness.ts';

const c = new Consentd();
const pages = new Pages();
let browser: Browser;

const GTM = SNIPPETS.gtm.replace('GTM-TEST123', 'GTM-CMTEST1');
const EEA = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
];
const DENIED = { analytics_storage: 'denied', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' };
const GLOBAL = (wait = 500) => ({
  ad_storage: 'denied',
  ad_user_data: 'denied',
  ad_personalization: 'denied',
  analytics_storage: 'denied',
  functionality_storage: 'denied',
  personalization_storage: 'denied',
  security_storage: 'granted',
  wait_for_update: wait,
});
const update = (s: boolean, m: boolean) => {
  const g = (b: boolean) => (b ? 'granted' : 'denied');
  return { ad_storage: g(m), ad_user_data: g(m), ad_personalization: g(m), analytics_storage: g(s) };
};

const sites: Record<string, string> = {};

before(async () => {
  await c.start();
  await pages.start();
  const base = { origins: [pages.origin], default_language: 'en', privacy_policy_url: pages.origin + '/privacy' };
  const create = async (key: string, extra: object) => {
    sites[key] = (await c.admin('POST', '/sites', { name: key, ...base, ...extra })).id;
  };
  await create('basic', {});
  await create('regions', {
    consent_mode: {
      regions: [
        { region: [...EEA, 'NO', 'SE', 'IS', 'LI', 'GB', 'CH'], ...DENIED },
        {
          region: ['US', 'US-CA'],
          analytics_storage: 'granted',
          ad_storage: 'granted',
          ad_user_data: 'denied',
          ad_personalization: 'denied',
        },
      ],
      wait_for_update: 800,
      url_passthrough: true,
      developer_id: 'dZTNiMT',
    },
    gtm_loads_before_consent: true,
  });
  await create('advanced', { consent_mode: { mode: 'advanced' } });
  await create('advancedInteg', {
    consent_mode: { mode: 'advanced' },
    integrations: { google_analytics: { measurement_id: 'G-TEST1234' } },
  });
  await create('gtmFirst', { gtm_loads_before_consent: true });
  await create('noRedaction', { consent_mode: { ads_data_redaction: false } });
  await create('gtmTemplate', { integrations: { google_tag_manager: { container_id: 'GTM-CMTEST1' } }, gtm_loads_before_consent: true });
  // Each page loads samtykke.js?site=<id>, as the dashboard's tag does.
  const page = (key: string, head: string) => () =>
    shopPage({ consentd: c.url, site: sites[key], src: `${c.url}/samtykke.js?site=${sites[key]}`, head });
  pages.routes.set('/privacy', () => '<!doctype html><title>Privacy</title><h1>Privacy policy</h1>');
  pages.routes.set('/basic-gtm', page('basic', GTM));
  pages.routes.set('/basic-gtag', page('basic', SNIPPETS.gtag + MORE_SNIPPETS.googleAds));
  pages.routes.set('/regions-gtm', page('regions', GTM));
  pages.routes.set('/advanced-gtag', page('advanced', SNIPPETS.gtag + MORE_SNIPPETS.googleAds + SNIPPETS.meta));
  pages.routes.set('/advanced-integration', page('advancedInteg', ''));
  pages.routes.set('/gtm-first', page('gtmFirst', GTM));
  pages.routes.set('/no-redaction', page('noRedaction', GTM));
  // As Samtykke's GTM template does it: the container has set Consent Mode's
  // default, then injects samtykke.js?site=…&gtm=1 (no data- attributes) and
  // listens with samtykke.on('change').
  pages.routes.set(
    '/via-gtm-template',
    () => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script>
window.dataLayer = [['consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied' }]];
window.__changes = [];
var s = document.createElement('script');
s.src = '${c.url}/samtykke.js?site=${sites.gtmTemplate}&gtm=1';
s.onload = function () { window.samtykke.on('change', function (consent) { window.__changes.push(consent); }); };
document.head.appendChild(s);
</script></head><body><h1>Shop</h1></body></html>`,
  );
  browser = await launch();
});

after(async () => {
  await browser?.close();
  pages.close();
  await c.close();
});

const action = (p: Page, a: string) => p.locator(`#samtykke-banner [data-samtykke-action=${a}]`).click();

async function choose(p: Page, choice: 'all' | 'none' | 'statistics') {
  if (choice == 'all') return action(p, 'accept-all');
  if (choice == 'none') return action(p, 'reject-all');
  await action(p, 'customize');
  await p.locator('#samtykke-banner [role=switch][data-purpose=statistics]').click();
  await action(p, 'save');
}

/** The dataLayer as plain arrays and objects. */
async function dataLayer(p: Page): Promise<any[]> {
  return p.evaluate(() =>
    (window as any).dataLayer.map((a: any) => (Object.prototype.toString.call(a) == '[object Arguments]' ? Array.from(a) : a)),
  );
}

/** The dataLayer as the container stub names its entries: "consent default NO,SE", "set url_passthrough", "gtm.js". */
async function order(p: Page): Promise<string[]> {
  return (await dataLayer(p)).map((e) =>
    Array.isArray(e) ? e[0] + ' ' + e[1] + (e[2]?.region ? ' ' + e[2].region.join(',') : '') : e.event || JSON.stringify(e),
  );
}

/** What the container stub read, or null when gtm.js has not run. */
const container = (p: Page) =>
  p.evaluate(() => (window as any).__gtm || null) as Promise<{ seen: string[]; state: Record<string, string> } | null>;

describe('basic (the default) with the GTM snippet: gtm.js waits, default → update in order', () => {
  for (const [choice, s, m] of [
    ['all', true, true],
    ['statistics', true, false],
    ['none', false, false],
  ] as const)
    test(`choice: ${choice}`, async () => {
      const x = await newContext(browser);
      await x.page.goto(pages.origin + '/basic-gtm');
      await waitForBanner(x.page);
      const before = await dataLayer(x.page);
      assert.deepEqual(before[0], ['consent', 'default', GLOBAL()], 'the all-denied default is the first entry');
      assert.deepEqual(await order(x.page), ['consent default', 'set ads_data_redaction', 'gtm.js']);
      await sleep(300);
      assert.equal(x.hits(/gtm\.js/).length, 0, 'gtm.js held before a choice');
      assert.equal(await container(x.page), null);

      await choose(x.page, choice);
      await x.page.waitForFunction(() => (window as any).samtykke.consent);
      const expected = [
        'consent default',
        'set ads_data_redaction',
        'gtm.js',
        'set ads_data_redaction',
        'consent update',
        'samtykke_consent_update',
      ];
      assert.deepEqual(await order(x.page), expected);
      const dl = await dataLayer(x.page);
      assert.deepEqual(dl[4], ['consent', 'update', update(s, m)]);
      assert.deepEqual(dl[3], ['set', 'ads_data_redaction', !m]);
      if (!s && !m) {
        await sleep(300);
        assert.equal(x.hits(/gtm\.js/).length, 0, 'rejected: gtm.js never loads');
      } else {
        // The container reads the whole queue in order: the default before gtm.js, the update after it.
        await waitFor(async () => (await container(x.page)) != null, 5000, 'gtm.js ran');
        const g = (await container(x.page))!;
        assert.deepEqual(g.seen, expected);
        assert.deepEqual(
          { analytics_storage: g.state.analytics_storage, ad_storage: g.state.ad_storage, ad_user_data: g.state.ad_user_data },
          { analytics_storage: s ? 'granted' : 'denied', ad_storage: m ? 'granted' : 'denied', ad_user_data: m ? 'granted' : 'denied' },
        );
      }

      // The next page: the stored choice's update follows the default at once, before gtm.js.
      await x.page.reload();
      await x.page.waitForFunction(() => (window as any).samtykke.consent);
      assert.deepEqual((await order(x.page)).slice(0, 4), ['consent default', 'set ads_data_redaction', 'consent update', 'gtm.js']);
      assert.deepEqual((await dataLayer(x.page))[2], ['consent', 'update', update(s, m)]);
      await x.context.close();
    });
});

describe('a region-scoped site, GTM loading before consent', () => {
  test('region defaults, then the global default, developer_id and url_passthrough, all before gtm.js; the container loads first and its GA4 tag waits for statistics', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/regions-gtm');
    await waitForBanner(x.page);
    const dl = await dataLayer(x.page);
    const eea = [...EEA, 'NO', 'SE', 'IS', 'LI', 'GB', 'CH'];
    assert.deepEqual(dl.slice(0, 6), [
      ['consent', 'default', { ...DENIED, wait_for_update: 800, region: eea }],
      [
        'consent',
        'default',
        {
          analytics_storage: 'granted',
          ad_storage: 'granted',
          ad_user_data: 'denied',
          ad_personalization: 'denied',
          wait_for_update: 800,
          region: ['US', 'US-CA'],
        },
      ],
      ['consent', 'default', GLOBAL(800)],
      ['set', 'developer_id.dZTNiMT', true],
      ['set', 'url_passthrough', true],
      ['set', 'ads_data_redaction', true],
    ]);
    assert.equal(dl[6]?.event, 'gtm.js');
    // gtm.js is not held: the container runs before any choice, having read the defaults first.
    await waitFor(async () => (await container(x.page)) != null, 5000, 'gtm.js before consent');
    let g = (await container(x.page))!;
    assert.deepEqual(g.seen, [
      'consent default ' + eea.join(','),
      'consent default US,US-CA',
      'consent default',
      'set developer_id.dZTNiMT',
      'set url_passthrough',
      'set ads_data_redaction',
      'gtm.js',
    ]);
    assert.equal(g.state.analytics_storage, 'denied', 'a visitor in NO gets the EEA default');
    // The container's GA4 tag (gtag.js for G-) still follows the banner's rules: held until statistics.
    await sleep(300);
    assert.equal(x.hits(/gtag\/js/).length, 0, 'GA4 inside the container held');
    assert.equal(x.hits(/google-analytics\.com/).length, 0);
    assert.deepEqual(await trackerCookies(x.context), []);

    await choose(x.page, 'statistics');
    await waitFor(async () => x.hits(/g\/collect/).length > 0, 5000, 'GA4 hit after statistics');
    assert.match(x.hits(/g\/collect/)[0].url, /gcs=G101/);
    g = (await container(x.page))!;
    assert.deepEqual(g.seen.slice(7), ['set ads_data_redaction', 'consent update', 'samtykke_consent_update']);
    assert.equal(g.state.analytics_storage, 'granted');
    assert.equal(g.state.ad_storage, 'denied');
    await x.context.close();
  });

  test('a visitor in US-CA: the container applies the most specific default', async () => {
    const x = await newContext(browser);
    await x.context.addInitScript(() => ((window as any).__gtmRegion = 'US-CA'));
    await x.page.goto(pages.origin + '/regions-gtm');
    await waitFor(async () => (await container(x.page)) != null, 5000, 'gtm.js before consent');
    const g = (await container(x.page))!;
    assert.equal(g.state.analytics_storage, 'granted');
    assert.equal(g.state.ad_user_data, 'denied');
    await x.context.close();
  });
});

test('gtm_loads_before_consent alone: gtm.js loads before a choice; basic otherwise', async () => {
  const x = await newContext(browser);
  await x.page.goto(pages.origin + '/gtm-first');
  await waitForBanner(x.page);
  await waitFor(async () => x.hits(/gtm\.js\?id=GTM-CMTEST1/).length == 1, 5000, 'gtm.js before consent');
  assert.deepEqual((await container(x.page))!.seen, ['consent default', 'set ads_data_redaction', 'gtm.js']);
  await sleep(300);
  assert.equal(x.hits(/gtag\/js/).length, 0, 'the container’s GA4 tag is held');
  await choose(x.page, 'none');
  await sleep(300);
  assert.equal(x.hits(/gtag\/js|google-analytics/).length, 0, 'rejected: still held');
  assert.deepEqual(
    (await dataLayer(x.page)).find((e) => e[0] == 'consent' && e[1] == 'update'),
    ['consent', 'update', update(false, false)],
  );
  await x.context.close();
});

test('ads_data_redaction switched off: the banner never sets it', async () => {
  const x = await newContext(browser);
  await x.page.goto(pages.origin + '/no-redaction');
  await waitForBanner(x.page);
  await choose(x.page, 'all');
  await x.page.waitForFunction(() => (window as any).samtykke.consent);
  assert.deepEqual(await order(x.page), ['consent default', 'gtm.js', 'consent update', 'samtykke_consent_update']);
  await x.context.close();
});

describe('advanced against basic', () => {
  test('basic holds gtag.js and every Google ping until a choice', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/basic-gtag');
    await waitForBanner(x.page);
    await sleep(500);
    // Chromium's preload scanner may fetch a parsed <script src>; the banner keeps it from running.
    assert.deepEqual(
      x.requests.filter((r) => !/^https:\/\/www\.googletagmanager\.com\/gtag\/js/.test(r.url)),
      [],
    );
    assert.equal(await x.page.evaluate(() => (window as any).__gtagLoaded), undefined, 'gtag.js did not run');
    await x.context.close();
  });

  test('advanced: gtag.js loads before consent and sends cookieless pings (gcs=G100), no Google cookie; Meta stays held', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/advanced-gtag');
    await waitForBanner(x.page);
    const dl = await dataLayer(x.page);
    assert.deepEqual(dl[0], ['consent', 'default', GLOBAL()], 'the default still comes first');
    const config = dl.findIndex((e) => e[0] == 'config');
    assert.ok(config > 1, 'config after the default');
    await waitFor(async () => x.hits(/g\/collect/).length > 0, 5000, 'GA4 ping before consent');
    assert.match(x.hits(/g\/collect/)[0].url, /gcs=G100/);
    await waitFor(async () => x.hits(/doubleclick\.net|googleadservices|google\.com\/pagead/).length >= 3, 5000, 'Ads pings');
    assert.equal(x.hits(/gtag\/js\?id=G-TEST1234/).length, 1);
    assert.equal(x.hits(/gtag\/js\?id=AW-/).length, 1);
    assert.deepEqual(await trackerCookies(x.context), [], 'denied: no _ga, no _gcl');
    assert.equal(x.hits(/facebook/).length, 0, 'Meta is no Google tag: held');

    await choose(x.page, 'none');
    await x.page.waitForFunction(() => (window as any).samtykke.consent);
    assert.deepEqual((await dataLayer(x.page)).filter((e) => e[0] == 'consent').at(-1), ['consent', 'update', update(false, false)]);
    await sleep(300);
    assert.deepEqual(await trackerCookies(x.context), []);
    assert.equal(x.hits(/facebook/).length, 0);
    await x.context.close();
  });

  test('advanced: a GA4 integration of the site is loaded before a choice, with the default first', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/advanced-integration');
    await waitForBanner(x.page);
    await waitFor(async () => x.hits(/gtag\/js\?id=G-TEST1234/).length == 1, 5000, 'gtag.js before consent');
    await waitFor(async () => x.hits(/g\/collect/).length > 0, 5000, 'GA4 ping');
    assert.match(x.hits(/g\/collect/)[0].url, /gcs=G100/);
    const o = await order(x.page);
    assert.deepEqual(o.slice(0, 2), ['consent default', 'set ads_data_redaction']);
    assert.ok(o.indexOf('config G-TEST1234') > 1, o.join(' | '));
    await choose(x.page, 'all');
    await x.page.waitForFunction(() => (window as any).samtykke.consent);
    assert.deepEqual((await dataLayer(x.page)).filter((e) => e[0] == 'consent').at(-1), ['consent', 'update', update(true, true)]);
    await sleep(300);
    assert.equal(x.hits(/gtag\/js\?id=G-TEST1234/).length, 1, 'loaded once, not again on the grant');
    await x.context.close();
  });
});

test('injected by the GTM template (?gtm=1): the site id from the src, no Consent Mode calls of its own, no second container, and every decision reaches samtykke.on', async () => {
  const x = await newContext(browser);
  await x.page.goto(pages.origin + '/via-gtm-template');
  await waitForBanner(x.page);
  await action(x.page, 'accept-all');
  await waitFor(async () => (await x.page.evaluate(() => (window as any).__changes.length)) == 1, 5000, 'the change reached the listener');
  assert.deepEqual(await x.page.evaluate(() => (window as any).__changes[0]), { necessary: true, statistics: true, marketing: true });
  // Only the template's own default: the snippet pushed no default, update or set.
  assert.deepEqual(
    (await order(x.page)).filter((e) => e.startsWith('consent') || e.startsWith('set')),
    ['consent default'],
  );
  // The site's GTM integration is the container already running: not loaded again.
  assert.equal(x.hits(/gtm\.js/).length, 0);
  assert.equal((await x.page.evaluate(() => (window as any).samtykke.consentId))?.length, 36);
  await x.context.close();
});
