import { sampleText, type TextSample } from '../accounting/execution.js';
import type { Approvals, Approver } from '../approvals/approvals.js';
import type { Catalog, CatalogTool } from '../catalog/catalog.js';
import { assignBindingNames } from '../codegen/names.js';
import {
  CANCELLED_MESSAGE,
  InvalidArgumentsError,
  mib,
  ToolError,
  ToolscriptError,
  UnknownToolError,
  UpstreamUnavailableError,
} from '../errors.js';
import type { HostFunction, JsonValue, RunClock } from '../sandbox/contract.js';
import { recordClientOperation } from '../telemetry/metrics.js';
import {
  ATTR,
  endSpan,
  type Span,
  SpanKind,
  sentMeta,
  startSpan,
  TOOL_ERROR,
  type TraceContext,
} from '../telemetry/spans.js';
import type { CallCache } from '../upstream/call-cache.js';
import type { Ask, Elicitor } from '../upstream/elicitation.js';
import { resultBytes } from '../upstream/result-size.js';
import type { ToolCaller } from '../upstream/tool-caller.js';
import { nearest } from '../util/nearest.js';
import { errorText, resultText, unwrapResourceContents, unwrapToolResult } from './unwrap.js';
import { ArgumentValidator } from './validate.js';

/** Default of `maxArgumentBytes`: 8 MiB. */
export const DEFAULT_MAX_ARGUMENT_BYTES = 8 * 1024 * 1024;

/** What traces say for a server or tool name the catalog does not know. */
const UNKNOWN = '(unknown)';

/** A name as given by a script, cut for an error message. */
function cut(name: string): string {
  return name.length > 64 ? `${name.slice(0, 61)}...` : name;
}

/** One call made by a script. */
export interface CallTrace {
  /** The server, as configured; `(unknown)` when the script named no configured server. */
  server: string;
  /** Original MCP tool name; `(unknown)` when the server has no such tool (the error names it). */
  tool: string;
  /** Wall time of the call in ms, validation included. */
  ms: number;
  ok: boolean;
  /** Bytes of the arguments as JSON (UTF-8). */
  argsBytes: number;
  /** Bytes of the raw upstream result as JSON (UTF-8); 0 when there was none. */
  resultBytes: number;
  /** Error code when `ok` is false. */
  error?: string;
  /** o200k_base tokens of the arguments (filled in after the execution). */
  argsTokens?: number;
  /** o200k_base tokens of the upstream result as a direct-calling client shows it (filled in after the execution). */
  resultTokens?: number;
  /** Set for a tool the config caches (`cache`): true when the result came from the cache. */
  cached?: boolean;
  /** When the call started, in ms since the execution's host functions were made (about its start). */
  startMs?: number;
}

/** The texts of one call kept for token counting: arguments as JSON, the result as a client shows it. */
export interface CallPayload {
  args: TextSample;
  result: TextSample;
}

/** Who is asked when a call needs approval, and how its arguments are shown (see `Approvals`). */
export interface ApprovalContext {
  /** Session id for the request and the audit log. */
  session: string;
  /** Asks a person; without one, a listed tool fails with `APPROVAL_REQUIRED`. */
  approver?: Approver | undefined;
  /** The arguments as the person sees them (PII tokens instead of values when PII is on). */
  show?: ((args: JsonValue) => JsonValue) | undefined;
  /** The run's clock, paused while the person decides. */
  clock?: RunClock | undefined;
  /** Passes an upstream server's own questions on to the person (see `Elicitor`). */
  elicitor?: Elicitor | undefined;
  /** The execution's OpenTelemetry context: each call's CLIENT span starts in it. */
  trace?: TraceContext | undefined;
}

/**
 * Host side of every call a script makes: checks the tool exists, validates arguments against
 * its `inputSchema`, forwards the call, unwraps the result, turns `isError` into a `ToolError`,
 * and traces the call. One bridge serves a gateway; {@link Bridge.session} gives per-execution
 * host functions with their own trace.
 */
export class Bridge {
  private readonly validator = new ArgumentValidator();

