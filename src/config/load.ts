import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { defaultDataDir } from './data-dir.js';
import { protoServer, unknownKeyMessage } from './issues.js';
import { CONFIG_KEYS, parseConfig, type ToolscriptConfig } from './schema.js';

/** toolscript's own config file, looked up in the working directory. */
export const CONFIG_FILE_NAME = 'toolscript.config.json';
/** Claude Code's project config, used when there is no toolscript.config.json. */
export const MCP_JSON_FILE_NAME = '.mcp.json';

/**
 * Keys that other MCP clients write into server entries (Cline, Roo Code, Cursor, Windsurf), which
 * toolscript has no use for: removed before validation, so such files work unchanged.
 */
const FOREIGN_SERVER_KEYS = new Set([
  'autoApprove',
  'alwaysAllow',
  'description',
  'timeout',
  'disabledTools',
]);

/** Where a loaded config came from, and what was ignored in it. */
export interface LoadedConfig {
  config: ToolscriptConfig;
  /** The file read, or `undefined` for the bundled default config. */
  file: string | undefined;
  /**
   * One line each about what was left out: other applications' top-level keys (Claude Desktop's
   * `globalShortcut`, …) and servers with `disabled: true`. Commands print them on stderr.
   */
  notices: string[];
}

/**
 * Loads the config, from the first that exists: `file` (an error when missing), then
 * `toolscript.config.json`, then `.mcp.json` in `cwd`, then (unless `allowDefault` is false) the
 * bundled default config. Claude Desktop's and Claude Code's files work unchanged: other
 * top-level keys are ignored (one notice), `disabled: true` servers are left out, `type: "stdio"`
 * is accepted, and `${VAR}` / `${VAR:-default}` are expanded in `command`, `args`, `env`, `cwd`,
 * `url` and `headers`. Relative paths (`cwd`, `dataDir`, `pii.auditLog`) are taken from the
 * file's folder.
 * @throws {ConfigError} when the file is missing or unreadable, is not JSON (with line:column), or
 *   does not match the schema (each bad field named, unknown keys with the nearest known one).
 */
export function loadConfig(
  options: { file?: string; cwd?: string; allowDefault?: boolean; env?: NodeJS.ProcessEnv } = {},
): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = options.file
    ? resolve(cwd, options.file)
    : [CONFIG_FILE_NAME, MCP_JSON_FILE_NAME]
        .map((name) => resolve(cwd, name))
        .find((path) => existsSync(path));
  if (file === undefined || !existsSync(file)) {
    if (!options.file && options.allowDefault !== false)
      return { config: defaultConfig(cwd, env), file: undefined, notices: [] };
    throw new ConfigError(
      `config file not found: ${file ?? resolve(cwd, CONFIG_FILE_NAME)} (create it with an "mcpServers" object, the shape of .mcp.json, or pass --config FILE)`,
      file,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`, file);
  }
  const raw = parseJson(text, file);
  const { input, notices, problems } = normalizeInput(raw);
  const expanded = expandVariables(input, env, file);
  let config: ToolscriptConfig;
  try {
    config = parseConfig(expanded, { file, defaultDataDir: () => defaultDataDir(env) });
  } catch (error) {
    // Every problem at once: the top-level typos found first, then the schema's.
    if (!problems.length || !(error instanceof ConfigError)) throw error;
    throw invalid(file, [...new Set([...problems, ...error.issues])]);
  }
  if (problems.length) throw invalid(file, problems);
  for (const server of Object.values(config.mcpServers)) {
    if ('command' in server && server.cwd) server.cwd = resolve(dirname(file), server.cwd);
  }
  notices.push(...dataDirExposures(config));
  return { config, file, notices };
}

/**
 * Warnings for stdio servers given a folder that holds toolscript's data folder (for example a
 * filesystem server over the home folder): through it, a script of one session could read the
 * workspaces of every other session.
 */
export function dataDirExposures(config: ToolscriptConfig): string[] {
  const data = resolve(config.dataDir);
  const warnings: string[] = [];
  for (const [name, server] of Object.entries(config.mcpServers)) {
    if (!('command' in server)) continue;
    const exposed = server.args.find((arg) => {
      if (!isAbsolute(arg)) return false;
      const folder = resolve(arg);
      return data === folder || data.startsWith(folder.endsWith(sep) ? folder : folder + sep);
    });
    if (exposed !== undefined)
      warnings.push(
        `WARNING: server "${name}" is given ${exposed}, which holds toolscript's data folder ${data}: scripts could read every session's workspace through it. Narrow the server's folders, or set dataDir elsewhere.`,
      );
  }
  return warnings;
}

