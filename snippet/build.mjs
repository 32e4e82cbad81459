// Builds dist/samtykke.js and dist/samtykke-ui.js from src/: two minified
// IIFEs with their CSS inlined. samtykke.js (main.ts) is what must run at once
// in <head>: the gates, the stored choice, receipts, Consent Mode, the API
// and the "Cookie settings" button. samtykke-ui.js (ui-bundle.ts) draws the
// layers, the declaration and the embeds' placeholders, and is loaded only
// when one is to be shown; samtykke.js names it with a hash of its contents,
// so a cached samtykke.js never runs with another release's layers.
// The output depends only on the sources and the pinned esbuild version, so
// a test can rebuild it and compare it byte for byte with the committed files.
import { createHash } from 'node:crypto';
import { build, transform } from 'esbuild';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const css = async (...files) => {
  const src = (await Promise.all(files.map((f) => readFile(join(here, 'src', f), 'utf8')))).join('\n');
  return (await transform(src, { loader: 'css', minify: true })).code.trim();
};

const iife = async (entry, define, banner) => {
  const out = await build({
    entryPoints: [join(here, 'src', entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    charset: 'utf8',
    legalComments: 'none',
    define,
    banner: { js: banner },
    write: false,
    logLevel: 'warning',
  });
  return out.outputFiles[0].text;
};

/** Returns the built files by name. */
export async function bundle() {
  const ui = await iife(
    'ui-bundle.ts',
    { CSS: JSON.stringify(await css('ui.css')) },
    '/* samtykke-ui.js: the layers of samtykke.js, https://github.com/samtykke/samtykke */',
  );
  const uiFile = 'samtykke-ui.js?v=' + createHash('sha256').update(ui).digest('hex').slice(0, 12);
  const main = await iife(
    'main.ts',
    { CSS: JSON.stringify(await css('fab.css')), UI_FILE: JSON.stringify(uiFile) },
    '/* samtykke.js: cookie consent, https://github.com/samtykke/samtykke */',
  );
  return { 'samtykke.js': main, 'samtykke-ui.js': ui };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] || join(here, 'dist');
  await mkdir(dir, { recursive: true });
  for (const [name, js] of Object.entries(await bundle())) {
    await writeFile(join(dir, name), js);
    console.log(`${join(dir, name)}: ${js.length} bytes`);
  }
}
