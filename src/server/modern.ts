import type { CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { GatewaySession } from '../session/gateway-session.js';
import { type Contexts, UnknownContextError } from './contexts.js';

/** What a 2026-07-28 request's MCP server needs: where contexts live, and who is calling. */
export interface ModernRequest {
  contexts: Contexts;
  /** The caller's credential as the contexts know it: SHA-256 (hex) of its bearer token, "" without one. */
  caller: string;
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
