// The checks that must hold in every browser engine a visitor may use:
// gating (integrations, the vendors' unmodified snippets, owner-marked tags,
// tags injected later), "Reject all" and "Accept all", one purpose at a time,
// Consent Mode order, withdrawal, the outbox, and accessibility. One file per
// engine (engine-*.test.ts) calls everyEngine(name), so node's test runner
// runs the engines side by side in separate processes.
//
// The checks come in two halves, one file each (engine-<name>.test.ts and
// engine-<name>-decided.test.ts), so that the slow engines' halves run side
// by side too; each half starts its own consentd, proxy and browser.
//
// All traffic goes through the RecordingProxy: the shop is
// http://www.shop.test:<port>, consentd is reached as http://consent.test:<port>
// (so a test can refuse its receipts), and every vendor host is answered by
// the same stubs the Chromium suites use.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchEngine, type Engine, type EngineName, type Tab } from './engines.ts';
import {
  Consentd,
  INTEGRATIONS,
  Pages,
  SCREENSHOTS,
  SHOP,
  TRACKER_COOKIE,
  allSnippets,
  axeSource,
  isTracker,
  shopPage,
  vendorAnswer,
  waitFor,
} from './harness.ts';
import { RecordingProxy } from './proxy.ts';

/**
 * Tags written straight into the HTML that a browser's preload scanner may
 * fetch while samtykke.js is still loading. Such a fetch carries no cookie
 * and no consent-relevant data of the page yet, and the script never runs:
 * "fetched, never run" is the documented limit (README).
 */
export const PRELOADABLE = /^(https:\/\/www\.googletagmanager\.com\/gtag\/js|http:\/\/js\.hs-scripts\.com\/)/;

const RAN = ['__gtagLoaded', '__gtmLoaded', '__hotjarLoaded', '__fbLoaded', '__hubspotLoaded'];

/** Which half of the checks a file runs: up to the first decision, or from it on. */
export type Half = 'undecided' | 'decided';

