// Gating, vendor semantics, withdrawal and receipts, against the real
// consentd in real Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import {
  Consentd,
  INTEGRATIONS,
  Pages,
  SNIPPETS,
  allSnippets,
  hjStorage,
  launch,
  newContext,
  shopPage,
  sleep,
  trackerCookies,
  waitFor,
  waitForBanner,
  type Ctx,
} from './harness.ts';

const c = new Consentd();
const pages = new Pages();
let browser: Browser;
let integ: { id: string };
let plain: { id: string };

const PRELOADABLE = /^(https:\/\/www\.googletagmanager\.com\/gtag\/js|http:\/\/js\.hs-scripts\.com\/)/;

before(async () => {
  await c.start();
  await pages.start();
  const base = { origins: [pages.origin], default_language: 'en', privacy_policy_url: pages.origin + '/privacy' };
  integ = await c.createSite({
    name: 'Shop',
    ...base,
    integrations: INTEGRATIONS,
  });
  plain = await c.createSite({ name: 'Shop with its own tags', ...base });
  // 1. Integrations configured on the site: the page has no vendor code.
  pages.routes.set('/integrations', () => shopPage({ consentd: c.url, site: integ.id }));
  pages.routes.set('/other', (u) => shopPage({ consentd: c.url, site: u.searchParams.get('site') || integ.id, title: 'Other' }));
  pages.routes.set('/privacy', () => '<!doctype html><title>Privacy</title><h1>Privacy policy</h1>');
  // 3. The vendors' own snippets, unmodified, after samtykke.js.
  pages.routes.set('/snippets', () => shopPage({ consentd: c.url, site: plain.id, head: allSnippets() }));
  // Only the snippets that load through document.createElement.
  pages.routes.set('/loaders', () => shopPage({ consentd: c.url, site: plain.id, head: SNIPPETS.gtm + SNIPPETS.meta + SNIPPETS.hotjar }));
  // 2. Tags the owner marked.
  pages.routes.set('/js/stats.js', () => ({
    body: "window.__order.push('stats-external')",
    headers: { 'Content-Type': 'text/javascript' },
  }));
  pages.routes.set('/owner', () =>
    shopPage({
      consentd: c.url,
      site: plain.id,
      head: `<script>window.__order = []; window.__page = Math.random();</script>
<script type="text/plain" data-samtykke="necessary">window.__order.push('necessary')</script>
<script type="text/plain" data-samtykke="statistics">window.__order.push('stats-inline-1')</script>
<script type="text/plain" data-samtykke="statistics" src="/js/stats.js"></script>
<script type="text/plain" data-samtykke="statistics">window.__order.push('stats-inline-2')</script>
<script type="text/plain" data-samtykke="marketing">window.__order.push('marketing-inline')</script>`,
      body: `<template data-samtykke="marketing"><img id="pixel" alt="" src="https://www.facebook.com/tr?id=1234567890123&ev=OwnerTemplate"><script>window.__order.push('marketing-template')</script></template>`,
    }),
  );
  browser = await launch();
});

after(async () => {
  await browser?.close();
  pages.close();
  await c.close();
});

const action = (p: Page, a: string) => p.locator(`#samtykke-banner [data-samtykke-action=${a}]`).click();

async function chooseOnly(p: Page, purpose: 'statistics' | 'marketing') {
  await action(p, 'customize');
  await p.locator(`#samtykke-banner [role=switch][data-purpose=${purpose}]`).click();
  await action(p, 'save');
}

async function dataLayer(p: Page): Promise<any[]> {
  return p.evaluate(() =>
    (window as any).dataLayer.map((a: any) => (Object.prototype.toString.call(a) == '[object Arguments]' ? Array.from(a) : a)),
  );
}

async function nothingLoaded(x: Ctx) {
  assert.deepEqual(await trackerCookies(x.context), [], 'no tracker cookies');
  assert.deepEqual(await hjStorage(x.page), [], 'no _hj storage keys');
  const g = await x.page.evaluate(() => {
    const w = window as any;
    return {
      ran: ['__gtagLoaded', '__gtmLoaded', '__hotjarLoaded', '__fbLoaded', '__hubspotLoaded'].filter((k) => w[k]),
      trackerScripts: Array.from(document.querySelectorAll('script[src]'), (s) => (s as HTMLScriptElement).src).filter((s) =>
        /googletagmanager|hotjar|facebook|hs-scripts|hs-analytics/.test(s),
      ),
      consent: w.samtykke.consent,
    };
  });
  assert.deepEqual(g, { ran: [], trackerScripts: [], consent: null });
  assert.equal(
    (await x.context.cookies()).find((k) => k.name == 'samtykke'),
    undefined,
    'no choice stored',
  );
}

