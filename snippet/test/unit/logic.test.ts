import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcmDefault, gcmUpdate, hubspotConsent } from '../../src/gcm.ts';
import { languagePrefs, lifetime } from '../../src/lang.ts';
import { choices } from '../../src/state.ts';
import { cookieDomains, cookiePaths, deletions } from '../../src/cookies.ts';

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
