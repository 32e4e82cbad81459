// Visitors' privacy tools: DuckDuckGo's autoconsent (the real npm package,
// with its published rules and our rule snippet/autoconsent/samtykke.json)
// and Global Privacy Control (the Sec-GPC header alone, and Chromium's own
// GPC switched on with its feature flag), with a site that applies GPC as
// "Reject all".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  Consentd,
  INTEGRATIONS,
  Pages,
  ROOT,
  SCREENSHOTS,
  axeSource,
  launch,
  newContext,
  shopPage,
  waitFor,
  waitForBanner,
  type Ctx,
} from './harness.ts';

const AC_DIR = join(ROOT, 'node_modules/@duckduckgo/autoconsent');
const AC_SCRIPT = readFileSync(join(AC_DIR, 'dist/autoconsent.playwright.js'), 'utf8');
const PUBLISHED: any[] = JSON.parse(readFileSync(join(AC_DIR, 'rules/rules.json'), 'utf8')).autoconsent;
const OUR_RULE = () => JSON.parse(readFileSync(join(ROOT, 'snippet/autoconsent/samtykke.json'), 'utf8'));

const c = new Consentd();
const pages = new Pages();
let browser: Browser;
let gpcBrowser: Browser;
let site: { id: string; config_version: string };
let rejecting: { id: string; config_version: string };

// Every click on the page, wherever it lands (composedPath reaches into the
// banner's shadow root), and buttons that look like the banner's but are not.
const CLICKS = `<script>window.__clicks=[];addEventListener('click',function(e){var t=e.composedPath()[0],h=t.getRootNode&&t.getRootNode().host;
window.__clicks.push((h?'#'+h.id+' ':'')+((t.getAttribute&&(t.getAttribute('data-samtykke-action')||t.id))||t.nodeName))},true);</script>`;
const DECOYS = `<section id="decoys"><h2>Newsletter</h2><p>Would you like our offers by e-mail? We use cookies to remember your answer.</p>
<button type="button" id="decoy-reject" data-samtykke-action="reject-all">Reject all</button>
<button type="button" id="decoy-accept" data-samtykke-action="accept-all">Accept all</button>
<button type="button" id="decoy-no">No thanks</button></section>`;

const settings = (extra: Record<string, unknown> = {}) => ({
  name: 'Fjellsko & Friluft',
  origins: [pages.origin],
  default_language: 'en',
  privacy_policy_url: pages.origin + '/privacy',
  integrations: INTEGRATIONS,
  ...extra,
});

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await c.start();
  await pages.start();
  site = await c.admin('POST', '/sites', settings());
  rejecting = await c.admin('POST', '/sites', settings({ name: 'Honours GPC', gpc_handling: 'reject_all' }));
  pages.routes.set('/', (u) => shopPage({ consentd: c.url, site: u.searchParams.get('site') || site.id, head: CLICKS, body: DECOYS }));
  pages.routes.set('/privacy', () => '<!doctype html><html lang="en"><title>Privacy</title><h1>Privacy policy</h1></html>');
  browser = await launch();
  // Chromium's own Global Privacy Control (chrome://flags "Force Global
  // Privacy Control signal"): navigator.globalPrivacyControl is true and
  // every request carries Sec-GPC: 1, as in a browser with GPC turned on.
  gpcBrowser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--enable-features=GlobalPrivacyControlForce'],
    headless: true,
  });
});

after(async () => {
  await browser?.close();
  await gpcBrowser?.close();
  pages.close();
  await c.close();
});

// ------------------------------------------------------------ autoconsent

interface AcMessage {
  type: string;
  [k: string]: any;
}

/**
 * Runs the autoconsent content script in the page as its Playwright and
 * Puppeteer integration does: the script is injected before the page's own,
 * and its messages are answered from here with the config and the rules.
 */
async function autoconsent(page: Page, autoAction: 'optOut' | 'optIn', rules: any[], detectRetries = 20) {
  const messages: AcMessage[] = [];
  const send = (msg: unknown) => page.evaluate((m) => (window as any).autoconsentReceiveMessage?.(m), msg).catch(() => {});
  await page.exposeFunction('autoconsentSendMessage', (msg: AcMessage) => {
    if (!msg || typeof msg != 'object') return;
    messages.push(msg);
    if (msg.type == 'init')
      void send({
        type: 'initResp',
        rules: { autoconsent: rules },
        config: {
          enabled: true,
          autoAction,
          disabledCmps: [],
          enablePrehide: true,
          enableCosmeticRules: true,
          enableGeneratedRules: true,
          detectRetries,
          isMainWorld: false,
          prehideTimeout: 2000,
          enableHeuristicDetection: true,
          heuristicMode: 'tier2',
          logs: { lifecycle: false, rulesteps: false, detectionsteps: false, evals: false, errors: true, messages: false, waits: false },
        },
      });
    if (msg.type == 'eval')
      void page.evaluate(msg.code).then(
        (result) => send({ type: 'evalResp', id: msg.id, result }),
        () => send({ type: 'evalResp', id: msg.id, result: false }),
      );
  });
  await page.addInitScript(AC_SCRIPT);
  const find = (type: string) => messages.find((m) => m.type == type);
  return {
    messages,
    find,
    send,
    async until(type: string, what = type, ms = 20000) {
      await waitFor(
        async () => !!find(type),
        ms,
        `autoconsent ${what}; got ${messages.map((m) => m.type + (m.state ? ':' + m.state.lifecycle : '')).join(', ')}`,
      );
      return find(type)!;
    },
  };
}

