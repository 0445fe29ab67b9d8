import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { countTokensOffThread } from './accounting/counter.js';
import { Bridge } from './bridge/bridge.js';
import { Catalog } from './catalog/catalog.js';
import { UpstreamServers } from './catalog/upstreams.js';
import { BindingCache } from './codegen/cache.js';
import { serverFolder } from './codegen/names.js';
import {
  CLIENT_SOURCE,
  generateTypeScriptTree,
  planBindings,
  planServer,
  RUNTIME_SOURCE,
  RuntimeModules,
  renderServerIndex,
} from './codegen/tree.js';
import type { ToolscriptConfig } from './config.js';
import {
  type DetailLevel,
  nearest,
  type SearchHit,
  type SearchOptions,
  ToolSearch,
  type UnknownName,
} from './discovery/search.js';
import { UnknownToolError } from './errors.js';
import type { ServerImports } from './execution/imports.js';
import { type ExecuteOptions, type PipelineParts, runExecution } from './execution/pipeline.js';
import type { ExecutionResult } from './execution/result.js';
import { GatewayMetrics } from './metrics/metrics.js';
import { PiiGuard } from './pii/guard.js';
import type { PiiVault } from './pii/vault.js';
import { QuickJSSandbox } from './sandbox/quickjs/index.js';
import type { Sandbox } from './sandbox.js';
import { SkillLibrary } from './skills/library.js';
import type { SkillInfo, SkillStore } from './skills/store.js';
import type { InProcessServer } from './upstream/connection.js';
import { removeIdleWorkspaces, Workspace } from './workspace/workspace.js';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Sandbox to run scripts in. @default a QuickJSSandbox */
  sandbox?: Sandbox;
  /**
   * Servers reached through a transport you create (e.g. an in-process MCP server over the SDK's
   * `InMemoryTransport`), by server name, in addition to the config's `mcpServers`.
   */
  servers?: Record<string, InProcessServer>;
  /**
   * When upstream servers are started: `"all"` at {@link createGateway}, or `"on-demand"`: only
   * the servers a script imports, before it runs (a script that imports none starts none), and all
   * of them before the first search, selection or file listing. `exec` uses `"on-demand"`.
   * @default "all"
   */
  connect?: 'all' | 'on-demand';
  /**
   * Record Prometheus metrics of executions (see {@link Gateway.metrics}). One-shot commands
   * (`exec`) turn it off, so prom-client is never loaded. @default true
   */
  metrics?: boolean;
}

/** Status of one upstream server. */
export interface ServerStatus {
  name: string;
  ok: boolean;
  /** Number of tools listed (0 when unavailable), after the server's tool policy. */
  tools: number;
  /** Tools the server offers that `allowTools`/`denyTools` keep out, when any. */
  deniedTools?: number;
  /** Times the server was started again after it died or hung, when any. */
  restarts?: number;
  /** Why the server is unavailable, with its stderr tail, when it is. */
  error?: string;
  /** Protocol version agreed at `initialize`. */
  protocolVersion?: string;
  /** `serverInfo` from `initialize`, as `name version`. */
  description: string;
}

export { type ExecuteOptions, PII_NOTE } from './execution/pipeline.js';

/**
 * The gateway: upstream connections, the catalog, codegen, discovery, the bridge and the sandbox.
 * Create it with {@link createGateway}; always {@link Gateway.close} it.
 */
export class Gateway {
  readonly catalog = new Catalog();
  private readonly upstream: UpstreamServers;
  private readonly bridge: Bridge;
  private readonly toolSearch: ToolSearch;
  private readonly bindings = new BindingCache();
  private readonly runtimeModules = new RuntimeModules(this.catalog);
  private definitions: Promise<number> | undefined;
  private readonly pii: PiiGuard;
  private readonly workspaces = new Map<string, Workspace>();
  private readonly skillLibrary: SkillLibrary;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private gatewayMetrics: GatewayMetrics | undefined;
  /** Whether executions are recorded in {@link metrics} (see {@link GatewayOptions.metrics}). */
  private readonly recordMetrics: boolean;

