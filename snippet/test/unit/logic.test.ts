import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcmDefault, gcmUpdate, hubspotConsent } from '../../src/gcm.ts';
import { languagePrefs, lifetime } from '../../src/lang.ts';
import { choices } from '../../src/state.ts';
import { COOKIES, cookieDomains, cookiePaths, deletions, purposesForUrl, trackerCookies } from '../../src/trackers.ts';

test('language preferences: data-lang, then <html lang>, then the browser, without duplicates', () => {
  assert.deepEqual(languagePrefs('nn', 'nb-NO', ['nb-NO', 'nb', 'en-US']), ['nn', 'nb-NO', 'nb', 'en-US']);
  assert.deepEqual(languagePrefs(null, '', ['sv-SE', 'sv']), ['sv-SE', 'sv']);
  assert.deepEqual(languagePrefs(undefined, ' de ', []), ['de']);
  assert.deepEqual(languagePrefs('x y', 'a,b', ['fi']), ['fi'], 'junk is dropped, so the lang parameter cannot be abused');
});

test('Consent Mode default denies everything but security_storage and waits 500 ms', () => {
  assert.deepEqual(gcmDefault(), {
    ad_storage: 'denied',
    ad_user_data: 'denied',
    ad_personalization: 'denied',
    analytics_storage: 'denied',
    functionality_storage: 'denied',
    personalization_storage: 'denied',
    security_storage: 'granted',
    wait_for_update: 500,
  });
});

test('Consent Mode mapping: statistics → analytics_storage; marketing → the three ad types', () => {
  assert.deepEqual(gcmUpdate(choices(true, false)), {
    ad_storage: 'denied',
    ad_user_data: 'denied',
    ad_personalization: 'denied',
    analytics_storage: 'granted',
  });
  assert.deepEqual(gcmUpdate(choices(false, true)), {
    ad_storage: 'granted',
    ad_user_data: 'granted',
    ad_personalization: 'granted',
    analytics_storage: 'denied',
  });
  assert.deepEqual(hubspotConsent(choices(true, false)), { analytics: true, advertisement: false, functionality: false });
});

test('every host in the tracker host set is classified', () => {
  const S = ['statistics'],
    M = ['marketing'],
    ANY = ['statistics', 'marketing'];
  const cases: [string, string[] | null][] = [
    ['https://www.googletagmanager.com/gtag/js?id=G-TEST1234', S],
    ['https://www.googletagmanager.com/gtag/js?id=AW-123456', M],
    ['https://www.googletagmanager.com/gtag/js?id=GT-ABC', ANY],
    ['https://www.googletagmanager.com/gtm.js?id=GTM-ABCD123', ANY],
    ['https://www.googletagmanager.com/ns.html?id=GTM-ABCD123', ANY],
    ['https://www.google-analytics.com/g/collect?v=2', S],
    ['https://region1.google-analytics.com/g/collect', S],
    ['https://region1.analytics.google.com/g/collect', S],
    ['https://stats.g.doubleclick.net/j/collect', M],
    ['https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1', M],
    ['https://www.googleadservices.com/pagead/conversion.js', M],
    ['https://connect.facebook.net/en_US/fbevents.js', M],
    ['https://www.facebook.com/tr?id=1&ev=PageView', M],
    ['https://www.facebook.com/somepage', null],
    ['https://static.hotjar.com/c/hotjar-1234567.js?sv=6', S],
    ['https://script.hotjar.com/modules.js', S],
    ['https://vars.hotjar.com/box.html', S],
    ['https://in.hotjar.com/api', S],
    ['https://content.hotjar.io/x', S],
    ['https://t.contentsquare.net/uxa/abc.js', S],
    ['//js.hs-scripts.com/7654321.js', M],
    ['https://js-eu1.hs-scripts.com/7654321.js', M],
    ['https://js.hs-analytics.net/analytics/1/7654321.js', M],
    ['https://js.hs-banner.com/7654321.js', M],
    ['https://js.hscollectedforms.net/collectedforms.js', M],
    ['https://js.hsadspixel.net/fb.js', M],
    ['https://js.usemessages.com/conversations-embed.js', M],
    ['https://cdn.example.com/jquery.js', null],
    ['/local/app.js', null],
    ['https://notgoogle-analytics.com/x.js', null],
    ['https://www.shop.test/hotjar.com.js', null],
  ];
  for (const [url, want] of cases) assert.deepEqual(purposesForUrl(url, 'https://www.shop.test/'), want, url);
});

