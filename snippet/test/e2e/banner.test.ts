// The banner as a visitor meets it: both layers, keyboard, accessibility,
// languages, CSP, layout, GPC, the public API, re-prompting and impressions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  Consentd,
  INTEGRATIONS,
  Pages,
  SCREENSHOTS,
  axeSource,
  launch,
  newContext,
  shopPage,
  sleep,
  waitFor,
  waitForBanner,
} from './harness.ts';

const c = new Consentd();
const pages = new Pages();
let browser: Browser;
let site: { id: string; config_version: string };
let norsk: { id: string };
let short: { id: string };
const NONCE = 'r4nd0mN0nce';
const settingsFor = () => ({
  name: 'Fjellsko & Friluft',
  origins: [pages.origin],
  default_language: 'en',
  privacy_policy_url: pages.origin + '/privacy',
  integrations: INTEGRATIONS,
});

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await c.start();
  await pages.start();
  site = await c.createSite(settingsFor());
  norsk = await c.createSite({ ...settingsFor(), name: 'Norsk butikk', default_language: 'nb' });
  short = await c.createSite({ ...settingsFor(), name: 'Short memory', consent_lifetime_days: 30 });
  pages.routes.set('/', (u) =>
    shopPage({
      consentd: c.url,
      site: u.searchParams.get('site') || site.id,
      lang: u.searchParams.has('lang') ? u.searchParams.get('lang')! : undefined,
      dataLang: u.searchParams.get('dl') || undefined,
    }),
  );
  pages.routes.set('/privacy', () => '<!doctype html><html lang="en"><title>Privacy</title><h1>Privacy policy</h1></html>');
  pages.routes.set('/csp', () => ({
    headers: {
      'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${NONCE}' ${c.url}; style-src 'self'; connect-src ${c.url}; img-src 'self' https://*.google-analytics.com https://*.hotjar.com; base-uri 'none'`,
    },
    body: shopPage({
      consentd: c.url,
      site: site.id,
      nonce: NONCE,
      head: `<script type="text/plain" data-samtykke="statistics" nonce="${NONCE}">document.documentElement.dataset.statsRan = 'yes'</script>`,
    }),
  }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  pages.close();
  await c.close();
});

const banner = (p: Page) => p.locator('#samtykke-banner');
const action = (p: Page, a: string) => banner(p).locator(`[data-samtykke-action=${a}]`);

async function open(path = '/', opts = {}) {
  const x = await newContext(browser, opts);
  await x.page.goto(pages.origin + path);
  await waitForBanner(x.page);
  return x;
}

/** The element that has focus, looking into shadow roots. */
const focused = (p: Page) =>
  p.evaluate(() => {
    let a: Element | null = document.activeElement;
    const hosts: string[] = [];
    while (a?.shadowRoot?.activeElement) {
      hosts.push(a.id);
      a = a.shadowRoot.activeElement;
    }
    const outline = a ? getComputedStyle(a).outlineStyle + ' ' + getComputedStyle(a).outlineWidth : '';
    return {
      hosts,
      tag: a?.tagName.toLowerCase(),
      role: a?.getAttribute('role'),
      action: a?.getAttribute('data-samtykke-action'),
      text: a?.textContent,
      outline,
    };
  });

