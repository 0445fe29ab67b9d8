import type {
  CallToolResult,
  HandlerResultTypeMap,
  McpServer,
  RequestMethod,
  RequestTypeMap,
  ServerContext,
} from '@modelcontextprotocol/server';
import { ProtocolError } from '@modelcontextprotocol/server';
import { recordServerOperation } from '../telemetry/metrics.js';
import {
  ATTR,
  endSpan,
  receivedContext,
  SpanKind,
  startSpan,
  TOOL_ERROR,
  type TraceContext,
} from '../telemetry/spans.js';
import { sessionLabel } from '../util/session-label.js';

/** What a request's span says of where it came: the negotiated revision and the session. */
export interface RequestAbout {
  protocolVersion: string | undefined;
  session: string;
}

/**
 * Runs one request the gateway answers inside its SERVER span, as the MCP semantic conventions
 * name it: `tools/call <tool>` for a call of a gateway tool (with `gen_ai.tool.name` and
 * `gen_ai.operation.name` = `execute_tool`), else the method (`resources/read`, `prompts/get`…:
 * their targets are names and URIs a client chose, which may hold personal data). Parented by the
 * trace context the client sent in `params._meta`, else in the HTTP request's `traceparent`
 * header; with `mcp.method.name`, `jsonrpc.request.id`, `mcp.protocol.version` and the session's
 * label (never its id). `error.type` is `tool_error` for an `isError` answer, the JSON-RPC error
 * code for a protocol error, else `_OTHER`. Also records `mcp.server.operation.duration`.
 * A 2026-07-28 `input_required` answer (a paused approval) ends the span too: its retry is a
 * request, and a span, of its own.
 * @param tool the gateway tool called, for `tools/call`.
 * @param run answers the request; its spans start in the context it is given.
 */
export async function inRequestSpan<Result extends object>(
  method: string,
  tool: string | undefined,
  ctx: ServerContext,
  about: RequestAbout,
  run: (trace: TraceContext | undefined) => Promise<Result>,
): Promise<Result> {
  const started = performance.now();
  const names = { [ATTR.method]: method, ...(tool ? { [ATTR.toolName]: tool } : {}) };
  const { span, context } = startSpan(
    tool ? `${method} ${tool}` : method,
    SpanKind.SERVER,
    receivedContext(ctx.mcpReq._meta, ctx.http?.req?.headers),
    {
      ...names,
      ...(tool ? { [ATTR.operation]: 'execute_tool' } : {}),
      [ATTR.requestId]: String(ctx.mcpReq.id),
      ...(about.protocolVersion ? { [ATTR.protocolVersion]: about.protocolVersion } : {}),
      [ATTR.session]: sessionLabel(about.session),
    },
  );
  let errorType: string | undefined;
  try {
    const result = await run(context);
    if ((result as Partial<CallToolResult>).isError === true) errorType = TOOL_ERROR;
    return result;
  } catch (error) {
    errorType = error instanceof ProtocolError ? String(error.code) : '_OTHER';
    throw error;
  } finally {
    endSpan(span, errorType);
    recordServerOperation(performance.now() - started, {
      ...names,
      ...(errorType ? { [ATTR.errorType]: errorType } : {}),
    });
  }
}

/** Registers a request handler whose every request runs in its span (see {@link inRequestSpan}). */
export type TracedHandle = <M extends RequestMethod>(
  method: M,
  handler: (request: RequestTypeMap[M], ctx: ServerContext) => Promise<HandlerResultTypeMap[M]>,
) => void;

/** {@link TracedHandle} for `server`'s requests, `about` read as each one arrives. */
export function tracedHandlers(server: McpServer, about: () => RequestAbout): TracedHandle {
  return (method, handler) =>
    server.server.setRequestHandler(method, (request, ctx) =>
      inRequestSpan(method, undefined, ctx, about(), () => handler(request, ctx)),
    );
}