const clicks = (page: Page): Promise<string[]> => page.evaluate(() => (window as any).__clicks);
const consentCookie = async (x: Ctx) => (await x.context.cookies()).find((k) => k.name == 'samtykke')?.value;

test('autoconsent with its published rules alone finds nothing; with samtykke.json it opts out: "Reject all" stored with a receipt, self-test passes, nothing else clicked', async (t) => {
  // The published rules and the library's heuristics, as DuckDuckGo ships
  // them: the banner in its shadow root is out of their reach.
  const alone = await newContext(browser);
  const ac0 = await autoconsent(alone.page, 'optOut', PUBLISHED);
  await alone.page.goto(pages.origin + '/');
  await waitForBanner(alone.page);
  // After the first tries, autoconsent looks again when the page changes;
  // let it change until it has tried every rule and its heuristics (every
  // second try) with the banner on screen.
  const attempts = () => Math.max(0, ...ac0.messages.map((m) => m.state?.findCmpAttempts || 0));
  const shown = attempts();
  await waitFor(
    async () => {
      await alone.page.evaluate(() =>
        document.querySelector('main')!.append(Object.assign(document.createElement('p'), { textContent: 'New boots in stock.' })),
      );
      return attempts() >= shown + 2;
    },
    20000,
    'autoconsent to look for the banner twice',
  );
  assert.equal(ac0.find('cmpDetected'), undefined);
  assert.equal(ac0.find('popupFound'), undefined);
  const last = ac0.messages.filter((m) => m.type == 'report').pop()?.state;
  t.diagnostic(
    `published rules and heuristics alone: ${attempts()} tries, heuristic text patterns ${JSON.stringify(last?.heuristicPatterns)}`,
  );
  assert.deepEqual(await clicks(alone.page), []);
  assert.equal(
    await alone.page.locator('#samtykke-banner [data-samtykke-action=reject-all]').isVisible(),
    true,
    'the banner is still waiting for a click',
  );
  await alone.context.close();

  const x = await newContext(browser);
  const ac = await autoconsent(x.page, 'optOut', [...PUBLISHED, OUR_RULE()]);
  await x.page.goto(pages.origin + '/');
  const done = await ac.until('autoconsentDone', 'to finish');
  assert.equal(done.cmp, 'samtykke');
  assert.equal(ac.find('cmpDetected')?.cmp, 'samtykke');
  assert.equal(ac.find('popupFound')?.cmp, 'samtykke');
  assert.equal(ac.find('optOutResult')?.result, true);

  const id: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
  assert.match(id, /^[0-9a-f-]{36}$/);
  await waitFor(async () => (await c.receipts(site.id, id)).length == 1, 5000, 'the receipt');
  const [r] = await c.receipts(site.id, id);
  assert.deepEqual([r.action, r.surface, r.choices], ['reject_all', 'banner', { necessary: true, statistics: false, marketing: false }]);
  assert.match((await consentCookie(x)) || '', new RegExp(`^1\\.${id}\\.${site.config_version}\\.00\\.\\d+$`));
  assert.deepEqual(await clicks(x.page), ['#samtykke-banner reject-all'], 'only the banner\'s "Reject all" was clicked');
  assert.equal(await x.page.locator('#samtykke-banner').count(), 0, 'the banner is gone');
  assert.deepEqual(x.requests, [], 'no tracker was asked for anything');

  await ac.send({ type: 'selfTest' });
  assert.equal((await ac.until('selfTestResult', 'self-test')).result, true);
  await x.context.close();
});

