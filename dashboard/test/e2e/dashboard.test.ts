// The dashboard end to end: sign in, create a site (a refused value first),
// preview the real banner, post receipts and impressions through the public
// API, and read the numbers and the chart; exports, consent-id lookup,
// keyboard, axe-core and a phone-sized screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeSerious, Consentd, launch, SHOP, shot, waitFor } from './harness.ts';

const PASSWORD = 'correct horse battery staple';
let d: Consentd;
// idle is a second consentd whose sessions end after a minute unused, the
// shortest SAMTYKKE_SESSION_IDLE_TIMEOUT allows. Its session is opened
// first thing, so that the minute passes while the other tests run.
let idle: Consentd;
let idlePage: Page;
let idleSignedIn = 0;
let browser: Browser;
let site: { id: string; config_version: string };
let consentId = '';

before(async () => {
  d = new Consentd();
  await d.start();
  browser = await launch();
  // Kari is an operator: only operators and owners of a site add sites.
  await d.admin('POST', '/users', { email: 'kari@nordicshop.example', password: PASSWORD, operator: true });

  idle = new Consentd({ SAMTYKKE_SESSION_IDLE_TIMEOUT: '1m' });
  idle.bin = d.bin; // built once, by d
  await idle.start();
  await idle.admin('POST', '/users', { email: 'kari@nordicshop.example', password: PASSWORD });
  const ictx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  idlePage = await ictx.newPage();
  await idlePage.goto(idle.url + '/dashboard');
  await idlePage.getByLabel('E-mail address').fill('kari@nordicshop.example');
  await idlePage.getByLabel('Password').fill(PASSWORD);
  await idlePage.getByRole('button', { name: 'Sign in', exact: true }).click();
  await idlePage.getByRole('button', { name: 'Sign out' }).waitFor();
  idleSignedIn = Date.now();
});

after(async () => {
  await browser?.close();
  await d?.close();
  await idle?.close();
});

/** The tag to paste: ?site= brings the site's custom vendors' rules with the script. */
const scriptTag = (id: string) => `<script src="${d.url}/samtykke.js?site=${id}" data-site="${id}"></script>`;

async function signIn(ctx: BrowserContext, email: string, password = PASSWORD): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(d.url + '/dashboard');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

test('the link consentd prints at start opens the “Add a site” form once signed in with the admin token', async () => {
  const link = d.log.match(/Next: add your site in the dashboard[^\n]*\n\n {2}(\S+)\n/)?.[1];
  assert.equal(link, d.url + '/dashboard#/new', 'the startup message:\n' + d.log);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(link!);
  await page.getByRole('button', { name: 'Sign in with the admin token instead' }).click();
  await page.getByLabel('Admin token').fill(d.token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Add a site', level: 1 }).waitFor();
  await page.getByLabel('Site name').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Create site' }).count(), 1);
  await ctx.close();
});

test('sign-in refuses a wrong password with a message, and the form passes axe-core', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(d.url + '/dashboard');
  await page.getByLabel('E-mail address').fill('kari@nordicshop.example');
  await page.getByLabel('Password').fill('not my password');
  await page.keyboard.press('Enter');
  await page.getByText('Wrong e-mail address or password.').waitFor();
  assert.deepEqual(await axeSerious(page), []);
  await shot(page, 'dashboard-login.png', false);
  await ctx.close();
});