describe('before any decision', () => {
  test('zero tracker requests, cookies or storage, whatever the visitor does short of choosing (integrations)', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/integrations');
    await waitForBanner(x.page);
    await x.page.mouse.wheel(0, 2000);
    await x.page.keyboard.press('Escape');
    await x.page.mouse.click(900, 200);
    await sleep(1500);
    assert.ok(await x.page.locator('#samtykke-banner [role=dialog]').isVisible(), 'still asking');
    await nothingLoaded(x);
    await x.page.evaluate(() => window.scrollTo(0, 0));
    await x.page.click('#internal');
    await waitForBanner(x.page);
    assert.equal(await x.page.title(), 'Other');
    await sleep(800);
    await nothingLoaded(x);
    assert.deepEqual(x.requests, []);
    await x.context.close();
  });

  test('zero tracker requests and no tracker code with the unmodified GTM, Meta Pixel and Hotjar loaders', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/loaders');
    await waitForBanner(x.page);
    await sleep(1500);
    await nothingLoaded(x);
    assert.deepEqual(x.requests, []);
    // Meta: 'revoke' is queued before 'init'.
    const q = await x.page.evaluate(() => (window as any).fbq.queue.map((a: any) => Array.from(a).slice(0, 2).join(' ')));
    assert.deepEqual(q, ['consent revoke', 'init 1234567890123', 'track PageView']);
    await x.context.close();
  });

  test('the unmodified parser-inserted <script src> tags (gtag.js, HubSpot): fetched by the preload scanner, never run', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/snippets');
    await waitForBanner(x.page);
    await sleep(1500);
    await nothingLoaded(x);
    const blocked = await x.page.evaluate(() =>
      Array.from(document.querySelectorAll('script[data-samtykke-src]'), (s) => s.getAttribute('type')),
    );
    assert.deepEqual(
      blocked,
      ['text/plain', 'text/plain', 'text/plain', 'text/plain', 'text/plain'],
      'gtag, GTM, Meta, HubSpot and Hotjar held',
    );
    // Chromium's preload scanner reads ahead while samtykke.js downloads and
    // fetches these two before any script can run: a limit no script can
    // lift (README). Marked tags and site integrations make no request at all.
    for (const r of x.requests) assert.match(r.url, PRELOADABLE);
    await x.context.close();
  });

  test('owner-marked tags stay inert; "necessary" ones run at once', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/owner');
    await waitForBanner(x.page);
    await sleep(800);
    assert.deepEqual(await x.page.evaluate(() => (window as any).__order), ['necessary']);
    assert.equal(await x.page.locator('#pixel').count(), 0);
    assert.deepEqual(x.requests, []);
    await x.context.close();
  });
});

for (const path of ['/integrations', '/snippets']) {
  describe(`one purpose at a time (${path})`, () => {
    test('statistics alone loads GA4 and Hotjar, and nothing of Meta or HubSpot', async () => {
      const x = await newContext(browser);
      await x.page.goto(pages.origin + path);
      await waitForBanner(x.page);
      const t0 = Date.now();
      await chooseOnly(x.page, 'statistics');
      await waitFor(
        async () => x.hits(/google-analytics\.com\/g\/collect/).length > 0 && x.hits(/in\.hotjar\.com/).length > 0,
        8000,
        'GA4 and Hotjar hits',
      );
      await sleep(1000);
      const after = x.requests.filter((r) => r.at >= t0).map((r) => r.url);
      assert.ok(
        after.some((u) => u.startsWith('https://www.googletagmanager.com/gtag/js?id=G-TEST1234')),
        'gtag.js',
      );
      assert.ok(
        after.some((u) => u.startsWith('https://static.hotjar.com/c/hotjar-1234567.js')),
        'Hotjar',
      );
      assert.match(x.hits(/g\/collect/)[0].url, /gcs=G101/, 'GA4 hit with analytics granted and ads denied');
      for (const u of after) assert.doesNotMatch(u, /connect\.facebook\.net|facebook\.com\/tr|hs-scripts|hs-analytics|doubleclick/, u);
      const names = (await trackerCookies(x.context)).map((k) => k.name);
      assert.ok(names.includes('_ga') && !names.includes('_fbp') && !names.includes('__hstc'), names.join());
      assert.deepEqual(await x.page.evaluate(() => (window as any).samtykke.consent), {
        necessary: true,
        statistics: true,
        marketing: false,
      });
      await x.context.close();
    });

    test('marketing alone loads Meta Pixel and HubSpot, and nothing of GA4 or Hotjar', async () => {
      const x = await newContext(browser);
      await x.page.goto(pages.origin + path);
      await waitForBanner(x.page);
      const t0 = Date.now();
      await chooseOnly(x.page, 'marketing');
      await waitFor(async () => x.hits(/facebook\.com\/tr/).length > 0 && x.hits(/hs-analytics\.net/).length > 0, 8000, 'Meta and HubSpot');
      await sleep(1000);
      const after = x.requests.filter((r) => r.at >= t0).map((r) => r.url);
      assert.ok(
        after.some((u) => u == 'https://connect.facebook.net/en_US/fbevents.js'),
        'fbevents.js',
      );
      assert.ok(
        after.some((u) => /js\.hs-scripts\.com\/7654321\.js/.test(u)),
        'HubSpot loader',
      );
      for (const u of after) assert.doesNotMatch(u, /hotjar|google-analytics|gtag\/js/, u);
      const hsp = await x.page.evaluate(() => JSON.parse(sessionStorage.getItem('test_hsp') || 'null'));
      assert.deepEqual(hsp, ['setHubSpotConsent', { analytics: false, advertisement: true, functionality: true }]);
      assert.equal(await x.page.evaluate(() => (window as any).disableHubSpotCookieBanner), true);
      await x.context.close();
    });
  });
}

