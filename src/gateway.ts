import { accountExecution } from './accounting/execution.js';
import { countTokens } from './accounting/tokens.js';
import { Bridge, type CallPayload } from './bridge/bridge.js';
import { Catalog } from './catalog/catalog.js';
import { BindingCache } from './codegen/cache.js';
import { serverFolder } from './codegen/names.js';
import {
  CLIENT_SOURCE,
  generateTypeScriptTree,
  planBindings,
  planServer,
  RuntimeModules,
  renderServerIndex,
} from './codegen/tree.js';
import type { ToolscriptConfig } from './config.js';
import {
  type DetailLevel,
  type SearchHit,
  type SearchOptions,
  ToolSearch,
  type UnknownName,
} from './discovery/search.js';
import { UpstreamUnavailableError } from './errors.js';
import { renderOutput } from './execution/output.js';
import type { ExecutionResult } from './execution/result.js';
import { transpileScript } from './execution/transpile.js';
import { GatewayMetrics } from './metrics/metrics.js';
import { QuickJSSandbox } from './sandbox/quickjs/index.js';
import type { LogEntry, Sandbox, SandboxError } from './sandbox.js';
import { type InProcessServer, UpstreamConnection, type UpstreamTarget } from './upstream/connection.js';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Sandbox to run scripts in. @default a QuickJSSandbox */
  sandbox?: Sandbox;
  /**
   * Servers reached through a transport you create (e.g. an in-process MCP server over the SDK's
   * `InMemoryTransport`), by server name, in addition to the config's `mcpServers`.
   */
  servers?: Record<string, InProcessServer>;
}

/** Status of one upstream server. */
export interface ServerStatus {
  name: string;
  ok: boolean;
  /** Number of tools listed (0 when unavailable). */
  tools: number;
  /** Why the server is unavailable, with its stderr tail, when it is. */
  error?: string;
  /** Protocol version agreed at `initialize`. */
  protocolVersion?: string;
  /** `serverInfo` from `initialize`, as `name version`. */
  description: string;
}

/** Per-execution overrides of the config's `sandbox` limits. */
export interface ExecuteOptions {
  timeoutMs?: number;
  memoryMb?: number;
  maxOutputTokens?: number;
}

const EXECUTION_CODES = new Set([
  'SYNTAX_ERROR',
  'RUNTIME_ERROR',
  'TOOL_ERROR',
  'INVALID_ARGUMENTS',
  'UNKNOWN_TOOL',
  'TIMEOUT',
  'MEMORY_LIMIT',
  'UPSTREAM_UNAVAILABLE',
]);

/**
 * The gateway: upstream connections, the catalog, codegen, discovery, the bridge and the sandbox.
 * Create it with {@link createGateway}; always {@link Gateway.close} it.
 */
export class Gateway {
  readonly catalog = new Catalog();
  private readonly connections = new Map<string, UpstreamConnection>();
  private readonly bridge: Bridge;
  private readonly toolSearch: ToolSearch;
  private readonly bindings = new BindingCache();
  private readonly runtimeModules = new RuntimeModules(this.catalog);
  private definitions: number | undefined;
  /** Prometheus metrics of this gateway (see {@link GatewayMetrics}). */
  readonly metrics = new GatewayMetrics();

  constructor(
    readonly config: ToolscriptConfig,
    private readonly sandbox: Sandbox,
    servers: Record<string, InProcessServer> = {},
  ) {
    this.bridge = new Bridge(this.catalog, {
      callTool: (server, tool, args) => {
        const connection = this.connections.get(server);
        if (!connection) throw new UpstreamUnavailableError(server, 'no such server in the config');
        return connection.callTool(tool, args);
      },
    });
    this.toolSearch = new ToolSearch(this.catalog, { bindings: this.bindings });
    this.catalog.on('changed', () => {
      this.definitions = undefined;
    });
    const targets: [string, UpstreamTarget][] = [
      ...Object.entries(config.mcpServers),
      ...Object.entries(servers),
    ];
    for (const [name, server] of targets) {
      this.connections.set(
        name,
        new UpstreamConnection(name, server, {
          connectTimeoutMs: config.connectTimeoutMs,
          callTimeoutMs: config.callTimeoutMs,
          onToolsChanged: (tools) => this.catalog.setTools(name, tools),
        }),
      );
    }
  }

  /** Connects to every server in parallel and lists their tools. A failing server is recorded, not thrown. */
  async start(): Promise<void> {
    await Promise.all(
      [...this.connections.values()].map(async (connection) => {
        try {
          const tools = await connection.listTools();
          const info = connection.serverVersion;
          this.catalog.setTools(connection.name, tools, info ? `${info.name} ${info.version}` : '');
        } catch (error) {
          this.catalog.setError(connection.name, error instanceof Error ? error.message : String(error));
        }
      }),
    );
  }

