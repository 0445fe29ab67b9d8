import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard's files by name (`index.html`, `app.js`, `app.css`) with their content types. */
export type UiAssets = Map<string, { body: Buffer; type: string }>;

/** The package root: two folders up from this module, in `src/dashboard/` and `dist/dashboard/` alike. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where `npm run build` puts the bundled page (shipped in the package). */
export const BUILT_UI = join(ROOT, 'dist', 'ui');
/** The page's sources (Preact, uPlot), in a source checkout only. */
export const UI_SOURCES = join(ROOT, 'ui');

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/**
 * Bundles the page from `ui/` with esbuild (Preact with JSX, uPlot and the CSS in one file each),
 * minified, for the browsers of the last few years (ES2020).
 * @throws the esbuild error when the sources do not build, or are absent (an installed package).
 */
export async function bundleUi(): Promise<UiAssets> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(UI_SOURCES, 'app.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: 'out',
    write: false,
    logLevel: 'silent',
    legalComments: 'eof',
  });
  const assets: UiAssets = new Map();
  for (const file of result.outputFiles) {
    const name = file.path.endsWith('.css') ? 'app.css' : 'app.js';
    assets.set(name, { body: Buffer.from(file.contents), type: TYPES[name] as string });
  }
  assets.set('index.html', {
    body: await readFile(join(UI_SOURCES, 'index.html')),
    type: TYPES['index.html'] as string,
  });
  return assets;
}

let loading: Promise<UiAssets> | undefined;

/**
 * The dashboard's files: bundled once from `ui/` in a source checkout (so they are never older
 * than the sources), else the built ones shipped in `dist/ui/`.
 * @throws when neither exists.
 */
export function uiAssets(): Promise<UiAssets> {
  loading ??= (async () => {
    if (existsSync(join(UI_SOURCES, 'app.tsx'))) return bundleUi();
    const assets: UiAssets = new Map();
    for (const name of Object.keys(TYPES))
      assets.set(name, { body: await readFile(join(BUILT_UI, name)), type: TYPES[name] as string });
    return assets;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