/**
 * JSON.parse with the failure's position as `file:line:column`.
 * @throws {ConfigError}
 */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = Number(/at position (\d+)/.exec(message)?.[1] ?? (text.trim() === '' ? 0 : text.length));
    const before = text.slice(0, position).split('\n');
    const line = before.length;
    const column = (before.at(-1)?.length ?? 0) + 1;
    const reason = message
      .replace(/\s*(in JSON )?at position \d+.*$/, '')
      .replace(/^Unexpected end of JSON input$/, 'the file ends early');
    throw new ConfigError(`${file}:${line}:${column}: config file is not valid JSON: ${reason}`, file);
  }
}

/**
 * Makes another client's config file acceptable: drops unknown top-level keys (unless one is a
 * likely typo of a known key, which is then an error), servers with `disabled: true`, and keys
 * other clients add to server entries.
 * @throws {ConfigError} for a top-level key within two edits of a known one (e.g. "mcpServer").
 */
export function normalizeConfigInput(raw: unknown, file?: string): { input: unknown; notices: string[] } {
  const { input, notices, problems } = normalizeInput(raw);
  if (problems.length) throw invalid(file, problems);
  return { input, notices };
}

/** "Invalid config in FILE:" and one line per problem. */
function invalid(file: string | undefined, problems: string[]): ConfigError {
  return new ConfigError(
    `Invalid config${file ? ` in ${file}` : ''}:\n  - ${problems.join('\n  - ')}`,
    file,
    problems,
  );
}

/** {@link normalizeConfigInput} with its problems returned rather than thrown. */
function normalizeInput(raw: unknown): { input: unknown; notices: string[]; problems: string[] } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { input: raw, notices: [], problems: [] };
  const known = CONFIG_KEYS[''] ?? [];
  const input: Record<string, unknown> = {};
  const ignored: string[] = [];
  const typos: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (known.includes(key)) input[key] = value;
    else if (unknownKeyMessage(key, known).includes('did you mean'))
      typos.push(`${key}: ${unknownKeyMessage(key, known)}`);
    else ignored.push(key);
  }
  const notices: string[] = [];
  if (ignored.length)
    notices.push(
      `ignoring keys toolscript does not use: ${ignored.join(', ')} (only "mcpServers" and toolscript's own settings are read)`,
    );
  const servers = input.mcpServers;
  const proto = protoServer(input);
  if (proto.length) return { input, notices, problems: [...typos, ...proto] };
  if (servers && typeof servers === 'object' && !Array.isArray(servers)) {
    const kept: Record<string, unknown> = {};
    const disabled: string[] = [];
    const itself: string[] = [];
    for (const [name, entry] of Object.entries(servers)) {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
        kept[name] = entry;
        continue;
      }
      const { disabled: off, ...rest } = entry as Record<string, unknown>;
      if (off === true) {
        disabled.push(name);
        continue;
      }
      if (startsToolscript(rest)) {
        itself.push(name);
        continue;
      }
      kept[name] = Object.fromEntries(Object.entries(rest).filter(([key]) => !FOREIGN_SERVER_KEYS.has(key)));
    }
    if (disabled.length) notices.push(`skipping disabled servers: ${disabled.join(', ')}`);
    if (itself.length)
      notices.push(
        `skipping ${itself.join(', ')}: it starts toolscript itself (a client's entry for this gateway)`,
      );
    input.mcpServers = kept;
  }
  return { input, notices, problems: typos };
}