export function everyEngine(name: EngineName, half: Half) {
  // describe and test, or nothing when the section belongs to the other half.
  const undecided = { describe: half == 'undecided' ? describe : () => {} };
  const decided = { describe: half == 'decided' ? describe : () => {}, test: half == 'decided' ? test : () => {} };
  const c = new Consentd();
  const pages = new Pages();
  const proxy = new RecordingProxy({
    local: (h) => h == SHOP || h == 'consent.test',
    answer: (r) => vendorAnswer(r.url, r.accept.startsWith('image/')),
  });
  let engine: Engine;
  let integ: { id: string };
  let plain: { id: string };
  const consentd = () => `http://consent.test:${c.port}`;
  const trackerHits = (since = 0) => proxy.requests.filter((r) => r.at >= since && isTracker(r.url)).map((r) => r.url);
  const shot = (t: Tab, what: string) => t.screenshot(join(SCREENSHOTS, `${name}-${what}.png`));

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await Promise.all([c.start(), pages.start(), proxy.start()]);
    const base = { origins: [pages.origin], default_language: 'en', privacy_policy_url: pages.origin + '/privacy' };
    integ = await c.createSite({
      name: 'Shop',
      ...base,
      integrations: INTEGRATIONS,
    });
    plain = await c.createSite({ name: 'Shop with its own tags', ...base });
    const page =
      (site: string, head = '', body = '') =>
      () =>
        shopPage({ consentd: consentd(), site, head, body });
    pages.routes.set('/integrations', page(integ.id));
    pages.routes.set('/snippets', page(plain.id, allSnippets()));
    // The same page arriving in two parts, the vendor tags only once samtykke.js
    // has run: the parser then inserts them in one go, as on a slow network.
    let partOneRan = () => {};
    pages.routes.set('/snippets-late-part', () => {
      const html = shopPage({ consentd: consentd(), site: plain.id, head: '<!--rest-->' + allSnippets() });
      const at = html.indexOf('<!--rest-->');
      const ran = new Promise<void>((r) => (partOneRan = r));
      // WebKit parses nothing of a response before its first kilobytes: pad the first part.
      const pad = `<!--${' '.repeat(4096)}-->`;
      return { body: html.slice(0, at) + pad + "<script>fetch('/part-one-ran')</script>", rest: ran.then(() => html.slice(at)) };
    });
    pages.routes.set('/part-one-ran', () => (partOneRan(), { body: '', status: 204 }));
    pages.routes.set('/privacy', () => '<!doctype html><html lang="en"><title>Privacy</title><h1>Privacy policy</h1></html>');
    pages.routes.set('/js/stats.js', () => ({
      body: "window.__order.push('stats-external')",
      headers: { 'Content-Type': 'text/javascript' },
    }));
    pages.routes.set(
      '/owner',
      page(
        plain.id,
        `<script>window.__order = [];</script>
<script type="text/plain" data-samtykke="necessary">window.__order.push('necessary')</script>
<script type="text/plain" data-samtykke="statistics">window.__order.push('stats-inline-1')</script>
<script type="text/plain" data-samtykke="statistics" src="/js/stats.js"></script>
<script type="text/plain" data-samtykke="statistics">window.__order.push('stats-inline-2')</script>
<script type="text/plain" data-samtykke="marketing">window.__order.push('marketing-inline')</script>`,
        `<script type="text/html" data-samtykke="marketing"><img id="pixel" alt="" src="https://www.facebook.com/tr?id=1234567890123&ev=OwnerTemplate"><script>window.__order.push('marketing-template')<\\/script></script>`,
      ),
    );
    pages.routes.set(
      '/owner-template',
      page(
        plain.id,
        '',
        `<template data-samtykke="marketing"><img id="pixel" alt="" src="https://www.facebook.com/tr?id=1234567890123&ev=InTemplate"></template>`,
      ),
    );
    // Tags that arrive after samtykke.js by other ways than the page's HTML:
    // document.write (parser-inserted, as old loaders do), a script created
    // and inserted later, one whose src is set after insertion, and a parsed
    // fragment (tag managers' custom HTML).
    pages.routes.set(
      '/late',
      page(
        plain.id,
        `<script>document.write('<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST1234"><\\/script>');</script>`,
        `<script>
addEventListener('load', function () {
  setTimeout(function () {
    var s = document.createElement('script'); s.async = true; s.src = 'https://www.googletagmanager.com/gtm.js?id=GTM-LATE'; document.body.appendChild(s);
    var h = document.createElement('script'); document.body.appendChild(h); h.setAttribute('src', 'https://static.hotjar.com/c/hotjar-1234567.js?sv=6');
    document.body.appendChild(document.createRange().createContextualFragment('<script src="http://js.hs-scripts.com/7654321.js"><\\/script>'));
    window.__lateDone = true;
  }, 50);
});
</script>`,
      ),
    );
    engine = await launchEngine(name, proxy);
  });

  after(async () => {
    await engine?.close();
    await proxy.close();
    pages.close();
    await c.close();
  });

  /** Waits until fn, run in the page, returns something truthy (errors while a page navigates count as not yet). */
  async function until<T>(t: Tab, fn: () => T, what: string, ms = 10000): Promise<T> {
    let v: T | undefined;
    await waitFor(async () => !!(v = await t.eval(fn)), ms, `${name}: ${what}`);
    return v!;
  }

  /** Waits until fn, run here, is true. */
  const untilHost = (fn: () => Promise<boolean> | boolean, what: string) => waitFor(async () => await fn(), 10000, `${name}: ${what}`);

  // Windows a test opened, closed after it whether it passed or not.
  const tabs: Tab[] = [];
  afterEach(async () => {
    for (const t of tabs.splice(0)) await t.close().catch(() => {});
  });

  /** A fresh private window on path, with the banner up; the proxy's record starts now. */
  async function open(path: string): Promise<Tab> {
    const t = await engine.open();
    tabs.push(t);
    proxy.requests = [];
    await t.goto(pages.origin + path);
    await bannerShown(t);
    return t;
  }

  const bannerShown = (t: Tab) =>
    until(
      t,
      () => {
        const d = document.getElementById('samtykke-banner')?.shadowRoot?.querySelector('[role=dialog]') as HTMLElement | null;
        return !!d && d.getBoundingClientRect().height > 0;
      },
      'the banner',
    );

  /** Some time for anything that would run to run: the page's load, then two more round trips to consentd. */
  async function settle(t: Tab) {
    await until(t, () => document.readyState == 'complete', 'load');
    for (let i = 0; i < 2; i++) await t.eval((u) => fetch(u + '/healthz', { mode: 'no-cors' }).then((r) => r.status), consentd());
  }

  const act = (t: Tab, a: string) => t.click(`#samtykke-banner [data-samtykke-action=${a}]`);

  async function chooseOnly(t: Tab, purpose: 'statistics' | 'marketing') {
    await act(t, 'customize');
    await until(t, () => !!document.getElementById('samtykke-banner')?.shadowRoot?.querySelector('[role=switch]'), 'the settings layer');
    await t.click(`#samtykke-banner [role=switch][data-purpose=${purpose}]`);
    await act(t, 'save');
  }

  async function trackerCookies(t: Tab) {
    return (await t.cookies())
      .filter((k) => TRACKER_COOKIE.test(k.name))
      .map((k) => `${k.name}@${k.domain.replace(/^\./, '')}`)
      .sort();
  }

  async function nothingRan(t: Tab, what: string) {
    const g = await t.eval((ran: string[]) => {
      const w = window as any;
      return {
        ran: ran.filter((k) => w[k]),
        storage: [...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter((k) => k.startsWith('_hj')),
        live: Array.from(document.querySelectorAll('script[src]'), (s) => (s as HTMLScriptElement).src).filter((s) =>
          /googletagmanager|hotjar|facebook|hs-scripts|hs-analytics/.test(s),
        ),
      };
    }, RAN);
    assert.deepEqual(g, { ran: [], storage: [], live: [] }, what);
    assert.deepEqual(await trackerCookies(t), [], `${what}: no tracker cookies`);
  }

  const reloadedAfter = async (t: Tab, click: () => Promise<void>) => {
    await t.eval(() => ((window as any).__before = 1));
    await click();
    await until(t, () => !(window as any).__before && document.readyState == 'complete', 'the reload');
  };

  undecided.describe(`${name}: before any decision`, () => {
    test('site integrations: zero tracker requests, cookies or storage', async () => {
      const t = await open('/integrations');
      await settle(t);
      await nothingRan(t, 'integrations');
      assert.deepEqual(trackerHits(), []);
      await t.close();
    });

    test("the five vendors' unmodified snippets: none runs; only the preloadable <script src> tags may be fetched", async () => {
      const t = await open('/snippets');
      await settle(t);
      await nothingRan(t, 'snippets');
      const held = await t.eval(() => Array.from(document.querySelectorAll('script[data-samtykke-src]'), (s) => s.getAttribute('type')));
      assert.deepEqual(
        held,
        ['text/plain', 'text/plain', 'text/plain', 'text/plain', 'text/plain'],
        'gtag, GTM, Meta, HubSpot and Hotjar held',
      );
      // Fetched, never run: see PRELOADABLE.
      for (const u of trackerHits()) assert.match(u, PRELOADABLE);
      await shot(t, 'banner-on-snippets');
      await t.close();
    });

    test('the same snippets arriving after samtykke.js has run (a slow network): none runs', async () => {
      const t = await open('/snippets-late-part');
      await settle(t);
      await nothingRan(t, 'late part');
      for (const u of trackerHits()) assert.match(u, PRELOADABLE);
      await t.close();
    });

    test('owner-marked tags stay inert; "necessary" ones run at once', async () => {
      const t = await open('/owner');
      await settle(t);
      assert.deepEqual(await t.eval(() => (window as any).__order), ['necessary']);
      assert.equal(await t.eval(() => !!document.getElementById('pixel')), false);
      assert.deepEqual(trackerHits(), []);
      await t.close();
    });

    test('markup in a marked <template> is not inserted; only Firefox fetches an <img> in it (fetched, never shown)', async () => {
      const t = await open('/owner-template');
      await settle(t);
      assert.equal(await t.eval(() => !!document.getElementById('pixel')), false);
      // Firefox's preload scanner reads into <template>; <script type="text/html"> (above) avoids it in every engine.
      assert.deepEqual(trackerHits(), name == 'firefox' ? ['https://www.facebook.com/tr?id=1234567890123&ev=InTemplate'] : []);
      await t.close();
    });

    test('tags that arrive later (document.write, created and inserted after load, src set after insertion, a parsed fragment) do not run', async () => {
      const t = await open('/late');
      await until(t, () => (window as any).__lateDone, 'the late tags');
      await settle(t);
      await nothingRan(t, 'late tags');
      // document.write hands the tag to the preload scanner, as the page's HTML does.
      for (const u of trackerHits()) assert.match(u, PRELOADABLE);
      await t.close();
    });
  });

  decided.describe(`${name}: decisions`, () => {
    test('"Reject all": nothing runs, on this page or the next', async () => {
      const t = await open('/snippets');
      await act(t, 'reject-all');
      await until(t, () => !document.getElementById('samtykke-banner'), 'the banner to close');
      const t0 = Date.now();
      await settle(t);
      await nothingRan(t, 'after reject');
      assert.deepEqual(trackerHits(t0), [], 'no tracker request after the choice');
      await t.goto(pages.origin + '/snippets');
      await until(t, () => (window as any).samtykke?.consent, 'the stored choice');
      await settle(t);
      await nothingRan(t, 'next page');
      assert.deepEqual(await t.eval(() => (window as any).samtykke.consent), { necessary: true, statistics: false, marketing: false });
      await t.close();
    });

    test('"Accept all" runs all five unmodified snippets once, without a reload', async () => {
      const t = await open('/snippets');
      await t.eval(() => ((window as any).__samePage = 1));
      await act(t, 'accept-all');
      await until(
        t,
        () => ['__gtagLoaded', '__gtmLoaded', '__hotjarLoaded', '__fbLoaded', '__hubspotLoaded'].every((k) => (window as any)[k]),
        'every vendor',
      );
      await untilHost(
        () => trackerHits().some((u) => /google-analytics\.com\/g\/collect.*gcs=G111/.test(u)),
        'a GA4 hit with consent granted',
      );
      const ran = await t.eval(() =>
        ['__gtagLoaded', '__gtmLoaded', '__hotjarLoaded', '__fbLoaded', '__hubspotLoaded', '__samePage'].map((k) => (window as any)[k]),
      );
      assert.deepEqual(ran, [1, 1, 1, 1, 1, 1], 'each once, same page');
      const names = (await trackerCookies(t)).map((k) => k.split('@')[0]);
      for (const n of ['_ga', '_fbp', '__hstc', 'hubspotutk']) assert.ok(names.includes(n), `${n} in ${names}`);
      await t.close();
    });

    test('statistics alone runs GA4 and Hotjar and nothing of Meta or HubSpot (snippets and integrations)', async () => {
      for (const path of ['/snippets', '/integrations']) {
        const t = await open(path);
        const t0 = Date.now();
        await chooseOnly(t, 'statistics');
        await untilHost(
          () =>
            trackerHits(t0).some((u) => /google-analytics\.com\/g\/collect/.test(u)) &&
            trackerHits(t0).some((u) => /in\.hotjar\.com/.test(u)),
          `${path}: GA4 and Hotjar hits`,
        );
        await settle(t);
        for (const u of trackerHits(t0))
          assert.doesNotMatch(u, /connect\.facebook\.net|facebook\.com\/tr|hs-scripts|hs-analytics|doubleclick/, `${path}: ${u}`);
        assert.match(trackerHits(t0).find((u) => /g\/collect/.test(u))!, /gcs=G101/, 'analytics granted, ads denied');
        assert.deepEqual(await t.eval(() => [!!(window as any).__fbLoaded, !!(window as any).__hubspotLoaded]), [false, false]);
        await t.close();
      }
    });

    test('owner-marked tags run in document order once granted, without a reload', async () => {
      const t = await open('/owner');
      await t.eval(() => (window as any).samtykke.accept(['statistics']));
      await until(t, () => (window as any).__order.length >= 4, 'the statistics tags');
      assert.deepEqual(await t.eval(() => (window as any).__order), ['necessary', 'stats-inline-1', 'stats-external', 'stats-inline-2']);
      assert.equal(await t.eval(() => !!document.getElementById('pixel')), false, 'the marketing template is untouched');
      await t.eval(() => (window as any).samtykke.accept(['statistics', 'marketing']));
      await until(t, () => (window as any).__order.includes('marketing-template'), 'the marketing tags');
      assert.deepEqual((await t.eval(() => (window as any).__order)).slice(4), ['marketing-inline', 'marketing-template']);
      await untilHost(() => trackerHits().some((u) => /ev=OwnerTemplate/.test(u)), 'the template pixel');
      await t.close();
    });

    test('tags that arrive later run once their purpose is granted', async () => {
      const t = await open('/late');
      await until(t, () => (window as any).__lateDone, 'the late tags');
      await act(t, 'accept-all');
      const all = ['__gtagLoaded', '__gtmLoaded', '__hotjarLoaded', '__hubspotLoaded'];
      await until(
        t,
        () => ['__gtagLoaded', '__gtmLoaded', '__hotjarLoaded', '__hubspotLoaded'].every((k) => (window as any)[k]),
        'gtag.js, GTM, Hotjar and HubSpot',
      );
      assert.deepEqual(await t.eval((ks: string[]) => ks.map((k) => (window as any)[k]), all), [1, 1, 1, 1], 'each once');
      await t.close();
    });
  });

  decided.test(`${name}: Consent Mode: default first, update on the decision, and on the next page before any config`, async () => {
    const t = await open('/snippets');
    const dataLayer = () =>
      t.eval(() =>
        (window as any).dataLayer.map((a: any) => (Object.prototype.toString.call(a) == '[object Arguments]' ? Array.from(a) : a)),
      );
    const firstTag = (d: any[]) => d.findIndex((e) => (Array.isArray(e) && (e[0] == 'config' || e[0] == 'event')) || e?.event == 'gtm.js');
    let dl = await dataLayer();
    assert.deepEqual(dl[0].slice(0, 2), ['consent', 'default']);
    assert.equal(dl[0][2].analytics_storage, 'denied');
    assert.equal(dl[0][2].ad_storage, 'denied');
    assert.ok(firstTag(dl) > 0, 'config and gtm.js after the default');
    await chooseOnly(t, 'statistics');
    await until(t, () => (window as any).samtykke.consent, 'the choice');
    dl = await dataLayer();
    const upd = dl.findIndex((e: any) => Array.isArray(e) && e[0] == 'consent' && e[1] == 'update');
    assert.ok(upd > firstTag(dl), 'the update follows the decision');
    assert.equal(dl[upd][2].analytics_storage, 'granted');
    assert.equal(dl[upd][2].ad_storage, 'denied');
    await t.goto(pages.origin + '/snippets');
    await until(t, () => (window as any).samtykke?.consent, 'the stored choice');
    dl = await dataLayer();
    assert.equal(dl[0][1], 'default');
    const next = dl.findIndex((e: any) => Array.isArray(e) && e[0] == 'consent' && e[1] == 'update');
    assert.ok(next > 0 && next < firstTag(dl), 'update before config and gtm.js');
    assert.equal(dl[next][2].analytics_storage, 'granted');
    await t.close();
  });

  decided.test(
    `${name}: withdrawal deletes the vendors' cookies on the parent domain and _hj storage, reloads, and nothing runs afterwards`,
    async () => {
      const t = await open('/integrations');
      await act(t, 'accept-all');
      await untilHost(async () => (await trackerCookies(t)).length >= 6, 'vendor cookies');
      await until(t, () => Object.keys(localStorage).some((k) => k.startsWith('_hj')), '_hj storage');
      const consentId: string = await t.eval(() => (window as any).samtykke.consentId);
      await t.click('#samtykke-settings button');
      await until(t, () => !!document.getElementById('samtykke-banner'), 'the settings layer');
      await reloadedAfter(t, () => act(t, 'reject-all'));
      const t0 = Date.now();
      await settle(t);
      assert.deepEqual(await trackerCookies(t), [], 'all tracker cookies deleted, on shop.test too');
      await nothingRan(t, 'after withdrawal');
      assert.equal(await t.eval(() => localStorage.getItem('shop_cart')), '2 boots', "the shop's own storage is left alone");
      assert.deepEqual(trackerHits(t0), [], 'no tracker request after the reload');
      await untilHost(async () => (await c.receipts(integ.id, consentId)).length == 2, 'two receipts');
      const receipts = await c.receipts(integ.id, consentId);
      assert.deepEqual(
        receipts.map((r) => [r.action, r.surface]),
        [
          ['accept_all', 'banner'],
          ['withdraw', 'settings'],
        ],
      );
      await t.close();
    },
  );

  decided.describe(`${name}: the outbox`, () => {
    test('a receipt reaches the server exactly once, also when it could not be sent at the moment of decision', async () => {
      proxy.refuse = (u) => u.pathname.endsWith('/receipts');
      try {
        const t = await open('/integrations');
        await act(t, 'accept-all');
        await until(t, () => (window as any).samtykke.consent, 'the choice');
        const consentId: string = await t.eval(() => (window as any).samtykke.consentId);
        const queued = await until(t, () => JSON.parse(localStorage.getItem('samtykke_outbox') || 'null'), 'the outbox');
        assert.equal(queued.length, 1);
        assert.deepEqual(await c.receipts(integ.id, consentId), []);
        proxy.refuse = undefined;
        await t.reload();
        await until(t, () => localStorage.getItem('samtykke_outbox') == null, 'the outbox to empty');
        await t.reload();
        await settle(t);
        const receipts = await c.receipts(integ.id, consentId);
        assert.deepEqual(
          receipts.map((r) => [r.receipt_id, r.action]),
          [[queued[0].id, 'accept_all']],
        );
        await t.close();
      } finally {
        proxy.refuse = undefined;
      }
    });

    test('a receipt still in the outbox leaves with sendBeacon when the visitor navigates away', async () => {
      proxy.refuse = (u) => u.pathname.endsWith('/receipts');
      try {
        const t = await open('/integrations');
        await act(t, 'reject-all');
        await until(t, () => JSON.parse(localStorage.getItem('samtykke_outbox') || '[]').length == 1, 'the outbox');
        const consentId: string = await t.eval(() => (window as any).samtykke.consentId);
        proxy.refuse = undefined;
        // /privacy has no samtykke.js, so only the pagehide beacon can deliver it.
        await t.goto(pages.origin + '/privacy');
        await untilHost(async () => (await c.receipts(integ.id, consentId)).length == 1, 'the beaconed receipt');
        assert.equal((await c.receipts(integ.id, consentId))[0].action, 'reject_all');
        await t.close();
      } finally {
        proxy.refuse = undefined;
      }
    });
  });

  decided.describe(`${name}: accessibility`, () => {
    test('a named dialog that takes focus; Tab reaches every control; Enter on "Reject all" rejects in one step', async () => {
      const t = await open('/integrations');
      const focused = () =>
        t.eval(() => {
          let a: Element | null = document.activeElement;
          while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
          return {
            role: a?.getAttribute('role'),
            action: a?.getAttribute('data-samtykke-action'),
            tag: a?.tagName.toLowerCase(),
            label: a?.getAttribute('aria-labelledby'),
          };
        });
      const dialog = await t.eval(() => {
        const d = document.getElementById('samtykke-banner')!.shadowRoot!.querySelector('[role=dialog]')!;
        const by = d.getAttribute('aria-labelledby');
        return {
          name: by ? d.getRootNode() && (d.getRootNode() as ShadowRoot).getElementById(by)?.textContent : d.getAttribute('aria-label'),
        };
      });
      assert.equal(dialog.name, 'We value your privacy');
      assert.equal((await focused()).role, 'dialog', 'focus moved into the banner');
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        await t.press('Tab');
        const f = await focused();
        seen.push(f.action || f.tag!);
      }
      assert.deepEqual(seen, ['a', 'reject-all', 'accept-all', 'customize']);
      await t.press('Shift+Tab');
      await t.press('Shift+Tab');
      await t.press('Enter');
      await until(t, () => !document.getElementById('samtykke-banner'), 'the banner to close');
      assert.deepEqual(await t.eval(() => (window as any).samtykke.consent), { necessary: true, statistics: false, marketing: false });
      await t.close();
    });

    test('axe-core finds no serious or critical violation in either layer', async () => {
      const t = await open('/integrations');
      await t.eval((src: string) => void (0, eval)(src), axeSource());
      // Colours are only final once the banner's fade-in has ended: every
      // layer fully opaque (the computed style flushes pending animations),
      // and no animation left running.
      const still = () =>
        until(
          t,
          () => {
            const r = document.getElementById('samtykke-banner')!.shadowRoot!;
            return (
              Array.from(r.querySelectorAll('.card,.bg')).every((e) => getComputedStyle(e).opacity == '1') &&
              r.getAnimations().every((a) => a.playState == 'finished')
            );
          },
          'the fade-in to end',
        );
      await still();
      const run = () =>
        t.eval(async () => {
          const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
          return r.violations
            .filter((v: any) => v.impact == 'serious' || v.impact == 'critical')
            .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target + ' ' + n.failureSummary).join(' | ')}`);
        });
      assert.deepEqual(await run(), []);
      await shot(t, 'first-layer');
      await act(t, 'customize');
      await until(t, () => !!document.getElementById('samtykke-banner')?.shadowRoot?.querySelector('[role=switch]'), 'the settings layer');
      await still();
      assert.deepEqual(await run(), []);
      await shot(t, 'settings-layer');
      await t.close();
    });
  });
}
