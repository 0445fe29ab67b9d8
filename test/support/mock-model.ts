/**
 * Scripted turns for the AI SDK's own mock language model (`ai/test`): no LLM API is reachable
 * here, so agent tests replay tool calls and texts, each turn able to read what the loop sent.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
} from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';

/** One model turn: tool calls or a final text, with the usage the "provider" reports. */
export type Turn =
  | { tools: { name: string; input: unknown }[]; usage: [input: number, output: number]; text?: string }
  | { text: string; usage: [input: number, output: number] };

/** A mock model answering turn i with `turns[i](prompt)`; the last turn repeats when they run out. */
export function scriptedModel(
  turns: ((prompt: LanguageModelV3Prompt, call: number) => Turn)[],
  modelId = 'scripted',
): MockLanguageModelV3 {
  let call = 0;
  return policyModel((options) => {
    const turn = (turns[Math.min(call, turns.length - 1)] as (typeof turns)[number])(options.prompt, call);
    call++;
    return turn;
  }, modelId);
}

/** A mock model whose every turn is decided by `policy` from the call (prompt, tools offered). */
export function policyModel(
  policy: (options: LanguageModelV3CallOptions) => Turn,
  modelId = 'policy',
): MockLanguageModelV3 {
  let calls = 0;
  return new MockLanguageModelV3({
    modelId,
    doGenerate: async (options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> => {
      const turn = policy(options);
      calls++;
      const usage = {
        inputTokens: { total: turn.usage[0], noCache: turn.usage[0], cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: turn.usage[1], text: turn.usage[1], reasoning: 0 },
      };
      if ('tools' in turn) {
        return {
          content: [
            ...(turn.text ? [{ type: 'text' as const, text: turn.text }] : []),
            ...turn.tools.map((tool, i) => ({
              type: 'tool-call' as const,
              toolCallId: `call-${calls}-${i}`,
              toolName: tool.name,
              input: JSON.stringify(tool.input),
            })),
          ],
          finishReason: { unified: 'tool-calls', raw: 'tool_use' },
          usage,
          warnings: [],
        };
      }
      return {
        content: [{ type: 'text', text: turn.text }],
        finishReason: { unified: 'stop', raw: 'end_turn' },
        usage,
        warnings: [],
      };
    },
  });
}

/** A stand-in for a provider's input token count: the prompt's JSON length / 4. */
export function promptTokens(prompt: LanguageModelV3Prompt): number {
  return Math.ceil(JSON.stringify(prompt).length / 4);
}

/** The tool results of the last tool message in a prompt: `{ toolName, type, value }` each. */
export function lastToolResults(
  prompt: LanguageModelV3Prompt,
): { toolName: string; type: string; value: string }[] {
  const message = [...prompt].reverse().find((m) => m.role === 'tool');
  if (message?.role !== 'tool') return [];
  return message.content.flatMap((part) =>
    part.type === 'tool-result'
      ? [
          {
            toolName: part.toolName,
            type: part.output.type,
            value: 'value' in part.output ? String(part.output.value) : '',
          },
        ]
      : [],
  );
}
