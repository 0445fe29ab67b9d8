/**
 * Part of `npm run build`: rewrites dist/config/schema.js with zod (and the schema's sections,
 * which import it) bundled in and minified (every other import stays as it is), because every command reads a config first. Importing the schema
 * alone took 124 ms with zod's ~225 ES modules loaded one by one, 100 ms bundled and 90 ms
 * bundled and minified (medians of 12 alternated runs, one machine). With the schema importing zod
 * as a namespace (`import * as z`), the bundle keeps only what it uses and leaves out zod's
 * locales: 454 KB became 100 KB and the import about 60 ms (medians of 9). The config schema's
 * objects never leave toolscript (the MCP SDK gets the package's own zod elsewhere), so the two
 * copies of zod never meet.
 */
import { build } from 'esbuild';

const FILE = 'dist/config/schema.js';
const ZOD = /^zod(\/|$)/;
/** The schema's own sections (src/config/sections.ts), bundled with it: they import zod too. */
const SECTIONS = './sections.js';
/** The bundle's size limit: about 100 KB today; zod with its locales is 454 KB. */
const BUDGET_KB = 150;

const result = await build({
  entryPoints: [FILE],
  outfile: FILE,
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  metafile: true,
  minify: true,
  plugins: [
    {
      name: 'only-zod',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) =>
          args.kind === 'entry-point' ||
          ZOD.test(args.path) ||
          args.importer.includes('/node_modules/zod/') ||
          (args.path === SECTIONS && args.importer.endsWith('/dist/config/schema.js'))
            ? undefined
            : { path: args.path, external: true },
        );
      },
    },
  ],
});
const bytes = result.metafile.outputs[FILE]?.bytes ?? 0;
console.error(`${FILE}  ${(bytes / 1024).toFixed(0)} KB with zod bundled (budget ${BUDGET_KB} KB)`);
if (bytes > BUDGET_KB * 1024) {
  console.error(
    `error: ${FILE} is over its budget; did src/config/schema.ts stop importing zod as a namespace (import * as z from 'zod')?`,
  );
  process.exit(1);
}
