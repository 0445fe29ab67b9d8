import { AsyncLocalStorage } from 'node:async_hooks';
import type { Client, OAuthClientProvider, PriorDiscovery, Transport } from '@modelcontextprotocol/client';
import { isRemoteServer, type ServerConfig } from '../config/index.js';
import { ToolscriptError } from '../errors.js';
import { VERSION } from '../version.js';
import type { Ask } from './elicitation.js';
import { type EraVerdicts, type UpstreamProtocol, verdictKey, versionNegotiation } from './era.js';
import { loadSdk } from './sdk.js';

/** Name and version toolscript announces to upstream servers (and to its own clients). */
export const CLIENT_INFO = { name: 'toolscript', version: VERSION } as const;

/**
 * A server reached through a transport the caller creates, e.g. one half of the MCP SDK's
 * `InMemoryTransport.createLinkedPair()` for a server running in the same process.
 */
export interface InProcessServer {
  transport: () => Transport | Promise<Transport>;
  /** Timeout of one call to this server, in ms. */
  timeoutMs?: number;
  /** Which MCP revision to speak (see `UpstreamProtocol`). @default "auto" */
  protocol?: UpstreamProtocol;
}

/** How to reach an upstream server: a config entry, or a transport factory. */
export type UpstreamTarget = ServerConfig | InProcessServer;

/** What opening a connection reports while it happens. */
export interface OpenHooks {
  /** The protocol version agreed (at `initialize`, or by `server/discover` for 2026-07-28). */
  onProtocolVersion: (version: string) => void;
  /** The SDK's stdio reader refused one message over its buffer size (not the server's failure). */
  onOversized: () => void;
  /** A chunk of a stdio server's stderr. */
  onStderr: (text: string) => void;
}

/**
 * Connects an MCP client to one server in the revision its `protocol` asks for (by default the
 * newer of 2026-07-28, found with `server/discover`, and the 2025 `initialize` handshake): stdio (a
 * child process with stderr piped to `hooks.onStderr`), Streamable HTTP falling back to HTTP+SSE
 * for servers from before 2025-03-26, SSE (2025 only), or an in-process transport. A child that
 * does not answer within `timeoutMs` is SIGKILLed, even if it ignores SIGTERM.
 * @param options.timeoutMs time for the handshake, in ms (the probe included).
 * @param options.verdicts probe verdicts of stdio servers, reused within a day so a restart does
 *   not start the server twice (see `EraVerdicts`).
 * @param options.maxBufferSize largest JSON-RPC message read from a stdio server, in bytes.
 * @param options.authProvider OAuth for a remote server (MCP authorization): the SDK sends its
 *   token and refreshes it on a 401. A failure it raises is thrown as is, without trying SSE.
 * @returns the client, and the child's pid for stdio servers (else `null`).
 * @throws the SDK's error when the server cannot be reached or does not answer in time.
 */