test('autoconsent with samtykke.json opts in: "Accept all" stored with a receipt, nothing else clicked; the self-test (a refusal check) then fails', async () => {
  const x = await newContext(browser);
  const ac = await autoconsent(x.page, 'optIn', [...PUBLISHED, OUR_RULE()]);
  await x.page.goto(pages.origin + '/');
  const done = await ac.until('autoconsentDone', 'to finish');
  assert.equal(done.cmp, 'samtykke');
  assert.equal(ac.find('optInResult')?.result, true);
  const id: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
  await waitFor(async () => (await c.receipts(site.id, id)).length == 1, 5000, 'the receipt');
  const [r] = await c.receipts(site.id, id);
  assert.deepEqual([r.action, r.surface, r.choices], ['accept_all', 'banner', { necessary: true, statistics: true, marketing: true }]);
  assert.match((await consentCookie(x)) || '', /\.11\.\d+$/);
  assert.deepEqual(await clicks(x.page), ['#samtykke-banner accept-all']);
  await waitFor(async () => x.hits(/googletagmanager\.com\/gtag\/js/).length == 1, 5000, 'GA4 to load after "Accept all"');

  await ac.send({ type: 'selfTest' });
  assert.equal((await ac.until('selfTestResult', 'self-test')).result, false, 'the self-test checks a refusal, and this was none');
  await x.context.close();
});

test("the rule is written in the library's format: the keys and steps its own rules use, selectors into the shadow root", () => {
  const rule = OUR_RULE();
  assert.equal(rule.name, 'samtykke');
  assert.ok(!PUBLISHED.some((r) => r.name == rule.name), 'the name is not taken by a published rule');
  const known = new Set(PUBLISHED.flatMap((r) => Object.keys(r)).concat(['comment']));
  for (const k of Object.keys(rule)) assert.ok(known.has(k), `key ${k} is one the published rules use`);
  for (const k of ['detectCmp', 'detectPopup', 'optIn', 'optOut', 'test']) assert.ok(Array.isArray(rule[k]) && rule[k].length, k);
  assert.equal(rule.minimumRuleStepVersion, undefined, 'only version 1 steps');
  for (const step of [...rule.detectCmp, ...rule.detectPopup, ...rule.optIn, ...rule.optOut]) {
    const sel = step.exists || step.visible || step.waitForThenClick;
    assert.ok(Array.isArray(sel) && sel[0] == '#samtykke-banner', JSON.stringify(step));
  }
});

// ------------------------------------------------------------ Global Privacy Control

const notice = (p: Page) => p.locator('#samtykke-settings .note');

async function gpcRejected(x: Ctx, siteId: string) {
  await notice(x.page).waitFor({ state: 'visible', timeout: 10000 });
  const id: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
  await waitFor(async () => (await c.receipts(siteId, id)).length == 1, 5000, 'the gpc receipt');
  const [r] = await c.receipts(siteId, id);
  assert.deepEqual(
    [r.action, r.gpc, r.surface, r.choices],
    ['gpc', true, 'banner', { necessary: true, statistics: false, marketing: false }],
  );
  assert.match((await consentCookie(x)) || '', /\.00\.\d+$/);
  assert.equal(await x.page.locator('#samtykke-banner').count(), 0, 'no banner');
  assert.deepEqual(await x.page.evaluate(() => (window as any).samtykke.consent), { necessary: true, statistics: false, marketing: false });
  return id;
}

