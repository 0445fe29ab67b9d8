import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/** File read from the working directory when no `--config` is given. */
export const CONFIG_FILE_NAME = 'toolscript.config.json';

const stringMap = z.record(z.string(), z.string());

/** Per-server PII policy: `untokenize: false` sends tokens, not real values, to that server. */
const serverPii = z.strictObject({ untokenize: z.boolean().default(true) });

/** Glob patterns over a server's MCP tool names (picomatch syntax, e.g. "delete_*", "{read,list}_*"). */
const toolPatterns = z.array(z.string().min(1, 'a pattern must not be empty'));

/**
 * Per-server tool policy: `allowTools` keeps only matching tools, `denyTools` removes matching
 * ones (deny wins). Removed tools are absent from bindings and search and cannot be called.
 */
const toolPolicy = {
  allowTools: toolPatterns.optional(),
  denyTools: toolPatterns.optional(),
};

const stdioServer = z.strictObject({
  type: z.literal('stdio').optional(),
  pii: serverPii.optional(),
  ...toolPolicy,
  command: z.string().min(1, 'must be a non-empty command'),
  args: z.array(z.string()).default([]),
  env: stringMap.optional(),
  cwd: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
});

const remoteServer = z.strictObject({
  type: z.enum(['http', 'sse', 'streamable-http']),
  pii: serverPii.optional(),
  ...toolPolicy,
  url: z.url(),
  headers: stringMap.optional(),
  timeoutMs: z.number().int().positive().optional(),
});

const serverSchema = z.union([stdioServer, remoteServer], {
  error: () =>
    'expected a stdio server { command, args?, env?, cwd? } or a remote one { type: "http"|"sse", url }',
});

/** Schema of `toolscript.config.json`. `mcpServers` has the shape of Claude Desktop's and `.mcp.json`. */
export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  mcpServers: z
    .record(
      z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'server names use letters, digits, "_", "-" and "."'),
      serverSchema,
    )
    .superRefine((servers, ctx) => {
      // Scripts import './servers/<name>': two names differing only in case would share a folder
      // on case-insensitive file systems (and confuse the TypeScript compiler everywhere).
      const seen = new Map<string, string>();
      for (const name of Object.keys(servers)) {
        const other = seen.get(name.toLowerCase());
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `differs from server "${other}" only in letter case; rename one of them`,
          });
        }
        seen.set(name.toLowerCase(), name);
      }
    }),
  sandbox: z
    .strictObject({
      /**
       * Where scripts run: "quickjs" (WebAssembly, in process) or "deno" (a subprocess with every
       * permission denied; needs the optional "deno" npm package). @default "quickjs"
       */
      backend: z.enum(['quickjs', 'deno']).default('quickjs'),
      /** Wall time of one execution in ms. @default 30000 */
      timeoutMs: z.number().int().positive().default(30_000),
      /** Heap limit of one execution in MiB. @default 256 */
      memoryMb: z.number().int().min(8).max(4096).default(256),
      /** Model-visible output (logs and result) kept at most, in o200k_base tokens. @default 4000 */
      maxOutputTokens: z.number().int().positive().default(4000),
    })
    .prefault({}),
  /** Folder for workspaces and other per-project data, relative to the working directory. @default "./.toolscript" */
  dataDir: z.string().default('./.toolscript'),
  /** Per-session workspaces: size quota and idle time before removal. */
  workspace: z
    .strictObject({
      /** Files and state one session may hold, in MiB. @default 100 */
      quotaMb: z.number().positive().default(100),
      /** Days a session's workspace may stay unused before it is removed. @default 7 */
      ttlDays: z.number().positive().default(7),
    })
    .prefault({}),
  /** PII tokenization of what the model sees. Off by default; see the README. */
  pii: z
    .strictObject({
      /** @default false */
      enabled: z.boolean().default(false),
      /** Region for phone numbers without a country code (ISO 3166-1 alpha-2). @default "US" */
      region: z
        .string()
        .regex(/^[A-Z]{2}$/, 'a two-letter country code such as "US"')
        .default('US'),
      /** Detector switches. @default all on */
      detectors: z
        .strictObject({
          email: z.boolean().default(true),
          phone: z.boolean().default(true),
          card: z.boolean().default(true),
          iban: z.boolean().default(true),
          ssn: z.boolean().default(true),
          ip: z.boolean().default(true),
          secret: z.boolean().default(true),
        })
        .prefault({}),
      /** Append-only JSON-lines log of untokenizations, relative to the working directory. */
      auditLog: z.string().default('.toolscript/pii-audit.jsonl'),
    })
    .prefault({}),
  /** Timeout of one upstream tool call in ms, unless the server sets its own `timeoutMs`. @default 30000 */
  callTimeoutMs: z.number().int().positive().default(30_000),
  /** Largest tool result accepted, in bytes of JSON; larger ones fail with RESULT_TOO_LARGE. @default 16 MiB */
  maxResultBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** Time allowed for one upstream server to start and answer `initialize` and `tools/list`, in ms. @default 30000 */
  connectTimeoutMs: z.number().int().positive().default(30_000),
});

