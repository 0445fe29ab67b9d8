import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../util/process.js';

/** Prefix of each Deno sandbox's temporary folder under the OS temp dir. */
const TEMP_PREFIX = 'toolscript-deno-';

/**
 * Removes temporary folders of Deno sandboxes whose process is gone (it crashed or was killed
 * before it could clean up). A folder without an owner file is left alone.
 */
function sweepStaleFolders(): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(TEMP_PREFIX))) {
    const folder = join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(join(folder, 'owner.pid'), 'utf8'));
      if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner)) continue;
      rmSync(folder, { recursive: true, force: true });
    } catch {
      // no owner file, or gone already
    }
  }
}

/**
 * A new temporary folder for one Deno sandbox (`$TMPDIR/toolscript-deno-*`), marked with this
 * process's pid so that a later start can sweep it if this process dies without cleaning up.
 * Sweeps stale ones first.
 * @returns the folder's path.
 */
export function makeSandboxFolder(): string {
  sweepStaleFolders();
  const dir = mkdtempSync(join(tmpdir(), TEMP_PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  return dir;
}

/**
 * Writes `<folder>/import-map.json`, which maps every Node built-in (`node:fs`, `fs`, …) but those
 * in `allow` to a module that does not exist: Deno offers them without any permission, so a
 * script's `import('node:' + name)` fails like any other unknown module.
 * @param allow bare names the runner itself needs (Pyodide loads `fs`, `path`, `url`, `vm`,
 *   `crypto` and `module` in Deno); the process's permissions still decide what they can do.
 * @returns the file's path, for `deno run --import-map`.
 */
export function writeBlockedImportMap(folder: string, allow: readonly string[] = []): string {
  const blocked: Record<string, string> = {};
  for (const name of builtinModules) {
    const bare = name.replace(/^node:/, '');
    if (allow.includes(bare)) continue;
    blocked[`node:${bare}`] = `./blocked/${bare}.js`;
    blocked[bare] = `./blocked/${bare}.js`;
  }
  const file = join(folder, 'import-map.json');
  writeFileSync(file, JSON.stringify({ imports: blocked }));
  return file;
}
