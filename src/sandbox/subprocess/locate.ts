import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

/** How to install Deno, for the error when none is found. */
export const DENO_INSTALL_HINT =
  'install it with "npm install deno" in your project, "npm install -g deno", or from deno.com, so that "deno" is on PATH; or set TOOLSCRIPT_DENO to its path';

/**
 * Finds the Deno binary, in this order: `TOOLSCRIPT_DENO` (a path), the `deno` npm package
 * resolvable from this package, then `deno` on `PATH`. Deno is not a dependency of toolscript:
 * it is only needed for `sandbox.backend: "deno"`.
 * @returns the binary's absolute path, or `undefined` when none is found.
 */
export function locateDeno(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.TOOLSCRIPT_DENO;
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  try {
    const fromPackage = join(createRequire(import.meta.url).resolve('deno/package.json'), '..', 'deno');
    if (isExecutable(fromPackage)) return fromPackage;
  } catch {
    // not installed as a package: look on PATH
  }
  const names = process.platform === 'win32' ? ['deno.exe', 'deno.cmd'] : ['deno'];
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (!folder) continue;
    for (const name of names) {
      const candidate = join(folder, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
