import type {
  CallToolResult,
  GetPromptResult,
  ListResourcesResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
  Tool,
} from '@modelcontextprotocol/server';
import type { CredentialStore } from '../auth/credentials.js';
import { StoredOAuthProvider } from '../auth/provider.js';
import type { Catalog } from '../catalog/catalog.js';
import { applyToolPolicy } from '../catalog/policy.js';
import { serverFolder } from '../codegen/names.js';
import { isRemoteServer, type ToolscriptConfig } from '../config/index.js';
import { ToolscriptError, UnknownToolError, UpstreamUnavailableError } from '../errors.js';
import type { ServerImports } from '../script/imports.js';
import { nearest } from '../util/nearest.js';
import { type InProcessServer, UpstreamConnection, type UpstreamTarget } from './connection.js';
import type { Ask } from './elicitation.js';
import type { EraVerdicts } from './era.js';
import { getPrompt, listPrompts } from './prompts.js';
import {
  listResourcePage,
  listResources,
  listResourceTemplates,
  readResource,
  requestResource,
} from './resources.js';
import type { ToolCaller } from './tool-caller.js';

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

/**
 * What upstream servers offer their clients beside tools, as the gateway's MCP server passes it
 * on: resources and their templates, one server at a time, and their `list_changed` notices.
 */
export interface UpstreamOfferings {
  /**
   * Names of the servers that are not known to be down, sorted; with `offering`, less those
   * connected servers that did not declare that capability.
   */
  available(offering?: 'resources' | 'prompts'): string[];
  /** True when the config (or the in-process servers) has this server. */
  has(server: string): boolean;
  /**
   * One page of a server's `resources/list` (empty without the capability).
   * @throws {UpstreamRefusal} when the server refuses the cursor
   * @throws {UpstreamUnavailableError} when it cannot be reached
   */
  resourcePage(
    server: string,
    cursor?: string,
  ): Promise<Pick<ListResourcesResult, 'resources' | 'nextCursor'>>;
  /**
   * Every resource template of a server (none without the capability).
   * @throws {UpstreamUnavailableError} when it cannot be reached
   */
  resourceTemplates(server: string): Promise<ResourceTemplateType[]>;
  /**
   * One resource as its server sends it.
   * @throws {UpstreamRefusal} when the server refuses the URI or offers no resources
   * @throws {UpstreamUnavailableError} when it cannot be reached
   */
  resource(server: string, uri: string): Promise<ReadResourceResult>;
  /** Every prompt of every connected server that offers prompts, named `<server>.<prompt>`, sorted by name. */
  prompts(): Promise<(Prompt & { server: string; prompt: string })[]>;
  /**
   * One prompt by its qualified name, rendered by its server; for an unknown name, the nearest
   * names. No PII tokenization here: sessions tokenize what their model sees.
   * @throws {UpstreamUnavailableError} when its server cannot be reached
   */
  prompt(
    name: string,
    args?: Record<string, string>,
  ): Promise<{ result: GetPromptResult } | { nearest: string[] }>;
  /**
   * Calls `listener` when a server announces `notifications/resources/list_changed` or
   * `notifications/prompts/list_changed`.
   * @returns a function that removes the listener
   */
  onListChanged(listener: (kind: 'resources' | 'prompts', server: string) => void): () => void;
}

/**
 * Every upstream connection of a gateway, feeding the catalog: tools are listed through the
 * server's tool policy (`allowTools`/`denyTools`), re-listed when a server announces a change, and
 * listed again when a server that was down is called. It is the bridge's {@link ToolCaller}.
 */
export class UpstreamServers implements ToolCaller, UpstreamOfferings {
  private readonly connections = new Map<string, UpstreamConnection>();
  private readonly listeners = new Set<(kind: 'resources' | 'prompts', server: string) => void>();
  private readonly denied = new Map<string, number>();
  /** Servers whose tools were listed (or tried) at least once. */
  private readonly attempted = new Set<string>();

