// What was shown, end to end: a receipt looked up in the dashboard links to
// the texts of its banner version even after the texts were edited; the
// History tab lists versions by number and date with what changed and the
// audit log; the setup says before saving whether visitors will be asked
// again; a deleted site is restored from the site list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { axeSerious, Consentd, launch, SHOP } from './harness.ts';

const PASSWORD = 'correct horse battery staple';
let d: Consentd;
let browser: Browser;

before(async () => {
  d = new Consentd();
  await d.start();
  browser = await launch();
  await d.admin('POST', '/users', { email: 'kari@nordicshop.example', password: PASSWORD, operator: true });
});

after(async () => {
  await browser?.close();
  await d?.close();
});

async function signIn(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(d.url + '/dashboard');
  await page.getByLabel('E-mail address').fill('kari@nordicshop.example');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

const settings = (title: string) => ({
  name: 'Nordic Shop',
  origins: [SHOP],
  default_language: 'nb',
  privacy_policy_url: SHOP + '/personvern',
  texts: { nb: { 'banner.title': title } },
});

test('a receipt links to the texts it was given under, after they were edited', async () => {
  const site = await d.admin('POST', '/sites', settings('Vi bruker informasjonskapsler (før)'));
  const consentId = await d.visit(site, { action: 'accept_all' });
  const edited = await d.admin('PUT', `/sites/${site.id}`, settings('Nye ord (etter)'));
  assert.notEqual(edited.config_version, site.config_version);

  const page = await signIn();
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/receipts`);
  await page.getByLabel('Consent id', { exact: true }).fill(consentId!);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.locator('#lookup-table').getByRole('link', { name: site.config_version }).click();

  const detail = page.locator('#version-detail');
  await detail.getByRole('heading', { name: /^Version 1 of / }).waitFor();
  await detail.getByLabel('Language').selectOption('nb');
  await detail.getByText('Vi bruker informasjonskapsler (før)').waitFor();
  assert.equal(await detail.getByText('Nye ord (etter)').count(), 0, 'the old version shows the new words');

  // The newest version: what changed, and that it did not ask again.
  await page
    .locator('#versions-table')
    .getByRole('button', { name: /^Version 2 of / })
    .click();
  await page.locator('#version-diff').getByText('What changed (a minor change)').waitFor();
  assert.match(
    await page.locator('#version-diff').innerText(),
    /texts\.nb\.banner\.title: Vi bruker informasjonskapsler \(før\)\s*→\s*Nye ord \(etter\)/,
  );
  assert.match(await page.locator('#versions-table').innerText(), /No, a minor change/);
  assert.match(await page.locator('#audit-table').innerText(), /admin token\s+site\.update/);
  assert.deepEqual(await axeSerious(page), []);
  await page.context().close();
});

test('the setup says before saving whether visitors will be asked again', async () => {
  const site = await d.admin('POST', '/sites', { ...settings('Hei'), name: 'Text Shop' });
  const page = await signIn();
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/setup`);
  await page.getByLabel('banner.title', { exact: true }).fill('Hei, en ny tittel');
  await page
    .locator('#save-effect')
    .getByText(/keeps visitors’ choices/)
    .waitFor();
  await page.getByLabel('Ask every visitor again anyway').check();
  await page
    .locator('#save-effect')
    .getByText(/ask every visitor again, as you chose/)
    .waitFor();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved. Visitors will be asked again').waitFor();
  const versions = (await d.admin('GET', `/sites/${site.id}/versions`)).versions;
  assert.equal(versions.length, 2);
  assert.equal(versions[1].asked_again, true);
  await page.context().close();
});

test('a deleted site is kept and restored from the site list', async () => {
  const site = await d.admin('POST', '/sites', { ...settings('Hei'), name: 'Old Campaign' });
  const page = await signIn();
  await page.goto(`${d.url}/dashboard#/sites/${site.id}/setup`);
  await page.locator('#delete-export').waitFor();
  await page.getByLabel('Type the site’s name, Old Campaign, to confirm').fill('Old Campaign');
  await page.getByRole('button', { name: 'Delete site' }).click();
  await page.locator('#sites-notice').getByText('Old Campaign was deleted.').waitFor();
  assert.equal((await fetch(`${d.url}/v1/sites/${site.id}/config`)).status, 404);
  assert.match(await page.locator('#deleted-sites').innerText(), /Old Campaign\s+deleted .* by kari@nordicshop\.example; purged after/);
  assert.deepEqual(await axeSerious(page), []);

  await page.getByRole('button', { name: 'Restore Old Campaign' }).click();
  await page.locator('#sites-notice').getByText('Old Campaign was restored.').waitFor();
  await page.getByRole('link', { name: /Old Campaign/ }).waitFor();
  assert.equal((await fetch(`${d.url}/v1/sites/${site.id}/config`)).status, 200);
  const audit = (await d.admin('GET', `/sites/${site.id}/audit`)).entries.map((e: any) => `${e.action} ${e.actor}`);
  assert.deepEqual(audit, ['site.create admin token', 'site.delete kari@nordicshop.example', 'site.restore kari@nordicshop.example']);
  await page.context().close();
});