export type StdioServerConfig = z.output<typeof stdioServer>;
export type RemoteServerConfig = z.output<typeof remoteServer>;
export type ServerConfig = StdioServerConfig | RemoteServerConfig;
/** A validated config with every default filled in. */
export type ToolscriptConfig = z.output<typeof configSchema>;
/** A config as written by a person: every field with a default may be left out. */
export type ToolscriptConfigInput = z.input<typeof configSchema>;

/** True when the server is reached over HTTP or SSE rather than started as a child process. */
export function isRemoteServer(server: ServerConfig): server is RemoteServerConfig {
  return 'url' in server;
}

/**
 * Validates a config object and fills in defaults.
 * @throws {ConfigError} naming each bad field and what is expected there.
 */
export function parseConfig(input: unknown, file?: string): ToolscriptConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ConfigError(
      `Invalid config${file ? ` in ${file}` : ''}:\n  - ${issues.join('\n  - ')}`,
      file,
      issues,
    );
  }
  return parsed.data;
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in `env` and `headers` values with the environment's
 * values, as Claude Code does for `.mcp.json`.
 * @throws {ConfigError} when a variable without a default is not set.
 */
export function expandVariables(
  config: ToolscriptConfig,
  environment: NodeJS.ProcessEnv = process.env,
  file?: string,
): ToolscriptConfig {
  const missing: string[] = [];
  const expand = (map: Record<string, string> | undefined, where: string) => {
    if (!map) return map;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(map)) {
      out[key] = value.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
        (_match, name: string, fallback?: string) => {
          const found = environment[name];
          if (found !== undefined) return found;
          if (fallback !== undefined) return fallback;
          missing.push(`${where}.${key}: environment variable ${name} is not set`);
          return '';
        },
      );
    }
    return out;
  };
  const mcpServers: Record<string, ServerConfig> = {};
  for (const [name, server] of Object.entries(config.mcpServers)) {
    if (isRemoteServer(server)) {
      const headers = expand(server.headers, `mcpServers.${name}.headers`);
      mcpServers[name] = headers ? { ...server, headers } : server;
    } else {
      const env = expand(server.env, `mcpServers.${name}.env`);
      mcpServers[name] = env ? { ...server, env } : server;
    }
  }
  if (missing.length) {
    throw new ConfigError(
      `Invalid config${file ? ` in ${file}` : ''}:\n  - ${missing.join('\n  - ')}\nSet the variables or give a default as \${VAR:-value}.`,
      file,
      missing,
    );
  }
  return { ...config, mcpServers };
}

/** Where a loaded config came from. */
export interface LoadedConfig {
  config: ToolscriptConfig;
  /** The file read, or `undefined` for the bundled default config. */
  file: string | undefined;
}

/**
 * Loads the config: the file given, else `toolscript.config.json` in `cwd`, else (only when
 * `allowDefault`) the bundled default config. Relative stdio `cwd` values are resolved against
 * the config file's folder.
 * @throws {ConfigError} when the file is missing, is not JSON, or does not match the schema.
 */
export function loadConfig(
  options: { file?: string; cwd?: string; allowDefault?: boolean } = {},
): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ? resolve(cwd, options.file) : resolve(cwd, CONFIG_FILE_NAME);
  if (!existsSync(file)) {
    if (!options.file && options.allowDefault !== false)
      return { config: defaultConfig(cwd), file: undefined };
    throw new ConfigError(
      `Config file not found: ${file}. Create it with an "mcpServers" object (the same shape as .mcp.json), or pass --config FILE.`,
      file,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid JSON: ${(error as Error).message}`, file);
  }
  const config = expandVariables(parseConfig(raw, file), process.env, file);
  for (const server of Object.values(config.mcpServers)) {
    if (!isRemoteServer(server) && server.cwd) server.cwd = resolve(dirname(file), server.cwd);
  }
  return { config, file };
}

/** Root of this package (the folder holding package.json). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The bundled default config: `server-filesystem` over `examples/data` and `server-memory`
 * (graph stored in `<cwd>/.toolscript/memory.jsonl`), both started from this package's own
 * dependencies with the running Node, so nothing is downloaded at run time.
 */
export function defaultConfig(cwd: string = process.cwd()): ToolscriptConfig {
  const require = createRequire(import.meta.url);
  const serverScript = (name: string) => require.resolve(`@modelcontextprotocol/${name}/dist/index.js`);
  const dataDir = resolve(cwd, '.toolscript');
  mkdirSync(dataDir, { recursive: true });
  return parseConfig({
    mcpServers: {
      filesystem: {
        command: process.execPath,
        args: [serverScript('server-filesystem'), resolve(PACKAGE_ROOT, 'examples/data')],
      },
      memory: {
        command: process.execPath,
        args: [serverScript('server-memory')],
        env: { MEMORY_FILE_PATH: resolve(dataDir, 'memory.jsonl') },
      },
    },
  });
}