test('an operator creates a site: a bad origin is refused next to its field, then the tag and the real banner preview', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'kari@nordicshop.example');
  // The wrong password of the first test is told, once, after signing in.
  await page
    .locator('#failed-sign-ins')
    .getByText(/^1 failed sign-in to your account since your last visit/)
    .waitFor();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  assert.equal(await page.locator('#failed-sign-ins').count(), 0);
  await page.getByText('No sites yet').waitFor();
  await page.getByRole('link', { name: 'Add a site' }).first().click();
  await page.getByLabel('Site name').fill('Nordic Shop');
  await page.getByLabel('Origins').fill('www.nordicshop.example');
  await page.getByLabel('Privacy policy link').fill(SHOP + '/personvern');
  await page.getByLabel('Default language').selectOption('nb');
  await page.getByLabel('Google Analytics 4 measurement id').fill('G-ABC123');
  await page.getByRole('button', { name: 'Create site' }).click();
  const err = page.locator('#f-origins-error');
  await err.waitFor();
  assert.match(await err.innerText(), /Line 1: must be an origin such as https:\/\/www\.example\.com/);
  assert.equal(await page.locator('#f-origins').getAttribute('aria-invalid'), 'true');
  assert.ok(await page.locator('#f-summary').isVisible());
  assert.equal((await d.admin('GET', '/sites')).sites.length, 0, 'nothing is saved while a field is wrong');
  await shot(page, 'dashboard-setup-error.png');

  await page.getByLabel('Origins').fill(SHOP);
  await page.getByRole('button', { name: 'Create site' }).click();
  await page.locator('#script-tag').waitFor();
  const sites = (await d.admin('GET', '/sites')).sites;
  assert.equal(sites.length, 1);
  site = sites[0];
  assert.equal(await page.locator('#script-tag').innerText(), scriptTag(site.id));

  // The preview is the real samtykke.js, showing unsaved texts.
  await page.getByLabel('Language', { exact: true }).selectOption('nb');
  await page.locator('[id="f-text-banner.title"]').fill('Vi bryr oss om personvernet ditt');
  const frame = page.frameLocator('#preview-frame');
  const card = frame.locator('#samtykke-banner .card');
  await waitFor(
    async () => (await card.count()) > 0 && (await card.innerText()).includes('Vi bryr oss om personvernet ditt'),
    10000,
    'the draft title in the preview',
  );
  const bannerText = await card.innerText();
  // The redrawn preview did not take the cursor out of the field being typed in.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-text-banner.title');
  assert.match(bannerText, /Godta alle|Godta/i, 'the banner speaks Norwegian');
  // A click in the preview stores and counts nothing.
  await frame.locator('[data-samtykke-action="accept-all"]').click();
  await page.waitForTimeout(500);
  const stats = await d.admin('GET', `/sites/${site.id}/stats`);
  assert.equal(stats.totals.impressions + stats.totals.decisions, 0, 'the preview counted an impression or a decision');
  await shot(page, 'dashboard-setup.png');
  // Saving the text makes a new banner version; a text-only change is
  // minor, so visitors keep their choices (and the page said so first).
  await page
    .locator('#save-effect')
    .getByText(/keeps visitors’ choices/)
    .waitFor();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('status').getByText('Saved. Visitors keep the choices they made').waitFor();
  site = await d.admin('GET', `/sites/${site.id}`);
  assert.equal(site.config_version != sites[0].config_version, true);
  assert.deepEqual(await axeSerious(page), []);

  // Global Privacy Control as "Reject all": on, then off again.
  const gpc = page.getByLabel('Apply Global Privacy Control as “Reject all”, without showing the banner');
  assert.equal(await gpc.isChecked(), false, 'off by default');
  for (const [on, want] of [
    [true, 'reject_all'],
    [false, undefined],
  ] as const) {
    await gpc.setChecked(on);
    const before = (await d.admin('GET', `/sites/${site.id}`)).config_version;
    await page.getByRole('button', { name: 'Save changes' }).click();
    await waitFor(async () => (await d.admin('GET', `/sites/${site.id}`)).config_version != before, 5000, 'the saved setting');
    assert.equal((await d.admin('GET', `/sites/${site.id}`)).gpc_handling, want);
  }
  await ctx.close();
});

