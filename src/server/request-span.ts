import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server';
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

/**
 * Runs one `tools/call` of a gateway tool inside its SERVER span, `tools/call <tool>`, as the MCP
 * semantic conventions name it: parented by the trace context the client sent in `params._meta`
 * (else in the HTTP request's `traceparent` header), with `mcp.method.name`, `gen_ai.tool.name`,
 * `gen_ai.operation.name` (`execute_tool`), `jsonrpc.request.id`, `mcp.protocol.version` and the
 * session's label (never its id). `error.type` is `tool_error` for an `isError` answer, the
 * JSON-RPC error code for a protocol error, else `_OTHER`. Also records
 * `mcp.server.operation.duration`.
 * A 2026-07-28 `input_required` answer (a paused approval) ends the span too: its retry is a
 * request, and a span, of its own.
 * @param run answers the call; its spans start in the context it is given.
 */
export async function inRequestSpan<Result extends object>(
  tool: string,
  ctx: ServerContext,
  about: { protocolVersion: string | undefined; session: string },
  run: (trace: TraceContext | undefined) => Promise<Result>,
): Promise<Result> {
  const started = performance.now();
  const names = { [ATTR.method]: 'tools/call', [ATTR.toolName]: tool };
  const { span, context } = startSpan(
    `tools/call ${tool}`,
    SpanKind.SERVER,
    receivedContext(ctx.mcpReq._meta, ctx.http?.req?.headers),
    {
      ...names,
      [ATTR.operation]: 'execute_tool',
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
