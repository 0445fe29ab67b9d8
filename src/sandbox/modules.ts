import { posix } from 'node:path';
import type { ModuleSource } from './contract.js';

/**
 * A {@link ModuleSource} as one lookup: the function itself, or a read of the map (own keys only,
 * so `__proto__` and friends are never modules). Returns the module's source, or `undefined`.
 */
export function moduleLookup(source: ModuleSource): (path: string) => string | undefined {
  if (typeof source === 'function') return source;
  return (path) => (Object.hasOwn(source, path) ? source[path] : undefined);
}

/**
 * Resolves an import specifier against the importing module's path, both without extension,
 * inside the virtual module map. `./servers/fs` finds `servers/fs` or `servers/fs/index`;
 * a trailing `.ts`/`.js`/`.mjs` is ignored. Returns `undefined` when nothing matches, including
 * bare specifiers (`node:fs`, `fs`) and paths that climb out of the tree.
 */
export function resolveModule(
  source: (path: string) => string | undefined,
  importer: string,
  specifier: string,
): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../') && !specifier.startsWith('/'))
    return undefined;
  const base = posix.dirname(importer);
  const joined = posix.normalize(posix.join(specifier.startsWith('/') ? '/' : base, specifier));
  if (joined.startsWith('..')) return undefined;
  const path = joined.replace(/^\/+/, '').replace(/\.(ts|js|mjs)$/, '');
  if (source(path) !== undefined) return path;
  const index = `${path.replace(/\/$/, '')}/index`;
  if (source(index) !== undefined) return index;
  return undefined;
}