test('consent rates: the numbers, formulas and chart match what the API received', async () => {
  // 10 impressions: 4 accept all, 1 reject all (GPC), 1 custom, 4 without a decision.
  consentId = (await d.visit(site, { action: 'accept_all', mobile: true }))!;
  await d.visit(site, { action: 'accept_all', mobile: true });
  await d.visit(site, { action: 'accept_all', lang: 'en' });
  await d.visit(site, { action: 'accept_all' });
  await d.visit(site, { action: 'reject_all', gpc: true });
  await d.visit(site, { action: 'custom', mobile: true });
  await d.visit(site, { gpc: true });
  for (let i = 0; i < 3; i++) await d.visit(site, { mobile: true });

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'kari@nordicshop.example');
  await page.getByRole('link', { name: /Nordic Shop/ }).click();
  await page.locator('#kpi-impressions').waitFor();
  const kpi = async (id: string) => (await page.locator(id + ' .kpi-value').innerText()).trim();
  assert.equal(await kpi('#kpi-impressions'), '10');
  assert.equal(await kpi('#kpi-interaction'), '60.0 %');
  assert.equal(await kpi('#kpi-statistics'), '83.3 %'); // 5 of 6 decisions
  assert.equal(await kpi('#kpi-marketing'), '66.7 %'); // 4 of 6
  assert.match(await page.locator('#kpi-interaction .formula').innerText(), /decisions ÷ banner impressions/);
  assert.match(await page.locator('#kpi-statistics .kpi-detail').innerText(), /Opt-in rate 50\.0 %/);
  const row = (p: string) => page.locator(`#purpose-table tr[data-purpose="${p}"]`);
  assert.equal(await row('marketing').locator('.opt-in-rate').innerText(), '40.0 %');
  assert.match(await page.locator('#purpose-table thead').innerText(), /granted ÷ decisions[\s\S]*granted ÷ impressions/);
  assert.match(
    await page.locator('#purpose-formulas').innerText(),
    /Consent rate = decisions granting the purpose ÷ all decisions\. Opt-in rate = decisions granting the purpose ÷ banner impressions/,
  );
  assert.match(await page.locator('#funnel-accept_all').innerText(), /Accept all\s+4\s+66\.7 %/);
  assert.match(await page.locator('#funnel-none').innerText(), /No decision\s+4\s+40\.0 %/);
  assert.match(await page.locator('#gpc').innerText(), /20\.0 %/);
  // The chart is drawn by uPlot, with a legend and the last day's values.
  await page.locator('#trend-chart .uplot canvas').waitFor();
  assert.ok((await page.locator('#trend-chart .u-legend').innerText()).includes('Marketing consent %'));
  const last = (await page.locator('#trend-table tbody tr').last().locator('th, td').allTextContents()).join(' ');
  assert.match(last, /10 6 4 1 1 83\.3 % 66\.7 %/);
  // Breakdowns: language, device and banner version.
  assert.match(await page.locator('#by-language tr[data-key="nb"]').innerText(), /Norsk bokmål\s+9\s+5/);
  assert.match(await page.locator('#by-device tr[data-key="mobile"]').innerText(), /Phone\s+6\s+3/);
  assert.match(await page.locator(`#by-version tr[data-key="${site.config_version}"]`).innerText(), /current/);
  assert.deepEqual(await axeSerious(page), []);
  await shot(page, 'dashboard-rates.png');

  // A range change updates in place: no reload.
  await page.evaluate(() => ((window as any).__still = 'here'));
  await page.getByLabel('Period', { exact: true }).selectOption('365d');
  await waitFor(async () => (await page.locator('#trend-table tbody tr').count()) == 365, 5000, '365 rows');
  await page.getByLabel('Period', { exact: true }).selectOption('2d');
  await waitFor(async () => (await page.locator('#trend-table tbody tr').count()) == 48, 5000, '48 hourly rows');
  assert.equal(await page.evaluate(() => (window as any).__still), 'here', 'the page reloaded');
  assert.equal(await kpi('#kpi-impressions'), '10');
  assert.match(page.url(), /by=hour/);

  // The CSV export holds the numbers shown.
  const href = await page.locator('#export-csv').getAttribute('href');
  const csv = await (await page.request.get(d.url + href)).text();
  assert.match(csv, /Interaction rate,60\.0,%,decisions ÷ banner impressions/);
  assert.match(csv, /Marketing opt-in rate,40\.0,%/);

  // An empty period says what to do next.
  await page.getByLabel('Period', { exact: true }).selectOption('custom');
  await page.getByLabel('From').fill('2025-01-01');
  await page.getByLabel('To (inclusive)').fill('2025-01-31');
  await page.getByLabel('To (inclusive)').dispatchEvent('change');
  await page.locator('#rates-empty').waitFor();
  assert.match(await page.locator('#rates-empty').innerText(), /paste this tag/);
  assert.equal(await page.locator('#empty-tag').innerText(), scriptTag(site.id));
  await ctx.close();
});

