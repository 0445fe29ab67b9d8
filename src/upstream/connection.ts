import type { CallToolResult, Client, OAuthClientProvider, Tool } from '@modelcontextprotocol/client';
import { ResultTooLargeError, ToolError, ToolscriptError, UpstreamUnavailableError } from '../errors.js';
import { ensureExited } from '../util/process.js';
import type { Ask } from './elicitation.js';
import { type EraVerdicts, watchChanges } from './era.js';
import { DEFAULT_MAX_RESULT_BYTES, measureResult } from './result-size.js';
import { describeFailure, isServerRefusal, isTimeout, refusalText } from './sdk.js';
import { StderrTail } from './stderr-tail.js';
import { askingWith, openClient, ServerAsked, type UpstreamTarget } from './transports.js';

/** First wait before restarting a server that went away, in ms; doubled per failure in a row. */
export const RESTART_BACKOFF_MS = 250;
/** Longest wait between restarts, in ms. */
export const MAX_RESTART_BACKOFF_MS = 8_000;
/** Failures in a row (crashes or failed starts) after which the server is left down. */
export const MAX_RESTARTS = 5;
/** While left down, one new start is tried at most this often, in ms. */
export const DOWN_RETRY_MS = 60_000;
/** Time a server that missed a call's deadline has to answer a ping before it is restarted, in ms. */
const PING_AFTER_TIMEOUT_MS = 2_000;

export { CLIENT_INFO, type InProcessServer, type UpstreamTarget } from './transports.js';

export interface UpstreamOptions {
  /** Time for connecting and `initialize`, in ms. */
  connectTimeoutMs: number;
  /** Default timeout of one `tools/call` and `tools/list`, in ms. */
  callTimeoutMs: number;
  /** Largest tool result accepted, in bytes of JSON; larger ones fail with RESULT_TOO_LARGE. @default 16 MiB */
  maxResultBytes?: number;
  /** Called after the server announced `notifications/tools/list_changed` and was re-listed. */
  onToolsChanged?: (tools: Tool[]) => void;
  /** OAuth for a remote server (see `auth/provider.ts`); none for stdio servers. */
  authProvider?: OAuthClientProvider;
  /** Called when the server announces `notifications/resources/list_changed` or `prompts/list_changed`. */
  onListChanged?: (kind: 'resources' | 'prompts') => void;
  /** Probe verdicts of stdio servers (see `EraVerdicts`); none probes on every start. */
  verdicts?: EraVerdicts;
}

