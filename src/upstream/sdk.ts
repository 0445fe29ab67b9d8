import type { ProtocolError } from '@modelcontextprotocol/client';

/**
 * The MCP SDK's client side (v2, `@modelcontextprotocol/client`), loaded on the first connection,
 * so a gateway that starts no server (a trivial `exec`) never loads it; and how its failures read
 * in toolscript's errors.
 */
async function importSdk() {
  const [client, stdio] = await Promise.all([
    import('@modelcontextprotocol/client'),
    import('@modelcontextprotocol/client/stdio'),
  ]);
  return {
    Client: client.Client,
    SSEClientTransport: client.SSEClientTransport,
    StreamableHTTPClientTransport: client.StreamableHTTPClientTransport,
    StdioClientTransport: stdio.StdioClientTransport,
    getDefaultEnvironment: stdio.getDefaultEnvironment,
    ProtocolError: client.ProtocolError,
    SdkError: client.SdkError,
    SdkErrorCode: client.SdkErrorCode,
  };
}

type Sdk = Awaited<ReturnType<typeof importSdk>>;
let loading: Promise<Sdk> | undefined;
let loaded: Sdk | undefined;

/** The SDK's client classes, imported once per process. */
export async function loadSdk(): Promise<Sdk> {
  loading ??= importSdk();
  loaded = await loading;
  return loaded;
}

/**
 * The SDK, for code that runs only after a connection was opened (so it is loaded).
 * @throws {Error} when called before any {@link loadSdk} finished.
 */
export function loadedSdk(): Sdk {
  if (!loaded) throw new Error('the MCP SDK is used before any connection loaded it');
  return loaded;
}

/**
 * True when the server answered with a JSON-RPC error (the SDK's `ProtocolError`): it refused the
 * request, and the connection is fine. Never before the SDK is loaded: nothing can throw one.
 */
export function isServerRefusal(error: unknown): error is ProtocolError {
  return loaded !== undefined && error instanceof loaded.ProtocolError;
}

/** True when no answer came within the request's timeout (the SDK's `SdkError` `REQUEST_TIMEOUT`). */
export function isTimeout(error: unknown): boolean {
  return (
    loaded !== undefined &&
    error instanceof loaded.SdkError &&
    error.code === loaded.SdkErrorCode.RequestTimeout
  );
}

/** True when the connection closed under the request (the SDK's `SdkError` `CONNECTION_CLOSED`). */
function isClosed(error: unknown): boolean {
  return (
    loaded !== undefined &&
    error instanceof loaded.SdkError &&
    error.code === loaded.SdkErrorCode.ConnectionClosed
  );
}

/**
 * A server's error message without the `MCP error <code>: ` prefix that servers built on the v1 SDK
 * put into the messages they send.
 */
export function refusalText(message: string): string {
  return message.replace(/^(MCP error -?\d+: )+/, '');
}

/**
 * One clause saying why a request failed: `no answer within N ms`, `the connection closed`, or the
 * SDK's message, with the network cause it wraps when there is one (`fetch failed` says nothing
 * alone: `(ECONNREFUSED 127.0.0.1:8931)`).
 */
export function describeFailure(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) return `no answer within ${timeoutMs} ms`;
  if (isClosed(error)) return 'the connection closed';
  const message = refusalText(error instanceof Error ? error.message : String(error));
  const cause = networkCause(error);
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}

/** The first system error down an error's `cause` chain, as `CODE address:port`, or undefined. */
function networkCause(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    const { code, address, port, hostname, cause } = current as {
      code?: unknown;
      address?: unknown;
      port?: unknown;
      hostname?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const host =
        typeof address === 'string' ? address : typeof hostname === 'string' ? hostname : undefined;
      return `${code}${host ? ` ${host}${typeof port === 'number' ? `:${port}` : ''}` : ''}`;
    }
    current = cause;
  }
  return undefined;
}