export async function openClient(
  target: UpstreamTarget,
  options: {
    timeoutMs: number;
    maxBufferSize: number;
    authProvider?: OAuthClientProvider | undefined;
    verdicts?: EraVerdicts | undefined;
  },
  hooks: OpenHooks,
): Promise<{ client: Client; pid: number | null }> {
  const {
    Client,
    SSEClientTransport,
    StdioClientTransport,
    StreamableHTTPClientTransport,
    getDefaultEnvironment,
  } = await loadSdk();
  const protocol = target.protocol;
  const attempt = async (
    transport: Transport,
    era: { protocol?: UpstreamProtocol | undefined; prior?: PriorDiscovery | undefined } = { protocol },
  ): Promise<Client> => {
    // Elicitation is declared so that a server's question reaches the gateway (and is refused with
    // its words in the error) rather than failing at the server with only "capability missing".
    const client = new Client(CLIENT_INFO, {
      capabilities: { elicitation: { form: {} } },
      versionNegotiation: versionNegotiation(era.protocol, options.timeoutMs),
    });
    client.setRequestHandler('elicitation/create', async (request) => {
      const ask = asking.getStore() ?? soleAsker(client);
      const params = request.params;
      if (!ask || !('requestedSchema' in params)) throw new ServerAsked(params.message);
      const answer = await ask({
        message: params.message,
        requestedSchema: params.requestedSchema as Record<string, unknown>,
      });
      return { action: answer.action, ...(answer.content ? { content: answer.content } : {}) };
    });
    client.onerror = (error) => {
      // The SDK's stdio reader closes the connection when one message is over its buffer size.
      if (/ReadBuffer exceeded maximum size/.test(error.message)) hooks.onOversized();
    };
    // Keep the child's pid as soon as it exists: the SDK may drop its process handle on failure.
    let pid: number | null | undefined;
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      pid = (transport as { pid?: number | null }).pid;
    };
    try {
      await client.connect(transport, {
        timeout: options.timeoutMs,
        ...(era.prior ? { prior: era.prior } : {}),
      });
    } catch (error) {
      // A child that never answered may be stuck where it cannot see stdin close: kill it.
      if (typeof pid === 'number') {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      await client.close().catch(() => {});
      throw error;
    }
    const version = client.getNegotiatedProtocolVersion();
    if (version) hooks.onProtocolVersion(version);
    return client;
  };
  if ('transport' in target) return { client: await attempt(await target.transport()), pid: null };
  if (isRemoteServer(target)) {
    const url = new URL(target.url);
    const transportOptions = {
      ...(target.headers ? { requestInit: { headers: target.headers } } : {}),
      ...(options.authProvider ? { authProvider: options.authProvider } : {}),
    };
    // HTTP+SSE predates 2026-07-28: always the 2025 handshake.
    const sse = () => attempt(new SSEClientTransport(url, transportOptions), { protocol: '2025-11-25' });
    if (target.type === 'sse') return { client: await sse(), pid: null };
    try {
      return { client: await attempt(new StreamableHTTPClientTransport(url, transportOptions)), pid: null };
    } catch (error) {
      if (options.authProvider && isAuthFailure(error)) throw error;
      // Servers from before 2025-03-26 speak only the HTTP+SSE transport.
      try {
        return { client: await sse(), pid: null };
      } catch {
        throw error;
      }
    }
  }
  const transport = new StdioClientTransport({
    command: target.command,
    args: target.args,
    env: { ...getDefaultEnvironment(), ...target.env },
    ...(target.cwd ? { cwd: target.cwd } : {}),
    stderr: 'pipe',
    maxBufferSize: options.maxBufferSize,
  });
  transport.stderr?.on('data', (chunk: Buffer) => hooks.onStderr(chunk.toString('utf8')));
  // A pinned revision needs no verdict; with "auto", a fresh one saves starting the server twice.
  const key = protocol === undefined || protocol === 'auto' ? verdictKey(target) : undefined;
  const prior = key ? options.verdicts?.get(key) : undefined;
  let client: Client;
  try {
    client = await attempt(transport, { protocol, prior });
  } catch (error) {
    // The server may have changed since the verdict: the next start probes again.
    if (key && prior) options.verdicts?.set(key, undefined);
    throw error;
  }
  if (key && !prior) {
    const discover = client.getDiscoverResult();
    options.verdicts?.set(key, discover ? { kind: 'modern', discover } : { kind: 'legacy' });
  }
  return { client, pid: transport.pid };
}

/** True for a failure of the OAuth flow (no login, a refused token), which SSE would only repeat. */
function isAuthFailure(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return (
    name === 'NeedsLoginError' ||
    name === 'UnauthorizedError' ||
    (error instanceof Error && /OAuth|unauthori[sz]ed|invalid_grant|invalid_token/i.test(error.message))
  );
}

/** The way of asking of the tool call in progress (see {@link askingWith}). */
const asking = new AsyncLocalStorage<Ask>();
/** The ways of asking of each connection's calls in flight. */
const inFlight = new WeakMap<Client, Set<Ask>>();

/**
 * Runs `call` (one tool call on `client`) so that a question its server asks meanwhile goes to
 * `ask`: an `input_required` result of a 2026-07-28 server, which the SDK fulfils inside the call
 * (so within its async context), or an elicitation a 2025 server pushes while the call is open
 * (found as the only call with a way of asking in flight on that connection: a 2025 server's
 * request names no call, so with two such calls open at once it is refused). A question with no
 * call to go to is refused with {@link ServerAsked}.
 */
export function askingWith<T>(client: Client, ask: Ask | undefined, call: () => Promise<T>): Promise<T> {
  if (!ask) return call();
  const mine = inFlight.get(client) ?? new Set<Ask>();
  inFlight.set(client, mine);
  mine.add(ask);
  return asking.run(ask, call).finally(() => mine.delete(ask));
}

/** The way of asking of the one call in flight on `client` that has one; none when zero or several. */
function soleAsker(client: Client): Ask | undefined {
  const open = inFlight.get(client);
  return open?.size === 1 ? [...open][0] : undefined;
}

/**
 * Thrown to the SDK when an upstream server asks the person at the client (elicitation, pushed in
 * 2025 or an `input_required` result in 2026-07-28) and no one can answer: the script's client
 * cannot be asked, or the question is not a form. The connection turns it into the call's
 * `TOOL_ERROR`, with the server's question in it.
 */
export class ServerAsked extends ToolscriptError {
  static override readonly kind: string = 'ServerAsked';
  constructor(readonly question: string) {
    super(
      'NO_ONE_TO_ASK',
      `it asks the person at the client ${JSON.stringify(question.slice(0, 200))}, and no one can answer here (the client does not support MCP elicitation, or the question is not a form), so the call was refused; run it from a client that supports elicitation`,
      { question },
    );
    this.name = 'ServerAsked';
  }
}