test('owner-marked tags run in document order once granted, without a reload', async () => {
  const x = await newContext(browser);
  await x.page.goto(pages.origin + '/owner');
  await waitForBanner(x.page);
  const pageId = await x.page.evaluate(() => (window as any).__page);
  await x.page.evaluate(() => (window as any).samtykke.accept(['statistics']));
  await x.page.waitForFunction(() => (window as any).__order.length >= 4);
  await sleep(300);
  assert.deepEqual(await x.page.evaluate(() => (window as any).__order), [
    'necessary',
    'stats-inline-1',
    'stats-external',
    'stats-inline-2',
  ]);
  assert.equal(await x.page.locator('#pixel').count(), 0, 'the marketing template is untouched');
  // Marketing granted later, from the settings layer.
  await x.page.click('#open-link');
  await x.page.locator('#samtykke-banner [role=switch][data-purpose=marketing]').click();
  await action(x.page, 'save');
  await x.page.waitForFunction(() => (window as any).__order.includes('marketing-template'));
  assert.deepEqual((await x.page.evaluate(() => (window as any).__order)).slice(4), ['marketing-inline', 'marketing-template']);
  assert.equal(await x.page.locator('#pixel').count(), 1);
  await waitFor(async () => x.hits(/ev=OwnerTemplate/).length == 1, 5000, 'the template pixel');
  assert.equal(await x.page.evaluate(() => (window as any).__page), pageId, 'same page, no reload');
  await x.context.close();
});

