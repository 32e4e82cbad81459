import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  catalogVendors,
  draftFromSettings,
  lifetimeText,
  purposeGroups,
  seenAt,
  settingsFromDraft,
  tagAdvice,
  vendorFieldTarget,
} from '../../src/vendors.ts';

const chatly = {
  id: 'custom_chatly',
  name: 'Chatly',
  provider: 'Chatly AS, Norway',
  purpose: 'marketing',
  privacy_policy_url: 'https://chatly.example/privacy',
  hosts: ['widget.chatly.example', '*.cdn.chatly.example'],
  embed: true,
  cookies: [
    { name: 'chatly_id', lifetime_days: 365, party: 'third', description: { en: 'Chat visitor id', nb: 'Chat-besøkende' } },
    { name: 'chatly_s*', lifetime_days: 0, party: 'first', description: { en: 'Chat session' } },
  ],
};

test('a site’s saved vendors become the form’s state and go back to the same JSON', () => {
  const d = draftFromSettings([{ id: 'linkedin_insight' }, chatly, { id: 'youtube' }]);
  assert.deepEqual(d.builtins, ['linkedin_insight', 'youtube']);
  assert.equal(d.customs.length, 1);
  assert.equal(d.customs[0].hosts, 'widget.chatly.example\n*.cdn.chatly.example');
  assert.equal(d.customs[0].cookies[0].days, '365');
  assert.equal(d.customs[0].cookies[1].days, '0');

  const { vendors, layout, problems } = settingsFromDraft(d);
  assert.deepEqual(problems, []);
  // The server makes a custom vendor's id from its name, so the id is not sent.
  const { id: _, ...sent } = chatly;
  assert.deepEqual(vendors, [{ id: 'linkedin_insight' }, { id: 'youtube' }, sent]);
  assert.deepEqual(layout, ['bv-linkedin_insight', 'bv-youtube', 'cv-0']);
  assert.deepEqual(draftFromSettings(undefined), { builtins: [], customs: [] });
});

test('what the owner typed is trimmed; empty lines, empty descriptions and integrated vendors are left out', () => {
  const d = draftFromSettings([]);
  d.builtins = ['google_analytics', 'tiktok_pixel'];
  d.customs.push({
    name: ' Chatly ',
    provider: 'Chatly AS ',
    purpose: 'statistics',
    privacy_policy_url: ' https://chatly.example/privacy',
    hosts: 'widget.chatly.example\n\n  api.chatly.example  \n',
    embed: false,
    cookies: [{ name: ' chatly_id ', days: ' 30 ', party: 'first', description: { en: ' Visitor id ', sv: '  ', nb: '' } }],
  });
  const { vendors, layout, problems } = settingsFromDraft(d, new Set(['google_analytics']));
  assert.deepEqual(problems, []);
  assert.deepEqual(layout, ['bv-tiktok_pixel', 'cv-0']);
  assert.deepEqual(vendors[1], {
    name: 'Chatly',
    provider: 'Chatly AS',
    purpose: 'statistics',
    privacy_policy_url: 'https://chatly.example/privacy',
    hosts: ['widget.chatly.example', 'api.chatly.example'],
    embed: false,
    cookies: [{ name: 'chatly_id', lifetime_days: 30, party: 'first', description: { en: 'Visitor id' } }],
  });
});

test('a lifetime that is no whole number is a problem of its own field, found before anything is sent', () => {
  const d = draftFromSettings([{ id: 'youtube' }, chatly]);
  d.customs[0].cookies[0].days = '';
  d.customs[0].cookies[1].days = '1.5';
  const { problems } = settingsFromDraft(d);
  assert.deepEqual(
    problems.map((p) => p.field),
    ['vendors[1].cookies[0].lifetime_days', 'vendors[1].cookies[1].lifetime_days'],
  );
  assert.match(problems[0].message, /0 means until the browser closes/);
});

