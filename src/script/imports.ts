/**
 * What a script uses of `./servers/<folder>`: the folders it imports and, per folder, the names it
 * takes from them (named imports, and member accesses on namespace imports). Read from the
 * transpiled JavaScript (ES module syntax, as esbuild prints it).
 *
 * The gateway uses it to connect only the servers a script needs (`exec`), and to give a missing
 * name a binding that fails with a clear error (`UNKNOWN_TOOL` with the nearest names, or
 * `UPSTREAM_UNAVAILABLE` for a server that is down) instead of a link error or
 * `TypeError: not a function`.
 */
export interface ServerImports {
  /** Folder (as in `./servers/<folder>`) → names the script takes from it. */
  folders: Map<string, Set<string>>;
  /** True when the script imports a saved skill (whose own imports are not scanned). */
  skills: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const SPECIFIER = String.raw`["']\.\/servers\/([^"'/]+)(?:\/(index|[A-Za-z_$][\w$]*))?(?:\.[mc]?[jt]s)?["']`;

/** Scans transpiled script code; see {@link ServerImports}. */
export function scanServerImports(code: string): ServerImports {
  const folders = new Map<string, Set<string>>();
  const namesOf = (folder: string) => {
    const names = folders.get(folder) ?? new Set<string>();
    folders.set(folder, names);
    return names;
  };
  const namespaces: [string, string][] = [];
  const statement = new RegExp(String.raw`\bimport\s*([^;'"]*?)\s*from\s*${SPECIFIER}`, 'g');
  for (const match of code.matchAll(statement)) {
    const [, clause = '', folder = '', file] = match;
    const names = namesOf(folder);
    if (file && file !== 'index') names.add(file);
    if (file && file !== 'index') continue;
    const namespace = /\*\s*as\s+([A-Za-z_$][\w$]*)/.exec(clause)?.[1];
    if (namespace) namespaces.push([namespace, folder]);
    const named = /\{([^}]*)\}/.exec(clause)?.[1];
    for (const part of named?.split(',') ?? []) {
      const imported = part
        .trim()
        .split(/\s+as\s+/)[0]
        ?.trim();
      if (imported && IDENTIFIER.test(imported)) names.add(imported);
    }
  }
  const bare = new RegExp(String.raw`\bimport\s*${SPECIFIER}`, 'g');
  for (const match of code.matchAll(bare)) namesOf(match[1] ?? '');
  const dynamic = new RegExp(
    String.raw`(?:([A-Za-z_$][\w$]*)\s*=\s*)?(?:await\s+)?import\s*\(\s*${SPECIFIER}\s*\)`,
    'g',
  );
  for (const match of code.matchAll(dynamic)) {
    const [, variable, folder = '', file] = match;
    const names = namesOf(folder);
    if (file && file !== 'index') names.add(file);
    else if (variable) namespaces.push([variable, folder]);
  }
  for (const [namespace, folder] of namespaces) {
    const escaped = namespace.replace(/\$/g, '\\$');
    const access = new RegExp(String.raw`(?<![\w$.])${escaped}\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)`, 'g');
    for (const match of code.matchAll(access)) namesOf(folder).add(match[1] ?? '');
  }
  return { folders, skills: /["']\.\/skills\//.test(code) };
}
