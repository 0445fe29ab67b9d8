import { dirname, join, resolve } from 'node:path';
// A namespace import: the build bundles only the parts of zod used here (scripts/bundle-config.ts).
import * as z from 'zod';
import { ConfigError } from '../errors.js';
import { defaultDataDir } from './data-dir.js';
import { describeIssue, protoServer, SERVER_NAME_RULE, unknownServerKeys } from './issues.js';
import {
  approvalsSchema,
  detectorsSchema,
  discoverySchema,
  piiSchema,
  skillsSchema,
  telemetrySchema,
  workspaceSchema,
} from './sections.js';

const stringMap = z.record(z.string(), z.string());

/** Per-server PII policy: `untokenize: false` sends tokens, not real values, to that server. */
const serverPii = z.strictObject({ untokenize: z.boolean().default(true) });

/** Glob patterns over a server's MCP tool names (picomatch syntax, e.g. "delete_*", "{read,list}_*"). */
const toolPatterns = z.array(z.string().min(1, 'a pattern must not be empty'));

/**
 * Memoized tool calls (opt-in): which tools' results are kept and reused for equal arguments, how
 * long, and for whom.
 */
const cachePolicy = z.strictObject({
  /**
   * Tools whose results are kept: globs over tool names, and "@readOnly" for every tool annotated
   * `readOnlyHint: true`. Only tools without side effects belong here.
   */
  tools: toolPatterns.min(1, 'list at least one tool pattern (or "@readOnly")'),
  /** How long a result is reused, in ms. @default 60000 */
  ttlMs: z.number().int().positive().default(60_000),
  /**
   * "session": each caller (an MCP session, or `toolscript exec`) has its own results; "shared":
   * every caller reuses every other's, for public data only (never per-user data). @default "session"
   */
  scope: z.enum(['session', 'shared']).default('session'),
});

/**
 * How clients reach a server's tools: "code" through scripts (`search_tools`, `execute_code`);
 * "tools" listed in the gateway's own `tools/list` as `<server>.<tool>` and called directly, not
 * from scripts; "both".
 */
const exposure = z.enum(['code', 'tools', 'both']);

/**
 * Per-server tool policy: `allowTools` keeps only matching tools, `denyTools` removes matching
 * ones (deny wins). Removed tools are absent from bindings and search and cannot be called.
 */
