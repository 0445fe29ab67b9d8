import type { CallToolResult } from '@modelcontextprotocol/server';
import { sampleText } from '../accounting/execution.js';
import type { Approvals } from '../approvals/approvals.js';
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
import type { HostFunction, JsonValue } from '../sandbox/contract.js';
import { ATTR, SpanKind, sentMeta, startSpan, type TraceContext } from '../telemetry/spans.js';
import type { CallCache } from '../upstream/call-cache.js';
import { resultBytes } from '../upstream/result-size.js';
import type { ToolCaller } from '../upstream/tool-caller.js';
import { nearest } from '../util/nearest.js';
import { asking, endCallSpan, UNKNOWN } from './call-span.js';
import type { ApprovalContext, CallPayload, CallTrace, DirectCall, PrepareArgs } from './calls.js';
import { errorText, resultText, unwrapResourceContents, unwrapToolResult } from './unwrap.js';
import { ArgumentValidator } from './validate.js';

/** Default of `maxArgumentBytes`: 8 MiB. */
export const DEFAULT_MAX_ARGUMENT_BYTES = 8 * 1024 * 1024;

/** A name as given by a script, cut for an error message. */
function cut(name: string): string {
  return name.length > 64 ? `${name.slice(0, 61)}...` : name;
}

export type { ApprovalContext, CallPayload, CallTrace, DirectCall, PrepareArgs } from './calls.js';