  constructor(
    readonly config: ToolscriptConfig,
    private readonly sandbox: Sandbox,
    servers: Record<string, InProcessServer> = {},
    private readonly connectMode: 'all' | 'on-demand' = 'all',
    recordMetrics = true,
  ) {
    this.recordMetrics = recordMetrics;
    this.upstream = new UpstreamServers(this.catalog, config, servers);
    this.bridge = new Bridge(
      this.catalog,
      {
        callTool: (server, tool, args) => this.upstream.callTool(server, tool, args),
        recover: (server) => this.recover(server),
      },
      { maxArgumentBytes: config.maxArgumentBytes },
    );
    this.toolSearch = new ToolSearch(this.catalog, { bindings: this.bindings });
    this.pii = new PiiGuard(config);
    this.skillLibrary = new SkillLibrary(
      resolve(config.dataDir, 'skills'),
      this.catalog,
      this.bindings,
      this.toolSearch,
      config.skills.shared,
    );
    this.catalog.on('changed', (server) => {
      this.definitions = undefined;
      this.skillLibrary.toolsChanged(server);
    });
  }

  /** Prometheus metrics of this gateway (see {@link GatewayMetrics}); empty when made with `metrics: false`. */
  get metrics(): GatewayMetrics {
    this.gatewayMetrics ??= new GatewayMetrics();
    return this.gatewayMetrics;
  }

  /**
   * Connects to every server in parallel and lists their tools (a failing server is recorded, not
   * thrown), and removes idle workspaces now and hourly.
   */
  async start(): Promise<void> {
    const ttlMs = this.config.workspace.ttlDays * 24 * 3600 * 1000;
    const cleanup = () => removeIdleWorkspaces(resolve(this.config.dataDir), ttlMs).catch(() => []);
    await cleanup();
    this.cleanupTimer = setInterval(cleanup, 3600 * 1000);
    this.cleanupTimer.unref();
    await this.skillLibrary.reload();
    if (this.connectMode === 'all') await this.upstream.listAll();
  }

  /** Starts every server not started yet (see {@link GatewayOptions.connect}). */
  connectAll(): Promise<void> {
    return this.upstream.listAll();
  }

  /** Starts the servers a script imports, or all of them when it imports a skill or an unknown folder. */
  private async connectFor(used: ServerImports): Promise<void> {
    const byFolder = new Map(this.upstream.names().map((name) => [serverFolder(name), name]));
    const names = [...used.folders.keys()].map((folder) => byFolder.get(folder));
    if (used.skills || names.includes(undefined)) await this.upstream.listAll();
    else await this.upstream.ensure(names as string[]);
  }

  /**
   * Tries again to start a server that was unavailable and lists its tools (the connection's
   * backoff applies, so a server that keeps failing is not started over and over).
   * @throws {UpstreamUnavailableError} when it is still unavailable.
   */
  recover(server: string): Promise<void> {
    return this.upstream.refresh(server);
  }

  /** Every configured server with its status, sorted by name. */
  listServers(): ServerStatus[] {
    return this.catalog.listServers().map((server) => {
      const { protocolVersion, restarts, deniedTools: denied } = this.upstream.status(server.name);
      return {
        name: server.name,
        ok: server.error === undefined,
        tools: server.tools.length,
        ...(denied ? { deniedTools: denied } : {}),
        ...(restarts ? { restarts } : {}),
        description: server.description,
        ...(server.error !== undefined ? { error: server.error } : {}),
        ...(protocolVersion ? { protocolVersion } : {}),
      };
    });
  }

  /**
   * Ranked tool search (see {@link ToolSearch.search}). An empty query with `server` lists that
   * server's tools; an empty query alone returns no hits (use {@link listServers}).
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    await this.connectAll();
    return this.toolSearch.search(query, options);
  }

  /**
   * Exact selection by qualified name (`filesystem.readTextFile` or `filesystem.read_text_file`),
   * in the order given; unknown names come back with the nearest known names.
   */
  async select(
    names: string[],
    detail: DetailLevel = 'full',
  ): Promise<{ hits: SearchHit[]; unknown: UnknownName[] }> {
    await this.connectAll();
    return this.toolSearch.select(names, detail);
  }