const toolPolicy = {
  allowTools: toolPatterns.optional(),
  denyTools: toolPatterns.optional(),
  /**
   * Tools a person must approve before each call from a script (MCP elicitation): globs over tool
   * names, and "@destructive" for every tool MCP counts as destructive (`readOnlyHint` not true and
   * `destructiveHint` not false). @default none
   */
  requireApproval: toolPatterns.optional(),
  /**
   * Which MCP revision to speak to the server: "auto" (2026-07-28 when the server offers it, found
   * with `server/discover`, else the 2025 handshake), "2025-11-25" (no probe), or "2026-07-28"
   * (that or nothing). @default "auto"
   */
  protocol: z.enum(['auto', '2025-11-25', '2026-07-28']).optional(),
  /** Memoized calls of this server's tools (see the top-level `cache`, which it replaces). @default the top-level one */
  cache: cachePolicy.optional(),
  /** How clients reach this server's tools (see the top-level `expose`). @default the top-level one */
  expose: exposure.optional(),
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

/** `sandbox`: where and within which limits scripts run. */
const sandboxSchema = z.strictObject({
  /**
   * Where scripts run: "quickjs" (WebAssembly, in process) or "deno" (a subprocess with every
   * permission denied; needs Deno installed: the `deno` npm package or `deno` on PATH). @default "quickjs"
   */
  backend: z.enum(['quickjs', 'deno']).default('quickjs'),
  /**
   * QuickJS only: worker threads scripts run on, so a script that computes never holds the event
   * loop serving other sessions; 0 runs scripts on the main thread (fine for one script at a time,
   * as `toolscript exec` does). @default one per core
   */
  threads: z.number().int().min(0).max(256).optional(),
  /** Wall time of one execution in ms. @default 30000 */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Heap limit of one execution in MiB (QuickJS can address at most 2032 of it: its build declares 2 GiB of memory in all). @default 256 */
  memoryMb: z.number().int().min(8).max(4096).default(256),
  /** Model-visible output (logs and result) kept at most, in o200k_base tokens. @default 4000 */
  maxOutputTokens: z.number().int().positive().default(4000),
  /**
   * Images and audio a script returns as MCP content blocks, at most this many decoded bytes per
   * answer; one past it is left out with a note. @default 2097152 (2 MiB)
   */
  maxImageBytes: z
    .number()
    .int()
    .min(0)
    .default(2 * 1024 * 1024),
  /**
   * Type-check scripts against the tools' bindings before they run (TypeScript, strict, on a
   * worker thread): "error" stops a script whose tool-call arguments do not type-check, before any
   * tool runs (`TYPE_ERROR`), and adds other diagnostics to the answer; "warn" only adds them;
   * "off" skips the check. @default "off"
   */
  typecheck: z.enum(['off', 'warn', 'error']).default('off'),
  /**
   * Python scripts (`language: "python"`; needs Deno and the optional pyodide package):
   * interpreters kept booted, each used for one script; 0 boots one per script. @default 2
   */
  pythonPool: z.number().int().min(0).max(32).default(2),
  /**
   * Python scripts run at once (each a Deno process with Pyodide, 100–250 MB); more wait their
   * turn, shared fairly across sessions. @default the number of cores
   */
  pythonMaxRunning: z.number().int().min(1).max(256).optional(),
});

/** Schema of `toolscript.config.json`. `mcpServers` has the shape of Claude Desktop's and `.mcp.json`. */
export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  mcpServers: z
    .record(z.string().regex(/^[A-Za-z0-9][\w.-]*$/, SERVER_NAME_RULE), serverSchema)
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
  sandbox: sandboxSchema.prefault({}),
  /**
   * Folder for workspaces, skills, the PII audit log and the demo memory graph. Relative paths are
   * taken from the config file's folder. @default TOOLSCRIPT_DATA_DIR, else the user's data folder
   * (see `defaultDataDir`)
   */
  dataDir: z.string().min(1).optional(),
  /**
   * Where sessions live, so several replicas can serve them: `redis://[user:password@]host[:port][/db]`
   * (or `rediss://`). With it, `pii.enabled` needs `TOOLSCRIPT_PII_KEY` (64 hex digits) to encrypt
   * vaults. @default TOOLSCRIPT_STORE, else none (sessions live in the process)
   */
  store: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'expected a Redis URL: redis://host:6379 (or rediss:// for TLS)')
    .optional(),
  /** Per-session workspaces: size quota and idle time before removal. */
  workspace: workspaceSchema.prefault({}),
  /** Saved skills: who may publish new versions of a skill another session created. */
  skills: skillsSchema.prefault({}),
  /** Approvals of the tools listed in `mcpServers.<name>.requireApproval`. */
  approvals: approvalsSchema.prefault({}),
  /** Tool search: an optional embeddings model for hybrid ranking. */
  discovery: discoverySchema.prefault({}),
  /** PII tokenization of what the model sees. Off by default; see the README. */
  pii: piiSchema.prefault({}),
  /**
   * How clients reach the servers' tools: "code" (scripts), "tools" (listed as `<server>.<tool>`
   * and called directly, every policy applied) or "both"; a server's own `expose` replaces it, and
   * a client may choose for its connection (`?codemode=false`, `serve --expose`). @default "code"
   */
  expose: exposure.default('code'),
  /** OpenTelemetry traces and metrics. Off by default; see the README's "Tracing". */
  telemetry: telemetrySchema.prefault({}),
  /** Timeout of one upstream tool call in ms, unless the server sets its own `timeoutMs`. @default 30000 */
  callTimeoutMs: z.number().int().positive().default(30_000),
  /**
   * Largest tool result or resource contents accepted, in bytes of JSON; larger ones fail with
   * RESULT_TOO_LARGE. @default 16 MiB
   */
  maxResultBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /**
   * Largest arguments of one tool call, in bytes of JSON; larger ones fail with INVALID_ARGUMENTS
   * before they are sent. @default 8 MiB (MCP SDK stdio servers drop the connection at 10 MiB)
   */
  maxArgumentBytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /**
   * Learn result types of tools that declare no `outputSchema` from their successful calls, and
   * show them as the binding's return type (types and field names only, never values). Saved in
   * `<dataDir>/observed-types.json`, or in the store when one is configured. @default true
   */
  observeResultTypes: z.boolean().default(true),
  /**
   * Record what \`toolscript insights\` reports: per execution the tools called with their
   * durations and error codes, tokens, hint codes; per search its index terms and the tools it
   * answered. Never an argument, a result or a message. Kept in \`<dataDir>/insights.jsonl\` (at
   * most 16 MiB), or in the store's log with replicas. @default true
   */
  insights: z.boolean().default(true),
  /** Time allowed for one upstream server to start and answer `initialize` and `tools/list`, in ms. @default 30000 */
  connectTimeoutMs: z.number().int().positive().default(30_000),
  /**
   * Memoized tool calls for every server (a server's own `cache` replaces it), and the memory they
   * may take. Off unless set. A call of a tool of the same server that is not cached drops that
   * server's kept results for the caller (a write may change what a read returns).
   */
  cache: cachePolicy
    .extend({
      /** Memory the kept results may take, in MiB; the least recently used go first. @default 64 */
      maxMb: z.number().positive().default(64),
    })
    .optional(),
});

