/**
 * Writes the dashboard's bundled page to dist/ui/ (index.html, app.js, app.css), part of
 * `npm run build`, so the package ships it and needs neither Preact nor uPlot at run time. Prints
 * each file's size and gzip size on stderr (npm pack --json keeps stdout); fails when the gzipped total passes the 150 KB budget.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUILT_UI, bundleUi } from '../src/dashboard/assets.js';

/** The dashboard's budget: gzipped bytes of all its files. */
export const UI_BUDGET_GZIP_BYTES = 150 * 1024;

const assets = await bundleUi();
await mkdir(BUILT_UI, { recursive: true });
let total = 0;
for (const [name, { body }] of assets) {
  await writeFile(join(BUILT_UI, name), body);
  const gz = gzipSync(body).length;
  total += gz;
  console.error(
    `dist/ui/${name}  ${(body.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`,
  );
}
console.error(
  `dashboard: ${(total / 1024).toFixed(1)} KB gzipped (budget ${UI_BUDGET_GZIP_BYTES / 1024} KB)`,
);
if (total > UI_BUDGET_GZIP_BYTES) {
  console.error('error: the dashboard is over its budget');
  process.exit(1);
}
