import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { bundle } from '../../build.mjs';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

// consentd embeds dist/, so a change to src/ must come with a rebuild.
test('the committed dist/ matches a fresh build of src/', async () => {
  const built = await bundle();
  for (const [name, text] of Object.entries(built)) {
    const committed = await readFile(join(dist, name), 'utf8');
    assert.ok(committed === text, `dist/${name} is stale: run "npm run build" in dashboard/ and commit it`);
  }
});

test('the bundle carries uPlot and no source maps', async () => {
  const built = await bundle();
  assert.match(built['app.js'], /uPlot|u-legend/);
  assert.match(built['app.css'], /\.uplot/);
  assert.doesNotMatch(built['app.js'], /sourceMappingURL/);
});
