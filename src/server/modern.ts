import { randomBytes } from 'node:crypto';
import {
  type CallToolResult,
  createRequestStateCodec,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  ProtocolError,
  ProtocolErrorCode,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Approver } from '../approvals/approvals.js';
import type { Gateway } from '../gateway/gateway.js';
import type { GatewaySession } from '../session/gateway-session.js';
import type { Elicitor, ServerAnswer } from '../upstream/elicitation.js';
import { Contexts, UnknownContextError } from './contexts.js';
import { PausedRuns, type Question, type Stop } from './paused-runs.js';

/** What a 2026-07-28 request's MCP server needs: where contexts and paused scripts live, and who is calling. */
export interface ModernRequest {
  contexts: Contexts;
  runs: PausedRuns;
  /** Seals the `requestState` of a paused approval (see {@link runStateCodec}). */
  codec: RequestStateCodec<RunState>;
  /** The caller's credential as the contexts know it: SHA-256 (hex) of its bearer token, "" without one. */
  caller: string;
}

/** What every 2026-07-28 request of one endpoint shares: contexts, paused scripts, the codec. */
export type ModernState = Omit<ModernRequest, 'caller'>;

/**
 * The state of one endpoint's 2026-07-28 serving. The `requestState` key is `Gateway.stateKey`
 * (`TOOLSCRIPT_STATE_KEY`), else one made for this process; a sealed state lives as long as a
 * person may take to approve (`approvals.timeoutMs`) and five seconds more.
 * @param idleMs how long an unused context lives, in ms.
 */
export function modernState(gateway: Gateway, idleMs: number): ModernState {
  const key = gateway.stateKey ?? randomBytes(32);
  return {
    contexts: new Contexts(gateway, { idleMs }),
    runs: new PausedRuns(gateway.store, gateway.config.approvals.timeoutMs),
    codec: runStateCodec(key, Math.ceil(gateway.config.approvals.timeoutMs / 1000) + 5),
  };
}

/** `execute_code`'s extra argument for 2026-07-28 clients. */
export const CONTEXT_INPUT = {
  context: z
    .string()
    .max(200)
    .optional()
    .describe(
      'The context handle the previous execute_code answer named: the script then sees that workspace, state and PII tokens. Omit it to start a new context.',
    ),
};

/** `execute_code`'s `outputSchema` for 2026-07-28 clients: the handle to pass next. */
export const CONTEXT_OUTPUT = z.object({
  context: z
    .string()
    .describe('Pass this as "context" to the next execute_code to keep this workspace and state.'),
});

/**
 * The session of the context `args.context` names (a new one without it), or the error to answer
 * with (an unknown handle, an unreachable store).
 */
export async function takeContext(
  modern: ModernRequest,
  args: unknown,
): Promise<{ session: GatewaySession } | { error: string }> {
  const handle = (args as { context?: unknown } | undefined)?.context;
  try {
    return {
      session: await modern.contexts.take(typeof handle === 'string' ? handle : undefined, modern.caller),
    };
  } catch (error) {
    if (error instanceof UnknownContextError) return { error: error.message };
    return {
      error: `The context could not be loaded from the session store (${(error as Error).message}); retry shortly.`,
    };
  }
}

/** `result` naming its context: a last text line for the model, `structuredContent.context` for programs. */
export function namingContext(result: CallToolResult, context: string): CallToolResult {
  return {
    ...result,
    content: [
      ...result.content,
      {
        type: 'text',
        text: `[context: ${context}; pass it as "context" to the next execute_code to keep this state]`,
      },
    ],
    structuredContent: { context },
  };
}

/**
 * What a paused question's `requestState` names: the run, the replica holding it, the question's
 * number and its key in `inputResponses` ("approve" for an approval, "question" for a server's own).
 */
export interface RunState {
  run: string;
  replica: string;
  step: number;
  key: Question['key'];
}

/**
 * The codec of paused approvals' `requestState` (the SDK's HMAC-SHA256 `createRequestStateCodec`):
 * valid for `ttlSeconds`, and bound to the method and the caller's credential hash, so a
 * `requestState` echoed by another caller, or for another method, is refused like a tampered one.
 * @param key at least 32 bytes, the same on every replica (`TOOLSCRIPT_STATE_KEY`).
 */
