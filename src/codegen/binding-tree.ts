import type { Catalog } from '../catalog/catalog.js';
import type { ObservedOutput } from '../catalog/observed.js';
import { type BindingSpec, renderRuntimeBinding } from './binding.js';
import { BindingCache } from './cache.js';
import { assignBindingNames, serverFolder } from './names.js';
import {
  CLIENT_SOURCE,
  generateTypeScriptTree,
  planBindings,
  planServer,
  RUNTIME_CLIENT,
  RUNTIME_MODULE,
  RUNTIME_SOURCE,
  renderServerIndex,
} from './tree.js';

/**
 * `servers/<folder>/<file>` split in two, with any `.ts`/`.js` extension dropped; `undefined` for
 * any other path. The one parser of generated paths, for files and sandbox modules alike.
 */
export function parseServerPath(path: string): { folder: string; file: string } | undefined {
  const match = /^servers\/([^/]+)\/([^/]+?)(?:\.(?:ts|js))?$/.exec(path);
  return match ? { folder: match[1] as string, file: match[2] as string } : undefined;
}

/**
 * The generated bindings of a catalog as one tree, for every reader: the sandbox's module lookup
 * (JavaScript), and the TypeScript files that MCP resources, `gen`, search's full detail and the
 * skill checker read. Sources are generated on first use and cached by schema hash. Pure: the
 * owner calls {@link invalidate} when a server's tools change.
 */
export class BindingTree {
  private readonly cache: BindingCache;
  private readonly modules: RuntimeModules;

  /**
   * @param observed the result type learnt for a tool without `outputSchema` (see
   *   `ObservedTypes`), shown in compact bindings.
   */
  constructor(
    private readonly catalog: Catalog,
    observed?: (spec: BindingSpec) => ObservedOutput | undefined,
  ) {
    this.cache = new BindingCache(observed);
    this.modules = new RuntimeModules(catalog);
  }

  /** Drops what was derived from one server's tools. */
  invalidate(server: string): void {
    this.modules.invalidate(server);
  }

  /** A binding's TypeScript source (cached; see {@link BindingCache}). */
  get(spec: BindingSpec): Promise<string> {
    return this.cache.get(spec);
  }

  /** A binding as a model reads it (see `renderCompactBinding`), with any observed result type. */
  compact(spec: BindingSpec): string {
    return this.cache.compact(spec);
  }

  /**
   * One server's bindings as the type checkers read them (scripts' and skills'): `index.ts` holds
   * every binding's compact form, exported, and `<identifier>.ts` re-exports one of `names`
   * (unknown names are left out). Keyed by path under `servers/<folder>/`; empty for an unknown
   * folder. Needs no json-schema-to-typescript (compact forms lose no type; see
   * test/codegen-compact).
   */
  compactModules(folder: string, names: Iterable<string>): Map<string, string> {
    const files = new Map<string, string>();
    const name = this.catalog.listServers().find((s) => serverFolder(s.name) === folder)?.name;
    const server = name === undefined ? undefined : planServer(this.catalog, name);
    if (!server) return files;
    const exported = (unit: string) =>
      unit.replace(/^declare function /m, 'export declare function ').replace(/^type /gm, 'export type ');
    files.set(
      `servers/${folder}/index.ts`,
      server.bindings.map((spec) => exported(this.compact(spec))).join('\n\n'),
    );
    for (const identifier of names) {
      if (server.bindings.some((b) => b.identifier === identifier))
        files.set(`servers/${folder}/${identifier}.ts`, `export { ${identifier} } from './index';\n`);
    }
    return files;
  }

  /** Number of binding sources generated so far. */
  get size(): number {
    return this.cache.size;
  }

  /** Paths of every TypeScript file (`client.ts`, `runtime.ts`, `servers/<folder>/…`), generating none. */
  paths(): string[] {
    const paths = ['client.ts', 'runtime.ts'];
    for (const server of planBindings(this.catalog)) {
      paths.push(`servers/${server.folder}/index.ts`);
      for (const binding of server.bindings) paths.push(`servers/${server.folder}/${binding.identifier}.ts`);
    }
    return paths;
  }