  /**
   * @param options.maxArgumentBytes largest arguments sent to a server, in bytes of JSON; larger
   *   ones fail with INVALID_ARGUMENTS before anything is sent. @default 8 MiB (the MCP SDK's stdio
   *   servers close the connection at 10 MiB, which would count against the server for everyone)
   */
  constructor(
    private readonly catalog: Catalog,
    private readonly caller: ToolCaller,
    private readonly options: {
      maxArgumentBytes?: number;
      /** Called with each successful call's unwrapped result of a tool without `outputSchema`. */
      onResult?: (found: CatalogTool, value: unknown) => void;
      /** Tools that need a person's approval, and asking for it. */
      approvals?: Approvals;
      /** Memoized calls (config `cache`); the caller's scope is the approval context's session. */
      cache?: CallCache;
    } = {},
  ) {}

  /**
   * Host functions for one execution and the trace they fill, in call order.
   * @param prepareArgs called on each call's arguments before validation (e.g. PII untokenization).
   */
  session(
    prepareArgs?: (server: string, tool: string, args: JsonValue) => Promise<JsonValue> | JsonValue,
    signal?: AbortSignal,
    approval: ApprovalContext = { session: 'local' },
  ): {
    hostFunctions: Record<string, HostFunction>;
    calls: CallTrace[];
    payloads: CallPayload[];
  } {
    const calls: CallTrace[] = [];
    const payloads: CallPayload[] = [];
    const opened = performance.now();
    const callTool: HostFunction = async (server, tool, args) => {
      const started = performance.now();
      const trace: CallTrace = {
        server: UNKNOWN,
        tool: UNKNOWN,
        ms: 0,
        ok: false,
        argsBytes: 0,
        resultBytes: 0,
        startMs: Math.round((started - opened) * 100) / 100,
      };
      const payload: CallPayload = { args: sampleText(''), result: sampleText('') };
      calls.push(trace);
      payloads.push(payload);
      const { span, context: within } = startSpan('tools/call', SpanKind.CLIENT, approval.trace, {
        [ATTR.method]: 'tools/call',
        [ATTR.operation]: 'execute_tool',
      });
      try {
        // Names reach traces, metrics labels and the audit log only once they are known to the
        // catalog: a script can pass anything here, personal data included.
        if (this.catalog.getServer(String(server))) trace.server = String(server);
        const found = await this.resolve(String(server), String(tool));
        trace.server = found.server;
        trace.tool = found.tool.name;
        if (prepareArgs) args = await prepareArgs(found.server, found.tool.name, args ?? {});
        const argsJson = JSON.stringify(args ?? {});
        trace.argsBytes = Buffer.byteLength(argsJson);
        payload.args = sampleText(argsJson);
        const limit = this.options.maxArgumentBytes ?? DEFAULT_MAX_ARGUMENT_BYTES;
        if (trace.argsBytes > limit) {
          throw new InvalidArgumentsError(found.server, found.tool.name, [
            {
              path: 'input',
              message: `is ${mib(trace.argsBytes)} of JSON, over maxArgumentBytes (${mib(limit)}); send less per call`,
            },
          ]);
        }
        // A cancelled execution makes no new upstream call.
        if (signal?.aborted) throw new ToolscriptError('CANCELLED', CANCELLED_MESSAGE);
        const value = await this.call(found, trace, payload, args, signal, { ...approval, trace: within });
        trace.ok = true;
        return value as JsonValue;
      } catch (error) {
        trace.error = ToolscriptError.isInstance(error) ? error.code : 'RUNTIME_ERROR';
        throw error;
      } finally {
        trace.ms = performance.now() - started;
        endCallSpan(span, trace);
      }
    };
    const caller = this.caller;
    const cancelled = () => {
      if (signal?.aborted) throw new ToolscriptError('CANCELLED', CANCELLED_MESSAGE);
    };
    const listResources: HostFunction = async (server) => {
      cancelled();
      const resources = (await caller.listResources?.(String(server))) ?? [];
      return resources as unknown as JsonValue;
    };
    const readResource: HostFunction = async (server, uri) => {
      cancelled();
      if (!caller.readResource)
        throw new ToolscriptError('UNKNOWN_TOOL', 'This gateway cannot read resources.');
      const result = await caller.readResource(String(server), String(uri));
      return unwrapResourceContents(result.contents) as JsonValue;
    };
    return { hostFunctions: { callTool, listResources, readResource }, calls, payloads };
  }

  /** A tool by its MCP name or its binding identifier (`read_text_file` or `readTextFile`). */
  private find(server: string, name: string) {
    const direct = this.catalog.getTool(server, name);
    if (direct) return direct;
    const tool = this.identifiers(server).get(name);
    return tool === undefined ? undefined : this.catalog.getTool(server, tool);
  }