test('receipts: consent-id lookup and the audit export', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'kari@nordicshop.example');
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/receipts`);
  await page.getByLabel('Consent id', { exact: true }).fill('not an id');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page
    .locator('#lookup-id-error')
    .getByText(/must be a consent id/)
    .waitFor();
  await page.getByLabel('Consent id', { exact: true }).fill(consentId);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.locator('#lookup-table').waitFor();
  assert.match(await page.locator('#lookup-table tbody').innerText(), /accept all\s+Allowed\s+Allowed/);
  await page.getByLabel('NDJSON (one JSON receipt per line)').check();
  const href = (await page.locator('#export-receipts').getAttribute('href'))!;
  assert.match(href, /format=ndjson/);
  const all = (await (await page.request.get(d.url + href)).text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  // The receipts, then the trailer that seals them: checkpoints and the key.
  const lines = all.filter((l) => !l.record);
  assert.equal(lines.length, 6);
  assert.equal(lines[0].consent_id, consentId);
  assert.ok(lines[0].seq > 0 && lines[0].checkpoint > 0);
  assert.deepEqual(
    all.filter((l) => l.record).map((l) => l.record),
    ['checkpoint', 'public_key'],
  );
  const proof = await (await page.request.get(d.url + (await page.locator('#proof-bundle').getAttribute('href'))!)).json();
  assert.equal(proof.format, 'samtykke-proof-bundle/1');
  assert.equal(proof.receipts[0].receipt.consent_id, consentId);
  assert.deepEqual(await axeSerious(page), []);
  await shot(page, 'dashboard-receipts.png');
  // Erasure (an owner's): confirmed, then gone from the lookup.
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Erase this visitor’s receipts' }).click();
  assert.match(await page.locator('#erased-notice').innerText(), /^Erased 1 receipt of /);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByText(`No receipts for consent id ${consentId}`).waitFor();
  await ctx.close();
});

test('keyboard: skip link, tabs and the period can be used without a mouse', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'kari@nordicshop.example');
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/rates`);
  await page.reload();
  await page.locator('#kpi-impressions').waitFor();
  // On a freshly loaded page the first Tab reaches the skip link, which
  // moves focus to the content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  assert.match(page.url(), /#\/sites\//, 'the skip link changed the route');
  // Tab to the period select and change it with the arrow keys.
  for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.id)) != 'range-preset'; i++)
    await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'range-preset');
  await page.keyboard.press('ArrowDown');
  await waitFor(
    async () => /from=/.test(page.url()) && (await page.locator('#range-preset').inputValue()) != '30d',
    3000,
    'the period to change by keyboard',
  );
  // Every focusable element shows where the focus is.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.notEqual(outline, 'none');
  await ctx.close();
});

test('on a phone the rates page fits the screen and stays readable', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await signIn(ctx, 'kari@nordicshop.example');
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/rates`);
  await page.locator('#trend-chart .uplot canvas').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - 390);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  assert.deepEqual(await axeSerious(page), []);
  await shot(page, 'dashboard-rates-phone.png');
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/setup`);
  await page.locator('#script-tag').waitFor();
  await shot(page, 'dashboard-setup-phone.png');
  await ctx.close();
});