export type StdioServerConfig = z.output<typeof stdioServer>;
export type RemoteServerConfig = z.output<typeof remoteServer>;
export type ServerConfig = StdioServerConfig | RemoteServerConfig;
type ParsedConfig = z.output<typeof configSchema>;
/**
 * A validated config with every default filled in; `dataDir` and `pii.auditLog` are absolute.
 */
export type ToolscriptConfig = Omit<ParsedConfig, 'dataDir' | 'pii'> & {
  dataDir: string;
  pii: Omit<ParsedConfig['pii'], 'auditLog'> & { auditLog: string };
};
/** A config as written by a person: every field with a default may be left out. */
export type ToolscriptConfigInput = z.input<typeof configSchema>;

/** Keys each object of the config accepts, by path (`""` for the top level), for "did you mean". */
export const CONFIG_KEYS: Record<string, string[]> = {
  '': Object.keys(configSchema.shape),
  sandbox: Object.keys(sandboxSchema.shape),
  workspace: Object.keys(workspaceSchema.shape),
  skills: Object.keys(skillsSchema.shape),
  cache: [...Object.keys(cachePolicy.shape), 'maxMb'],
  approvals: Object.keys(approvalsSchema.shape),
  discovery: Object.keys(discoverySchema.shape),
  pii: Object.keys(piiSchema.shape),
  'pii.detectors': Object.keys(detectorsSchema.shape),
  server: [...new Set([...Object.keys(stdioServer.shape), ...Object.keys(remoteServer.shape)])],
};

/** True when the server is reached over HTTP or SSE rather than started as a child process. */
export function isRemoteServer(server: ServerConfig): server is RemoteServerConfig {
  return 'url' in server;
}

/** Where relative paths of a config are resolved, and where its data goes by default. */
export interface ParseOptions {
  /** The config file, named in errors; relative paths are taken from its folder. */
  file?: string;
  /** Folder for relative paths when there is no file. @default process.cwd() */
  baseDir?: string;
  /** The data folder when the config has no `dataDir`. @default defaultDataDir() */
  defaultDataDir?: () => string;
}

/**
 * Validates a config object, fills in defaults and makes `dataDir` and `pii.auditLog` absolute.
 * An unknown key is named with the nearest known one ("did you mean").
 * @param options a file name (string, for errors and relative paths) or {@link ParseOptions}.
 * @throws {ConfigError} naming each bad field and what is expected there.
 */
export function parseConfig(input: unknown, options: string | ParseOptions = {}): ToolscriptConfig {
  const {
    file,
    baseDir,
    defaultDataDir: dataDirDefault,
  } = typeof options === 'string' ? { file: options } : options;
  const problems = [...protoServer(input), ...unknownServerKeys(input, CONFIG_KEYS)];
  // jitless: a config is parsed about once per process, and compiling its checks (zod's fast
  // path for repeated parses) costs more than it saves.
  const parsed = configSchema.safeParse(input, { jitless: true });
  if (!parsed.success || problems.length) {
    const issues = [
      ...problems,
      ...(parsed.success
        ? []
        : parsed.error.issues.flatMap((issue) => describeIssue(issue, problems, CONFIG_KEYS))),
    ];
    throw new ConfigError(
      `Invalid config${file ? ` in ${file}` : ''}:\n  - ${issues.join('\n  - ')}`,
      file,
      issues,
    );
  }
  const base = file ? dirname(file) : (baseDir ?? process.cwd());
  const { dataDir: given, pii, ...rest } = parsed.data;
  const dataDir = given !== undefined ? resolve(base, given) : (dataDirDefault ?? defaultDataDir)();
  return {
    ...rest,
    dataDir,
    pii: { ...pii, auditLog: pii.auditLog ? resolve(base, pii.auditLog) : join(dataDir, 'pii-audit.jsonl') },
  };
}
