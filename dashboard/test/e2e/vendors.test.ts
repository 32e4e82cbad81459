// Vendors on the site form and "Tags to fix", end to end (issue 9): an owner
// declares a built-in vendor and a custom one with a cookie (a wrong one is
// refused next to its field first, and nothing is saved), sees them after a
// reload and in the real banner's settings layer in the preview; tags the
// snippet reports through the public API are listed with their markup to
// copy, a vendor is declared from there, and "Mark as fixed" clears them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeSerious, Consentd, launch, SHOP, shot, waitFor } from './harness.ts';

const PASSWORD = 'correct horse battery staple';
const EMAIL = 'kari@nordicshop.example';
let d: Consentd;
let browser: Browser;
let site: { id: string; config_version: string };

before(async () => {
  d = new Consentd();
  await d.start();
  browser = await launch();
  await d.admin('POST', '/users', { email: EMAIL, password: PASSWORD, operator: true });
  site = await d.createSite({
    name: 'Nordic Shop',
    origins: [SHOP],
    default_language: 'en',
    privacy_policy_url: SHOP + '/personvern',
  });
});

after(async () => {
  await browser?.close();
  await d?.close();
});

async function signIn(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(d.url + '/dashboard');
  await page.getByLabel('E-mail address').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** Everything the banner's shadow roots in the preview hold, folded parts included. */
async function previewText(page: Page): Promise<string> {
  const handle = await page.locator('#preview-frame').elementHandle();
  const frame = await handle?.contentFrame();
  if (!frame) return '';
  return frame
    .evaluate(() =>
      [...document.querySelectorAll('body *')]
        .map((e) => e.shadowRoot?.textContent || '')
        .join(' ')
        .replace(/\s+/g, ' '),
    )
    .catch(() => '');
}

test('an owner declares a built-in and a custom vendor: a wrong one is refused next to its fields, then saved, shown after a reload and in the preview', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx);
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/setup`);

  // The catalogue, grouped by purpose, with each vendor's cookies and lifetimes.
  const linkedin = page.getByLabel('LinkedIn Insight Tag');
  await linkedin.waitFor();
  assert.match(await page.locator('[data-vendor="google_analytics"]').innerText(), /_ga\s+2 years/);
  assert.match(await page.locator('#vendors').innerText(), /Statistics[\s\S]*Marketing/);
  await linkedin.check();

  // GA with a 7-day cookie: the list shows the lifetime really set.
  await page.getByLabel('Google Analytics 4 measurement id').fill('G-ABC123');
  await page.getByLabel('Google Analytics cookie lifetime (days)').fill('7');
  await waitFor(
    async () => /_ga\s+7 days/.test(await page.locator('[data-vendor="google_analytics"]').innerText()),
    3000,
    'GA’s _ga at 7 days in the list',
  );
  assert.equal(await page.locator('#bv-google_analytics').isDisabled(), true, 'GA comes with its integration');

  // A custom vendor with a wrong host and a cookie without a description.
  await page.getByRole('button', { name: 'Add a custom vendor' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'cv-0-name');
  const v = page.locator('#cv-0');
  await v.getByLabel('Name', { exact: true }).fill('Chatly');
  await v.getByLabel('Provider').fill('Chatly AS, Norway');
  await v.getByLabel('Purpose').selectOption('marketing');
  await v.getByLabel('Privacy policy link').fill('https://chatly.example/privacy');
  await v.getByLabel('Hosts to hold back until consent').fill('widget.chatly.example\nnot a host!');
  await v.getByLabel('Shows embedded content (iframes)').check();
  await v.getByRole('button', { name: 'Add a cookie' }).click();
  await page.locator('#cv-0-c0-name').fill('chatly_id');
  await page.locator('#cv-0-c0-days').fill('365');
  await page.locator('#cv-0-c0-party').selectOption('third');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page
    .locator('#cv-0-hosts-error')
    .getByText(/^Line 2: /)
    .waitFor();
  assert.equal(await page.locator('#cv-0-hosts').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#cv-0-c0-desc-en-error').innerText(), /at least one language/);
  assert.equal(await page.locator('#cv-0-c0-desc-en').getAttribute('aria-invalid'), 'true');
  assert.ok(await page.locator('#f-summary').isVisible());
  let saved = await d.admin('GET', `/sites/${site.id}`);
  assert.equal(saved.vendors, undefined, 'nothing is saved while a vendor is wrong');
  assert.equal(saved.integrations.google_analytics, undefined);
  assert.deepEqual(await axeSerious(page), []);
  await page.locator('#cv-0').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-vendors-error.png', false);

  // A lifetime that is no number is caught before anything is sent.
  await page.locator('#cv-0-c0-days').fill('');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page
    .locator('#cv-0-c0-days-error')
    .getByText(/0 means until the browser closes/)
    .waitFor();

  await v.getByLabel('Hosts to hold back until consent').fill('widget.chatly.example');
  await page.locator('#cv-0-c0-days').fill('365');
  await page.locator('#cv-0-c0-desc-en').fill('Chat visitor id');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page
    .getByRole('status')
    .getByText(/^Saved\./)
    .waitFor();
  saved = await d.admin('GET', `/sites/${site.id}`);
  assert.equal(saved.integrations.google_analytics.cookie_expires_days, 7);
  assert.deepEqual(saved.vendors, [
    { id: 'linkedin_insight' },
    {
      id: 'custom_chatly',
      name: 'Chatly',
      provider: 'Chatly AS, Norway',
      purpose: 'marketing',
      privacy_policy_url: 'https://chatly.example/privacy',
      hosts: ['widget.chatly.example'],
      embed: true,
      cookies: [{ name: 'chatly_id', lifetime_days: 365, party: 'third', description: { en: 'Chat visitor id' } }],
    },
  ]);
  site = saved;

  // After a reload the form shows what was saved.
  await page.reload();
  await page.locator('#cv-0-name').waitFor();
  assert.equal(await page.getByLabel('LinkedIn Insight Tag').isChecked(), true);
  assert.equal(await page.locator('#cv-0-name').inputValue(), 'Chatly');
  assert.equal(await page.locator('#cv-0-hosts').inputValue(), 'widget.chatly.example');
  assert.equal(await page.locator('#cv-0-embed').isChecked(), true);
  assert.equal(await page.locator('#cv-0-c0-name').inputValue(), 'chatly_id');
  assert.equal(await page.locator('#cv-0-c0-days').inputValue(), '365');
  assert.equal(await page.locator('#cv-0-c0-party').inputValue(), 'third');
  assert.equal(await page.locator('#cv-0-c0-desc-en').inputValue(), 'Chat visitor id');
  assert.equal(await page.getByLabel('Google Analytics cookie lifetime (days)').inputValue(), '7');

  // The preview's settings layer lists the declared vendors with their cookies.
  await page.locator('#preview-layer').selectOption('settings');
  await waitFor(
    async () => {
      const t = await previewText(page);
      return t.includes('LinkedIn Insight Tag') && t.includes('Chatly') && t.includes('chatly_id');
    },
    10000,
    'the declared vendors in the preview’s settings layer',
  );
  assert.deepEqual(await axeSerious(page), []);
  await page.locator('#vendors').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-vendors.png', false);
  await shot(page, 'dashboard-vendors-full.png');
  await ctx.close();
});

test('Tags to fix: reported tags with their markup to copy, a vendor declared from there, and “Mark as fixed” clears them', async () => {
  const scriptMarkup =
    '<script type="text/plain" data-samtykke="marketing" src="https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=ABC" async></script>';
  await d.tagWarnings(site, '/sko', [
    { vendor: 'tiktok_pixel', kind: 'script', markup: scriptMarkup },
    { vendor: 'meta_pixel', kind: 'noscript', markup: '' },
  ]);
  await d.tagWarnings(site, '/', [{ vendor: 'tiktok_pixel', kind: 'script', markup: scriptMarkup }]);

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await signIn(ctx);
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/setup`);
  const tiktok = page.locator('#tags-to-fix li.tag-warning[data-vendor="tiktok_pixel"]');
  await tiktok.waitFor();
  assert.equal(await page.locator('#tags-to-fix li.tag-warning').count(), 2);
  const text = await tiktok.innerText();
  assert.match(text, /TikTok Pixel/);
  assert.match(text, /Script tag/);
  assert.match(text, /Paste this marked markup instead/);
  assert.match(text, /Seen 2 times, last on/);
  assert.match(text, /\/sko/);
  assert.equal(await tiktok.locator('code').first().innerText(), scriptMarkup);
  const meta = page.locator('#tags-to-fix li.tag-warning[data-vendor="meta_pixel"]');
  assert.match(await meta.innerText(), /Remove the <noscript> pixel.*without JavaScript no consent can be asked/);

  // Copy puts the markup on the clipboard.
  await tiktok.getByRole('button', { name: 'Copy markup' }).click();
  await tiktok.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), scriptMarkup);
  assert.deepEqual(await axeSerious(page), []);
  await page.locator('#tags-to-fix').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-tags-to-fix.png', false);

  // TikTok is not declared: one click declares it and saves the setup.
  await tiktok.getByRole('button', { name: 'Declare TikTok Pixel' }).click();
  await page.locator('#tag-warnings-status').getByText('TikTok Pixel is declared').waitFor();
  const saved = await d.admin('GET', `/sites/${site.id}`);
  assert.deepEqual(
    saved.vendors.map((v: any) => v.id),
    ['linkedin_insight', 'tiktok_pixel', 'custom_chatly'],
  );
  assert.equal(await page.getByRole('checkbox', { name: 'TikTok Pixel' }).isChecked(), true);
  await waitFor(async () => (await tiktok.getByRole('button', { name: 'Declare TikTok Pixel' }).count()) == 0, 5000, 'the declared vendor');

  await page.getByRole('button', { name: 'Mark as fixed' }).click();
  await page.locator('#tag-warnings-empty').getByText('No tags need fixing.').waitFor();
  assert.deepEqual((await d.admin('GET', `/sites/${site.id}/tag-warnings`)).tag_warnings, []);
  assert.deepEqual(await axeSerious(page), []);
  await page.locator('#tags-to-fix').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-tags-to-fix-empty.png', false);
  await ctx.close();
});