test('another user sees none of it; an operator grants the site', async () => {
  await d.admin('POST', '/users', { email: 'ola@nordicshop.example', password: PASSWORD });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'ola@nordicshop.example');
  await page.getByText('No sites yet').waitFor();
  // Without a site of their own, a user cannot add one.
  await page.getByText('Ask an operator to grant you a site.').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Add a site' }).count(), 0);
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/rates`);
  await page.getByText('No such site').waitFor();
  assert.equal(await page.locator('#kpi-impressions').count(), 0);
  await ctx.close();

  const opCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const op = await opCtx.newPage();
  await op.goto(d.url + '/dashboard');
  await op.getByRole('button', { name: 'Sign in with the admin token instead' }).click();
  await op.getByLabel('Admin token').fill(d.token);
  await op.getByRole('button', { name: 'Sign in', exact: true }).click();
  await op.getByRole('link', { name: 'People' }).click();
  const row = op.locator('tr[data-user="ola@nordicshop.example"]');
  await row.getByRole('combobox', { name: /Role for/ }).selectOption('viewer');
  await row.getByRole('button', { name: 'Grant' }).click();
  await op.locator('tr[data-user="ola@nordicshop.example"]').getByText('Nordic Shop · viewer').waitFor();
  assert.deepEqual(await axeSerious(op), []);
  await shot(op, 'dashboard-people.png');
  // Signing everyone out ends this session too.
  op.once('dialog', (dialog) => dialog.accept());
  await op.getByRole('button', { name: 'Sign everyone out' }).click();
  await op.getByText('Everyone was signed out of the dashboard, you too. Sign in again.').waitFor();
  const after = await op.evaluate(async () => (await fetch('/dashboard/api/session')).status);
  assert.equal(after, 401);
  await opCtx.close();

  const ctx2 = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page2 = await signIn(ctx2, 'ola@nordicshop.example');
  await page2.getByRole('link', { name: /Nordic Shop/ }).click();
  await page2.locator('#kpi-impressions').waitFor();
  await page2.getByRole('link', { name: 'Setup' }).click();
  await page2.getByText('Only its owners can change it.').waitFor();
  assert.equal(await page2.getByRole('button', { name: 'Save changes' }).count(), 0);
  await ctx2.close();
});

test('an owner deletes a site after typing its name; a viewer is not offered it; it leaves every list', async () => {
  const old = await d.admin('POST', '/sites', {
    name: 'Old Campaign',
    origins: ['https://kampanje.nordicshop.example'],
    default_language: 'nb',
    privacy_policy_url: SHOP + '/personvern',
  });
  const ola = (await d.admin('GET', '/users')).users.find((u: any) => u.email == 'ola@nordicshop.example');
  await d.admin('PUT', `/users/${ola.id}/grants/${old.id}`, { role: 'viewer' });
  await d.admin('POST', '/users', { email: 'per@nordicshop.example', password: PASSWORD, grants: [{ site_id: old.id, role: 'owner' }] });

  // A viewer sees the setup but no way to delete the site.
  const vctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const viewer = await signIn(vctx, 'ola@nordicshop.example');
  await viewer.goto(`${d.url}/dashboard#/sites/${old.id}/setup`);
  await viewer.getByText('Only its owners can change it.').waitFor();
  assert.equal(await viewer.locator('#delete-form').count(), 0);

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'per@nordicshop.example');
  await page.goto(`${d.url}/dashboard#/sites/${old.id}/setup`);
  const confirm = page.getByLabel('Type the site’s name, Old Campaign, to confirm');
  await confirm.waitFor();
  // A wrong name deletes nothing, and says so next to the field.
  await confirm.fill('old campaign');
  await page.getByRole('button', { name: 'Delete site' }).click();
  await page.locator('#d-confirm-error').getByText('This is not the site’s name; type Old Campaign exactly.').waitFor();
  assert.equal(await confirm.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'd-confirm');
  assert.ok(
    (await d.admin('GET', '/sites')).sites.some((s: any) => s.id == old.id),
    'a wrong name deleted the site',
  );
  assert.deepEqual(await axeSerious(page), []);
  await page.locator('#delete-form').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-delete-site.png', false);

  await confirm.fill('Old Campaign');
  await page.getByRole('button', { name: 'Delete site' }).click();
  await page.locator('#sites-notice').getByText('Old Campaign was deleted.').waitFor();
  assert.equal(await page.getByRole('link', { name: /Old Campaign/ }).count(), 0);
  assert.ok(!(await d.admin('GET', '/sites')).sites.some((s: any) => s.id == old.id), 'the API still has the site');
  assert.equal((await fetch(`${d.url}/v1/sites/${old.id}/config?lang=nb`)).status, 404);
  assert.deepEqual(await axeSerious(page), []);
  await shot(page, 'dashboard-site-deleted.png', false);
  // The viewer's list loses it at the next look, without signing in again.
  await viewer.goto(`${d.url}/dashboard#/`);
  await viewer.reload();
  await viewer.getByRole('link', { name: /Nordic Shop/ }).waitFor();
  assert.equal(await viewer.getByRole('link', { name: /Old Campaign/ }).count(), 0);
  await vctx.close();
  await ctx.close();
});

