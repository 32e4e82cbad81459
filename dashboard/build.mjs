// Builds dist/ from src/: app.js (the dashboard with uPlot bundled),
// app.css (ours plus uPlot's), preview.js and preview.css (the banner
// preview page), and index.html. The output depends only on the sources and
// the pinned dependency versions, so a test can rebuild it and compare it
// byte for byte with the committed files.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Returns the built files as { name: contents }. */
export async function bundle() {
  const common = { bundle: true, minify: true, target: 'es2020', charset: 'utf8', legalComments: 'eof', write: false, logLevel: 'warning' };
  const [app, preview, css, pcss] = await Promise.all([
    build({ ...common, entryPoints: [join(here, 'src/main.ts')], format: 'esm' }),
    build({ ...common, entryPoints: [join(here, 'src/preview.ts')], format: 'iife' }),
    build({ ...common, entryPoints: [join(here, 'src/app.css')], loader: { '.css': 'css' } }),
    build({ ...common, entryPoints: [join(here, 'src/preview.css')], loader: { '.css': 'css' } }),
  ]);
  return {
    'index.html': await readFile(join(here, 'src/index.html'), 'utf8'),
    'app.js': app.outputFiles[0].text,
    'app.css': css.outputFiles[0].text,
    'preview.js': preview.outputFiles[0].text,
    'preview.css': pcss.outputFiles[0].text,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] || join(here, 'dist');
  await mkdir(out, { recursive: true });
  for (const [name, text] of Object.entries(await bundle())) {
    await writeFile(join(out, name), text);
    console.log(`${join(out, name)}: ${text.length} bytes`);
  }
}
