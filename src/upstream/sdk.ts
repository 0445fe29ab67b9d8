import type { McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * The MCP SDK's client side, loaded on the first connection, so a gateway that starts no server
 * (a trivial `exec`) never loads it; and how its failures read in toolscript's errors.
 */
async function importSdk() {
  const [client, sse, stdio, http, types] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]);
  return {
    Client: client.Client,
    SSEClientTransport: sse.SSEClientTransport,
    StdioClientTransport: stdio.StdioClientTransport,
    getDefaultEnvironment: stdio.getDefaultEnvironment,
    StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
    McpError: types.McpError,
    ToolListChangedNotificationSchema: types.ToolListChangedNotificationSchema,
    ResourceListChangedNotificationSchema: types.ResourceListChangedNotificationSchema,
    PromptListChangedNotificationSchema: types.PromptListChangedNotificationSchema,
  };
}

type Sdk = Awaited<ReturnType<typeof importSdk>>;
let loading: Promise<Sdk> | undefined;
let loaded: Sdk | undefined;

/** The SDK's client classes and schemas, imported once per process. */
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

/** Error codes of the SDK's `McpError` (its `ErrorCode`; fixed by the SDK): connection closed, request timed out. */
export const CONNECTION_CLOSED = -32000;
export const REQUEST_TIMEOUT = -32001;

/** True for an `McpError` of the loaded SDK (never before it is loaded: nothing can throw one). */
export function isMcpError(error: unknown): error is McpError {
  return loaded !== undefined && error instanceof loaded.McpError;
}

/** True when the connection, not the server's answer, failed (closed, or no answer in time). */
export function isTransportFailure(error: McpError): boolean {
  return error.code === CONNECTION_CLOSED || error.code === REQUEST_TIMEOUT;
}

/** One clause saying why a request failed: `no answer within N ms`, `the connection closed`, or the SDK's message. */
export function describeFailure(error: unknown, timeoutMs: number): string {
  if (isMcpError(error) && error.code === REQUEST_TIMEOUT) return `no answer within ${timeoutMs} ms`;
  if (isMcpError(error) && error.code === CONNECTION_CLOSED) return 'the connection closed';
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^MCP error -?\d+: /, '');
}
