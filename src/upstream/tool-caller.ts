import type { CallToolResult, ReadResourceResult, Resource } from '@modelcontextprotocol/server';
import type { Ask } from './elicitation.js';

/** What the bridge needs of the upstream side: one method, so tests can pass real connections. */
export interface ToolCaller {
  /**
   * Calls `tool` on `server` and returns the raw result (with `isError` results).
   * @throws {ToolscriptError} (`UPSTREAM_UNAVAILABLE`, `TOOL_ERROR`) when the call cannot complete.
   */
  callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options?: {
      signal?: AbortSignal | undefined;
      /** Passes the server's own questions (elicitation) on to the person; without it they are refused. */
      ask?: Ask | undefined;
      /** Entries for the request's `params._meta` (the trace context: `traceparent`, `tracestate`). */
      meta?: Record<string, string> | undefined;
    },
  ): Promise<CallToolResult>;
  /** The resources a server offers (`./client`'s `listResources`); absent when not supported. */
  listResources?(server: string): Promise<Resource[]>;
  /** One resource's contents (`./client`'s `readResource`). */
  readResource?(server: string, uri: string): Promise<ReadResourceResult>;
  /**
   * Tries to bring back a server that was unavailable when its tools were listed, and lists them.
   * @throws {UpstreamUnavailableError} when it is still unavailable.
   */
  recover?(server: string): Promise<void>;
}
