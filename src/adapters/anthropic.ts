/**
 * toolscript for the official Anthropic SDK (`@anthropic-ai/sdk`): tool definitions for
 * `messages.create({ tools })` and a handler that answers the `tool_use` blocks of a response with
 * `tool_result` blocks for the next user turn. Import from `toolscript/anthropic`; only the SDK's
 * types are used, so the SDK is an optional peer dependency.
 *
 * ```ts
 * const { tools, system, handleMessage } = createAnthropicTools(gateway);
 * const messages: Anthropic.MessageParam[] = [{ role: 'user', content: task }];
 * for (;;) {
 *   const response = await anthropic.messages.create({ model, max_tokens: 4096, system, tools, messages });
 *   messages.push({ role: 'assistant', content: response.content });
 *   if (response.stop_reason !== 'tool_use') break;
 *   messages.push({ role: 'user', content: await handleMessage(response) });
 * }
 * ```
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { Gateway } from '../gateway/gateway.js';
import { GatewaySession, type GatewaySessionOptions, type ToolAnswer } from '../session/gateway-session.js';

/** The code-first tools of one session, in the Anthropic Messages API's shapes. */
export interface AnthropicTools {
  /** `search_tools` and `execute_code` for `messages.create({ tools })`. */
  tools: Anthropic.Tool[];
  /** The code-first system prompt naming the connected servers. */
  system: string;
  /** The session behind the tools: its id, PII vault and token ledger (`session.summary()`). */
  session: GatewaySession;
  /**
   * Answers one `tool_use` block. Never throws for model mistakes: an unknown tool, invalid input
   * or a failing script gives a `tool_result` with `is_error: true` and a message saying what to fix.
   */
  handle(
    block: Pick<Anthropic.ToolUseBlock, 'id' | 'name' | 'input'>,
  ): Promise<Anthropic.ToolResultBlockParam>;
  /**
   * Answers every `tool_use` block of a response, in order (one at a time, since scripts of one
   * session share a workspace): the content of the next user message. Empty when there are none.
   */
  handleMessage(message: Pick<Anthropic.Message, 'content'>): Promise<Anthropic.ToolResultBlockParam[]>;
  /** The last answer per `tool_use` id, with the execution for `execute_code` (for hosts that log). */
  answers: Map<string, ToolAnswer>;
}

/**
 * Creates the Anthropic tool definitions and handler for a gateway.
 * @param options a session id, or a session to share with other adapters.
 */
export function createAnthropicTools(
  gateway: Gateway,
  options: GatewaySessionOptions | { session: GatewaySession } = {},
): AnthropicTools {
  const session = 'session' in options ? options.session : new GatewaySession(gateway, options);
  const answers = new Map<string, ToolAnswer>();
  const handle: AnthropicTools['handle'] = async (block) => {
    const answer = await session.call(block.name, block.input);
    answers.set(block.id, answer);
    const images = answer.isError ? [] : messageImages(answer.content ?? []);
    return {
      type: 'tool_result',
      tool_use_id: block.id,
      content: images.length ? [{ type: 'text', text: answer.text }, ...images] : answer.text,
      ...(answer.isError ? { is_error: true } : {}),
    };
  };
  return {
    tools: session.definitions().map(({ name, description, inputSchema }) => ({
      name,
      description,
      input_schema: inputSchema,
    })),
    system: session.instructions(),
    session,
    handle,
    async handleMessage(message) {
      const results: Anthropic.ToolResultBlockParam[] = [];
      for (const block of message.content) if (block.type === 'tool_use') results.push(await handle(block));
      return results;
    },
    answers,
  };
}

/** Image types the Messages API takes in an image block (`source.media_type`). */
const MESSAGE_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

/**
 * The answer's images as Messages API image blocks (base64 source). Audio and other image types
 * have no block there; the answer's text already describes them.
 */
function messageImages(
  content: readonly { type: string; data?: unknown; mimeType?: unknown }[],
): Anthropic.ImageBlockParam[] {
  return content.flatMap((block) => {
    const mediaType = MESSAGE_IMAGE_TYPES.find((type) => type === block.mimeType);
    return block.type === 'image' && typeof block.data === 'string' && mediaType
      ? [
          {
            type: 'image' as const,
            source: { type: 'base64' as const, media_type: mediaType, data: block.data },
          },
        ]
      : [];
  });
}