  /** The generated TypeScript file tree (`client.ts`, `servers/<server>/…`), keyed by path. */
  async generateFiles(): Promise<Map<string, string>> {
    await this.connectAll();
    return generateTypeScriptTree(this.catalog, this.bindings);
  }

  /** Paths of the generated file tree, without generating any binding. */
  listFiles(): string[] {
    const paths = ['client.ts', 'runtime.ts'];
    for (const server of planBindings(this.catalog)) {
      paths.push(`servers/${server.folder}/index.ts`);
      for (const binding of server.bindings) paths.push(`servers/${server.folder}/${binding.identifier}.ts`);
    }
    return paths;
  }

  /** One generated file by path (as in {@link listFiles}), generated on demand; `undefined` if none. */
  async readFile(path: string): Promise<string | undefined> {
    if (path === 'client.ts') return CLIENT_SOURCE;
    if (path === 'runtime.ts') return RUNTIME_SOURCE;
    const match = /^servers\/([^/]+)\/([^/]+)\.ts$/.exec(path);
    if (!match) return undefined;
    const name = this.catalog.listServers().find((s) => serverFolder(s.name) === match[1])?.name;
    const server = name === undefined ? undefined : planServer(this.catalog, name);
    if (!server) return undefined;
    if (match[2] === 'index') return renderServerIndex(server);
    const binding = server.bindings.find((b) => b.identifier === match[2]);
    return binding ? this.bindings.get(binding) : undefined;
  }

  /**
   * Runs one script (TypeScript, ES module) in a fresh sandbox. Never throws for a failing script:
   * the failure is in `error` with a stable code.
   */
  execute(code: string, options?: ExecuteOptions & { accounting?: 'always' }): Promise<ExecutionResult>;
  execute(
    code: string,
    options: ExecuteOptions,
  ): Promise<Omit<ExecutionResult, 'tokens'> & { tokens?: ExecutionResult['tokens'] }>;
  async execute(
    code: string,
    options: ExecuteOptions = {},
  ): Promise<Omit<ExecutionResult, 'tokens'> & { tokens?: ExecutionResult['tokens'] }> {
    return runExecution(this.pipeline, code, options);
  }

  /** What the execution pipeline uses of this gateway (see src/execution/pipeline.ts). */
  private get pipeline(): PipelineParts {
    return {
      sandbox: this.sandbox,
      limits: this.config.sandbox,
      catalog: this.catalog,
      bridge: this.bridge,
      modules: this.runtimeModules,
      skills: this.skillLibrary,
      pii: this.pii,
      workspace: (session) => this.workspace(session),
      connectFor: (used) => (this.connectMode === 'on-demand' ? this.connectFor(used) : Promise.resolve()),
      definitionTokens: () => this.definitionTokens(),
      ...(this.recordMetrics
        ? { record: (execution, memoryBytes) => this.metrics.record(execution, memoryBytes) }
        : {}),
    };
  }

  /**
   * Calls one upstream tool directly, as an ordinary MCP client would: no sandbox, no PII
   * tokenization, the MCP result as the server sent it. Used for direct tool calling in the A/B
   * harness. A result with `isError: true` is returned, not thrown.
   * @param tool the tool's MCP name (e.g. `read_text_file`).
   * @throws {UnknownToolError} when the server has no such tool
   * @throws {UpstreamUnavailableError} when the server cannot be reached or the call times out
   * @throws {ToolError} when the server answers with a JSON-RPC error
   */
  async callTool(server: string, tool: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    const known = this.upstream.has(server);
    if (known && !this.catalog.getTool(server, tool) && this.catalog.getServer(server)?.error !== undefined) {
      await this.recover(server);
    }
    if (!known || !this.catalog.getTool(server, tool)) {
      const names = this.catalog.getServer(server)?.tools.map((t) => t.name) ?? [];
      throw new UnknownToolError(server, tool, nearest(tool, names));
    }
    return this.upstream.callTool(server, tool, args);
  }

