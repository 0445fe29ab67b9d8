/**
 * Part of `npm run build`: rewrites dist/config/schema.js with zod bundled in (every other import
 * stays as it is). Loading zod's ~225 ES modules one by one takes about 100 ms, and every command
 * reads a config first; one bundled file loads in a third of that. The config schema's objects
 * never leave toolscript (the MCP SDK gets the package's own zod elsewhere), so two copies of zod
 * never meet.
 */
import { build } from 'esbuild';

const FILE = 'dist/config/schema.js';
const ZOD = /^zod(\/|$)/;

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
          args.kind === 'entry-point' || ZOD.test(args.path) || args.importer.includes('/node_modules/zod/')
            ? undefined
            : { path: args.path, external: true },
        );
      },
    },
  ],
});
const bytes = result.metafile.outputs[FILE]?.bytes ?? 0;
console.error(`${FILE}  ${(bytes / 1024).toFixed(0)} KB with zod bundled`);
