import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { match, nameMatches, trackerNames } from '../../src/rules.ts';
import type { Rule } from '../../src/rules.ts';

// Made-up vendors: the pattern semantics, not the catalogue (server/vendors tests that).
const rules: Rule[] = [
  { vendor: 'loader', purposes: ['statistics', 'marketing'], hosts: ['tags.example', 'tags.example/load.js'] },
  {
    vendor: 'stats',
    purposes: ['statistics'],
    hosts: ['tags.example/load.js?id=S-', '*.stats.example'],
    cookies: ['_st', '_st_*'],
    storage: ['_stq*'],
  },
  { vendor: 'ads', purposes: ['marketing'], hosts: ['tags.example/load.js?id=A-', 'px.ads.example/px'], cookies: ['_ad'] },
  { vendor: 'ads2', purposes: ['statistics'], hosts: ['px.ads.example/px'] },
  { vendor: 'player', purposes: ['marketing'], hosts: ['player.example/embed'], embed: true },
];

test('the longest matching pattern decides; equal lengths join their purposes', () => {
  const cases: [string, string | null, string[] | null][] = [
    ['https://tags.example/load.js?id=S-1', 'stats', ['statistics']],
    ['https://tags.example/load.js?id=A-1', 'ads', ['marketing']],
    ['https://tags.example/load.js?id=X-1', 'loader', ['statistics', 'marketing']],
    ['https://tags.example/other.js', 'loader', ['statistics', 'marketing']],
    ['//tags.example/load.js?id=S-1', 'stats', ['statistics']],
    ['https://stats.example/x', 'stats', ['statistics']],
    ['https://eu.stats.example/x', 'stats', ['statistics']],
    ['https://notstats.example/x', null, null],
    ['https://px.ads.example/px?ev=1', 'ads', ['marketing', 'statistics']],
    ['https://px.ads.example/other', null, null],
    ['https://TAGS.example./x', 'loader', ['statistics', 'marketing']],
    ['https://www.shop.test/tags.example/load.js', null, null],
    ['/local.js', null, null],
    ['data:text/javascript,1', null, null],
    ['javascript:void(0)', null, null],
    ['not a url at all ::', null, null],
  ];
  for (const [url, vendor, purposes] of cases) {
    const m = match(rules, url, 'https://www.shop.test/');
    assert.equal(m?.rule.vendor ?? null, vendor, url);
    assert.deepEqual(m?.purposes ?? null, purposes, url);
  }
});

test('a trailing * in a cookie or storage name matches any suffix, nothing else does', () => {
  assert.ok(nameMatches('_st_*', '_st_ABC'));
  assert.ok(nameMatches('_st_*', '_st_'));
  assert.ok(!nameMatches('_st_*', '_st'));
  assert.ok(nameMatches('_st', '_st'));
  assert.ok(!nameMatches('_st', '_stx'));
  assert.ok(!nameMatches('_s.', '_st'), 'no regular expressions');
});

test("a withdrawal purges the withdrawn purpose's cookies and storage keys only", () => {
  const names = ['samtykke', '_st', '_st_1', '_ad', 'cart', '_stq'];
  assert.deepEqual(trackerNames(rules, names, ['statistics']), ['_st', '_st_1']);
  assert.deepEqual(trackerNames(rules, names, ['marketing']), ['_ad']);
  assert.deepEqual(trackerNames(rules, names, ['statistics', 'marketing']), ['_st', '_st_1', '_ad']);
  assert.deepEqual(trackerNames(rules, ['_stqueue', '_st'], ['statistics'], 'storage'), ['_stqueue']);
  assert.deepEqual(trackerNames(rules, names, []), []);
});

test('the same answers as the Go matcher, for the rules as served and real tag URLs (server/vendors/testdata/match.json)', () => {
  const file = JSON.parse(readFileSync(new URL('../../../server/vendors/testdata/match.json', import.meta.url), 'utf8'));
  assert.ok(file.cases.length > 50 && file.rules.length > 15, 'the vectors are there');
  for (const c of file.cases as { url: string; vendor: string; purposes: string[] }[]) {
    const m = match(file.rules, c.url, 'https://www.shop.test/');
    assert.equal(m?.rule.vendor ?? '', c.vendor, c.url);
    assert.deepEqual([...(m?.purposes ?? [])].sort(), [...c.purposes].sort(), c.url);
  }
});