  /**
   * One TypeScript file by path (as in {@link paths}), generated on demand; `undefined` if none.
   * With `compact`, a binding's path gives its compact form (as `search_tools` detail "full" shows
   * it) instead of the file `gen` writes.
   */
  async read(path: string, options: { compact?: boolean } = {}): Promise<string | undefined> {
    if (path === 'client.ts') return CLIENT_SOURCE;
    if (path === 'runtime.ts') return RUNTIME_SOURCE;
    const parsed = path.endsWith('.ts') ? parseServerPath(path) : undefined;
    if (!parsed) return undefined;
    const name = this.catalog.listServers().find((s) => serverFolder(s.name) === parsed.folder)?.name;
    const server = name === undefined ? undefined : planServer(this.catalog, name);
    if (!server) return undefined;
    if (parsed.file === 'index') return renderServerIndex(server);
    const binding = server.bindings.find((b) => b.identifier === parsed.file);
    if (!binding) return undefined;
    return options.compact ? this.compact(binding) : this.cache.get(binding);
  }

  /** Every TypeScript file, keyed by path (see {@link generateTypeScriptTree}). */
  generate(): Promise<Map<string, string>> {
    return generateTypeScriptTree(this.catalog, this.cache);
  }

  /** The sandbox's module lookup for one script (see {@link RuntimeModules.lookup}). */
  moduleLookup(used?: Map<string, Set<string>>): (path: string) => string | undefined {
    return this.modules.lookup(used);
  }
}

/** Names never given a stand-in binding: `then` would make the module namespace a thenable. */
const UNSAFE_EXPORTS = new Set(['then', 'default', '__proto__', 'constructor']);

/**
 * The sandbox's module lookup, generated lazily: a server's binding table is built the first time
 * one of its modules is imported, and dropped by {@link RuntimeModules.invalidate}.
 * Paths (without extension): `client`, `runtime`,
 * `servers/<server>/index`, `servers/<server>/<identifier>`.
 */
export class RuntimeModules {
  private folders: Map<string, string> | undefined;
  private readonly tables = new Map<string, Map<string, string>>();

  constructor(private readonly catalog: Catalog) {}

  /** Drops what was derived from a server's tools; the owner calls it when they change. */
  invalidate(server: string): void {
    this.folders = undefined;
    this.tables.delete(server);
  }

  /** Source of the module at `path`, or `undefined` when there is none. */
  readonly get = (path: string): string | undefined => this.lookup()(path);

  /**
   * The module lookup for one script. `used` (folder → names, see `scanServerImports`) gives each
   * name the script takes from a server but the server does not have (or does not have yet,
   * because it is down) a binding of its own, so the call reaches the bridge and fails there with
   * `UNKNOWN_TOOL` and the nearest names, or `UPSTREAM_UNAVAILABLE`, rather than as a link error.
   */
  lookup(used?: Map<string, Set<string>>): (path: string) => string | undefined {
    return (path) => {
      if (path === 'client') return RUNTIME_CLIENT;
      if (path === 'runtime') return RUNTIME_MODULE;
      const parsed = parseServerPath(path);
      if (!parsed) return undefined;
      const { folder, file } = parsed;
      const server = this.serverOf(folder);
      if (server === undefined) return undefined;
      const table = this.table(server);
      const missing = [...(used?.get(folder) ?? [])].filter(
        (name) => !table.has(name) && !UNSAFE_EXPORTS.has(name),
      );
      if (file === 'index') {
        // A server that is down, imported whole with nothing the script names: its import fails
        // with the reason rather than giving an empty module the script would go on with.
        const down = this.catalog.getServer(server)?.error;
        if (down !== undefined && table.size === 0 && missing.length === 0)
          return `throw Object.assign(new Error(${JSON.stringify(down.split('\n')[0])}), { code: 'UPSTREAM_UNAVAILABLE', server: ${JSON.stringify(server)} });`;
        const lines = [...table.keys()].map(
          (identifier) => `export { ${identifier} } from './${identifier}';`,
        );
        for (const [i, name] of missing.entries()) {
          lines.push(
            `const __missing${i} = (input) => __host.callTool(${JSON.stringify(server)}, ${JSON.stringify(name)}, input ?? {});`,
            `export { __missing${i} as ${name} };`,
          );
        }
        return lines.join('\n');
      }
      const tool = table.get(file) ?? (missing.includes(file) ? file : undefined);
      return tool === undefined
        ? undefined
        : renderRuntimeBinding({ server, identifier: file, tool: { name: tool } });
    };
  }

  private serverOf(folder: string): string | undefined {
    this.folders ??= new Map(this.catalog.listServers().map((s) => [serverFolder(s.name), s.name]));
    return this.folders.get(folder);
  }

  /** identifier → original tool name, for one server. */
  private table(server: string): Map<string, string> {
    let table = this.tables.get(server);
    if (!table) {
      const names = assignBindingNames(this.catalog.getServer(server)?.tools.map((t) => t.name) ?? []);
      table = new Map([...names].map(([tool, identifier]) => [identifier, tool]));
      this.tables.set(server, table);
    }
    return table;
  }
}