  /** Binding identifier → MCP tool name, for one server (as codegen assigns them). */
  private identifiers(server: string): Map<string, string> {
    const names = assignBindingNames(this.catalog.getServer(server)?.tools.map((t) => t.name) ?? []);
    return new Map([...names].map(([tool, identifier]) => [identifier, tool]));
  }

  /**
   * The catalogued tool a script names, by MCP name or binding identifier; a server that is down,
   * or was never started, is started once more.
   * @throws {UnknownToolError} naming the nearest tools (names cut to 64 characters)
   * @throws {UpstreamUnavailableError} when the server is down
   */
  private async resolve(server: string, tool: string): Promise<CatalogTool> {
    let found = this.find(server, tool);
    const down = () => this.catalog.getServer(server)?.error;
    // Never started (`exec` starts only the servers a script imports; `./client` names others), or
    // down: started (again) once, and a failure is said by the server's reason below.
    const unstarted = () => !this.catalog.getServer(server)?.tools.length && down() === undefined;
    if (!found && this.caller.recover && (down() !== undefined || unstarted())) {
      try {
        await this.caller.recover(server);
      } catch (error) {
        // A configured server that failed says why; a name no server has is an unknown tool.
        if (down() !== undefined) throw error;
      }
      found = this.find(server, tool);
    }
    if (found) return found;
    const reason = down();
    if (reason !== undefined) {
      throw reason.startsWith('Upstream server')
        ? new ToolscriptError('UPSTREAM_UNAVAILABLE', reason, { server })
        : new UpstreamUnavailableError(server, reason);
    }
    const names = [
      ...this.identifiers(server).keys(),
      ...(this.catalog.getServer(server)?.tools ?? []).map((t) => t.name),
    ];
    throw new UnknownToolError(cut(server), cut(tool), nearest(cut(tool), [...new Set(names)]));
  }

  private async call(
    found: CatalogTool,
    trace: CallTrace,
    payload: CallPayload,
    args: JsonValue | undefined,
    signal: AbortSignal | undefined,
    approval: ApprovalContext,
  ): Promise<unknown> {
    const { server } = found;
    const tool = found.tool.name;
    const input = args ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) {
      throw new InvalidArgumentsError(server, tool, [{ path: 'input', message: 'must be object' }]);
    }
    const problems = this.validator.check(found.tool, found.schemaHash, input);
    if (problems.length) throw new InvalidArgumentsError(server, tool, problems);
    await this.options.approvals?.gate(
      { server, tool: found.tool, session: approval.session },
      input,
      approval.approver,
      {
        ...(approval.show ? { show: approval.show } : {}),
        clock: approval.clock,
        signal,
        trace: approval.trace,
      },
    );
    if (signal?.aborted) throw new ToolscriptError('CANCELLED', CANCELLED_MESSAGE);
    const memo = await this.options.cache?.lookup(
      approval.session,
      server,
      found.tool,
      found.schemaHash,
      input,
    );
    if (memo?.cached) trace.cached = memo.hit !== undefined;
    let result = memo?.cached ? memo.hit : undefined;
    if (!result) {
      try {
        const meta = sentMeta(approval.trace);
        result = await this.caller.callTool(server, tool, input, {
          signal,
          ...(approval.elicitor ? { ask: asking(server, approval.elicitor, approval.clock, signal) } : {}),
          ...(meta ? { meta } : {}),
        });
      } finally {
        // A call that is not cached may have changed what the cached ones read: once more, now it ran.
        if (memo && !memo.cached) await this.options.cache?.invalidate(approval.session, server);
      }
      if (memo?.cached) await memo.keep(result);
    }
    trace.resultBytes = resultBytes(result);
    payload.result = sampleText(resultText(result));
    if (result.isError) throw new ToolError(server, tool, errorText(result));
    const value = unwrapToolResult(result);
    if (!found.tool.outputSchema && this.options.onResult) {
      try {
        this.options.onResult(found, value);
      } catch {
        // Learning a result type never fails the call.
      }
    }
    return value;
  }
}

/**
 * Ends a script call's CLIENT span (`tools/call <tool>`): the server and tool when the catalog
 * knows them, result bytes, whether the cache answered, and `error.type` (`tool_error` for a
 * result with `isError`, as the MCP conventions say; else toolscript's error code). Also records
 * `mcp.client.operation.duration`.
 */
function endCallSpan(span: Span, trace: CallTrace): void {
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
function asking(
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