test('GPC by the Sec-GPC header alone, on a site that applies it as "Reject all": no banner, a gpc receipt, a small notice that opens the settings, and a later "Accept all" wins', async () => {
  const x = await newContext(browser, { extraHTTPHeaders: { 'Sec-GPC': '1' } });
  await x.page.goto(pages.origin + '/?site=' + rejecting.id);
  const id = await gpcRejected(x, rejecting.id);
  assert.equal(await x.page.evaluate(() => (navigator as any).globalPrivacyControl), undefined, 'only the header says GPC here');

  // The notice: small, not modal, says the browser's signal was honoured.
  const cfg = await (await fetch(`${c.url}/v1/sites/${rejecting.id}/config?lang=en`)).json();
  assert.equal(await notice(x.page).locator('p').textContent(), cfg.texts['gpc.notice']);
  assert.match(cfg.texts['gpc.notice'], /Global Privacy Control/);
  assert.equal(await notice(x.page).getAttribute('role'), 'status');
  assert.equal(await x.page.locator('[role=dialog], [aria-modal=true]').count(), 0, 'nothing modal');
  const box = (await notice(x.page).boundingBox())!;
  assert.ok(box.width <= 400 && box.height <= 200, `the notice is small: ${box.width}×${box.height}`);
  await x.page.addScriptTag({ content: axeSource() });
  const serious = await x.page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v: any) => v.impact == 'serious' || v.impact == 'critical')
      .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target).join(' ')}`);
  });
  assert.deepEqual(serious, [], 'axe-core on the page with the notice');
  await x.page.screenshot({ path: join(SCREENSHOTS, 'gpc-notice.png') });
  // On a phone it fits the screen and leaves most of the page free.
  await x.page.setViewportSize({ width: 375, height: 700 });
  const phone = (await notice(x.page).boundingBox())!;
  assert.ok(
    phone.x >= 0 && phone.x + phone.width <= 375 && phone.y + phone.height <= 700 && phone.height <= 250,
    `on a phone: ${JSON.stringify(phone)}`,
  );
  await x.page.screenshot({ path: join(SCREENSHOTS, 'gpc-notice-phone.png') });
  await x.page.setViewportSize({ width: 1366, height: 768 });
  await x.page.locator('#decoy-no').click(); // the page stays usable
  assert.deepEqual(await clicks(x.page), ['decoy-no']);
  assert.deepEqual(x.requests, [], 'no tracker was asked for anything');

  // Its button opens the settings, and the notice gives way to the plain button.
  await notice(x.page).getByRole('button', { name: 'Cookie settings' }).click();
  const dialog = x.page.locator('#samtykke-banner [role=dialog]');
  await dialog.waitFor({ state: 'visible' });
  assert.equal(await dialog.getAttribute('aria-modal'), 'true');
  assert.equal(await notice(x.page).count(), 0);
  assert.equal(await x.page.locator('#samtykke-settings .fab').count(), 1);
  await dialog.locator('[data-samtykke-action=accept-all]').click();
  await waitFor(async () => (await c.receipts(rejecting.id, id)).length == 2, 5000, 'the second receipt');
  const [, second] = await c.receipts(rejecting.id, id);
  assert.deepEqual([second.action, second.gpc, second.choices.statistics, second.choices.marketing], ['accept_all', true, true, true]);
  await waitFor(async () => x.hits(/googletagmanager\.com\/gtag\/js/).length == 1, 5000, 'GA4 after the visitor allowed it');

  // The visitor's own choice stands on the next page: no notice, no banner.
  await x.page.reload();
  await x.page.locator('#samtykke-settings .fab').waitFor({ state: 'visible' });
  assert.equal(await notice(x.page).count(), 0);
  assert.equal(await x.page.locator('#samtykke-banner').count(), 0);
  assert.equal((await c.receipts(rejecting.id, id)).length, 2);
  await x.context.close();
});

test('GPC in Chromium itself (navigator.globalPrivacyControl and Sec-GPC): applied as "Reject all" where the site says so, the banner elsewhere; no GPC, no auto-reject', async () => {
  const g = await newContext(gpcBrowser);
  await g.page.goto(pages.origin + '/?site=' + rejecting.id);
  assert.equal(await g.page.evaluate(() => (navigator as any).globalPrivacyControl), true);
  const id = await gpcRejected(g, rejecting.id);
  // The notice can be put away: the plain settings button takes its place, with the focus.
  await notice(g.page).getByRole('button', { name: 'Close' }).click();
  await g.page.locator('#samtykke-settings .fab').waitFor({ state: 'visible' });
  assert.equal(await notice(g.page).count(), 0);
  assert.equal(await g.page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.className), 'w fab');
  // On the next page the stored refusal is simply in force.
  await g.page.reload();
  await g.page.locator('#samtykke-settings .fab').waitFor({ state: 'visible' });
  assert.equal(await notice(g.page).count(), 0);
  assert.equal((await c.receipts(rejecting.id, id)).length, 1);
  assert.deepEqual(g.requests, []);

  // A visitor who said yes to an earlier version of the banner is asked
  // again with the banner: the signal does not take an explicit yes back.
  // An earlier no is simply renewed by it.
  const earlier = (choice: string) => ({
    name: 'samtykke',
    value: `1.${randomUUID()}.0ldversion.${choice}.${Math.floor(Date.now() / 1000) - 3600}`,
    url: pages.origin,
  });
  await g.context.clearCookies();
  await g.context.addCookies([earlier('10')]);
  await g.page.goto(pages.origin + '/?site=' + rejecting.id);
  await waitForBanner(g.page);
  assert.equal(await notice(g.page).count(), 0);
  await g.context.clearCookies();
  const no = earlier('00');
  await g.context.addCookies([no]);
  await g.page.goto(pages.origin + '/?site=' + rejecting.id);
  assert.equal(await gpcRejected(g, rejecting.id), no.value.split('.')[1], 'the same consent id, a new receipt');

  // A site that keeps the default shows the banner to GPC visitors too.
  await g.context.clearCookies();
  await g.page.goto(pages.origin + '/?site=' + site.id);
  await waitForBanner(g.page);
  assert.equal(await notice(g.page).count(), 0);
  assert.equal(await g.page.evaluate(() => (window as any).samtykke.consentId), null, 'nothing decided for the visitor');
  await g.context.close();

  // Without GPC the rejecting site shows its banner like any other.
  const x = await newContext(browser);
  await x.page.goto(pages.origin + '/?site=' + rejecting.id);
  await waitForBanner(x.page);
  assert.equal(await notice(x.page).count(), 0);
  assert.equal(await x.page.evaluate(() => (window as any).samtykke.consentId), null);
  await x.context.close();
});
