import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcmDefault, gcmRedaction, gcmStart } from '../../src/gcm.ts';
import type { ConsentMode } from '../../src/types.ts';

const global = (wait = 500) => ['consent', 'default', gcmDefault(wait)];

test('without the site settings (a tag without ?site=): the global all-denied default only', () => {
  assert.deepEqual(gcmStart(), [global()]);
  assert.deepEqual(gcmStart({}), [global()]);
  assert.deepEqual(gcmRedaction({}, false), [['set', 'ads_data_redaction', true]]);
  assert.deepEqual(gcmRedaction({}, true), [['set', 'ads_data_redaction', false]]);
});

test('region defaults go first, one per entry with its region array, then the global default', () => {
  const eea = ['NO', 'SE', 'DK', 'FI', 'IS', 'GB', 'CH'];
  const o: ConsentMode = {
    mode: 'basic',
    regions: [
      { region: eea, analytics_storage: 'denied', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' },
      {
        region: ['US', 'US-CA'],
        analytics_storage: 'granted',
        ad_storage: 'granted',
        ad_user_data: 'denied',
        ad_personalization: 'denied',
      },
    ],
    wait_for_update: 800,
    ads_data_redaction: true,
  };
  assert.deepEqual(gcmStart(o), [
    [
      'consent',
      'default',
      {
        analytics_storage: 'denied',
        ad_storage: 'denied',
        ad_user_data: 'denied',
        ad_personalization: 'denied',
        wait_for_update: 800,
        region: eea,
      },
    ],
    [
      'consent',
      'default',
      {
        analytics_storage: 'granted',
        ad_storage: 'granted',
        ad_user_data: 'denied',
        ad_personalization: 'denied',
        wait_for_update: 800,
        region: ['US', 'US-CA'],
      },
    ],
    global(800),
  ]);
  // The global default has no region, and is never changed by the region entries.
  assert.ok(!('region' in (gcmStart(o).at(-1)![2] as object)));
  assert.equal((gcmStart(o).at(-1)![2] as any).analytics_storage, 'denied');
});

test('wait_for_update 0 is kept, not replaced by the default', () => {
  assert.deepEqual(gcmStart({ wait_for_update: 0 }), [global(0)]);
});

test('developer_id and url_passthrough follow the defaults, only when set', () => {
  assert.deepEqual(gcmStart({ developer_id: 'dZTNiMT', url_passthrough: true }), [
    global(),
    ['set', 'developer_id.dZTNiMT', true],
    ['set', 'url_passthrough', true],
  ]);
  assert.deepEqual(gcmStart({ developer_id: '', url_passthrough: false }), [global()]);
});

test('ads_data_redaction switched off: the banner never sets it', () => {
  assert.deepEqual(gcmRedaction({ ads_data_redaction: false }, false), []);
  assert.deepEqual(gcmRedaction({ ads_data_redaction: false }, true), []);
  assert.deepEqual(gcmRedaction({ ads_data_redaction: true }, false), [['set', 'ads_data_redaction', true]]);
});
