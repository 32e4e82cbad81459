// Google Consent Mode on the site form, end to end (issue 16): an owner
// turns on advanced mode (and sees its warning), adds the EEA preset and a
// region of their own with a code Google does not know (refused next to its
// box, nothing saved), then saves the options, sees them after a reload,
// and samtykke.js?site= carries them in front of the banner.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { axeSerious, Consentd, launch, SHOP, shot } from './harness.ts';

const PASSWORD = 'correct horse battery staple';
const EMAIL = 'kari@nordicshop.example';
const EEA = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GB CH'.split(' ');
let d: Consentd;
let browser: Browser;
let site: { id: string; config_version: string };

before(async () => {
  d = new Consentd();
  await d.start();
  browser = await launch();
  await d.admin('POST', '/users', { email: EMAIL, password: PASSWORD, operator: true });
  site = await d.createSite({ name: 'Nordic Shop', origins: [SHOP], default_language: 'en', privacy_policy_url: SHOP + '/personvern' });
});

after(async () => {
  await browser?.close();
  await d?.close();
});

test('Consent Mode options: a wrong region code is refused next to its box, then the options save and reload', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(d.url + '/dashboard');
  await page.getByLabel('E-mail address').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/setup`);

  // The defaults: basic, 500 ms, redaction on, nothing else.
  const mode = page.getByLabel('Mode', { exact: true });
  await mode.waitFor();
  assert.equal(await mode.inputValue(), 'basic');
  assert.equal(await page.locator('#f-gcm-wait').inputValue(), '500');
  assert.equal(await page.locator('#f-gcm-redaction').isChecked(), true);
  assert.equal(await page.locator('#f-gcm-passthrough').isChecked(), false);
  assert.equal(await page.locator('#f-gtm-first').isChecked(), false);
  assert.equal(await page.locator('#f-gcm-advanced-warning').isVisible(), false);
  assert.match(await page.locator('#consent-mode').innerText(), /Article 5\(3\)/);

  await mode.selectOption('advanced');
  assert.equal(await page.locator('#f-gcm-advanced-warning').isVisible(), true, 'advanced shows its warning');
  await page.getByRole('button', { name: 'Add EEA + UK + NO + CH + IS + LI (all denied)' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-gcm-r0-codes');
  await page.getByRole('button', { name: 'Add a region default' }).click();
  await page.locator('#f-gcm-r1-codes').fill('US-CA, EU');
  await page.locator('#f-gcm-r1-analytics_storage').selectOption('granted');
  await page.locator('#f-gcm-wait').fill('800');
  await page.getByLabel('Google developer id').fill('dZTNiMT');
  await page.getByLabel('Pass ad click ids through links (url_passthrough)').check();
  await page.getByLabel('Google Tag Manager may load before consent').check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page
    .locator('#f-gcm-r1-codes-error')
    .getByText(/^EU: must be an ISO 3166-1 country code/)
    .waitFor();
  assert.equal(await page.locator('#f-gcm-r1-codes').getAttribute('aria-invalid'), 'true');
  assert.ok(await page.locator('#f-summary').isVisible());
  let saved = await d.admin('GET', `/sites/${site.id}`);
  assert.equal(saved.consent_mode.mode, 'basic', 'nothing is saved while a code is wrong');
  assert.deepEqual(await axeSerious(page), []);

  await page.locator('#f-gcm-r1-codes').fill('US-CA');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page
    .getByRole('status')
    .getByText(/^Saved\./)
    .waitFor();
  saved = await d.admin('GET', `/sites/${site.id}`);
  const denied = { analytics_storage: 'denied', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' };
  const want = {
    mode: 'advanced',
    regions: [
      { region: EEA, ...denied },
      { region: ['US-CA'], ...denied, analytics_storage: 'granted' },
    ],
    wait_for_update: 800,
    url_passthrough: true,
    ads_data_redaction: true,
    developer_id: 'dZTNiMT',
  };
  assert.deepEqual(saved.consent_mode, want);
  assert.equal(saved.gtm_loads_before_consent, true);
  // What the banner does is part of the version's record, but changing it
  // is minor: visitors are not asked again.
  assert.notEqual(saved.config_version, site.config_version, 'the new settings are a new version');
  assert.equal(saved.config_history.at(-1).minor, true, 'visitors are not asked again');

  // samtykke.js for the site carries the options in front of the banner.
  const js = await (await fetch(`${d.url}/samtykke.js?site=${site.id}`)).text();
  const m = /^window\.samtykkeRules=.*;\nwindow\.samtykkeGcm=(.*);\n/.exec(js);
  assert.ok(m, js.slice(0, 200));
  assert.deepEqual(JSON.parse(m[1]), want);

  // After a reload the form shows what was saved.
  await page.reload();
  await page.locator('#f-gcm-r1-codes').waitFor();
  assert.equal(await page.getByLabel('Mode', { exact: true }).inputValue(), 'advanced');
  assert.equal(await page.locator('#f-gcm-r0-codes').inputValue(), EEA.join(', '));
  assert.equal(await page.locator('#f-gcm-r1-codes').inputValue(), 'US-CA');
  assert.equal(await page.locator('#f-gcm-r1-analytics_storage').inputValue(), 'granted');
  assert.equal(await page.locator('#f-gcm-r1-ad_storage').inputValue(), 'denied');
  assert.equal(await page.locator('#f-gcm-wait').inputValue(), '800');
  assert.equal(await page.getByLabel('Google developer id').inputValue(), 'dZTNiMT');
  assert.equal(await page.locator('#f-gcm-passthrough').isChecked(), true);
  assert.equal(await page.locator('#f-gcm-redaction').isChecked(), true);
  assert.equal(await page.locator('#f-gtm-first').isChecked(), true);
  assert.equal(await page.locator('#f-gcm-advanced-warning').isVisible(), true);
  assert.deepEqual(await axeSerious(page), []);
  await page.locator('#consent-mode').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-consent-mode.png', false);
  await ctx.close();
});