test('the server’s field errors of vendors land on their inputs', () => {
  const layout = ['bv-linkedin_insight', 'cv-0', 'cv-1'];
  const t = (f: string) => vendorFieldTarget(f, layout);
  assert.deepEqual(t('vendors[0].id'), { id: 'bv-linkedin_insight' });
  assert.deepEqual(t('vendors[1].name'), { id: 'cv-0-name' });
  assert.deepEqual(t('vendors[2].provider'), { id: 'cv-1-provider' });
  assert.deepEqual(t('vendors[2].purpose'), { id: 'cv-1-purpose' });
  assert.deepEqual(t('vendors[2].privacy_policy_url'), { id: 'cv-1-policy' });
  assert.deepEqual(t('vendors[1].hosts'), { id: 'cv-0-hosts' });
  assert.deepEqual(t('vendors[1].hosts[2]'), { id: 'cv-0-hosts', line: 3 });
  assert.deepEqual(t('vendors[1].cookies'), { id: 'cv-0-cookies' });
  assert.deepEqual(t('vendors[1].cookies[1].party'), { id: 'cv-0-c1-party' });
  assert.deepEqual(t('vendors[1].cookies[0].lifetime_days'), { id: 'cv-0-c0-days' });
  assert.deepEqual(t('vendors[1].cookies[0].name'), { id: 'cv-0-c0-name' });
  assert.deepEqual(t('vendors[1].cookies[0].description'), { id: 'cv-0-c0-desc-en' });
  assert.deepEqual(t('vendors[1].cookies[0].description.nb'), { id: 'cv-0-c0-desc-nb' });
  assert.deepEqual(t('vendors[2].embed'), { id: 'cv-1-embed' });
  assert.deepEqual(t('vendors'), { id: 'f-vendors' });
  assert.deepEqual(t('vendors[7].name'), { id: 'f-vendors' });
  assert.equal(t('origins[0]'), null);
});

test('the catalogue is read with lifetimes in minutes or days, and grouped by purpose', () => {
  const cat = catalogVendors([
    {
      id: 'meta_pixel',
      name: 'Meta Pixel',
      provider: 'Meta',
      purposes: ['marketing'],
      cookies: [{ name: '_fbp', duration_minutes: 129600, party: 'first', description: { en: 'Browser id' } }],
    },
    {
      id: 'google_analytics',
      name: 'Google Analytics 4',
      provider: 'Google',
      purposes: ['statistics'],
      cookies: [{ name: '_ga', duration_days: 730, party: 'first', description: 'Visitor id' }],
    },
    { id: 'google_tag_manager', name: 'Google Tag Manager', provider: 'Google', purposes: ['marketing', 'statistics'], cookies: [] },
    { id: 'youtube', name: 'YouTube', provider: 'Google', purposes: ['marketing'], embed: true, cookies: [] },
    { name: 'no id' },
  ]);
  assert.equal(cat.length, 4);
  assert.equal(cat[0].cookies[0].minutes, 129600);
  assert.equal(cat[0].cookies[0].description, 'Browser id');
  assert.equal(cat[1].cookies[0].minutes, 730 * 1440);
  assert.equal(cat[3].embed, true);
  const groups = purposeGroups(cat);
  assert.deepEqual(
    groups.map((g) => [g.label, g.vendors.map((v) => v.id)]),
    [
      ['Statistics', ['google_analytics']],
      ['Marketing', ['meta_pixel', 'youtube']],
      ['Statistics and Marketing (either one)', ['google_tag_manager']],
    ],
  );
});

test('cookie lifetimes in words', () => {
  assert.equal(lifetimeText(0), 'until the browser closes');
  assert.equal(lifetimeText(1), '1 minute');
  assert.equal(lifetimeText(30), '30 minutes');
  assert.equal(lifetimeText(24 * 60), '1 day');
  assert.equal(lifetimeText(90), '90 minutes');
  assert.equal(lifetimeText(120), '2 hours');
  assert.equal(lifetimeText(7 * 1440), '7 days');
  assert.equal(lifetimeText(90 * 1440), '3 months');
  assert.equal(lifetimeText(395 * 1440), '395 days');
  assert.equal(lifetimeText(730 * 1440), '2 years');
});

test('tags to fix: what to do, by kind of tag', () => {
  const w = { vendor_name: 'Meta Pixel', declared: true, markup: '<script type="text/plain" data-samtykke="marketing" src="x"></script>' };
  let a = tagAdvice({ ...w, kind: 'script' });
  assert.match(a.todo, /Paste this marked markup instead/);
  assert.deepEqual([a.showMarkup, a.declare], [true, false]);
  a = tagAdvice({ ...w, kind: 'noscript', markup: '' });
  assert.match(a.todo, /^Remove the <noscript> pixel of Meta Pixel.*without JavaScript no consent can be asked/);
  assert.equal(a.showMarkup, false);
  a = tagAdvice({ ...w, kind: 'inline', markup: '', declared: false });
  assert.match(a.todo, /Declare Meta Pixel so the banner lists it/);
  assert.deepEqual([a.showMarkup, a.declare], [false, true]);
  a = tagAdvice({ ...w, kind: 'pixel', declared: false });
  assert.match(a.todo, /Paste this marked markup instead.*Then declare Meta Pixel/);
  assert.equal(seenAt('2026-12-02T11:05:00Z'), '2 Dec 2026, 11:05 UTC');
});