/**
 * One MCP client connection to one upstream server: stdio child process, Streamable HTTP, or SSE
 * (also tried when Streamable HTTP is refused, for older remote servers). The protocol version is
 * negotiated by the MCP SDK: 2026-07-28 with a server that offers it, else 2024-11-05 up to
 * 2025-11-25 (see `UpstreamProtocol`).
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
  /** Crashes and failed starts since the last call that worked. */
  private failures = 0;
  private lastFailure = 0;
  /** Times the server was started again after it went away. */
  restarts = 0;
  /** Set when the connection closed over a message larger than the read buffer. */
  private oversized = false;

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

  /** What the server declared at `initialize` (`tools`, `resources`, `prompts`…), once connected. */
  get capabilities(): ReturnType<Client['getServerCapabilities']> {
    return this.client?.getServerCapabilities();
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
    this.connecting ??= this.reopen().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Starts the server again after a failure, waiting `RESTART_BACKOFF_MS × 2^(failures−1)` (at most
   * `MAX_RESTART_BACKOFF_MS`) since the last one; after `MAX_RESTARTS` failures in a row the server
   * is left down and only one start per `DOWN_RETRY_MS` is tried.
   */
  private async reopen(): Promise<Client> {
    if (this.failures >= MAX_RESTARTS) {
      const wait = this.lastFailure + DOWN_RETRY_MS - Date.now();
      if (wait > 0) {
        throw new UpstreamUnavailableError(
          this.name,
          `it failed ${this.failures} times in a row and is left down; the next start is tried in ${Math.ceil(wait / 1000)} s. Check that it runs on its own, then restart toolscript`,
          this.stderrTail,
        );
      }
    } else if (this.failures > 0) {
      const backoff = Math.min(RESTART_BACKOFF_MS * 2 ** (this.failures - 1), MAX_RESTART_BACKOFF_MS);
      const wait = this.lastFailure + backoff - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.closed) throw new UpstreamUnavailableError(this.name, 'the gateway is closing');
    }
    try {
      const client = await this.open();
      if (this.failures > 0) this.restarts++;
      return client;
    } catch (error) {
      this.failed();
      throw error;
    }
  }

  private failed(): void {
    this.failures++;
    this.lastFailure = Date.now();
  }

  private async open(): Promise<Client> {
    const reconnecting = this.everConnected;
    const timeout = this.options.connectTimeoutMs;
    let opened: Awaited<ReturnType<typeof openClient>>;
    try {
      opened = await openClient(
        this.config,
        // One JSON-RPC message may be as large as the largest accepted result, plus its envelope.
        {
          timeoutMs: timeout,
          maxBufferSize: this.maxResultBytes() + 1024 * 1024,
          authProvider: this.options.authProvider,
          verdicts: this.options.verdicts,
        },
        {
          onProtocolVersion: (version) => {
            this.negotiatedVersion = version;
          },
          onOversized: () => {
            this.oversized = true;
          },
          onStderr: (text) => this.stderr.push(text),
        },
      );
    } catch (error) {
      // A server that needs `toolscript auth login` says so, and nothing else.
      const login = (error as { name?: unknown } | undefined)?.name === 'NeedsLoginError';
      throw new UpstreamUnavailableError(this.name, describeFailure(error, timeout), this.stderrTail, {
        cause: error,
        ...(login ? { hint: '' } : {}),
      });
    }
    const { client } = opened;
    if (opened.pid !== null) this.pid = opened.pid;
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
      if (this.client !== client) return;
      this.client = undefined;
      // The server went away on its own (not through close()): restart with backoff. A connection
      // closed over an oversized message is not the server's failure.
      if (!this.closed && !this.oversized) this.failed();
    };
    const onToolsChanged = this.options.onToolsChanged;
    watchChanges(client, {
      ...(onToolsChanged
        ? {
            tools: async () => {
              try {
                onToolsChanged(await this.listTools());
              } catch {
                // The next explicit listing reports the failure.
              }
            },
          }
        : {}),
      ...(this.options.onListChanged ? { other: this.options.onListChanged } : {}),
    });
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
        // Listing tools is part of starting a server: connectTimeoutMs bounds it, not callTimeoutMs.
        const page = await client.listTools(cursor ? { cursor } : {}, {
          timeout: this.options.connectTimeoutMs,
        });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      throw new UpstreamUnavailableError(
        this.name,
        describeFailure(error, this.options.connectTimeoutMs),
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
   *
   * When the transport fails (the server dies, or misses the deadline), a call marked `idempotent`
   * is retried once on a restarted server; any other is not, and the error says that it may have
   * taken effect. A server that missed a deadline and does not answer a ping is restarted.
   * @param options.timeoutMs per-call timeout in ms; defaults to the server's `timeoutMs` or `callTimeoutMs`.
   * @param options.idempotent the tool's `idempotentHint` (safe to repeat). @default false
   * @throws {UpstreamUnavailableError} when the server is down, dies during the call, or times out.
   * @throws {ToolError} when the server answers with a JSON-RPC error (e.g. it rejects the arguments).
   * @throws {ResultTooLargeError} when the result is over `maxResultBytes`.
   */
  async callTool(
    tool: string,
    args: Record<string, unknown>,
    options: {
      timeoutMs?: number | undefined;
      idempotent?: boolean | undefined;
      /** Cancels the call (the SDK sends notifications/cancelled); it then fails with `CANCELLED`. */
      signal?: AbortSignal | undefined;
      /** Puts the server's own questions to the person (see `askingWith`); else they are refused. */
      ask?: Ask | undefined;
      /** Entries of the request's `params._meta`: the trace context an upstream that traces joins. */
      meta?: Record<string, string> | undefined;
    } = {},
  ): Promise<CallToolResult> {
    const timeout = options.timeoutMs ?? this.callTimeout();
    const once = async (): Promise<CallToolResult> => {
      const client = await this.connect();
      try {
        const call = () =>
          client.callTool(
            { name: tool, arguments: args, ...(options.meta ? { _meta: options.meta } : {}) },
            { timeout, ...(options.signal ? { signal: options.signal } : {}) },
          );
        const result = (await askingWith(client, options.ask, call)) as CallToolResult;
        this.failures = 0;
        return result;
      } catch (error) {
        // Cancelled by the script's client: the connection is fine and nothing is retried.
        if (options.signal?.aborted)
          throw new ToolscriptError('CANCELLED', `The call to ${tool} was cancelled.`);
        // The server refused, or asked the person a question (which is not passed on).
        if (isServerRefusal(error) || error instanceof ServerAsked) {
          throw new ToolError(this.name, tool, refusalText(error.message));
        }
        if (isTimeout(error)) {
          // A retry must not go to a server that hangs: let the ping decide first.
          const alive = this.checkAlive(client);
          if (options.idempotent) await alive;
        } else {
          // The transport failed (process gone, HTTP server gone or restarted without our session):
          // the next call connects anew, after the backoff.
          await this.drop(client);
        }
        throw error;
      }
    };
    let result: CallToolResult;
    try {
      result = await once();
    } catch (error) {
      // Errors of ours (the server could not be started, it rejected the call) are final.
      if (ToolscriptError.isInstance(error)) throw error;
      if (this.oversized) {
        this.oversized = false;
        throw new ResultTooLargeError(this.name, tool, undefined, this.maxResultBytes());
      }
      const reason = describeFailure(error, timeout);
      if (!options.idempotent) {
        throw new UpstreamUnavailableError(
          this.name,
          `${reason}. The call to ${tool} was not retried: it is not marked idempotent, so it may or may not have taken effect; check before calling it again`,
          this.stderrTail,
          { cause: error },
        );
      }
      try {
        result = await once();
      } catch (retryError) {
        if (ToolscriptError.isInstance(retryError)) throw retryError;
        throw new UpstreamUnavailableError(
          this.name,
          `${describeFailure(retryError, timeout)} (${tool} is idempotent and was retried once after: ${reason})`,
          this.stderrTail,
          { cause: retryError },
        );
      }
    }
    const bytes = measureResult(result);
    if (bytes > this.maxResultBytes())
      throw new ResultTooLargeError(this.name, tool, bytes, this.maxResultBytes());
    return result;
  }

  /** Largest result accepted, in bytes of JSON (`maxResultBytes`). */
  maxResultBytes(): number {
    return this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  }

  /**
   * True, once, when the last message the server sent was over `maxResultBytes` (the stdio
   * transport dropped the connection for it): the request that failed is then too large, not the
   * server unavailable.
   */
  takeOversized(): boolean {
    const was = this.oversized;
    this.oversized = false;
    return was;
  }

  /** After a missed deadline: a server that does not answer a ping either is restarted. */
  private async checkAlive(client: Client): Promise<void> {
    try {
      await client.ping({ timeout: PING_AFTER_TIMEOUT_MS });
    } catch {
      await this.drop(client);
    }
  }

  /** Forgets a broken connection (killing a stdio child) and counts the failure for the backoff. */
  private async drop(client: Client): Promise<void> {
    if (this.client !== client) return;
    this.client = undefined;
    this.failed();
    // Kill first: a hung (e.g. stopped) child would make a graceful close wait.
    if (this.pid !== null) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {}
    }
    await client.close().catch(() => {});
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