const sessionStatus = (page: Page) => page.evaluate(async () => (await fetch('/dashboard/api/session')).status);

test('a user changes their own password: the current one is checked next to its field, other sessions end, this one stays', async () => {
  await d.admin('POST', '/users', { email: 'lise@nordicshop.example', password: PASSWORD });
  const otherCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const other = await signIn(otherCtx, 'lise@nordicshop.example');
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'lise@nordicshop.example');
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { name: 'Change your password' }).waitFor();

  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await page.getByLabel('New password again').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#a-current-error').getByText('Is not your current password.').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'a-current');
  assert.deepEqual(await axeSerious(page), []);
  await shot(page, 'dashboard-account-password-error.png', false);
  // Two different new passwords are caught before anything is sent.
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password again').fill('a brand new passphrasE');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#a-repeat-error').getByText('Is not the same as the new password.').waitFor();
  assert.equal(await sessionStatus(other), 200, 'a refused change ended the other session');

  await page.getByLabel('New password again').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#password-status').getByText('Password changed. Every other browser signed in as you was signed out.').waitFor();
  assert.equal(await page.getByLabel('Current password').inputValue(), '', 'the form still holds the passwords');
  await shot(page, 'dashboard-account-password-changed.png', false);
  assert.equal(await sessionStatus(page), 200, 'this session ended');
  assert.equal(await sessionStatus(other), 401, 'the other session goes on');
  await ctx.close();
  await otherCtx.close();
  const again = await browser.newContext();
  await signIn(again, 'lise@nordicshop.example', 'a brand new passphrase');
  await again.close();
});

test('an operator sets a new password in a dialog, never in a browser prompt', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'kari@nordicshop.example');
  const prompts: string[] = [];
  page.on('dialog', (dlg) => {
    prompts.push(dlg.type() + ': ' + dlg.message());
    dlg.dismiss();
  });
  await page.getByRole('link', { name: 'People' }).click();
  await page.getByRole('button', { name: 'New password for lise@nordicshop.example' }).click();
  const dialog = page.getByRole('dialog', { name: 'New password for lise@nordicshop.example' });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'reset-password');
  assert.equal(await dialog.getByLabel('New password').getAttribute('type'), 'password');
  await dialog.getByLabel('New password').fill('short');
  await dialog.getByRole('button', { name: 'Set password' }).click();
  await dialog
    .locator('#reset-password-error')
    .getByText(/^Must be at least 10 characters long/)
    .waitFor();
  await dialog.getByLabel('Show the password').check();
  assert.equal(await dialog.getByLabel('New password').getAttribute('type'), 'text');
  assert.deepEqual(await axeSerious(page), []);
  await shot(page, 'dashboard-people-reset-dialog.png', false);
  // Cancel leaves everything as it was.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await waitFor(async () => (await page.locator('#reset-dialog').count()) == 0, 3000, 'the dialog to close');

  await page.getByRole('button', { name: 'New password for lise@nordicshop.example' }).click();
  await dialog.getByLabel('New password').fill('set by the operator');
  await page.keyboard.press('Enter');
  await page.locator('#people-status').getByText('New password set for lise@nordicshop.example; their sessions ended.').waitFor();
  assert.equal(await page.locator('#reset-dialog').count(), 0);
  assert.deepEqual(prompts, [], 'the browser showed a prompt or confirm');
  await ctx.close();
  const lise = await browser.newContext();
  await signIn(lise, 'lise@nordicshop.example', 'set by the operator');
  await lise.close();
});

