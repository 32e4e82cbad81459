import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  actionFor,
  choices,
  decodeState,
  encodeState,
  isExpired,
  needsPrompt,
  readCookie,
  stateCookie,
  uuid,
  withdrawn,
} from '../../src/state.ts';

const ID = '3b241101-e2bb-4255-8caf-4136c566a962';
const T = Date.UTC(2026, 0, 31, 12, 0, 0);
const DAY = 864e5;
const s = { id: ID, version: 'a1b2c3d4e5f60718', choices: choices(true, false), time: T };

test('the cookie value round-trips and holds only id, version, choices and time', () => {
  const v = encodeState(s);
  assert.equal(v, `1.${ID}.a1b2c3d4e5f60718.10.${T / 1000}`);
  assert.deepEqual(decodeState(v), s);
  assert.deepEqual(decodeState(encodeState({ ...s, choices: choices(false, true) }))!.choices, {
    necessary: true,
    statistics: false,
    marketing: true,
  });
});

test('malformed cookie values are ignored', () => {
  for (const v of [undefined, '', 'yes', `2.${ID}.v.11.1`, `1.${ID}.v.12.1`, `1.not-a-uuid.v.11.1`, `1.${ID}.v.11.x`, `1.${ID}..11.1`])
    assert.equal(decodeState(v), null, String(v));
});

test('readCookie finds one cookie among many', () => {
  assert.equal(readCookie('a=1; samtykke=x.y; _ga=GA1', 'samtykke'), 'x.y');
  assert.equal(readCookie('xsamtykke=1;samtykke=2', 'samtykke'), '2');
  assert.equal(readCookie('a=1', 'samtykke'), undefined);
});

test('the cookie is Path=/, SameSite=Lax, Max-Age from the lifetime, Secure only on https', () => {
  const c = stateCookie(s, 182, false);
  assert.match(c, /^samtykke=1\.[^;]+; Path=\/; Max-Age=15724800; SameSite=Lax$/);
  assert.match(stateCookie(s, 30, true), /; Max-Age=2592000; SameSite=Lax; Secure$/);
  assert.match(stateCookie(s, 9999, true), /Max-Age=31536000;/, 'capped at 365 days');
});

test('a choice expires after the lifetime, and refusals last as long as acceptances', () => {
  assert.equal(isExpired(s, 182, T + 181 * DAY), false);
  assert.equal(isExpired(s, 182, T + 182 * DAY), true);
  const refused = { ...s, choices: choices(false, false) };
  assert.equal(isExpired(refused, 182, T + 181 * DAY), false);
  assert.equal(isExpired(s, 182, T - 2 * DAY), true, 'a time in the future is not trusted');
});

test('re-prompt when there is no choice, the config version changed, or the choice expired', () => {
  assert.equal(needsPrompt(null, 'v', 182, T), true);
  assert.equal(needsPrompt(s, s.version, 182, T + DAY), false);
  assert.equal(needsPrompt(s, 'ffffffffffffffff', 182, T + DAY), true);
  assert.equal(needsPrompt(s, s.version, 30, T + 31 * DAY), true);
});

test('a choice under an earlier version still holds when the changes since were minor', () => {
  const current = 'ffffffffffffffff';
  assert.equal(needsPrompt(s, current, 182, T + DAY, [s.version]), false);
  assert.equal(needsPrompt(s, current, 182, T + DAY, ['eeeeeeeeeeeeeeee']), true, 'a material change since asks again');
  assert.equal(needsPrompt(s, current, 30, T + 31 * DAY, [s.version]), true, 'it still expires');
});

test('withdrawal is a later decision that takes back a granted purpose', () => {
  const all = choices(true, true),
    none = choices(false, false),
    stats = choices(true, false),
    mkt = choices(false, true);
  assert.deepEqual(withdrawn(null, none), []);
  assert.deepEqual(withdrawn(all, stats), ['marketing']);
  assert.deepEqual(withdrawn(stats, mkt), ['statistics']);
  assert.deepEqual(withdrawn(none, all), []);
  assert.equal(actionFor(null, all, 'all'), 'accept_all');
  assert.equal(actionFor(null, none, 'none'), 'reject_all');
  assert.equal(actionFor(null, stats, 'custom'), 'custom');
  assert.equal(actionFor(stats, all, 'all'), 'accept_all');
  assert.equal(actionFor(all, none, 'none'), 'withdraw');
  assert.equal(actionFor(all, mkt, 'custom'), 'withdraw');
  assert.equal(actionFor(none, none, 'none'), 'reject_all');
});

test('uuid gives RFC 4122 version 4 ids', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const u = uuid();
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(u);
  }
  assert.equal(seen.size, 200);
  assert.equal(
    uuid((b) => b.fill(255)),
    'ffffffff-ffff-4fff-bfff-ffffffffffff',
  );
});
