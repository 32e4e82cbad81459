// The two bundles: samtykke.js runs on every page; samtykke-ui.js (the
// layers) is fetched at once on a first visit, alongside the config, and a
// visitor who has chosen never downloads it unless the page needs it: the
// settings are opened, the page has a cookie declaration, or an embed waits
// behind a placeholder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext } from 'playwright-core';
import { Consentd, Pages, launch, newContext, shopPage, waitFor, waitForBanner } from './harness.ts';

const c = new Consentd();
const pages = new Pages();
let browser: Browser;
let site: { id: string };

before(async () => {
  await c.start();
  await pages.start();
  site = await c.createSite({
    name: 'Split',
    origins: [pages.origin],
    default_language: 'en',
    privacy_policy_url: pages.origin + '/privacy',
  });
  const src = `${c.url}/samtykke.js?site=${site.id}`;
  pages.routes.set('/', () => shopPage({ consentd: c.url, site: site.id, src }));
  pages.routes.set('/other', () => shopPage({ consentd: c.url, site: site.id, src, title: 'Other' }));
  pages.routes.set('/privacy', () => shopPage({ consentd: c.url, site: site.id, src, body: '<div data-samtykke-declaration></div>' }));
  pages.routes.set('/video', () =>
    shopPage({
      consentd: c.url,
      site: site.id,
      src,
      body: '<iframe id="yt" data-samtykke="marketing" data-samtykke-src="https://www.youtube-nocookie.com/embed/abc" width="560" height="315"></iframe>',
    }),
  );
  browser = await launch();
});

after(async () => {
  await browser?.close();
  pages.close();
  await c.close();
});

/** Every request the context makes, in order, with when it was sent and when its answer came. */
function record(context: BrowserContext) {
  const log: { url: string; sent: number; answered?: number }[] = [];
  context.on('request', (r) => log.push({ url: r.url(), sent: performance.now() }));
  context.on('response', (r) => {
    const e = log.find((x) => x.url == r.url() && x.answered == null);
    if (e) e.answered = performance.now();
  });
  return log;
}
const isUi = (u: string) => new URL(u).pathname == '/samtykke-ui.js';
const isConfig = (u: string) => new URL(u).pathname.endsWith('/config');

describe('the layers load only when needed', () => {
  test('a first visit fetches samtykke-ui.js next to samtykke.js, before the config has answered, and shows the banner', async () => {
    const x = await newContext(browser);
    const log = record(x.context);
    await x.page.goto(pages.origin + '/');
    await waitForBanner(x.page);
    const ui = log.filter((r) => isUi(r.url));
    const config = log.find((r) => isConfig(r.url))!;
    assert.equal(ui.length, 1, 'one request for the layers');
    assert.equal(new URL(ui[0].url).origin, c.url, 'from where samtykke.js came');
    assert.match(new URL(ui[0].url).search, /^\?v=[0-9a-f]{12}$/);
    assert.ok(ui[0].sent < config.answered!, 'requested while the config was still on its way');
    await x.context.close();
  });

  test('a returning visitor with a valid choice never downloads samtykke-ui.js, until they open the settings', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/');
    await waitForBanner(x.page);
    await x.page.locator('#samtykke-banner [data-samtykke-action=reject-all]').click();
    await waitFor(async () => (await x.context.cookies()).some((k) => k.name == 'samtykke'), 5000, 'the samtykke cookie');

    // Later page views: a new page in the same browser, with an empty memory cache.
    const later = await x.context.newPage();
    const log = record(x.context);
    for (const path of ['/other', '/']) {
      await later.goto(pages.origin + path);
      await later.locator('#samtykke-settings button').waitFor({ state: 'visible', timeout: 10000 });
      await later.waitForFunction(() => (window as any).samtykke.consent?.marketing === false);
    }
    assert.ok(
      log.some((r) => isConfig(r.url)),
      'the config was fetched',
    );
    assert.deepEqual(
      log.filter((r) => isUi(r.url)).map((r) => r.url),
      [],
      'no request for the layers',
    );
    assert.equal(await later.locator('#samtykke-banner').count(), 0, 'no banner');
    assert.equal(await later.locator('#samtykke-settings button').innerText(), 'Cookie settings');

    // The settings button loads them and opens the settings layer with the choice in force.
    await later.locator('#samtykke-settings button').click();
    const dialog = later.locator('#samtykke-banner [role=dialog]');
    await dialog.waitFor({ state: 'visible', timeout: 10000 });
    assert.equal(await dialog.locator('h2').first().innerText(), 'Cookie settings');
    assert.equal(await later.locator('#samtykke-banner [role=switch][data-purpose=marketing]').getAttribute('aria-checked'), 'false');
    assert.equal(log.filter((r) => isUi(r.url)).length, 1, 'loaded once the settings were opened');
    await x.context.close();
  });

  test('a returning visitor loads them for a page with a cookie declaration or an embed to hold', async () => {
    const x = await newContext(browser);
    await x.page.goto(pages.origin + '/');
    await waitForBanner(x.page);
    await x.page.locator('#samtykke-banner [data-samtykke-action=reject-all]').click();
    await waitFor(async () => (await x.context.cookies()).some((k) => k.name == 'samtykke'), 5000, 'the samtykke cookie');

    const later = await x.context.newPage();
    const log = record(x.context);
    await later.goto(pages.origin + '/privacy');
    await later.locator('.samtykke-declaration section[data-purpose=marketing]').waitFor({ timeout: 10000 });
    assert.equal(log.filter((r) => isUi(r.url)).length, 1, 'the declaration page loads the layers');

    await later.goto(pages.origin + '/video');
    const load = later.locator('[data-samtykke-embed] [data-samtykke-action=load-embed]');
    await load.waitFor({ state: 'visible', timeout: 10000 });
    const box = await later.locator('[data-samtykke-embed]').boundingBox();
    assert.deepEqual([box?.width, box?.height], [564, 319], 'the placeholder takes the iframe’s size, borders included');
    assert.equal(await later.locator('#yt').isVisible(), false);
    assert.equal(await later.locator('#samtykke-banner').count(), 0, 'no banner');
    await x.context.close();
  });
});