  /**
   * @param options.inProcess servers reached through a transport the caller makes.
   * @param options.credentials where OAuth tokens of remote servers are kept; a remote server
   *   without an `Authorization` header gets OAuth (MCP authorization) through it.
   */
  constructor(
    private readonly catalog: Catalog,
    private readonly config: ToolscriptConfig,
    options: {
      inProcess?: Record<string, InProcessServer> | undefined;
      credentials?: CredentialStore;
      verdicts?: EraVerdicts;
    } = {},
  ) {
    const targets: [string, UpstreamTarget][] = [
      ...Object.entries(config.mcpServers),
      ...Object.entries(options.inProcess ?? {}),
    ];
    for (const [name, target] of targets) {
      const oauth =
        options.credentials &&
        !('transport' in target) &&
        isRemoteServer(target) &&
        !hasAuthorization(target.headers);
      this.connections.set(
        name,
        new UpstreamConnection(name, target, {
          ...(oauth
            ? { authProvider: new StoredOAuthProvider(name, options.credentials as CredentialStore) }
            : {}),
          connectTimeoutMs: config.connectTimeoutMs,
          callTimeoutMs: config.callTimeoutMs,
          maxResultBytes: config.maxResultBytes,
          ...(options.verdicts ? { verdicts: options.verdicts } : {}),
          onToolsChanged: (tools) => this.catalog.setTools(name, this.applyPolicy(name, tools)),
          onListChanged: (kind) => {
            for (const listener of this.listeners) listener(kind, name);
          },
        }),
      );
    }
  }

  /** Connects to every server in parallel and lists its tools; a failure is recorded in the catalog. */
  async listAll(): Promise<void> {
    await this.ensure([...this.connections.keys()]);
  }

  /**
   * Connects to those of `servers` not tried yet, in parallel, and lists their tools; a failure is
   * recorded in the catalog, not thrown. Unknown names are ignored.
   */
  async ensure(servers: Iterable<string>): Promise<void> {
    const pending = [...servers].filter((name) => this.connections.has(name) && !this.attempted.has(name));
    for (const name of pending) this.attempted.add(name);
    await Promise.all(pending.map((name) => this.refresh(name).catch(() => {})));
  }

  /**
   * Starts the servers a script imports (by binding folder), or all of them when it imports a
   * skill or a folder no server has (its own imports are not known).
   */
  async ensureFor(used: ServerImports): Promise<void> {
    const byFolder = new Map(this.names().map((name) => [serverFolder(name), name]));
    const names = [...used.folders.keys()].map((folder) => byFolder.get(folder));
    if (used.skills || names.includes(undefined)) await this.listAll();
    else await this.ensure(names as string[]);
  }

  /** Names of every configured (and in-process) server, connected or not. */
  names(): string[] {
    return [...this.connections.keys()];
  }

