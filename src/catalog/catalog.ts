import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Tool } from '@modelcontextprotocol/server';

/** One upstream server as the catalog knows it. */
export interface CatalogServer {
  /** Key of the server in `mcpServers`. */
  name: string;
  /** One line about the server: its `initialize` name/version or a config-given description. */
  description: string;
  /** Tools as `tools/list` returned them, sorted by name. Empty when the server failed. */
  tools: Tool[];
  /** Why the server is unavailable, when it is. */
  error?: string;
  /** `serverInfo.version` from `initialize`, when the server said it. */
  version?: string;
}

/** A tool with its server and schema hash. */
export interface CatalogTool {
  server: string;
  tool: Tool;
  /** First 12 hex digits of SHA-256 over the canonical JSON of `inputSchema` and `outputSchema`. */
  schemaHash: string;
}

/** Events: `changed` (server name) after a server's tools were replaced. */
export interface CatalogEvents {
  changed: [server: string];
}

/**
 * What the gateway shows of its catalog: reading and listening, no writing (the upstream
 * connections own that). `Gateway.catalog` has this type.
 */
export interface ReadonlyCatalog {
  listServers(): CatalogServer[];
  getServer(server: string): CatalogServer | undefined;
  getTool(server: string, tool: string): CatalogTool | undefined;
  allTools(): CatalogTool[];
  on<K extends keyof CatalogEvents>(event: K, listener: (...args: CatalogEvents[K]) => void): this;
  once<K extends keyof CatalogEvents>(event: K, listener: (...args: CatalogEvents[K]) => void): this;
  off<K extends keyof CatalogEvents>(event: K, listener: (...args: CatalogEvents[K]) => void): this;
  listenerCount(event: keyof CatalogEvents): number;
}

/**
 * Every tool of every upstream server, keyed by server and original tool name. Feeds codegen,
 * discovery and the bridge; emits `changed` when a server's tool list is replaced.
 */
export class Catalog extends EventEmitter<CatalogEvents> implements ReadonlyCatalog {
  private readonly servers = new Map<string, CatalogServer>();
  /** Each server's tools by name, with their schema hashes (made on first lookup): every call looks one up. */
  private readonly byName = new Map<string, Map<string, CatalogTool>>();

  constructor() {
    super();
    // Every MCP session listens for changes (and stops when it closes): hundreds are normal.
    this.setMaxListeners(0);
  }

  /** Builds a catalog from fixed tool lists (no connections), e.g. a saved `tools/list` dump. */
  static fromTools(servers: Record<string, { description?: string; tools: Tool[] }>): Catalog {
    const catalog = new Catalog();
    for (const [name, server] of Object.entries(servers))
      catalog.setTools(name, server.tools, server.description);
    return catalog;
  }

  /**
   * Replaces a server's tools and emits `changed`.
   * @param version the server's `serverInfo.version`. @default the one it had
   */
  setTools(server: string, tools: Tool[], description?: string, version?: string): void {
    const previous = this.servers.get(server);
    const sorted = [...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const known = version ?? previous?.version;
    this.byName.delete(server);
    this.servers.set(server, {
      name: server,
      description: description ?? previous?.description ?? '',
      tools: sorted,
      ...(known !== undefined ? { version: known } : {}),
    });
    this.emit('changed', server);
  }

  /** Marks a server unavailable, keeping it listed with its error. */
  setError(server: string, error: string, description?: string): void {
    this.servers.set(server, { name: server, description: description ?? '', tools: [], error });
    this.byName.delete(server);
    this.emit('changed', server);
  }

  /** All servers, sorted by name. */
  listServers(): CatalogServer[] {
    return [...this.servers.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  getServer(server: string): CatalogServer | undefined {
    return this.servers.get(server);
  }

  /** One tool by server and original tool name. */
  getTool(server: string, tool: string): CatalogTool | undefined {
    return this.toolsOf(server)?.get(tool);
  }

  /** Every tool of every server, in server then tool order. */
  allTools(): CatalogTool[] {
    return this.listServers().flatMap((s) => [...(this.toolsOf(s.name)?.values() ?? [])]);
  }

  private toolsOf(server: string): Map<string, CatalogTool> | undefined {
    let tools = this.byName.get(server);
    if (!tools) {
      const found = this.servers.get(server);
      if (!found) return undefined;
      tools = new Map(found.tools.map((tool) => [tool.name, { server, tool, schemaHash: schemaHash(tool) }]));
      this.byName.set(server, tools);
    }
    return tools;
  }
}

/** SHA-256 (12 hex digits) of the canonical JSON (sorted keys) of a tool's input and output schemas. */
export function schemaHash(tool: { inputSchema: unknown; outputSchema?: unknown }): string {
  return createHash('sha256')
    .update(canonicalJson({ inputSchema: tool.inputSchema, outputSchema: tool.outputSchema ?? null }))
    .digest('hex')
    .slice(0, 12);
}

/** JSON with object keys sorted and `undefined` members left out: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
