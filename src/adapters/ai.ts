/**
 * toolscript for the Vercel AI SDK (`ai` ≥ 6): the code-first tools `search_tools` and
 * `execute_code` as an AI SDK `ToolSet`, the code-first system prompt, and — for comparisons —
 * every upstream tool exposed directly. Import from `toolscript/ai`; the package root never loads
 * the AI SDK.
 *
 * ```ts
 * import { generateText, stepCountIs } from 'ai';
 * import { createGateway, loadConfig } from 'toolscript';
 * import { createToolscriptTools } from 'toolscript/ai';
 *
 * const gateway = await createGateway((await loadConfig()).config);
 * const { tools, system } = createToolscriptTools(gateway);
 * const { text } = await generateText({ model, system, tools, prompt: 'Which city is wettest?', stopWhen: stepCountIs(10) });
 * ```
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import { dynamicTool, jsonSchema, type Tool, type ToolSet, tool } from 'ai';
import { z } from 'zod';
import type { Approver } from '../approvals/approvals.js';
import type { Gateway } from '../gateway/gateway.js';
import { GatewaySession, type GatewaySessionOptions, type ToolAnswer } from '../session/gateway-session.js';
import { GATEWAY_TOOLS, type GatewayToolName } from '../session/tools.js';
import { directToolNames, resultText } from './direct.js';

/** What a toolscript tool returns to the AI SDK: the text the model reads, and details for the host. */
export type ToolscriptToolOutput = Omit<ToolAnswer, 'execution'>;

/** The code-first tools for one session. */
export interface ToolscriptTools {
  /** The gateway's tools by name, ready for `generateText`/`streamText`/`ToolLoopAgent`. */
  tools: Record<GatewayToolName, Tool<unknown, ToolscriptToolOutput>>;
  /** The code-first system prompt naming the connected servers (see `src/prompt/code-first.ts`). */
  system: string;
  /** The session behind the tools: its id, PII vault and token ledger (`session.summary()`). */
  session: GatewaySession;
}

/**
 * Creates the gateway's tools (`search_tools`, `execute_code`, `save_skill`, `list_skills`) for
 * the AI SDK, with descriptions generated from the
 * connected servers. Each call runs in one {@link GatewaySession} (one workspace, state and PII
 * vault). A failing search or script comes back to the model as `error-text` with the error code
 * and message, so it can fix its script; the tools never throw for bad model input.
 * @param options a session id, or a session to share with other adapters.
 */
export function createToolscriptTools(
  gateway: Gateway,
  options: GatewaySessionOptions | { session: GatewaySession } = {},
): ToolscriptTools {
  const session = 'session' in options ? options.session : new GatewaySession(gateway, options);
  const descriptions = new Map(session.definitions().map((d) => [d.name, d.description]));
  const toModelOutput = ({ output }: { output: ToolscriptToolOutput }) => {
    if (output.isError) return { type: 'error-text' as const, value: output.text };
    const media = modelMedia(output.content ?? []);
    if (!media.length) return { type: 'text' as const, value: output.text };
    return { type: 'content' as const, value: [{ type: 'text' as const, text: output.text }, ...media] };
  };
  const tools: Record<string, Tool<unknown, ToolscriptToolOutput>> = {};
  for (const spec of GATEWAY_TOOLS) {
    tools[spec.name] = tool({
      description: descriptions.get(spec.name) ?? '',
      inputSchema: z.object(spec.shape),
      execute: async (input: unknown, { abortSignal }: { abortSignal?: AbortSignal }) => {
        const { execution: _, ...answer } = await session.call(spec.name, input, { signal: abortSignal });
        return answer as ToolscriptToolOutput;
      },
      toModelOutput,
    }) as Tool<unknown, ToolscriptToolOutput>;
  }
  return {
    tools: tools as ToolscriptTools['tools'],
    system: session.instructions(),
    session,
  };
}

/**
 * Every upstream tool as an AI SDK tool, named `<server>__<tool>` (sanitised to
 * `[A-Za-z0-9_-]{1,64}`, the strictest provider rule), with its own description and JSON Schema:
 * direct tool calling, as an ordinary agent would have the tools. The model reads each result's
 * text content (other parts as JSON); `isError` results come back as `error-text`. Used as the
 * baseline of the A/B harness; no PII tokenization applies here. `options.onApproval` is asked
 * before a tool listed in `requireApproval` runs; without it such a call fails with
 * `APPROVAL_REQUIRED`.
 */
export function createDirectTools(gateway: Gateway, options: { onApproval?: Approver } = {}): ToolSet {
  const tools: ToolSet = {};
  for (const { name, server, tool: upstream } of directToolNames(gateway.catalog)) {
    tools[name] = dynamicTool({
      description: upstream.description ?? upstream.title ?? upstream.name,
      inputSchema: jsonSchema(upstream.inputSchema as Parameters<typeof jsonSchema>[0]),
      execute: async (input) =>
        gateway.callTool(server, upstream.name, (input ?? {}) as Record<string, unknown>, {
          approve: options.onApproval,
        }),
      toModelOutput: ({ output }) => {
        const result = output as CallToolResult;
        const text = resultText(result);
        if (result.isError) return { type: 'error-text', value: text };
        const media = modelMedia(result.content);
        return media.length
          ? { type: 'content', value: [{ type: 'text', text }, ...media] }
          : { type: 'text', value: text };
      },
    });
  }
  return tools;
}

/**
 * MCP image and audio blocks as AI SDK tool-output parts (`image-data`, `file-data`), so a model
 * that reads images sees them; other blocks are in the text already.
 */
function modelMedia(
  content: readonly { type: string; data?: unknown; mimeType?: unknown }[],
): { type: 'image-data' | 'file-data'; data: string; mediaType: string }[] {
  return content.flatMap((block) =>
    (block.type === 'image' || block.type === 'audio') &&
    typeof block.data === 'string' &&
    typeof block.mimeType === 'string'
      ? [
          {
            type: block.type === 'image' ? ('image-data' as const) : ('file-data' as const),
            data: block.data,
            mediaType: block.mimeType,
          },
        ]
      : [],
  );
}