export function runStateCodec(key: Uint8Array, ttlSeconds: number): RequestStateCodec<RunState> {
  return createRequestStateCodec<RunState>({
    key,
    ttlSeconds,
    bind: (ctx) => `${ctx.mcpReq.method}\0${ctx.http?.authInfo?.token ?? ''}`,
  });
}

/**
 * `execute_code` for a 2026-07-28 client. The script runs in its context; when it reaches a tool
 * that needs approval, or an upstream server asks the person a question, it pauses, and the
 * request is answered `input_required` with the question (an elicitation) and a sealed
 * `requestState`. The client's retry carries the person's answer, which resumes the script where
 * it is held (see {@link PausedRuns}); the retry is answered with the script's result or its next
 * question. A script is never started twice.
 * @param run runs the script in `session`, asking the person through `ask`, cancelled by `signal`.
 */
export async function executeModern(
  modern: ModernRequest,
  args: unknown,
  ctx: ServerContext,
  run: (
    session: GatewaySession,
    ask: { approver: Approver; elicitor: Elicitor },
    signal: AbortSignal,
  ) => Promise<CallToolResult>,
): Promise<CallToolResult | InputRequiredResult> {
  const state = ctx.mcpReq.requestState<RunState>();
  let stop: Awaited<ReturnType<PausedRuns['answer']>>;
  if (state) {
    stop = await modern.runs.answer(state.replica, state.run, state.step, answerOf(ctx, state.key));
  } else {
    const taken = await takeContext(modern, args);
    if ('error' in taken) return { content: [{ type: 'text', text: taken.error }], isError: true };
    const started = modern.runs.start((ask, signal) => run(taken.session, ask, signal));
    // Cancelling the first request cancels the script; a request that ends with a question does not.
    const cancel = () => started.cancel();
    ctx.mcpReq.signal.addEventListener('abort', cancel);
    stop = await started.first.finally(() => ctx.mcpReq.signal.removeEventListener('abort', cancel));
    if (stop.kind === 'ask') return ask(modern, ctx, started.id, modern.runs.replica, stop);
  }
  switch (stop.kind) {
    case 'done':
      return stop.result;
    case 'ask':
      return ask(modern, ctx, (state as RunState).run, (state as RunState).replica, stop);
    case 'used':
      return refusal(
        'APPROVAL_USED',
        'this question is no longer waiting: it was answered already (a requestState is taken once), or its time (approvals.timeoutMs) ran out and the script went on without it. Nothing ran twice.',
      );
    case 'gone':
      return refusal(
        'APPROVAL_LOST',
        `the replica holding this paused script (${stop.replica}) is gone or does not answer. The script stopped at its question and is never run again, here or there: nothing after it ran. Run the script again.`,
      );
  }
}

/** An `isError` answer to a retry that resumed nothing: `Error [CODE]: message`. */
function refusal(code: 'APPROVAL_USED' | 'APPROVAL_LOST', message: string): CallToolResult {
  return { content: [{ type: 'text', text: `Error [${code}]: ${message}` }], isError: true };
}

/** The question of a paused script as `input_required`, its `requestState` sealed. */
async function ask(
  modern: ModernRequest,
  ctx: ServerContext,
  run: string,
  replica: string,
  stop: Extract<Stop, { kind: 'ask' }>,
): Promise<InputRequiredResult> {
  const { key, message, requestedSchema, step } = stop;
  return inputRequired({
    inputRequests: {
      [key]: inputRequired.elicit({ message, requestedSchema: requestedSchema as ElicitForm }),
    },
    requestState: await modern.codec.mint({ run, replica, step, key }, ctx),
  });
}

/** The form schema `inputRequired.elicit` takes (MCP's restricted JSON Schema). */
type ElicitForm = Parameters<typeof inputRequired.elicit>[0]['requestedSchema'];

/**
 * The person's answer in a retry, as MCP's `ElicitResult`: the elicitation under `key`.
 * @throws {ProtocolError} -32602 when the retry carries no answer under `key`.
 */
function answerOf(ctx: ServerContext, key: Question['key']): ServerAnswer {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  if (view.kind === 'missing')
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `The retry carries no answer to "${key}": send the elicitation result as inputResponses.${key} with the requestState.`,
    );
  if (view.kind !== 'elicit') return { action: 'decline' };
  if (view.action !== 'accept') return { action: view.action };
  return { action: 'accept', content: (view.content ?? {}) as ServerAnswer['content'] };
}