  /** Every configured server with its status, sorted by name. */
  listServers(): ServerStatus[] {
    return this.catalog.listServers().map((server) => {
      const protocolVersion = this.connections.get(server.name)?.protocolVersion;
      return {
        name: server.name,
        ok: server.error === undefined,
        tools: server.tools.length,
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
  search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    return this.toolSearch.search(query, options);
  }

  /**
   * Exact selection by qualified name (`filesystem.readTextFile` or `filesystem.read_text_file`),
   * in the order given; unknown names come back with the nearest known names.
   */
  select(
    names: string[],
    detail: DetailLevel = 'full',
  ): Promise<{ hits: SearchHit[]; unknown: UnknownName[] }> {
    return this.toolSearch.select(names, detail);
  }

  /** The generated TypeScript file tree (`client.ts`, `servers/<server>/…`), keyed by path. */
  generateFiles(): Promise<Map<string, string>> {
    return generateTypeScriptTree(this.catalog, this.bindings);
  }

  /** Paths of the generated file tree, without generating any binding. */
  listFiles(): string[] {
    const paths = ['client.ts'];
    for (const server of planBindings(this.catalog)) {
      paths.push(`servers/${server.folder}/index.ts`);
      for (const binding of server.bindings) paths.push(`servers/${server.folder}/${binding.identifier}.ts`);
    }
    return paths;
  }

  /** One generated file by path (as in {@link listFiles}), generated on demand; `undefined` if none. */
  async readFile(path: string): Promise<string | undefined> {
    if (path === 'client.ts') return CLIENT_SOURCE;
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
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecutionResult> {
    const started = performance.now();
    const limits = { ...this.config.sandbox, ...options };
    const finish = (
      partial: Pick<ExecutionResult, 'ok' | 'result' | 'logs' | 'error' | 'calls'>,
      payloads: CallPayload[] = [],
      memoryBytes?: number,
    ): ExecutionResult => {
      const rendered = renderOutput(partial, limits.maxOutputTokens);
      const ms = performance.now() - started;
      const accounted = accountExecution({
        script: code,
        output: rendered.output,
        definitions: this.definitionTokens(),
        calls: payloads,
      });
      for (const [i, call] of partial.calls.entries()) Object.assign(call, accounted.calls[i]);
      const execution: ExecutionResult = {
        ...partial,
        output: rendered.output,
        ...(rendered.truncated ? { truncated: rendered.truncated } : {}),
        tokens: accounted.tokens,
        ms,
      };
      this.metrics.record(execution, memoryBytes);
      return execution;
    };
    const transpiled = await transpileScript(code);
    if (!transpiled.ok) {
      return finish({
        ok: false,
        result: null,
        logs: [],
        calls: [],
        error: { code: 'SYNTAX_ERROR', message: transpiled.message },
      });
    }
    const { hostFunctions, calls, payloads } = this.bridge.session();
    const run = await this.sandbox.run(transpiled.code, {
      modules: this.runtimeModules.get,
      hostFunctions,
      limits: { timeoutMs: limits.timeoutMs, memoryMb: limits.memoryMb },
    });
    return finish(
      {
        ok: run.ok,
        result: run.ok ? (run.result ?? null) : null,
        logs: run.logs.map(formatLog),
        calls,
        error: run.error ? this.describeError(run.error) : null,
      },
      payloads,
      run.memoryBytes,
    );
  }

  /**
   * o200k_base tokens of every connected tool's definition as `tools/list` presents it (the
   * `tools` array as JSON): what direct tool calling loads into the context. Cached until the
   * catalog changes.
   */
  definitionTokens(): number {
    this.definitions ??= countTokens(JSON.stringify(this.catalog.allTools().map((t) => t.tool))).tokens;
    return this.definitions;
  }

  private describeError(error: SandboxError): NonNullable<ExecutionResult['error']> {
    if (error.code === 'MODULE_NOT_FOUND') {
      const servers = this.catalog.listServers().map((s) => s.name);
      if (/servers\//.test(error.message)) {
        return {
          code: 'UNKNOWN_TOOL',
          message: `${error.message}. Servers: ${servers.join(', ')}. Import as './servers/<server>' and find tools with search_tools.`,
        };
      }
      return {
        code: 'RUNTIME_ERROR',
        message: `${error.message}. Only './servers/<server>' and './client' can be imported.`,
      };
    }
    const code = EXECUTION_CODES.has(error.code) ? error.code : 'RUNTIME_ERROR';
    const name = error.name && error.name !== 'Error' && code === 'RUNTIME_ERROR' ? `${error.name}: ` : '';
    const where = error.stack?.match(/script:(\d+):(\d+)/);
    const location = code === 'RUNTIME_ERROR' && where ? ` (script line ${where[1]})` : '';
    return {
      code,
      message: `${name}${error.message}${location}`,
      ...(error.details && Object.keys(error.details).length ? { details: error.details } : {}),
    };
  }

  /** Closes every upstream connection; no child process is left running. */
  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }
}

/**
 * Creates a gateway, connects to all configured servers in parallel and lists their tools.
 * Servers that fail are reported by {@link Gateway.listServers}; the others work.
 * @param config a validated config (see `loadConfig`/`parseConfig`).
 * @param options another sandbox, in-process servers (see {@link GatewayOptions}).
 */
export async function createGateway(
  config: ToolscriptConfig,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const gateway = new Gateway(config, options.sandbox ?? (await QuickJSSandbox.create()), options.servers);
  await gateway.start();
  return gateway;
}

function formatLog(entry: LogEntry): string {
  return entry.level === 'warn' || entry.level === 'error'
    ? `[${entry.level}] ${entry.message}`
    : entry.message;
}
