import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Guest files of this folder, as {@link guestSource} names them. */
export type GuestFile =
  | 'helpers'
  | 'quickjs-prelude'
  | 'protocol-io'
  | 'protocol-answers'
  | 'buffer-budget'
  | 'deno-runner'
  | 'python-snapshot'
  | 'python-runner';

const texts = new Map<GuestFile, string>();

/**
 * The JavaScript text of a guest file (code that runs inside a sandbox, such as ./helpers.ts), to
 * paste into what the sandbox evaluates: the file `tsc` compiled beside this module in the
 * package's `dist/`, or, in a source checkout, the TypeScript file transpiled by esbuild (once per
 * process). Its closing `export {}`, which makes it a module for the type checker, is dropped.
 * @throws when neither file is there (a broken install).
 */
export function guestSource(file: GuestFile): string {
  let text = texts.get(file);
  if (text === undefined) {
    const compiled = new URL(`./${file}.js`, import.meta.url);
    if (existsSync(compiled)) text = readFileSync(compiled, 'utf8');
    else {
      // esbuild is CommonJS: required, it loads at once and synchronously.
      const { transformSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
      const source = readFileSync(new URL(`./${file}.ts`, import.meta.url), 'utf8');
      text = transformSync(source, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
    }
    text = text.replace(/^export\s*\{\s*\};?\s*$/m, '');
    texts.set(file, text);
  }
  return text;
}
