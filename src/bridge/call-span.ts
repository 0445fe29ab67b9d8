/**
 * What every call through the bridge shares, a script's or a direct one: its CLIENT span's end
 * (with `mcp.client.operation.duration`), and passing the upstream's own questions to the person.
 */
import type { RunClock } from '../sandbox/contract.js';
import { recordClientOperation } from '../telemetry/metrics.js';
import { ATTR, endSpan, type Span, TOOL_ERROR } from '../telemetry/spans.js';
import type { Ask, Elicitor } from '../upstream/elicitation.js';
import type { CallTrace } from './calls.js';

/** What traces say for a server or tool name the catalog does not know. */
export const UNKNOWN = '(unknown)';

/**
 * Ends a call's CLIENT span (`tools/call <tool>`; a script's call or a direct one): the server and tool when the catalog
 * knows them, result bytes, whether the cache answered, and `error.type` (`tool_error` for a
 * result with `isError`, as the MCP conventions say; else toolscript's error code). Also records
 * `mcp.client.operation.duration`.
 */
export function endCallSpan(span: Span, trace: CallTrace): void {
  const known = trace.tool !== UNKNOWN;
  if (known) span.updateName(`tools/call ${trace.tool}`);
  const errorType = trace.ok ? undefined : trace.error === 'TOOL_ERROR' ? TOOL_ERROR : trace.error;
  const names = {
    [ATTR.method]: 'tools/call',
    ...(known ? { [ATTR.toolName]: trace.tool } : {}),
    [ATTR.server]: trace.server,
  };
  span.setAttributes({
    ...names,
    [ATTR.resultBytes]: trace.resultBytes,
    ...(trace.cached !== undefined ? { [ATTR.cached]: trace.cached } : {}),
  });
  endSpan(span, errorType);
  recordClientOperation(trace.ms, { ...names, ...(errorType ? { [ATTR.errorType]: errorType } : {}) });
}

/**
 * How a call passes its server's questions on: to `elicitor`, with the run's clock paused while
 * the person answers (as for approvals), until `signal` aborts.
 */
export function asking(
  server: string,
  elicitor: Elicitor,
  clock: RunClock | undefined,
  signal: AbortSignal | undefined,
): Ask {
  return async (question) => {
    clock?.pause();
    try {
      return await elicitor({ server, ...question }, signal ?? new AbortController().signal);
    } finally {
      clock?.resume();
    }
  };
}
