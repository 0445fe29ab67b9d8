import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolResult,
  ErrorCode,
  McpError,
  type Tool,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { isRemoteServer, type ServerConfig } from '../config.js';
import { ToolError, UpstreamUnavailableError } from '../errors.js';
import { StderrTail } from './stderr-tail.js';

/** Name and version toolscript announces to upstream servers. */
export const CLIENT_INFO = { name: 'toolscript', version: '0.1.0' } as const;

/**
 * A server reached through a transport the caller creates, e.g. one half of the MCP SDK's
 * `InMemoryTransport.createLinkedPair()` for a server running in the same process.
 */
export interface InProcessServer {
  transport: () => Transport | Promise<Transport>;
  /** Timeout of one call to this server, in ms. */
  timeoutMs?: number;
}

/** How to reach an upstream server: a config entry, or a transport factory. */
export type UpstreamTarget = ServerConfig | InProcessServer;

export interface UpstreamOptions {
  /** Time for connecting and `initialize`, in ms. */
  connectTimeoutMs: number;
  /** Default timeout of one `tools/call` and `tools/list`, in ms. */
  callTimeoutMs: number;
  /** Called after the server announced `notifications/tools/list_changed` and was re-listed. */
  onToolsChanged?: (tools: Tool[]) => void;
}

/**
 * One MCP client connection to one upstream server: stdio child process, Streamable HTTP, or SSE
 * (also tried when Streamable HTTP is refused, for older remote servers). The protocol version is
 * negotiated by the MCP SDK (2024-11-05 up to 2025-11-25).
 *
 * A connection that closes (the child died, the remote went away) is re-opened on the next call.
 */
export class UpstreamConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly stderr = new StderrTail();
  private pid: number | null = null;
  private closed = false;
  private negotiatedVersion: string | undefined;
  private everConnected = false;

  constructor(
    readonly name: string,
    readonly config: UpstreamTarget,
    private readonly options: UpstreamOptions,
  ) {}

  /** Last lines the server wrote to stderr (stdio servers only), at most 4 KiB. */
  get stderrTail(): string {
    return this.stderr.text();
  }

  /** Protocol version agreed with the server, once connected. */
  get protocolVersion(): string | undefined {
    return this.client ? this.negotiatedVersion : undefined;
  }

  /** Server name and version from `initialize`, once connected. */
  get serverVersion(): { name: string; version: string } | undefined {
    return this.client?.getServerVersion();
  }

  /** Server `instructions` from `initialize`, once connected. */
  get instructions(): string | undefined {
    return this.client?.getInstructions();
  }

  /**
   * Connects (or returns the live connection).
   * @throws {UpstreamUnavailableError} when the server cannot be started or does not answer in time.
   */
  async connect(): Promise<Client> {
    if (this.closed) throw new UpstreamUnavailableError(this.name, 'the gateway is closing');
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const timeout = this.options.connectTimeoutMs;
    const attempt = async (transport: Transport): Promise<Client> => {
      // The SDK hands the version agreed at initialize to the transport; keep a copy.
      const forward = transport.setProtocolVersion?.bind(transport);
      transport.setProtocolVersion = (version: string) => {
        this.negotiatedVersion = version;
        forward?.(version);
      };
      const client = new Client(CLIENT_INFO, { capabilities: {} });
      client.onerror = () => {};
      try {
        await client.connect(transport, { timeout });
      } catch (error) {
        await client.close().catch(() => {});
        throw error;
      }
      return client;
    };
    let client: Client;
    const reconnecting = this.everConnected;
    try {
      if ('transport' in this.config) {
        client = await attempt(await this.config.transport());
      } else if (isRemoteServer(this.config)) {
        const url = new URL(this.config.url);
        const requestInit = this.config.headers ? { headers: this.config.headers } : undefined;
        const sse = () => attempt(new SSEClientTransport(url, requestInit ? { requestInit } : {}));
        if (this.config.type === 'sse') client = await sse();
        else {
          try {
            client = await attempt(
              new StreamableHTTPClientTransport(url, requestInit ? { requestInit } : {}),
            );
          } catch (error) {
            // Servers from before 2025-03-26 speak only the HTTP+SSE transport.
            try {
              client = await sse();
            } catch {
              throw error;
            }
          }
        }
      } else {
        const transport = new StdioClientTransport({
          command: this.config.command,
          args: this.config.args,
          env: { ...getDefaultEnvironment(), ...this.config.env },
          ...(this.config.cwd ? { cwd: this.config.cwd } : {}),
          stderr: 'pipe',
        });
        transport.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString('utf8')));
        client = await attempt(transport);
        this.pid = transport.pid;
      }
    } catch (error) {
      throw new UpstreamUnavailableError(this.name, describeFailure(error, timeout), this.stderrTail, {
        cause: error,
      });
    }
    this.client = client;
    this.everConnected = true;
    this.watch(client);
    if (reconnecting && this.options.onToolsChanged) {
      // A restarted server may come back with other tools.
      const onToolsChanged = this.options.onToolsChanged;
      this.listTools().then(onToolsChanged, () => {});
    }
    return client;
  }

  private watch(client: Client): void {
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
    };
    if (client.getServerCapabilities()?.tools?.listChanged && this.options.onToolsChanged) {
      const onToolsChanged = this.options.onToolsChanged;
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        try {
          onToolsChanged(await this.listTools());
        } catch {
          // The next explicit listing reports the failure.
        }
      });
    }
  }

  /**
   * Lists every tool, following `nextCursor` pages.
   * @throws {UpstreamUnavailableError}
   */
  async listTools(): Promise<Tool[]> {
    const client = await this.connect();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.callTimeout() });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      throw new UpstreamUnavailableError(
        this.name,
        describeFailure(error, this.callTimeout()),
        this.stderrTail,
        {
          cause: error,
        },
      );
    }
    return tools;
  }

  /**
   * Calls a tool and returns the raw result, `isError` results included.
   * @param timeoutMs per-call timeout in ms; defaults to the server's `timeoutMs` or `callTimeoutMs`.
   * @throws {UpstreamUnavailableError} when the server is down, dies during the call, or times out.
   * @throws {ToolError} when the server answers with a JSON-RPC error (e.g. it rejects the arguments).
   */
  async callTool(tool: string, args: Record<string, unknown>, timeoutMs?: number): Promise<CallToolResult> {
    const client = await this.connect();
    const timeout = timeoutMs ?? this.callTimeout();
    try {
      return (await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout,
      })) as CallToolResult;
    } catch (error) {
      if (error instanceof McpError && !isTransportFailure(error)) {
        throw new ToolError(this.name, tool, error.message.replace(/^MCP error -?\d+: /, ''));
      }
      throw new UpstreamUnavailableError(this.name, describeFailure(error, timeout), this.stderrTail, {
        cause: error,
      });
    }
  }

  private callTimeout(): number {
    return this.config.timeoutMs ?? this.options.callTimeoutMs;
  }

  /** Closes the connection; a stdio child still alive 2 s later is killed. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.close().catch(() => {});
    const pid = this.pid;
    if (pid !== null) await ensureExited(pid);
  }
}

function isTransportFailure(error: McpError): boolean {
  return error.code === ErrorCode.ConnectionClosed || error.code === ErrorCode.RequestTimeout;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout)
    return `no answer within ${timeoutMs} ms`;
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) return 'the connection closed';
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^MCP error -?\d+: /, '');
}

async function ensureExited(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; waited < 2000 && alive(); waited += 50) await new Promise((r) => setTimeout(r, 50));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}