  /**
   * The workspace of a session (`<dataDir>/workspaces/<session>/`), created on first use.
   * Session names outside `[A-Za-z0-9_.-]{1,128}` are replaced by their SHA-256.
   */
  workspace(session: string): Workspace {
    let workspace = this.workspaces.get(session);
    if (!workspace) {
      const folder = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/.test(session)
        ? session
        : createHash('sha256').update(session).digest('hex');
      workspace = new Workspace(
        resolve(this.config.dataDir, 'workspaces', folder),
        this.config.workspace.quotaMb * 1024 * 1024,
      );
      this.workspaces.set(session, workspace);
    }
    return workspace;
  }

  /** Saved skills under `<dataDir>/skills/` (see {@link SkillStore}); change them through the methods below. */
  get skills(): SkillStore {
    return this.skillLibrary.store;
  }

  /**
   * Saves a skill (see {@link SkillStore.save}); it is importable and searchable at once.
   * @param author `"operator"` (default) or `"session:<id>"` for a session's own save.
   * @throws {SkillError} with the compiler's messages when it does not type-check, or when the
   *   skill belongs to another session under `skills.shared: "read-only"`.
   */
  saveSkill(input: { name: string; description: string; code: string }, author?: string): Promise<SkillInfo> {
    return this.skillLibrary.save(input, author);
  }

  /** Removes a skill (see {@link SkillStore.remove}); true when it existed. */
  removeSkill(name: string, author?: string): Promise<boolean> {
    return this.skillLibrary.remove(name, author);
  }

  /** Re-checks skills against the current bindings (all, or those calling `tools`). */
  checkSkills(tools?: Set<string>): Promise<SkillInfo[]> {
    return this.skillLibrary.check(tools);
  }

  /** A PII vault with the config's detectors and region, for one session. */
  newVault(): PiiVault {
    return this.pii.newVault();
  }

  /**
   * o200k_base tokens of every connected tool's definition as `tools/list` presents it (the
   * `tools` array as JSON): what direct tool calling loads into the context. Cached until the
   * catalog changes.
   */
  definitionTokens(): Promise<number> {
    this.definitions ??= countTokensOffThread([
      JSON.stringify(this.catalog.allTools().map((t) => t.tool)),
    ]).then(([counted]) => counted?.tokens ?? 0);
    return this.definitions;
  }

  /** Closes every upstream connection; no child process is left running. */
  async close(): Promise<void> {
    clearInterval(this.cleanupTimer);
    this.skillLibrary.close();
    await this.upstream.close();
    if (OWNED_SANDBOXES.has(this.sandbox)) await this.sandbox.close?.();
  }
}

/** Sandboxes a gateway made itself, and so closes with itself (a given one is the caller's). */
const OWNED_SANDBOXES = new WeakSet<Sandbox>();

/**
 * Creates a gateway, connects to all configured servers in parallel and lists their tools.
 * Servers that fail are reported by {@link Gateway.listServers}; the others work.
 *
 * The library surface in four calls: `search(query)` (ranked tools with detail levels),
 * `execute(code)` (one script in the sandbox; never throws for a failing script — see
 * `ExecutionResult.error.code`), `listServers()` and `close()`. Adapters for agent frameworks:
 * `toolscript/ai` (Vercel AI SDK) and `toolscript/anthropic` (Anthropic SDK).
 * @param config a validated config (see `loadConfig`/`parseConfig`, which throw `ConfigError`).
 * @param options another sandbox, in-process servers (see {@link GatewayOptions}).
 * @throws only if the sandbox cannot start (the QuickJS WebAssembly module fails to load); never
 *   for an unavailable upstream server.
 */
export async function createGateway(
  config: ToolscriptConfig,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const sandbox =
    options.sandbox ??
    (config.sandbox.backend === 'deno'
      ? await (await import('./sandbox/deno/index.js')).DenoSandbox.create()
      : await QuickJSSandbox.create());
  if (!options.sandbox) OWNED_SANDBOXES.add(sandbox);
  const gateway = new Gateway(config, sandbox, options.servers, options.connect, options.metrics);
  await gateway.start();
  return gateway;
}
