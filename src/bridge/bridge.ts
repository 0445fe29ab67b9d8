import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { resultContextText, sampleText, type TextSample } from '../accounting/execution.js';
import type { Catalog } from '../catalog/catalog.js';
import { assignBindingNames } from '../codegen/names.js';
import { nearest } from '../discovery/nearest.js';
import {
  InvalidArgumentsError,
  ToolError,
  ToolscriptError,
  UnknownToolError,
  UpstreamUnavailableError,
} from '../errors.js';
import type { HostFunction, JsonValue } from '../sandbox.js';
import { errorText, unwrapToolResult } from './unwrap.js';
import { ArgumentValidator } from './validate.js';

/** What the bridge needs of the upstream side: one method, so tests can pass real connections. */
export interface ToolCaller {
  /**
   * Calls `tool` on `server` and returns the raw result (with `isError` results).
   * @throws {ToolscriptError} (`UPSTREAM_UNAVAILABLE`, `TOOL_ERROR`) when the call cannot complete.
   */
  callTool(server: string, tool: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /**
   * Tries to bring back a server that was unavailable when its tools were listed, and lists them.
   * @throws {UpstreamUnavailableError} when it is still unavailable.
   */
  recover?(server: string): Promise<void>;
}

/** One call made by a script. */
export interface CallTrace {
  server: string;
  /** Original MCP tool name. */
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
}

/** The texts of one call kept for token counting: arguments as JSON, the result as a client shows it. */
export interface CallPayload {
  args: TextSample;
  result: TextSample;
}

/**
 * Host side of every call a script makes: checks the tool exists, validates arguments against
 * its `inputSchema`, forwards the call, unwraps the result, turns `isError` into a `ToolError`,
 * and traces the call. One bridge serves a gateway; {@link Bridge.session} gives per-execution
 * host functions with their own trace.
 */
export class Bridge {
  private readonly validator = new ArgumentValidator();

  constructor(
    private readonly catalog: Catalog,
    private readonly caller: ToolCaller,
  ) {}

  /**
   * Host functions for one execution and the trace they fill, in call order.
   * @param prepareArgs called on each call's arguments before validation (e.g. PII untokenization).
   */
  session(prepareArgs?: (server: string, tool: string, args: JsonValue) => Promise<JsonValue> | JsonValue): {
    hostFunctions: Record<string, HostFunction>;
    calls: CallTrace[];
    payloads: CallPayload[];
  } {
    const calls: CallTrace[] = [];
    const payloads: CallPayload[] = [];
    const callTool: HostFunction = async (server, tool, args) => {
      const started = performance.now();
      if (prepareArgs) args = await prepareArgs(String(server), String(tool), args ?? {});
      const argsJson = JSON.stringify(args ?? {});
      const trace: CallTrace = {
        server: String(server),
        tool: String(tool),
        ms: 0,
        ok: false,
        argsBytes: Buffer.byteLength(argsJson),
        resultBytes: 0,
      };
      const payload: CallPayload = { args: sampleText(argsJson), result: sampleText('') };
      calls.push(trace);
      payloads.push(payload);
      try {
        const value = await this.call(trace, payload, args);
        trace.ok = true;
        return value as JsonValue;
      } catch (error) {
        trace.error = ToolscriptError.isInstance(error) ? error.code : 'RUNTIME_ERROR';
        throw error;
      } finally {
        trace.ms = performance.now() - started;
      }
    };
    return { hostFunctions: { callTool }, calls, payloads };
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

  private async call(trace: CallTrace, payload: CallPayload, args: JsonValue | undefined): Promise<unknown> {
    const { server } = trace;
    let found = this.find(server, trace.tool);
    const down = () => this.catalog.getServer(server)?.error;
    if (!found && this.caller.recover && down() !== undefined) {
      await this.caller.recover(server);
      found = this.find(server, trace.tool);
    }
    if (!found) {
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
      throw new UnknownToolError(server, trace.tool, nearest(trace.tool, [...new Set(names)]));
    }
    const tool = found.tool.name;
    trace.tool = tool;
    const input = args ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) {
      throw new InvalidArgumentsError(server, tool, [{ path: 'input', message: 'must be object' }]);
    }
    const problems = this.validator.check(found.tool, found.schemaHash, input);
    if (problems.length) throw new InvalidArgumentsError(server, tool, problems);
    const result = await this.caller.callTool(server, tool, input);
    trace.resultBytes = Buffer.byteLength(JSON.stringify(result));
    payload.result = sampleText(resultContextText(result));
    if (result.isError) throw new ToolError(server, tool, errorText(result));
    return unwrapToolResult(result);
  }
}