function luminance(rgb: string) {
  const [r, g, b] = rgb
    .match(/[\d.]+/g)!
    .slice(0, 3)
    .map((v) => {
      const c = +v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((m, n) => n - m);
  return (x + 0.05) / (y + 0.05);
};

async function buttonBoxes(p: Page) {
  return p.evaluate(() => {
    const root = document.getElementById('samtykke-banner')!.shadowRoot!;
    return ['accept-all', 'reject-all'].map((a) => {
      const b = root.querySelector(`[data-samtykke-action=${a}]`) as HTMLElement;
      const r = b.getBoundingClientRect();
      const s = getComputedStyle(b);
      return {
        w: r.width,
        h: r.height,
        top: r.top,
        bottom: r.bottom,
        left: r.left,
        right: r.right,
        size: s.fontSize,
        weight: s.fontWeight,
        color: s.color,
        bg: s.backgroundColor,
        tag: b.tagName,
      };
    });
  });
}

describe('first layer', () => {
  test('a named dialog that names the purposes, says consent can be withdrawn, links the policy, and takes focus', async () => {
    const x = await open();
    const dialog = x.page.getByRole('dialog', { name: 'We value your privacy' });
    await dialog.waitFor();
    const text = (await dialog.textContent())!;
    for (const s of ['statistics', 'marketing', 'Necessary', 'withdraw your consent at any time', 'Cookie settings'])
      assert.ok(text.includes(s), s);
    assert.equal(await dialog.getByRole('link', { name: 'Privacy policy' }).getAttribute('href'), pages.origin + '/privacy');
    for (const name of ['Accept all', 'Reject all', 'Customize'])
      assert.equal(await dialog.getByRole('button', { name, exact: true }).count(), 1, name);
    assert.deepEqual((await focused(x.page)).hosts, ['samtykke-banner'], 'focus moved into the banner');
    assert.equal((await focused(x.page)).role, 'dialog');
    assert.deepEqual(await x.context.cookies(), [], 'no cookie at all before a decision');
    await x.page.screenshot({ path: join(SCREENSHOTS, 'banner-first-layer-1366x768.png'), animations: 'disabled' });
    await x.context.close();
  });

  for (const viewport of [
    { width: 1366, height: 768 },
    { width: 360, height: 640 },
  ]) {
    test(`"Accept all" and "Reject all" look alike and are visible without scrolling at ${viewport.width}×${viewport.height}`, async () => {
      const x = await open('/', { viewport });
      const [accept, reject] = await buttonBoxes(x.page);
      assert.equal(accept.tag, 'BUTTON');
      assert.equal(reject.tag, 'BUTTON');
      assert.equal(accept.size, reject.size);
      assert.equal(accept.weight, reject.weight);
      assert.ok(Math.abs(accept.w * accept.h - reject.w * reject.h) <= 0.1 * accept.w * accept.h, 'areas within 10%');
      for (const b of [accept, reject]) {
        assert.ok(contrast(b.color, b.bg) >= 4.5, `contrast ${contrast(b.color, b.bg)}`);
        assert.ok(b.top >= 0 && b.left >= 0 && b.bottom <= viewport.height && b.right <= viewport.width, 'in view');
      }
      assert.equal(contrast(accept.color, accept.bg).toFixed(2), contrast(reject.color, reject.bg).toFixed(2), 'same contrast');
      if (viewport.width == 360)
        await x.page.screenshot({ path: join(SCREENSHOTS, 'banner-first-layer-360x640.png'), animations: 'disabled' });
      await x.context.close();
    });
  }

  test('keyboard: Tab reaches every control, Enter on "Reject all" rejects in one step', async () => {
    const x = await open();
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      await x.page.keyboard.press('Tab');
      const f = await focused(x.page);
      seen.push(f.action || f.tag!);
      assert.equal(f.outline, 'solid 3px', 'visible focus');
    }
    assert.deepEqual(seen, ['a', 'reject-all', 'accept-all', 'customize']);
    await x.page.keyboard.press('Shift+Tab');
    await x.page.keyboard.press('Shift+Tab');
    await x.page.keyboard.press('Enter');
    await banner(x.page).waitFor({ state: 'detached' });
    assert.deepEqual(await x.page.evaluate(() => (window as any).samtykke.consent), {
      necessary: true,
      statistics: false,
      marketing: false,
    });
    // document.cookie reaches the browser's cookie store, which
    // context.cookies() reads, a moment after the page wrote it.
    const consentCookie = async () => (await x.context.cookies()).filter((k) => k.name == 'samtykke');
    await waitFor(async () => (await consentCookie()).length > 0, 5000, 'the samtykke cookie in the browser');
    const cookie = await consentCookie();
    assert.equal(cookie.length, 1);
    assert.match(
      cookie[0].value,
      /^1\.[0-9a-f-]{36}\.[0-9a-f]{16}\.00\.\d+$/,
      'consent id, config version, choices, time and nothing else',
    );
    assert.equal(cookie[0].path, '/');
    assert.equal(cookie[0].sameSite, 'Lax');
    assert.equal(cookie[0].secure, false, 'http page');
    const days = (cookie[0].expires - Date.now() / 1000) / 86400;
    assert.ok(days > 181.9 && days <= 182, `lifetime ${days} days`);
    assert.equal((await x.context.cookies()).length, 1, 'exactly one cookie');
    // The receipt leaves in the background; the UI does not wait for it.
    const consentId: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
    await waitFor(async () => (await c.receipts(site.id, consentId)).length > 0, 5000, 'the receipt');
    const receipts = await c.receipts(site.id, consentId);
    assert.equal(receipts.length, 1);
    assert.equal(receipts[0].action, 'reject_all');
    await x.context.close();
  });

  test('no layout shift of the host page, and prefers-reduced-motion stops the animation', async () => {
    const x = await newContext(browser, { reducedMotion: 'reduce' });
    await x.context.addInitScript(() => {
      (window as any).__cls = 0;
      new PerformanceObserver((l) => l.getEntries().forEach((e: any) => ((window as any).__cls += e.value))).observe({
        type: 'layout-shift',
        buffered: true,
      });
    });
    await x.page.goto(pages.origin + '/');
    const lead = () => x.page.evaluate(() => JSON.stringify(document.getElementById('lead')!.getBoundingClientRect()));
    const before = await lead();
    await waitForBanner(x.page);
    await action(x.page, 'customize').click();
    await x.page.keyboard.press('Escape');
    await action(x.page, 'accept-all').click();
    await sleep(500);
    assert.equal(await lead(), before);
    assert.equal(await x.page.evaluate(() => (window as any).__cls), 0);
    await x.page.click('#open-link');
    const anim = await x.page.evaluate(
      () => getComputedStyle(document.getElementById('samtykke-banner')!.shadowRoot!.querySelector('.bg')!).animationName,
    );
    assert.equal(anim, 'none');
    const y = await newContext(browser);
    await y.page.goto(pages.origin + '/');
    await waitForBanner(y.page);
    const moving = await y.page.evaluate(
      () => getComputedStyle(document.getElementById('samtykke-banner')!.shadowRoot!.querySelector('.card')!).animationName,
    );
    assert.notEqual(moving, 'none');
    await x.context.close();
    await y.context.close();
  });
});

describe('settings layer', () => {
  test('switches off for a first-time visitor, necessary always on, vendors with cookies and durations, focus held, Escape goes back', async () => {
    const x = await open();
    await action(x.page, 'customize').click();
    const dialog = x.page.getByRole('dialog', { name: 'Cookie settings' });
    await dialog.waitFor();
    assert.equal(await dialog.getAttribute('aria-modal'), 'true');
    const switches = dialog.getByRole('switch');
    assert.equal(await switches.count(), 2);
    assert.equal(await dialog.getByRole('switch', { name: 'Statistics' }).getAttribute('aria-checked'), 'false');
    assert.equal(await dialog.getByRole('switch', { name: 'Marketing' }).getAttribute('aria-checked'), 'false');
    assert.ok((await dialog.textContent())!.includes('Always on'));
    for (const d of await dialog.locator('details').all()) await d.locator('summary').click();
    const text = (await dialog.textContent())!;
    for (const s of [
      'Google Analytics 4',
      'Google Ireland Limited',
      '_ga_*',
      '2 years',
      'Hotjar',
      '_hjSessionUser_*',
      '1 year',
      '30 minutes',
      'Session',
      'Meta Pixel',
      '_fbp',
      '90 days',
      'HubSpot',
      'hubspotutk',
      '180 days',
      'samtykke',
      '182 days',
    ])
      assert.ok(text.includes(s), s);
    assert.ok(!text.includes('Your consent'), 'no consent to show yet');
    await x.page.screenshot({ path: join(SCREENSHOTS, 'banner-settings-1366x768.png'), animations: 'disabled' });
    // Focus stays inside while the layer is modal.
    for (let i = 0; i < 25; i++) {
      await x.page.keyboard.press(i % 5 == 4 ? 'Shift+Tab' : 'Tab');
      assert.deepEqual((await focused(x.page)).hosts, ['samtykke-banner'], `Tab ${i}`);
    }
    await x.page.keyboard.press('Escape');
    await x.page.getByRole('dialog', { name: 'We value your privacy' }).waitFor();
    assert.equal((await x.context.cookies()).length, 0, 'Escape grants nothing');
    // Close button: same.
    await action(x.page, 'customize').click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await x.page.getByRole('dialog', { name: 'We value your privacy' }).waitFor();
    assert.equal((await x.context.cookies()).length, 0, 'closing grants nothing');
    assert.deepEqual(x.requests, []);
    await x.context.close();
  });

  test('at 360×640 the settings layer fits the phone', async () => {
    const x = await open('/', { viewport: { width: 360, height: 640 } });
    await action(x.page, 'customize').click();
    const box = await x.page.getByRole('dialog', { name: 'Cookie settings' }).boundingBox();
    assert.ok(box && box.x >= 0 && box.width <= 360 && box.y >= 0 && box.y + box.height <= 640, JSON.stringify(box));
    const save = await action(x.page, 'save').boundingBox();
    assert.ok(save && save.y + save.height <= 640, 'Save is reachable without scrolling the page');
    await x.page.screenshot({ path: join(SCREENSHOTS, 'banner-settings-360x640.png'), animations: 'disabled' });
    await x.context.close();
  });

  test('after a decision: a persistent "Cookie settings" button and data-samtykke-open reopen it, with the consent id, choices, time and a receipts download', async () => {
    const x = await open();
    await action(x.page, 'customize').click();
    await banner(x.page).getByRole('switch', { name: 'Marketing' }).click();
    await action(x.page, 'save').click();
    await banner(x.page).waitFor({ state: 'detached' });
    const fab = x.page.getByRole('button', { name: 'Cookie settings' });
    await fab.waitFor();
    await x.page.screenshot({ path: join(SCREENSHOTS, 'settings-button-1366x768.png'), animations: 'disabled' });
    await x.page.goto(pages.origin + '/');
    await fab.waitFor();
    await fab.click();
    const dialog = x.page.getByRole('dialog', { name: 'Cookie settings' });
    await dialog.waitFor();
    const id: string = await x.page.evaluate(() => (window as any).samtykke.consentId);
    const text = (await dialog.textContent())!;
    assert.ok(text.includes('Your consent') && text.includes(id), 'consent id shown');
    assert.match(text, /StatisticsNot allowedMarketingAllowed/);
    assert.match(text, /Given.*\d{4}/);
    assert.equal(await dialog.getByRole('switch', { name: 'Marketing' }).getAttribute('aria-checked'), 'true', 'the current choice');
    const href = (await dialog.getByRole('link', { name: 'Download your consent receipts' }).getAttribute('href'))!;
    assert.equal(href, `${c.url}/v1/sites/${site.id}/consents/${id}?download=1`);
    const r = await fetch(href);
    assert.match(r.headers.get('content-disposition') || '', /attachment/);
    const body = await r.json();
    assert.equal(body.receipts.length, 1);
    assert.equal(body.receipts[0].action, 'custom');
    await x.page.evaluate(() => document.getElementById('samtykke-banner')!.shadowRoot!.querySelector('.bd')!.scrollTo(0, 1e5));
    await x.page.screenshot({ path: join(SCREENSHOTS, 'banner-settings-returning-1366x768.png'), animations: 'disabled' });
    await x.page.keyboard.press('Escape');
    await banner(x.page).waitFor({ state: 'detached' });
    await x.page.click('#open-link');
    await dialog.waitFor();
    await x.context.close();
  });
});

test('axe-core finds no serious or critical violation in either layer', async () => {
  const x = await open();
  await x.page.addScriptTag({ content: axeSource() });
  const run = () =>
    x.page.evaluate(async () => {
      const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v: any) => v.impact == 'serious' || v.impact == 'critical')
        .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target).join(' ')}`);
    });
  assert.deepEqual(await run(), []);
  await action(x.page, 'customize').click();
  for (const d of await banner(x.page).locator('details').all()) await d.locator('summary').click();
  assert.deepEqual(await run(), []);
  await x.context.close();
});

describe('language', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['data-lang', '/?dl=nn&lang=sv', {}, 'nn'],
    ['<html lang>', '/?lang=sv-SE', {}, 'sv'],
    ['navigator.languages', '/?lang=', { locale: 'fi-FI' }, 'fi'],
    ['the site default', `/?lang=fr&site=SITE`, { locale: 'fr-FR' }, 'nb'],
  ];
  const accept: Record<string, string> = { nn: 'Godta alle', sv: 'Godkänn alla', fi: 'Hyväksy kaikki', nb: 'Godta alle' };
  for (const [from, path, opts, lang] of cases) {
    test(`from ${from}: ${lang}, recorded in the receipt`, async () => {
      const x = await open(path.replace('SITE', norsk.id), opts);
      await x.page.getByRole('button', { name: accept[lang] }).click();
      const id = await x.page.evaluate(() => (window as any).samtykke.consentId);
      const siteId = path.includes('SITE') ? norsk.id : site.id;
      await waitFor(async () => (await c.receipts(siteId, id)).length == 1, 5000, 'receipt');
      assert.equal((await c.receipts(siteId, id))[0].language, lang);
      await x.context.close();
    });
  }

  // The wording reviewed language by language (issue 19), read back from the
  // banner as rendered: the first layer names the third parties and the
  // button the visitor will see, the settings layer words cookie lifetimes
  // naturally (minutes, days, years, session), and the persistent button
  // shows its name on screen, also on a phone.
  const reviewed: Record<
    string,
    { title: string; body: string[]; settings: string[]; durations: string[]; button: string; given: string }
  > = {
    en: {
      title: 'Cookie settings',
      body: ['Some of them are set by third parties, listed under “Customize”.', 'with the “Cookie settings” button'],
      settings: ['Used to count visits and see how visitors use the site'],
      durations: ['2 years', '1 year', '182 days', '180 days', '90 days', '30 minutes', 'Session'],
      button: 'Cookie settings',
      given: 'Given',
    },
    nb: {
      title: 'Innstillinger for informasjonskapsler',
      body: ['Noen av dem settes av tredjeparter, som er listet opp under «Tilpass».', 'med knappen «Informasjonskapsler»'],
      settings: ['Velg hva vi får bruke informasjonskapsler til.'],
      durations: ['2 år', '1 år', '182 dager', '180 dager', '90 dager', '30 minutter', 'Økt'],
      button: 'Informasjonskapsler',
      given: 'Gitt',
    },
    nn: {
      title: 'Innstillingar for informasjonskapslar',
      body: [
        'Nokre av dei blir sette av tredjepartar, som er lista opp under «Tilpass».',
        'Du kan kva tid som helst endre',
        'med knappen «Informasjonskapslar»',
      ],
      settings: ['Vel kva vi får bruke informasjonskapslar til. Du kan kva tid som helst', 'korleis besøkjande brukar nettstaden'],
      durations: ['2 år', '1 år', '182 dagar', '180 dagar', '90 dagar', '30 minuttar', 'Økt'],
      button: 'Informasjonskapslar',
      given: 'Gitt',
    },
    sv: {
      title: 'Kakinställningar',
      body: ['En del av dem sätts av tredje parter, som listas under ”Anpassa”.', 'med knappen ”Kakinställningar”'],
      settings: ['Välj vad vi får använda kakor till.'],
      durations: ['2 år', '1 år', '182 dagar', '180 dagar', '90 dagar', '30 minuter', 'Session'],
      button: 'Kakinställningar',
      given: 'Lämnat',
    },
    da: {
      title: 'Cookieindstillinger',
      body: ['Nogle af dem sættes af tredjeparter, som er listet under »Tilpas«.', 'med knappen »Cookieindstillinger«'],
      settings: ['Sørger for, at hjemmesiden fungerer, og at dit valg bliver husket.'],
      durations: ['2 år', '1 år', '182 dage', '180 dage', '90 dage', '30 minutter', 'Session'],
      button: 'Cookieindstillinger',
      given: 'Afgivet',
    },
    fi: {
      title: 'Evästeasetukset',
      body: [
        'Osan niistä asettavat kolmannet osapuolet, jotka on lueteltu kohdassa ”Mukauta”.',
        'Sivusto tarvitsee välttämättömiä evästeitä toimiakseen',
        'painikkeella ”Evästeasetukset”',
      ],
      settings: ['Nämä evästeet kertovat meille, miten kävijät käyttävät sivustoa'],
      durations: ['2 vuotta', '1 vuosi', '182 päivää', '180 päivää', '90 päivää', '30 minuuttia', 'Istunnon ajan'],
      button: 'Evästeasetukset',
      given: 'Annettu',
    },
    de: {
      title: 'Cookie-Einstellungen',
      body: [
        'Einige davon werden von Drittanbietern gesetzt, die unter „Anpassen“ aufgeführt sind.',
        'über die Schaltfläche „Cookie-Einstellungen“',
      ],
      settings: ['Wählen Sie, wofür wir Cookies verwenden dürfen.'],
      durations: ['2 Jahre', '1 Jahr', '182 Tage', '180 Tage', '90 Tage', '30 Minuten', 'Sitzung'],
      button: 'Cookie-Einstellungen',
      given: 'Erteilt',
    },
  };
  const phone = { viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true };
  for (const [lang, want] of Object.entries(reviewed)) {
    test(`${lang}: reviewed wording and durations in the rendered banner, and a settings button that shows its name on a phone`, async () => {
      const x = await open(`/?lang=${lang}`, phone);
      const clean = (s: string | null) => s!.replace(/\u00a0/g, ' ');
      const card = banner(x.page).locator('.card');
      assert.equal(await card.getAttribute('lang'), lang);
      const first = clean(await card.textContent());
      for (const s of want.body) assert.ok(first.includes(s), `${lang} first layer: ${s} in ${first}`);
      const [accept, reject] = await buttonBoxes(x.page);
      for (const b of [accept, reject])
        assert.ok(b.top >= 0 && b.bottom <= 640 && b.right <= 360, `${lang}: Accept and Reject in view at 360×640`);
      await x.page.screenshot({ path: join(SCREENSHOTS, `banner-first-layer-${lang}-360x640.png`), animations: 'disabled' });

      await action(x.page, 'customize').click();
      const dialog = x.page.getByRole('dialog', { name: want.title });
      await dialog.waitFor();
      for (const d of await dialog.locator('details').all()) await d.locator('summary').click();
      const second = clean(await dialog.textContent());
      for (const s of [...want.settings, ...want.durations]) assert.ok(second.includes(s), `${lang} settings layer: ${s} in ${second}`);
      // Each cookie's lifetime, row by row, as the vendors document it.
      const rows = await dialog
        .locator('tbody tr')
        .evaluateAll((trs) =>
          Object.fromEntries(trs.map((tr) => [tr.children[0].textContent, tr.children[1].textContent!.replace(/\u00a0/g, ' ')])),
        );
      const [y2, y1, d182, d180, d90, m30, session] = want.durations;
      assert.deepEqual(
        [
          rows['_ga'],
          rows['_hjSessionUser_*'],
          rows['samtykke'],
          rows['__hstc'],
          rows['_fbp'],
          rows['_hjSession_*'],
          rows['__hssc'],
          rows['_hjTLDTest'],
          rows['__hssrc'],
        ],
        [y2, y1, d182, d180, d90, m30, m30, session, session],
      );
      await action(x.page, 'accept-all').click();
      await banner(x.page).waitFor({ state: 'detached' });

      const fab = x.page.getByRole('button', { name: want.button, exact: true });
      await fab.waitFor();
      const seen = await x.page.evaluate(() => {
        const b = document.getElementById('samtykke-settings')!.shadowRoot!.querySelector('button')!;
        const text = Array.from(b.childNodes).find((n) => n.nodeType == 3)!;
        const r = document.createRange();
        r.selectNodeContents(text);
        const t = r.getBoundingClientRect();
        const s = getComputedStyle(b);
        return {
          text: text.textContent,
          w: t.width,
          h: t.height,
          left: t.left,
          right: t.right,
          bottom: t.bottom,
          clipped: b.scrollWidth > b.clientWidth,
          color: s.color,
          bg: s.backgroundColor,
          size: s.fontSize,
          title: b.title,
          aria: b.getAttribute('aria-label'),
        };
      });
      assert.equal(seen.text, want.button, 'the name is written on the button');
      assert.ok(
        seen.w > 20 && seen.h >= 12 && seen.left >= 0 && seen.right <= 360 && seen.bottom <= 640 && !seen.clipped,
        `${lang}: label on screen ${JSON.stringify(seen)}`,
      );
      assert.ok(contrast(seen.color, seen.bg) >= 4.5 && parseFloat(seen.size) >= 14, `${lang}: label readable ${JSON.stringify(seen)}`);
      assert.equal(seen.aria, null, 'the visible text is the accessible name');
      await x.page.screenshot({ path: join(SCREENSHOTS, `settings-button-${lang}-360x640.png`), animations: 'disabled' });

      await fab.tap();
      const again = x.page.getByRole('dialog', { name: want.title });
      await again.waitFor();
      assert.ok(clean(await again.textContent()).includes(want.given), `${lang}: ${want.given}`);
      await x.context.close();
    });
  }
});

test('works under a Content-Security-Policy without unsafe-inline or unsafe-eval, honouring the nonce', async () => {
  const x = await newContext(browser);
  await x.context.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const errors: string[] = [];
  x.page.on('pageerror', (e) => errors.push(String(e)));
  await x.page.goto(pages.origin + '/csp');
  await waitForBanner(x.page);
  const styled = await x.page.evaluate(() => {
    const card = document.getElementById('samtykke-banner')!.shadowRoot!.querySelector('.card')!;
    const s = getComputedStyle(card);
    return [s.position, s.backgroundColor, s.borderRadius];
  });
  assert.deepEqual(styled, ['fixed', 'rgb(255, 255, 255)', '14px'], 'the stylesheet applies');
  await action(x.page, 'customize').click();
  await banner(x.page).getByRole('switch', { name: 'Statistics' }).click();
  await action(x.page, 'save').click();
  await x.page.waitForFunction(() => document.documentElement.dataset.statsRan == 'yes');
  await x.page.getByRole('button', { name: 'Cookie settings' }).waitFor();
  const injected = await x.page.evaluate(() =>
    Array.from(document.querySelectorAll('script[src*="hotjar"],script[src*="gtag"]'), (s) => (s as HTMLScriptElement).nonce),
  );
  assert.deepEqual(injected, [NONCE, NONCE], 'injected vendor loaders carry the nonce');
  const id = await x.page.evaluate(() => (window as any).samtykke.consentId);
  await waitFor(async () => (await c.receipts(site.id, id)).length == 1, 5000, 'receipt under CSP');
  assert.deepEqual(await x.page.evaluate(() => (window as any).__violations), []);
  assert.deepEqual(errors, []);
  await x.context.close();
});

test('GPC: nothing pre-selected, and receipts say gpc: true', async () => {
  const x = await newContext(browser);
  await x.context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
  await x.page.goto(pages.origin + '/');
  await waitForBanner(x.page);
  await action(x.page, 'customize').click();
  for (const name of ['Statistics', 'Marketing'])
    assert.equal(await banner(x.page).getByRole('switch', { name }).getAttribute('aria-checked'), 'false');
  await banner(x.page).getByRole('switch', { name: 'Statistics' }).click();
  await action(x.page, 'save').click();
  const id = await x.page.evaluate(() => (window as any).samtykke.consentId);
  await waitFor(async () => (await c.receipts(site.id, id)).length == 1, 5000, 'receipt');
  const [r] = await c.receipts(site.id, id);
  assert.deepEqual([r.action, r.gpc, r.choices.statistics, r.choices.marketing], ['custom', true, true, false]);
  await x.context.close();
});

test('public API: consent, consentId, accept(), on("change"), the samtykke:change event and the dataLayer event', async () => {
  const x = await open();
  const before = await x.page.evaluate(() => ({ consent: (window as any).samtykke.consent, id: (window as any).samtykke.consentId }));
  assert.deepEqual(before, { consent: null, id: null });
  const seen = await x.page.evaluate(
    () =>
      new Promise((resolve) => {
        const got: unknown[] = [];
        const w = window as any;
        w.samtykke.on('change', (c: unknown, id: string) => got.push(['on', c, typeof id]));
        document.addEventListener('samtykke:change', (e: any) => {
          got.push(['event', e.detail.consent, e.detail.action]);
          setTimeout(() => resolve(got), 0);
        });
        w.samtykke.accept(['marketing']);
      }),
  );
  const consent = { necessary: true, statistics: false, marketing: true };
  assert.deepEqual(seen, [
    ['event', consent, 'custom'],
    ['on', consent, 'string'],
  ]);
  assert.match(
    await x.page.evaluate(() => (window as any).samtykke.consentId),
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  const dl = await x.page.evaluate(() => (window as any).dataLayer.filter((e: any) => e.event == 'samtykke_consent_update'));
  assert.deepEqual(dl, [{ event: 'samtykke_consent_update', samtykke: consent }]);
  const id = await x.page.evaluate(() => (window as any).samtykke.consentId);
  await waitFor(async () => (await c.receipts(site.id, id)).length == 1, 5000, 'receipt');
  assert.equal((await c.receipts(site.id, id))[0].surface, 'api');
  await x.page.evaluate(() => (window as any).samtykke.show());
  await x.page.getByRole('dialog', { name: 'Cookie settings' }).waitFor();
  await x.context.close();
});

describe('re-prompt', () => {
  test('a text-only change keeps the choice: no banner, the vendors load as before', async () => {
    const own = await c.createSite({ ...settingsFor(), name: 'Reworded shop' });
    const x = await open('/?site=' + own.id);
    await action(x.page, 'accept-all').click();
    await waitFor(async () => x.hits(/static\.hotjar\.com/).length == 1, 5000, 'Hotjar');
    const updated = await c.admin('PUT', '/sites/' + own.id, {
      ...settingsFor(),
      name: 'Reworded shop',
      texts: { en: { 'banner.title': 'Cookies, reworded' } },
    });
    assert.notEqual(updated.config_version, own.config_version);
    await x.page.reload();
    await waitFor(async () => x.hits(/static\.hotjar\.com/).length == 2, 5000, 'Hotjar again after the reload');
    assert.equal(await banner(x.page).count(), 0, 'a minor change does not ask again');
    assert.equal(await x.page.evaluate(() => (window as any).samtykke.consent?.statistics), true);
    await x.context.close();
  });

  test('when the owner asks again: the banner returns and nothing loads until the visitor chooses again', async () => {
    const own = await c.createSite({ ...settingsFor(), name: 'Changing shop' });
    const x = await open('/?site=' + own.id);
    await action(x.page, 'accept-all').click();
    await waitFor(async () => x.hits(/static\.hotjar\.com/).length == 1, 5000, 'Hotjar');
    const updated = await c.admin('PUT', '/sites/' + own.id + '?ask_again=true', {
      ...settingsFor(),
      name: 'Changing shop',
      texts: { en: { 'banner.title': 'We changed our cookies' } },
    });
    assert.notEqual(updated.config_version, own.config_version);
    await x.page.reload();
    const t0 = Date.now();
    await x.page.getByRole('dialog', { name: 'We changed our cookies' }).waitFor();
    await sleep(1000);
    assert.deepEqual(
      x.requests.filter((r) => r.at >= t0),
      [],
    );
    assert.equal(await x.page.evaluate(() => (window as any).samtykke.consent), null);
    const dl = await x.page.evaluate(() => (window as any).dataLayer.map((a: any) => Array.from(a)).filter((a: any[]) => a[1] == 'update'));
    assert.deepEqual(dl.at(-1)[2], {
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'denied',
    });
    await x.context.close();
  });

  test('when the choice is older than the lifetime; a refusal lasts as long as an acceptance', async () => {
    const x = await open('/?site=' + short.id);
    await action(x.page, 'reject-all').click();
    await x.page.reload();
    await x.page.getByRole('button', { name: 'Cookie settings' }).waitFor();
    assert.equal(await banner(x.page).count(), 0, 'a refusal is remembered');
    const [k] = (await x.context.cookies()).filter((k) => k.name == 'samtykke');
    const aged = k.value.replace(/\.(\d+)$/, (_, t) => '.' + (+t - 31 * 86400));
    await x.context.addCookies([{ ...k, value: aged }]);
    await x.page.reload();
    await waitForBanner(x.page);
    assert.equal(await x.page.evaluate(() => (window as any).samtykke.consent), null);
    await x.context.close();
  });
});

test('one impression per banner display, none for a visitor who has chosen', async () => {
  const own = await c.createSite({ ...settingsFor(), name: 'Counting shop' });
  const impressions = async () => (await c.admin('GET', `/sites/${own.id}/stats`)).totals.impressions;
  const x = await open('/?site=' + own.id);
  await waitFor(async () => (await impressions()) == 1, 5000, 'one impression');
  await action(x.page, 'customize').click();
  await x.page.keyboard.press('Escape');
  await x.page.reload();
  await waitForBanner(x.page);
  await waitFor(async () => (await impressions()) == 2, 5000, 'two impressions');
  await action(x.page, 'accept-all').click();
  await x.page.reload();
  await x.page.getByRole('button', { name: 'Cookie settings' }).waitFor();
  await sleep(800);
  assert.equal(await impressions(), 2);
  await x.context.close();
});

test('the /demo page: banner, live state, marked example tags, and a way back', async () => {
  const x = await newContext(browser);
  const errors: string[] = [];
  x.page.on('pageerror', (e) => errors.push(String(e)));
  await x.page.goto(c.url + '/demo');
  await waitForBanner(x.page);
  assert.deepEqual(x.requests, []);
  assert.match(
    (await x.page.locator('pre').nth(1).textContent())!,
    new RegExp(`<script src="${c.url}/samtykke.js\\?site=demo" data-site="demo"></script>`),
  );
  assert.deepEqual(JSON.parse((await x.page.locator('#state').textContent())!), { consentId: null, consent: null });
  await x.page.screenshot({ path: join(SCREENSHOTS, 'demo-1366x768.png'), animations: 'disabled' });
  await action(x.page, 'customize').click();
  await banner(x.page).getByRole('switch', { name: 'Statistics' }).click();
  await action(x.page, 'save').click();
  await x.page.waitForFunction(() => document.getElementById('ran-statistics')!.textContent == 'ran');
  assert.equal(await x.page.locator('#ran-marketing').textContent(), 'waiting');
  const state = JSON.parse((await x.page.locator('#state').textContent())!);
  assert.deepEqual(state.consent, { necessary: true, statistics: true, marketing: false });
  await waitFor(async () => x.hits(/gtag\/js\?id=G-DEMO2026/).length == 1, 5000, 'GA4 on the demo site');
  // On the next visit the state is shown at once, and the page's own link reopens the settings.
  await x.page.reload();
  await x.page.waitForFunction(() => document.getElementById('state')!.textContent!.includes('"statistics": true'));
  await x.page.getByRole('link', { name: 'Cookie settings' }).click();
  await x.page.getByRole('dialog', { name: 'Cookie settings' }).waitFor();
  assert.deepEqual(errors, []);
  await x.context.close();
});
