/**
 * One upstream tool called directly by a client (a tool the gateway lists as `<server>.<tool>`,
 * see config `expose`), through what a script's call passes: the bridge's checks, approval,
 * cache, limits and trace, PII untokenization of the arguments and tokenization of the result,
 * and the record of a one-call execution (metrics, the dashboard's feed, the insights).
 */
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/server';
import { accountOffThread, COUNT_DEADLINE_MS } from '../accounting/counter.js';
import { resultText } from '../bridge/unwrap.js';
import { isExecutionErrorCode, ToolscriptError } from '../errors.js';
import type { PiiVault } from '../pii/vault.js';
import type { JsonValue } from '../sandbox/contract.js';
import type { ExecuteOptions, Execution, PipelineParts } from './parts.js';

/** What a direct call answers: the result for the client, and its record. */
export interface DirectCallAnswer {
  /** The upstream's result, PII-tokenized; a failure before or instead of it as an `isError` result. */
  result: CallToolResult;
  /** The call as a one-call execution (its `output` is the result's text, as the client saw it). */
  execution: Execution;
}

/** A direct call's options: those of an execution that apply to one call. */
export type DirectOptions = Pick<
  ExecuteOptions,
  'vault' | 'session' | 'signal' | 'approve' | 'elicit' | 'trace'
>;

/**
 * Calls `tool` of `server` for a client that calls tools directly. Never throws: an unknown tool,
 * invalid arguments, a refused approval or an unavailable server is an `isError` result whose
 * text says what to do (tokenized like the result).
 * @param options the session, its vault, the approver and elicitor, cancellation and the trace
 *   context, as for an execution; `accounting` "with-calls" is implied.
 */
export async function runDirectCall(
  parts: PipelineParts,
  server: string,
  tool: string,
  args: Record<string, unknown>,
  options: DirectOptions = {},
): Promise<DirectCallAnswer> {
  const started = performance.now();
  const session = options.session ?? 'local';
  const vault = parts.pii.enabled ? (options.vault ?? parts.pii.newVault()) : undefined;
  const call = await parts.bridge.direct(server, tool, args as JsonValue, {
    prepareArgs: vault
      ? (name, called, given) => parts.pii.untokenizeArgs(vault, session, name, called, given)
      : undefined,
    signal: options.signal,
    approval: {
      session,
      approver: options.approve,
      elicitor: options.elicit,
      show: vault ? (shown) => vault.tokenize(shown) : undefined,
      trace: options.trace,
    },
  });
  const failure = call.error === undefined ? undefined : describe(call.error);
  const raw: CallToolResult = call.result ?? {
    content: [{ type: 'text', text: failure?.message ?? '' }],
    isError: true,
  };
  const result = vault ? tokenizeResult(raw, vault) : raw;
  const output = resultText(result);
  const error = failure
    ? { code: failure.code, message: vault ? vault.tokenizeText(failure.message) : failure.message }
    : result.isError
      ? { code: 'TOOL_ERROR' as const, message: output }
      : null;
  const counted = await accountOffThread(
    { script: '', output, definitions: await parts.definitionTokens(), calls: [call.payload] },
    COUNT_DEADLINE_MS,
  );
  const execution: Execution = {
    ok: error === null,
    result: null,
    logs: [],
    calls: [{ ...call.trace, ...counted.calls[0] }],
    error,
    output,
    tokens: counted.tokens,
    ms: performance.now() - started,
  };
  parts.record?.(execution, undefined, { session, script: `${server}.${tool}` });
  return { result, execution };
}

/** A failure's code and message, as an execution's error says them. */
function describe(error: unknown): { code: NonNullable<Execution['error']>['code']; message: string } {
  if (ToolscriptError.isInstance(error) && isExecutionErrorCode(error.code))
    return { code: error.code, message: error.message };
  return {
    code: 'RUNTIME_ERROR',
    message: `toolscript could not make this call (${error instanceof Error ? error.name : 'Error'}); retry it.`,
  };
}

/**
 * The result with personal data replaced by tokens in every string (text, `structuredContent`,
 * URIs, names), base64 data as it came: an image's or audio's `data` and a resource's `blob`
 * (tokenization could alter them).
 */
export function tokenizeResult(result: CallToolResult, vault: PiiVault): CallToolResult {
  const content = result.content.map((block): ContentBlock => {
    if ('data' in block) return { ...vault.tokenize({ ...block, data: '' }), data: block.data };
    if (block.type === 'resource' && 'blob' in block.resource) {
      const tokenized = vault.tokenize({ ...block, resource: { ...block.resource, blob: '' } });
      return { ...tokenized, resource: { ...tokenized.resource, blob: block.resource.blob } };
    }
    return vault.tokenize(block);
  });
  const { content: _content, ...rest } = result;
  return { ...vault.tokenize(rest), content };
}
