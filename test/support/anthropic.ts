import Anthropic from '@anthropic-ai/sdk';

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