describe('Google Consent Mode, Meta and HubSpot signals', () => {
  test('default comes first, the stored choice follows at once on the next page, redaction while marketing is denied', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/snippets');
    await waitForBanner(x.page);
    let dl = await dataLayer(x.page);
    assert.deepEqual(dl[0], [
      'consent',
      'default',
      {
        ad_storage: 'denied',
        ad_user_data: 'denied',
        ad_personalization: 'denied',
        analytics_storage: 'denied',
        functionality_storage: 'denied',
        personalization_storage: 'denied',
        security_storage: 'granted',
        wait_for_update: 500,
      },
    ]);
    const firstTag = (d: any[]) => d.findIndex((e) => (Array.isArray(e) && (e[0] == 'config' || e[0] == 'event')) || e?.event == 'gtm.js');
    assert.ok(firstTag(dl) > 0, 'config and gtm.js come after the default');
    assert.ok(dl.slice(0, firstTag(dl)).some((e) => Array.isArray(e) && e[0] == 'set' && e[1] == 'ads_data_redaction' && e[2] === true));
    await chooseOnly(x.page, 'statistics');
    dl = await dataLayer(x.page);
    assert.ok(dl.some((e) => e?.event == 'samtykke_consent_update' && e.samtykke.statistics === true && e.samtykke.marketing === false));

    await x.page.reload();
    await x.page.waitForFunction(() => (window as any).samtykke.consent);
    dl = await dataLayer(x.page);
    assert.equal(dl[0][1], 'default');
    const update = dl.findIndex((e) => Array.isArray(e) && e[0] == 'consent' && e[1] == 'update');
    assert.ok(update > 0 && update < firstTag(dl), 'update before config and gtm.js');
    assert.deepEqual(dl[update][2], {
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'granted',
    });
    assert.ok(dl.slice(0, firstTag(dl)).some((e) => Array.isArray(e) && e[0] == 'set' && e[1] == 'ads_data_redaction' && e[2] === true));
    assert.equal(await x.page.locator('#samtykke-banner').count(), 0, 'no banner for a returning visitor');
    // Meta is told 'revoke' on this page too, before init.
    const q = await x.page.evaluate(() => (window as any).fbq.queue.map((a: any) => Array.from(a).slice(0, 2).join(' ')));
    assert.deepEqual(q.slice(0, 2), ['consent revoke', 'init 1234567890123']);
    assert.ok(!x.hits(/fbevents|hs-scripts/).some((r) => !PRELOADABLE.test(r.url)), 'no Meta or HubSpot');
    const hsp = await x.page.evaluate(() => (window as any)._hsp);
    assert.deepEqual(hsp.at(-1), ['setHubSpotConsent', { analytics: true, advertisement: false, functionality: false }]);
    await x.context.close();
  });

  test('with marketing granted, every page tells Meta "grant" and HubSpot its consent', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/snippets');
    await waitForBanner(x.page);
    await action(x.page, 'accept-all');
    await x.page.goto(pages.origin + '/other?site=' + plain.id);
    await x.page.goto(pages.origin + '/snippets');
    await waitFor(async () => (await x.page.evaluate(() => sessionStorage.getItem('test_hsp'))) != null, 5000, 'HubSpot consent');
    await x.page.waitForFunction(() => (window as any).__fbLoaded);
    const log: string[] = await x.page.evaluate(() => JSON.parse(sessionStorage.getItem('test_fbq') || '[]'));
    assert.ok(log.lastIndexOf('consent grant') > log.lastIndexOf('consent revoke'), log.join(' | '));
    assert.deepEqual(await x.page.evaluate(() => JSON.parse(sessionStorage.getItem('test_hsp')!)), [
      'setHubSpotConsent',
      { analytics: true, advertisement: true, functionality: true },
    ]);
    const dl = await dataLayer(x.page);
    assert.ok(!dl.some((e) => Array.isArray(e) && e[1] == 'ads_data_redaction' && e[2] === true), 'no redaction with marketing granted');
    await x.context.close();
  });
});

describe('withdrawal', () => {
  test('deletes the cookies on the parent domain and _hj storage, reloads, and nothing loads afterwards', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/integrations');
    await waitForBanner(x.page);
    await action(x.page, 'accept-all');
    await waitFor(async () => (await trackerCookies(x.context)).length >= 6, 8000, 'vendor cookies');
    const before = (await trackerCookies(x.context)).map((k) => `${k.name}@${k.domain}`).sort();
    assert.deepEqual(before, [
      '__hstc@.shop.test',
      '_fbp@.shop.test',
      '_ga@.shop.test',
      '_ga_TEST1234@.shop.test',
      '_hjSessionUser_1234567@.shop.test',
      '_hjSession_1234567@.shop.test',
      '_hjTLDTest@www.shop.test',
      'hubspotutk@.shop.test',
    ]);
    assert.ok((await hjStorage(x.page)).length >= 2);
    const consentId: string = await x.page.evaluate(() => (window as any).samtykke.consentId);

    // One click on the persistent button, one on "Reject all".
    await x.page.locator('#samtykke-settings button').click();
    const reloaded = x.page.waitForEvent('load');
    await action(x.page, 'reject-all');
    await reloaded;
    const t0 = Date.now();
    await sleep(2000);
    assert.deepEqual(await trackerCookies(x.context), [], 'all tracker cookies deleted, on .shop.test too');
    assert.deepEqual(await hjStorage(x.page), []);
    assert.equal(await x.page.evaluate(() => localStorage.getItem('shop_cart')), '2 boots', "the shop's own storage is left alone");
    assert.ok(
      (await x.context.cookies()).some((k) => k.name == '__hs_do_not_track'),
      'HubSpot was told doNotTrack',
    );
    assert.ok((await x.page.evaluate(() => sessionStorage.getItem('test_fbq')))!.includes('consent revoke'), 'Meta was told revoke');
    assert.deepEqual(
      x.requests.filter((r) => r.at >= t0),
      [],
      'no tracker request after the reload',
    );
    assert.equal(await x.page.locator('#samtykke-banner').count(), 0, 'no banner: the visitor has chosen');
    assert.deepEqual(await x.page.evaluate(() => (window as any).samtykke.consent), {
      necessary: true,
      statistics: false,
      marketing: false,
    });

    await waitFor(async () => (await c.receipts(integ.id, consentId)).length == 2, 5000, 'two receipts');
    await sleep(500);
    const receipts = await c.receipts(integ.id, consentId);
    assert.deepEqual(
      receipts.map((r) => [r.action, r.surface, r.choices.statistics, r.choices.marketing]),
      [
        ['accept_all', 'banner', true, true],
        ['withdraw', 'settings', false, false],
      ],
    );
    assert.equal(receipts[1].previous_receipt_id, receipts[0].receipt_id);
    assert.equal(receipts[0].page_url, pages.origin + '/integrations');
    assert.equal(receipts[0].language, 'en');
    assert.equal(receipts[0].gpc, false);
    await x.context.close();
  });

  test('withdrawing statistics alone keeps marketing cookies, on the unmodified snippets page', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/snippets');
    await waitForBanner(x.page);
    await action(x.page, 'accept-all');
    await waitFor(async () => (await trackerCookies(x.context)).length >= 8, 8000, 'vendor cookies');
    await x.page.click('#open-link');
    await x.page.locator('#samtykke-banner [role=switch][data-purpose=statistics]').click();
    const reloaded = x.page.waitForEvent('load');
    await action(x.page, 'save');
    await reloaded;
    await sleep(1500);
    const names = (await trackerCookies(x.context)).map((k) => k.name).sort();
    assert.deepEqual(names, ['__hstc', '_fbp', 'hubspotutk']);
    assert.deepEqual(await hjStorage(x.page), []);
    const ran = await x.page.evaluate(() => ({
      ga: (window as any).__gtagLoaded,
      hj: (window as any).__hotjarLoaded,
      fb: (window as any).__fbLoaded,
    }));
    assert.deepEqual(ran, { ga: undefined, hj: undefined, fb: 1 });
    await x.context.close();
  });
});