test("each purpose's cookie pattern covers exactly its part of the tracker cookie pattern", () => {
  const tracker = /^(_ga|_gid|_gat|_dc_gtm_|_gac_|_gcl_|_fbp|_fbc|_hj|__hstc|hubspotutk|__hssc|__hssrc|messagesUtk|_cs_)/;
  const stats = [
    '_ga',
    '_ga_TEST1234',
    '_gid',
    '_gat',
    '_gat_UA1',
    '_dc_gtm_UA1',
    '_hjSessionUser_1234567',
    '_hjSession_1',
    '_hjTLDTest',
    '_cs_id',
  ];
  const mkt = ['_gcl_au', '_gac_UA1', '_fbp', '_fbc', '__hstc', 'hubspotutk', '__hssc', '__hssrc', 'messagesUtk'];
  for (const n of stats) assert.ok(COOKIES.statistics.test(n) && !COOKIES.marketing.test(n) && tracker.test(n), n);
  for (const n of mkt) assert.ok(COOKIES.marketing.test(n) && !COOKIES.statistics.test(n) && tracker.test(n), n);
  for (const n of ['samtykke', 'session', 'cart', '__hs_do_not_track', 'ga'])
    assert.ok(!COOKIES.statistics.test(n) && !COOKIES.marketing.test(n), n);
  assert.deepEqual(trackerCookies('samtykke=1; _ga=GA1.1; _fbp=fb.1; _hjSession_1=x; cart=2', ['statistics']), ['_ga', '_hjSession_1']);
  assert.deepEqual(trackerCookies('_ga=1; _fbp=2; hubspotutk=3', ['marketing']), ['_fbp', 'hubspotutk']);
});

test('cookie domains: the host and every parent, stopping at a public suffix', () => {
  // A browser refuses a cookie on a public suffix; this stands in for it.
  const psl = new Set(['test', 'com', 'uk', 'co.uk', 'no', 'priv.no']);
  const canSet = (d: string) => !psl.has(d);
  assert.deepEqual(cookieDomains('www.shop.test', canSet), ['www.shop.test', 'shop.test']);
  assert.deepEqual(cookieDomains('a.b.example.com', canSet), ['a.b.example.com', 'b.example.com', 'example.com']);
  const uk = cookieDomains('shop.example.co.uk', canSet);
  assert.deepEqual(uk, ['shop.example.co.uk', 'example.co.uk']);
  assert.ok(!uk.includes('co.uk'), 'never .co.uk');
  assert.deepEqual(cookieDomains('ola.priv.no', canSet), ['ola.priv.no']);
  assert.deepEqual(cookieDomains('localhost', canSet), []);
  assert.deepEqual(cookieDomains('127.0.0.1', canSet), []);
  assert.deepEqual(cookieDomains('[::1]', canSet), []);
});

test('deletions cover host-only and every domain, for / and parent paths', () => {
  assert.deepEqual(cookiePaths('/'), ['/']);
  assert.deepEqual(cookiePaths('/shop/cart/item'), ['/', '/shop', '/shop/cart']);
  assert.deepEqual(deletions('_ga', ['www.shop.test', 'shop.test'], ['/']), [
    '_ga=; Max-Age=0; Path=/',
    '_ga=; Max-Age=0; Path=/; Domain=www.shop.test',
    '_ga=; Max-Age=0; Path=/; Domain=shop.test',
  ]);
});

test('cookie lifetimes in the largest whole unit, with the config’s singular and plural', () => {
  const texts: Record<string, string> = {
    'settings.minutes': 'minutt|minuttar',
    'settings.hours': 'time|timar',
    'settings.days': 'dag|dagar',
    'settings.years': 'år|år',
    'settings.session': 'Økt',
  };
  const t = (k: string) => texts[k] || '';
  const say = (duration_minutes: number) => lifetime({ duration_minutes, duration_days: Math.floor(duration_minutes / 1440) }, t);
  assert.deepEqual([0, 1, 30, 90, 60, 120, 1440, 2880, 1470, 90 * 1440, 182 * 1440, 365 * 1440, 400 * 1440, 730 * 1440].map(say), [
    'Økt',
    '1 minutt',
    '30 minuttar',
    '90 minuttar',
    '1 time',
    '2 timar',
    '1 dag',
    '2 dagar',
    '1470 minuttar',
    '90 dagar',
    '182 dagar',
    '1 år',
    '400 dagar',
    '2 år',
  ]);
  assert.equal(lifetime({ duration_days: 730 }, t), '2 år', 'a server without duration_minutes');
  assert.equal(lifetime({ duration_days: 0 }, t), 'Økt');
  assert.equal(
    lifetime({ duration_minutes: 30, duration_days: 0 }, (k) => (k == 'settings.minutes' ? 'min' : '')),
    '30 min',
    'an override without a plural',
  );
});