test('an operator invites a person with a one-time link; the person sets their own password and is signed in', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(ctx, 'kari@nordicshop.example');
  await page.getByRole('link', { name: 'People' }).click();
  const form = page.locator('#invite-form');
  await form.getByLabel('E-mail address').fill('not an address');
  await form.getByRole('button', { name: 'Create invitation link' }).click();
  await page
    .locator('#inv-email-error')
    .getByText(/^Must be an e-mail address/)
    .waitFor();
  await form.getByLabel('E-mail address').fill('nina@nordicshop.example');
  await form.getByLabel('Site', { exact: true }).selectOption({ label: 'Nordic Shop' });
  await form.getByLabel('Role on the site').selectOption('viewer');
  await form.getByRole('button', { name: 'Create invitation link' }).click();
  const link = await page.locator('#invite-link').innerText();
  assert.match(link, new RegExp('^' + d.url.replace(/[.]/g, '\\.') + '/dashboard#/invite/[A-Za-z0-9_-]{40,}$'));
  assert.deepEqual(await axeSerious(page), []);
  await form.scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-people-invite.png', false);
  await ctx.close();

  const nctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const nina = await nctx.newPage();
  await nina.goto(link);
  await nina.getByRole('heading', { name: 'Set your password' }).waitFor();
  await nina.getByText('You were invited to the consent dashboard as nina@nordicshop.example.').waitFor();
  await nina.getByLabel('Password', { exact: true }).fill('short');
  await nina.getByLabel('Password again').fill('short');
  await nina.getByRole('button', { name: 'Create my account' }).click();
  await nina
    .locator('#i-password-error')
    .getByText(/^Must be at least 10 characters long/)
    .waitFor();
  assert.deepEqual(await axeSerious(nina), []);
  await shot(nina, 'dashboard-invite-accept.png', false);
  await nina.getByLabel('Password', { exact: true }).fill('nina chose this herself');
  await nina.getByLabel('Password again').fill('nina chose this herself');
  await nina.getByRole('button', { name: 'Create my account' }).click();
  await nina.getByRole('button', { name: 'Sign out' }).waitFor();
  await nina.getByRole('link', { name: /Nordic Shop/ }).waitFor();
  assert.ok(!nina.url().includes('invite'), 'the spent link stayed in the address bar: ' + nina.url());
  await nctx.close();

  // The link works once.
  const again = await browser.newContext();
  const p2 = await again.newPage();
  await p2.goto(link);
  await p2.getByRole('heading', { name: 'This link does not work' }).waitFor();
  assert.match(await p2.locator('#invite-error').innerText(), /it was used already, it expired/);
  await again.close();
  const n2 = await browser.newContext();
  await signIn(n2, 'nina@nordicshop.example', 'nina chose this herself');
  await n2.close();
});

test('a session left unused for the idle timeout ends, and the dashboard says why at the next click', async () => {
  // Nothing may use the session meanwhile (every request would move the
  // deadline), so the wait is for the clock to pass the deadline, with a
  // margin for the server's clock reading; it overlaps the tests above.
  await idlePage.getByText('No sites yet').waitFor();
  await waitFor(() => Date.now() > idleSignedIn + 62_000, 70_000, 'the idle timeout to pass');
  // The first request after it: changing the password.
  await idlePage.getByRole('link', { name: 'Your account' }).click();
  await idlePage.getByLabel('Current password').fill(PASSWORD);
  await idlePage.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await idlePage.getByLabel('New password again').fill('a brand new passphrase');
  await idlePage.getByRole('button', { name: 'Change password' }).click();
  await idlePage.getByText('Your session ended after 1 minute without use; sign in again.').waitFor();
  assert.equal(await idlePage.getByRole('button', { name: 'Sign in', exact: true }).count(), 1);
  assert.equal(await idlePage.evaluate(async () => (await fetch('/dashboard/api/session')).status), 401);
  assert.deepEqual(await axeSerious(idlePage), []);
  await shot(idlePage, 'dashboard-session-idle.png', false);
});
