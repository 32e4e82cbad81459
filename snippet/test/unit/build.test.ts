import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
// @ts-expect-error: a plain .mjs build script without types
import { bundle } from '../../build.mjs';

const dist = new URL('../../dist/samtykke.js', import.meta.url);

test('the committed dist/samtykke.js is exactly what src/ builds to (run `npm run build`)', async () => {
  const built: string = await bundle();
  const committed = readFileSync(dist, 'utf8');
  assert.ok(built === committed, `dist/samtykke.js is stale: ${committed.length} bytes committed, ${built.length} built from src/`);
});

// The ceiling moved from 10 KB to 12.5 KB when the script learned to hold
// pixels, beacons and embeds, draw the cookie declaration and report tags to
// fix (about 2.3 KB gzip). The performance issue's goal of 8,000 B needs the
// layers and their CSS loaded only when shown; until then this guards growth.
test('samtykke.js including its CSS is at most 12.5 KB gzip -9', (t) => {
  const size = gzipSync(readFileSync(dist), { level: 9 }).length;
  t.diagnostic(`samtykke.js: ${readFileSync(dist).length} bytes, ${size} bytes gzip -9`);
  assert.ok(size <= 12.5 * 1024, `${size} bytes gzip`);
});

test('the bundle carries no banner texts and no eval', () => {
  const js = readFileSync(dist, 'utf8');
  for (const s of ['Accept all', 'Reject all', 'Godta alle', 'informasjonskapsler']) assert.ok(!js.includes(s), s);
  assert.ok(!/\beval\(|new Function\(/.test(js));
  assert.ok(js.includes(':host'), 'the CSS is inside');
});