  /**
   * Lists one server's tools into the catalog, starting it if needed (its connection's backoff
   * applies, so a server that keeps failing is not started over and over).
   * @throws {UpstreamUnavailableError} when it is unavailable; the catalog records why.
   */
  async refresh(server: string): Promise<void> {
    const connection = this.connections.get(server);
    if (!connection) throw new UpstreamUnavailableError(server, 'no such server in the config');
    this.attempted.add(server);
    try {
      const tools = await connection.listTools();
      const info = connection.serverVersion;
      this.catalog.setTools(
        server,
        this.applyPolicy(server, tools),
        info ? `${info.name} ${info.version}` : '',
        info?.version,
      );
    } catch (error) {
      this.catalog.setError(server, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** True when the config (or the in-process servers) has this server. */
  has(server: string): boolean {
    return this.connections.has(server);
  }

  /**
   * Calls a tool of a server; calls of tools annotated `idempotentHint: true` may be retried once
   * (see {@link UpstreamConnection.callTool}).
   * @throws {UpstreamUnavailableError} {@link ToolError} {@link ResultTooLargeError}
   */
  callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: {
      signal?: AbortSignal | undefined;
      ask?: Ask | undefined;
      meta?: Record<string, string> | undefined;
    } = {},
  ): Promise<CallToolResult> {
    const connection = this.connections.get(server);
    if (!connection) throw new UpstreamUnavailableError(server, 'no such server in the config');
    const idempotent = this.catalog.getTool(server, tool)?.tool.annotations?.idempotentHint === true;
    return connection.callTool(tool, args, { ...options, idempotent });
  }

  /** Tries again to start a server that was down and lists its tools (see {@link refresh}). */
  recover(server: string): Promise<void> {
    return this.refresh(server);
  }

  /**
   * Calls one tool as an ordinary MCP client would (no sandbox, no PII tokenization): a known
   * server that is down is tried again first. A result with `isError: true` is returned.
   * @throws {UnknownToolError} when the server has no such tool, with the nearest names
   * @throws {UpstreamUnavailableError} {@link ToolError} {@link ResultTooLargeError}
   */
  async callDirect(server: string, tool: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const known = this.connections.has(server);
    if (known && !this.catalog.getTool(server, tool) && this.catalog.getServer(server)?.error !== undefined)
      await this.refresh(server);
    if (!known || !this.catalog.getTool(server, tool)) {
      const names = this.catalog.getServer(server)?.tools.map((t) => t.name) ?? [];
      throw new UnknownToolError(server, tool, nearest(tool, names));
    }
    return this.callTool(server, tool, args);
  }

  /**
   * Every prompt of every connected server that offers prompts, named `<server>.<prompt>`, sorted
   * by name. A server that cannot list them is left out.
   */
  async prompts(): Promise<(Prompt & { server: string; prompt: string })[]> {
    const lists = await Promise.all(
      [...this.connections].map(async ([server, connection]) => {
        if (this.catalog.getServer(server)?.error !== undefined) return [];
        const prompts = await listPrompts(connection).catch(() => []);
        return prompts.map((p) => ({ ...p, name: `${server}.${p.name}`, server, prompt: p.name }));
      }),
    );
    return lists.flat().sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * One prompt by its qualified name (`<server>.<prompt>`), rendered by its server; for a name no
   * server offers, the nearest names instead.
   * @throws {UpstreamUnavailableError} when its server cannot be reached
   */
  async prompt(
    name: string,
    args: Record<string, string> = {},
  ): Promise<{ result: GetPromptResult } | { nearest: string[] }> {
    const all = await this.prompts();
    const found = all.find((p) => p.name === name);
    if (!found)
      return {
        nearest: nearest(
          name,
          all.map((p) => p.name),
        ),
      };
    const connection = this.connections.get(found.server) as UpstreamConnection;
    return { result: await getPrompt(connection, found.prompt, args) };
  }

  /**
   * The resources one server offers (none without the capability).
   * @throws {ToolscriptError} `UNKNOWN_TOOL` for a server not in the config, naming the nearest
   * @throws {UpstreamUnavailableError} when it cannot be reached
   */
  listResources(server: string): Promise<Resource[]> {
    return listResources(this.connectionOf(server));
  }

  /**
   * One resource of one server.
   * @throws {ToolscriptError} `UNKNOWN_TOOL` for a server not in the config, `TOOL_ERROR` when the
   *   server refuses the URI
   * @throws {UpstreamUnavailableError} when it cannot be reached
   */
  readResource(server: string, uri: string): Promise<ReadResourceResult> {
    return readResource(this.connectionOf(server), uri);
  }

  available(offering?: 'resources' | 'prompts'): string[] {
    return this.names()
      .filter((server) => {
        if (this.catalog.getServer(server)?.error !== undefined) return false;
        const declared = this.connections.get(server)?.capabilities;
        return offering === undefined || declared === undefined || declared[offering] !== undefined;
      })
      .sort();
  }

  resourcePage(
    server: string,
    cursor?: string,
  ): Promise<Pick<ListResourcesResult, 'resources' | 'nextCursor'>> {
    return listResourcePage(this.connectionOf(server), cursor);
  }

  resourceTemplates(server: string): Promise<ResourceTemplateType[]> {
    return listResourceTemplates(this.connectionOf(server));
  }

  resource(server: string, uri: string): Promise<ReadResourceResult> {
    return requestResource(this.connectionOf(server), uri);
  }

  onListChanged(listener: (kind: 'resources' | 'prompts', server: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private connectionOf(server: string): UpstreamConnection {
    const connection = this.connections.get(server);
    if (!connection) {
      const near = nearest(server, [...this.connections.keys()]);
      throw new ToolscriptError(
        'UNKNOWN_TOOL',
        `No server "${server}" in the config.${near.length ? ` Did you mean ${near.join(', ')}?` : ''}`,
        { server },
      );
    }
    return connection;
  }

  /** Every configured server with its status, sorted by name. */
  statuses(): ServerStatus[] {
    return this.catalog.listServers().map((server) => {
      const connection = this.connections.get(server.name);
      const denied = this.denied.get(server.name) ?? 0;
      return {
        name: server.name,
        ok: server.error === undefined,
        tools: server.tools.length,
        ...(denied ? { deniedTools: denied } : {}),
        ...(connection?.restarts ? { restarts: connection.restarts } : {}),
        description: server.description,
        ...(server.error !== undefined ? { error: server.error } : {}),
        ...(connection?.protocolVersion ? { protocolVersion: connection.protocolVersion } : {}),
      };
    });
  }

  /** Closes every connection; no child process is left running. */
  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }

  /** The server's tools less those its `allowTools`/`denyTools` keep out. */
  private applyPolicy(server: string, tools: Tool[]): Tool[] {
    const { tools: kept, denied } = applyToolPolicy(tools, this.config.mcpServers[server] ?? {});
    this.denied.set(server, denied.length);
    return kept;
  }
}

/** True when static headers already authorize (any casing of `Authorization`). */
function hasAuthorization(headers: Record<string, string> | undefined): boolean {
  return Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'authorization');
}