test('a receipt reaches the server exactly once, also when the server was down at the moment of decision', async () => {
  const x = await newContext(browser);
  await x.page.goto(pages.origin + '/integrations');
  await waitForBanner(x.page);
  await c.stop();
  await action(x.page, 'accept-all');
  // The UI did not wait for the network.
  assert.equal(await x.page.locator('#samtykke-banner').count(), 0);
  assert.deepEqual(await x.page.evaluate(() => (window as any).samtykke.consent), { necessary: true, statistics: true, marketing: true });
  await sleep(500);
  const consentId: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
  const queued = await x.page.evaluate(() => JSON.parse(localStorage.getItem('samtykke_outbox') || '[]'));
  assert.equal(queued.length, 1);
  await c.start();
  assert.deepEqual(await c.receipts(integ.id, consentId), []);
  await x.page.reload();
  await waitFor(async () => (await x.page.evaluate(() => localStorage.getItem('samtykke_outbox'))) == null, 8000, 'the outbox to empty');
  await x.page.reload();
  await sleep(1000);
  const receipts = await c.receipts(integ.id, consentId);
  assert.equal(receipts.length, 1);
  assert.equal(receipts[0].receipt_id, queued[0].id);
  assert.equal(receipts[0].action, 'accept_all');
  await x.context.close();
});

test('a receipt still in the outbox leaves with sendBeacon when the visitor navigates away', async () => {
  const x = await newContext(browser);
  const isReceipt = (u: URL) => u.href.startsWith(c.url) && u.pathname.endsWith('/receipts');
  const failing = (route: import('playwright-core').Route) => route.abort();
  await x.context.route(isReceipt, failing);
  await x.page.goto(pages.origin + '/integrations');
  await waitForBanner(x.page);
  await action(x.page, 'reject-all');
  await sleep(500);
  const consentId: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
  assert.equal((await x.page.evaluate(() => JSON.parse(localStorage.getItem('samtykke_outbox') || '[]'))).length, 1);
  assert.deepEqual(await c.receipts(integ.id, consentId), []);
  await x.context.unroute(isReceipt, failing);
  // /privacy has no samtykke.js, so only the pagehide beacon can deliver it.
  await x.page.goto(pages.origin + '/privacy');
  await waitFor(async () => (await c.receipts(integ.id, consentId)).length == 1, 5000, 'the beaconed receipt');
  assert.equal((await c.receipts(integ.id, consentId))[0].action, 'reject_all');
  await x.context.close();
});
