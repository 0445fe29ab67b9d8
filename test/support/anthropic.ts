import Anthropic from '@anthropic-ai/sdk';
import type { AnthropicTools } from '../../src/adapters/anthropic.js';

/**
 * The official Anthropic client, answering from `replies` (one per request, as Messages API JSON
 * on the wire): the paid API cannot be reached here, so the SDK's own `fetch` option replays them.
 * `requests` collects every request body the client sent.
 */
export function replayingClient(
  replies: ((request: Anthropic.MessageCreateParams) => Record<string, unknown>)[],
) {
  const requests: Anthropic.MessageCreateParams[] = [];
  const client = new Anthropic({
    apiKey: 'test-key',
    baseURL: 'http://anthropic.invalid',
    maxRetries: 0,
    fetch: async (_url, init) => {
      const request = JSON.parse(String(init?.body)) as Anthropic.MessageCreateParams;
      requests.push(request);
      const reply = (replies[requests.length - 1] as (typeof replies)[number])(request);
      const message = {
        id: `msg_${requests.length}`,
        type: 'message',
        role: 'assistant',
        model: request.model,
        stop_sequence: null,
        usage: { input_tokens: 100, output_tokens: 10 },
        ...reply,
      };
      return new Response(JSON.stringify(message), { headers: { 'content-type': 'application/json' } });
    },
  });
  return { client, requests };
}

/**
 * The tool-use loop a host writes with `toolscript/anthropic`: ask, answer every `tool_use` with
 * `handleMessage`, ask again, until the model stops asking for tools.
 * @returns the conversation, the user's `task` first.
 */
export async function toolUseLoop(
  client: Anthropic,
  adapter: Pick<AnthropicTools, 'tools' | 'system' | 'handleMessage'>,
  task: string,
): Promise<Anthropic.MessageParam[]> {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: task }];
  for (;;) {
    const response = await client.messages.create({
      model: 'claude-test',
      max_tokens: 1024,
      system: adapter.system,
      tools: adapter.tools,
      messages,
    });
    messages.push({ role: 'assistant', content: response.content });
    if (response.stop_reason !== 'tool_use') return messages;
    messages.push({ role: 'user', content: await adapter.handleMessage(response) });
  }
}
