// Cookie scans in the dashboard, end to end (issue 10): an owner starts a
// scan of a local shop page from the site's page, sees it run and its
// report (an unknown chat widget that sets its own cookie), and declares
// the cookie as a new vendor with "Declare as…"; the site then lists it.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { axeSerious, Consentd, freePort, launch, waitFor } from './harness.ts';

const PASSWORD = 'correct horse battery staple';
const EMAIL = 'ola@chatshop.example';
let d: Consentd;
let browser: Browser;
let shop: http.Server;
let site: { id: string; config_version: string };

before(async () => {
  d = new Consentd({
    SAMTYKKE_SCANNER_CHROMIUM: '/usr/bin/chromium',
    SAMTYKKE_SCAN_INTERVAL: '0',
    SAMTYKKE_SCAN_PAGE_INTERVAL: '10ms',
    SAMTYKKE_SCAN_PAGE_LIMIT: '1',
  });
  await d.start();
  browser = await launch();
  await d.admin('POST', '/users', { email: EMAIL, password: PASSWORD, operator: true });
  const port = await freePort();
  // The widget comes from "chat.localhost" (Chromium resolves *.localhost to
  // the loopback), another host than the shop's
  // 127.0.0.1: a third party to the scanner.
  shop = http.createServer((req, res) => {
    if (req.url == '/widget.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end('document.cookie = "cb_visitor=42; path=/; max-age=31536000";');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(
      `<!doctype html><script src="${d.url}/samtykke.js?site=${site.id}"></script><script src="http://chat.localhost:${port}/widget.js"></script><p>Chat shop</p>`,
    );
  });
  await new Promise<void>((ok) => shop.listen(port, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${port}`;
  site = await d.createSite({ name: 'Chat Shop', origins: [origin], default_language: 'en', privacy_policy_url: origin + '/privacy' });
});

after(async () => {
  await browser?.close();
  await d?.close();
  shop?.close();
});

test('an owner scans the site, reads the report and declares an unknown cookie as a new vendor', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(d.url + '/dashboard');
  await page.getByLabel('E-mail address').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/setup`);

  const card = page.locator('#cookie-scans');
  await card.getByText('No scan yet.').waitFor();
  await card.getByRole('button', { name: 'Scan now' }).click();
  await card.getByText('Undeclared (2)').waitFor({ timeout: 90_000 });
  const text = await card.innerText();
  assert.match(text, /Scanned 1 pages/);
  assert.match(text, /Violations \(0\)/);
  assert.match(text, /Cookie cb_visitor/);
  assert.match(text, /Requests to chat.localhost/);
  assert.equal(await card.getByRole('link', { name: 'Download JSON' }).count(), 1);
  assert.deepEqual(await axeSerious(page), []);

  const cookie = card.locator('li.tag-warning', { hasText: 'Cookie cb_visitor' });
  await cookie.getByText('Declare as…').click();
  await cookie.getByLabel('Vendor name').fill('ChatBuddy');
  await cookie.getByLabel('Provider').fill('ChatBuddy AS');
  await cookie.getByLabel('Purpose').selectOption('marketing');
  await cookie.getByLabel('Privacy policy').fill('https://chatbuddy.example/privacy');
  await cookie.getByLabel('Description (English)').fill('Recognises a returning chat visitor');
  await cookie.getByRole('button', { name: 'Declare as a new vendor' }).click();

  const saved = async () => (await d.admin('GET', `/sites/${site.id}`)).vendors || [];
  await waitFor(async () => (await saved()).length > 0, 10_000, 'the declared vendor');
  const vendors = await saved();
  assert.equal(vendors.length, 1);
  assert.equal(vendors[0].id, 'custom_chatbuddy');
  assert.deepEqual(vendors[0].hosts, ['chat.localhost']);
  assert.equal(vendors[0].cookies[0].name, 'cb_visitor');
});