/**
 * Host side of every call a script makes: checks the tool exists, validates arguments against
 * its `inputSchema`, forwards the call, unwraps the result, turns `isError` into a `ToolError`,
 * and traces the call. One bridge serves a gateway; {@link Bridge.session} gives per-execution
 * host functions with their own trace; {@link Bridge.direct} makes one call for a client that
 * calls tools directly, through the same checks.
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
      /** Whether scripts may call a server's tools (config `expose`); default every server. */
      fromScripts?: (server: string) => boolean;
    } = {},
  ) {}

  /**
   * Host functions for one execution and the trace they fill, in call order.
   * @param prepareArgs called on each call's arguments before validation (e.g. PII untokenization).
   */
  session(
    prepareArgs?: PrepareArgs,
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
      const trace = newTrace(performance.now() - opened);
      const payload: CallPayload = { args: sampleText(''), result: sampleText('') };
      calls.push(trace);
      payloads.push(payload);
      const value = await this.traced(trace, approval.trace, async (within) => {
        const named = String(server);
        if (this.options.fromScripts && !this.options.fromScripts(named) && this.catalog.getServer(named)) {
          trace.server = named;
          throw new ToolscriptError(
            'UNKNOWN_TOOL',
            `Server "${named}" is exposed as tools only (expose: "tools"): scripts cannot call it; its tools are called directly as ${named}.<tool>.`,
          );
        }
        const { found, result } = await this.fetch(
          String(server),
          String(tool),
          args,
          { prepareArgs, signal, approval: { ...approval, trace: within } },
          trace,
          payload,
        );
        if (result.isError) throw new ToolError(found.server, found.tool.name, errorText(result));
        return this.unwrap(found, result);
      });
      return value as JsonValue;
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

  /**
   * One call of an upstream tool as a client that calls tools directly makes it (not through a
   * script): the same checks, PII untokenization (`prepareArgs`), approval, cache, limits and
   * trace as a script's call, and the upstream's result as it came, `isError` included. Never
   * throws: what would fail a script's call (`UnknownToolError`, `InvalidArgumentsError`,
   * `ApprovalError`, `UpstreamUnavailableError`, a JSON-RPC error as `ToolError`, `CANCELLED`) is
   * the answer's `error`.
   */
  async direct(
    server: string,
    tool: string,
    args: JsonValue | undefined,
    options: {
      prepareArgs?: PrepareArgs | undefined;
      signal?: AbortSignal | undefined;
      approval: ApprovalContext;
    },
  ): Promise<DirectCall> {
    const trace = newTrace(0);
    const payload: CallPayload = { args: sampleText(''), result: sampleText('') };
    try {
      const result = await this.traced(trace, options.approval.trace, async (within) => {
        const fetched = await this.fetch(
          server,
          tool,
          args,
          { ...options, approval: { ...options.approval, trace: within } },
          trace,
          payload,
        );
        if (fetched.result.isError) trace.error = 'TOOL_ERROR';
        else this.unwrap(fetched.found, fetched.result);
        return fetched.result;
      });
      return { result, trace, payload };
    } catch (error) {
      return { error, trace, payload };
    }
  }

  /**
   * Runs one call inside its CLIENT span (`tools/call <tool>`), filling `trace`'s outcome and time.
   * A result with `isError` that `run` returns (a direct call) counts as failed, `TOOL_ERROR`.
   */
  private async traced<T>(
    trace: CallTrace,
    parent: TraceContext | undefined,
    run: (within: TraceContext | undefined) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const { span, context: within } = startSpan('tools/call', SpanKind.CLIENT, parent, {
      [ATTR.method]: 'tools/call',
      [ATTR.operation]: 'execute_tool',
    });
    try {
      const value = await run(within);
      trace.ok = trace.error === undefined;
      return value;
    } catch (error) {
      trace.error = ToolscriptError.isInstance(error) ? error.code : 'RUNTIME_ERROR';
      throw error;
    } finally {
      trace.ms = performance.now() - started;
      endCallSpan(span, trace);
    }
  }

  /**
   * Resolves the tool, prepares and checks the arguments (size, schema), asks for approval, and
   * gets the result: from the cache, or from the upstream with the call's trace context in its
   * `_meta`. Fills `trace` and `payload` as it goes.
   */
  private async fetch(
    server: string,
    tool: string,
    given: JsonValue | undefined,
    options: {
      prepareArgs?: PrepareArgs | undefined;
      signal?: AbortSignal | undefined;
      approval: ApprovalContext;
    },
    trace: CallTrace,
    payload: CallPayload,
  ): Promise<{ found: CatalogTool; result: CallToolResult }> {
    const { prepareArgs, signal, approval } = options;
    // Names reach traces, metrics labels and the audit log only once they are known to the
    // catalog: a script can pass anything here, personal data included.
    if (this.catalog.getServer(server)) trace.server = server;
    const found = await this.resolve(server, tool);
    trace.server = found.server;
    trace.tool = found.tool.name;
    const args = prepareArgs ? await prepareArgs(found.server, found.tool.name, given ?? {}) : given;
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
    const input = args ?? {};
    const name = found.tool.name;
    if (typeof input !== 'object' || Array.isArray(input)) {
      throw new InvalidArgumentsError(found.server, name, [{ path: 'input', message: 'must be object' }]);
    }
    const problems = this.validator.check(found.tool, found.schemaHash, input);
    if (problems.length) throw new InvalidArgumentsError(found.server, name, problems);
    await this.options.approvals?.gate(
      { server: found.server, tool: found.tool, session: approval.session },
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
      found.server,
      found.tool,
      found.schemaHash,
      input,
    );
    if (memo?.cached) trace.cached = memo.hit !== undefined;
    let result = memo?.cached ? memo.hit : undefined;
    if (!result) {
      try {
        const meta = sentMeta(approval.trace);
        result = await this.caller.callTool(found.server, name, input, {
          signal,
          ...(approval.elicitor
            ? { ask: asking(found.server, approval.elicitor, approval.clock, signal) }
            : {}),
          ...(meta ? { meta } : {}),
        });
      } finally {
        // A call that is not cached may have changed what the cached ones read: once more, now it ran.
        if (memo && !memo.cached) await this.options.cache?.invalidate(approval.session, found.server);
      }
      if (memo?.cached) await memo.keep(result);
    }
    trace.resultBytes = resultBytes(result);
    payload.result = sampleText(resultText(result));
    return { found, result };
  }

  /** A successful result's value, its shape learnt for a tool without `outputSchema`. */
  private unwrap(found: CatalogTool, result: CallToolResult): unknown {
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

/** A call's trace before it ran: names unknown until the catalog knows them. */
function newTrace(startMs: number): CallTrace {
  return {
    server: UNKNOWN,
    tool: UNKNOWN,
    ms: 0,
    ok: false,
    argsBytes: 0,
    resultBytes: 0,
    startMs: Math.round(startMs * 100) / 100,
  };
}
