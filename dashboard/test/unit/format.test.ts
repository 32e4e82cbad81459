import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addDays,
  bucketLabel,
  failedSignInsText,
  fieldTarget,
  num,
  parseRoute,
  pct,
  presetOf,
  presetRange,
  rangeProblem,
} from '../../src/format.ts';

test('rates show one decimal and a dash when there is nothing to divide by', () => {
  assert.equal(pct(0.6), '60.0 %');
  assert.equal(pct(5 / 6), '83.3 %');
  assert.equal(pct(1), '100.0 %');
  assert.equal(pct(null), '–');
  assert.equal(pct(NaN), '–');
  assert.equal(num(1234567), '1,234,567');
});

test('presets end today and round-trip', () => {
  assert.deepEqual(presetRange('30d', '2026-11-23'), { from: '2026-10-25', to: '2026-11-23', by: 'day' });
  assert.deepEqual(presetRange('2d', '2026-11-23'), { from: '2026-11-22', to: '2026-11-23', by: 'hour' });
  assert.equal(presetOf({ from: '2026-11-17', to: '2026-11-23', by: 'day' }, '2026-11-23'), '7d');
  assert.equal(presetOf({ from: '2026-11-17', to: '2026-11-22', by: 'day' }, '2026-11-23'), 'custom');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
});

test('range problems are said in words before the server is asked', () => {
  assert.equal(rangeProblem({ from: '2026-11-01', to: '2026-11-23', by: 'day' }), null);
  assert.match(rangeProblem({ from: '2026-11-24', to: '2026-11-23', by: 'day' })!, /must not be after/);
  assert.match(rangeProblem({ from: '2026-01-01', to: '2026-11-23', by: 'hour' })!, /93 days/);
  assert.match(rangeProblem({ from: '', to: '2026-11-23', by: 'day' })!, /start date/);
});

test('bucket labels are UTC', () => {
  assert.equal(bucketLabel('2026-11-23T00:00:00Z', 'day'), '23 Nov');
  assert.equal(bucketLabel('2026-11-23T09:00:00Z', 'hour'), '23 Nov 09:00');
});

test('routes and field targets', () => {
  const r = parseRoute('#/sites/abc/setup?from=2026-11-01');
  assert.deepEqual(r.path, ['sites', 'abc', 'setup']);
  assert.equal(r.query.get('from'), '2026-11-01');
  assert.deepEqual(parseRoute('').path, []);
  assert.deepEqual(fieldTarget('origins[1]'), { id: 'f-origins', line: 2 });
  assert.deepEqual(fieldTarget('texts.nb.banner.title'), { id: 'f-text-banner.title', lang: 'nb' });
  assert.deepEqual(fieldTarget('integrations.hotjar.site_id'), { id: 'f-hotjar' });
  assert.deepEqual(fieldTarget('something.else'), { id: 'f-summary' });
});

test('the owner is told of failed sign-ins with their time and network', () => {
  assert.equal(
    failedSignInsText({ count: 5, last: '2026-11-23T10:04:05Z', last_network: '203.0.113.0/24' }),
    '5 failed sign-ins to your account since your last visit, the last on 2026-11-23 10:04 UTC from the network 203.0.113.0/24. If that was not you, your password held; if it is a weak one, ask an operator for a new one.',
  );
  assert.match(
    failedSignInsText({ count: 1, last: '2026-11-23T10:04:05Z', last_network: '2001:db8:1::/48' }),
    /^1 failed sign-in to your account/,
  );
});
