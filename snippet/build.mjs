// Builds dist/samtykke.js from src/: one minified IIFE with the CSS inlined.
// The output depends only on the sources and the pinned esbuild version, so
// a test can rebuild it and compare it byte for byte with the committed file.
import { build, transform } from 'esbuild';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Returns the built script as a string. */
export async function bundle() {
  const css = await transform(await readFile(join(here, 'src/ui.css'), 'utf8'), { loader: 'css', minify: true });
  const out = await build({
    entryPoints: [join(here, 'src/main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    charset: 'utf8',
    legalComments: 'none',
    define: { CSS: JSON.stringify(css.code.trim()) },
    banner: { js: '/* samtykke.js: cookie consent, https://github.com/samtykke/samtykke */' },
    write: false,
    logLevel: 'warning',
  });
  return out.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const js = await bundle();
  const file = process.argv[2] || join(here, 'dist/samtykke.js');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, js);
  console.log(`${file}: ${js.length} bytes`);
}