/**
 * True for a server entry that runs `toolscript serve` (a client's entry for this very gateway, as
 * in a shared `.mcp.json`): starting it would start toolscript inside itself, again and again.
 */
function startsToolscript(entry: Record<string, unknown>): boolean {
  const words = [entry.command, ...(Array.isArray(entry.args) ? entry.args : [])].filter(
    (word): word is string => typeof word === 'string',
  );
  const named = words.some((word) => /(^|[/\\])toolscript(@[^/\\\s]*)?(\.js)?$/.test(word));
  return named && words.includes('serve');
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` with the environment's values in every server's
 * `command`, `args`, `env`, `cwd`, `url` and `headers`, as Claude Code does for `.mcp.json`. Works
 * on the config as written (before validation), so an expanded `url` is validated as a URL.
 * @throws {ConfigError} naming each variable that is not set and has no default.
 */
export function expandVariables<T>(input: T, environment: NodeJS.ProcessEnv = process.env, file?: string): T {
  const servers = (input as { mcpServers?: unknown } | null)?.mcpServers;
  if (!servers || typeof servers !== 'object' || Array.isArray(servers)) return input;
  const missing: string[] = [];
  const expand = (value: unknown, where: string): unknown => {
    if (typeof value === 'string') {
      return value.replace(VARIABLE, (_match, name: string, fallback?: string) => {
        const found = environment[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        if (found !== undefined) return found;
        missing.push(`${where}: environment variable ${name} is not set`);
        return '';
      });
    }
    if (Array.isArray(value)) return value.map((item, i) => expand(item, `${where}[${i}]`));
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, `${where}.${k}`)]));
    return value;
  };
  const mcpServers: Record<string, unknown> = {};
  for (const [name, server] of Object.entries(servers)) {
    if (!server || typeof server !== 'object' || Array.isArray(server)) {
      mcpServers[name] = server;
      continue;
    }
    const out: Record<string, unknown> = { ...server };
    for (const key of ['command', 'args', 'env', 'cwd', 'url', 'headers']) {
      if (key in out) out[key] = expand(out[key], `mcpServers.${name}.${key}`);
    }
    mcpServers[name] = out;
  }
  if (missing.length) {
    throw new ConfigError(
      `Invalid config${file ? ` in ${file}` : ''}:\n  - ${missing.join('\n  - ')}\nSet the variables or give a default as \${VAR:-value}.`,
      file,
      missing,
    );
  }
  return { ...input, mcpServers } as T;
}

/** Root of this package (the folder holding package.json). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Starts server-memory after creating the folder of its file, so the data folder is made only
 * when the memory server actually starts (server-memory does not create it).
 */
const MEMORY_LAUNCHER = [
  "import { mkdirSync } from 'node:fs';",
  "import { dirname } from 'node:path';",
  "import { pathToFileURL } from 'node:url';",
  'mkdirSync(dirname(process.env.MEMORY_FILE_PATH), { recursive: true });',
  'await import(pathToFileURL(process.argv[1]).href);',
].join(' ');

/**
 * The bundled default config: `server-filesystem` over `examples/data` and `server-memory`
 * (graph stored in `<dataDir>/memory.jsonl`), both started from this package's own dependencies
 * with the running Node, so nothing is downloaded at run time.
 */
export function defaultConfig(
  cwd: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): ToolscriptConfig {
  const require = createRequire(import.meta.url);
  const serverScript = (name: string) => require.resolve(`@modelcontextprotocol/${name}/dist/index.js`);
  const dataDir = defaultDataDir(env);
  return parseConfig(
    {
      mcpServers: {
        filesystem: {
          command: process.execPath,
          args: [serverScript('server-filesystem'), resolve(PACKAGE_ROOT, 'examples/data')],
        },
        memory: {
          command: process.execPath,
          args: ['--input-type=module', '-e', MEMORY_LAUNCHER, serverScript('server-memory')],
          env: { MEMORY_FILE_PATH: join(dataDir, 'memory.jsonl') },
        },
      },
    },
    { baseDir: cwd, defaultDataDir: () => dataDir },
  );
}
