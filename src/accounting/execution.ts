import { countTokens, roughTokens } from './tokens.js';

/** Name of the tokenizer behind every count. */
export const TOKENIZER = 'o200k_base';

/**
 * A text kept for counting: its first `EXACT_LIMIT_CHARS` characters and its full length, so a
 * huge tool result is counted from a sample and scaled instead of being held whole.
 */
export interface TextSample {
  text: string;
  length: number;
}

/** Characters kept of each payload for counting; longer ones are counted from this prefix and scaled. */
export const SAMPLE_CHARS = 200_000;

/** Keeps a payload for later counting (see {@link TextSample}). */
export function sampleText(text: string): TextSample {
  return { text: text.length > SAMPLE_CHARS ? text.slice(0, SAMPLE_CHARS) : text, length: text.length };
}

/**
 * Characters tokenized at most per execution (about 50 ms of work). Above it, each payload is
 * counted from a prefix of an equal share of this budget and scaled by its length.
 */
export const COUNT_BUDGET_CHARS = 200_000;
/** The smallest prefix counted of any payload, in characters. */
const MIN_PREFIX_CHARS = 512;

/** Tokens of a sample, counting at most `maxChars` of it and scaling to its full length. */
export function countSample(
  sample: TextSample,
  maxChars = SAMPLE_CHARS,
): { tokens: number; estimated: boolean } {
  const text = sample.text.length > maxChars ? sample.text.slice(0, maxChars) : sample.text;
  const counted = countTokens(text);
  if (sample.length <= text.length) return counted;
  return { tokens: Math.round((counted.tokens * sample.length) / Math.max(1, text.length)), estimated: true };
}

/**
 * Token accounting of one execution, in o200k_base tokens (an estimate for non-OpenAI models).
 *
 * - `codeMode`: what the model handled: the script it wrote plus the output it read.
 * - `direct`: what direct tool calling would have put in the context for the same calls: the
 *   definitions of every connected tool (`tools/list` JSON), plus every call's arguments and
 *   full upstream result.
 * - `directCumulative`: the same billed per model turn: with k calls there are k+1 turns, and
 *   turn t re-sends the definitions plus the first t calls' arguments and results.
 * - `reduction`: `1 − codeMode / direct` (negative when code mode cost more); 0 for a script that
 *   made no tool calls, where there is nothing to compare.
 *
 * Counting is capped at {@link COUNT_BUDGET_CHARS} characters per execution: beyond that, texts
 * are counted from prefixes and scaled, and `estimated` is true.
 */
export interface ExecutionTokens {
  codeMode: number;
  direct: number;
  directCumulative: number;
  reduction: number;
  /** Of `direct`: the tool definitions. */
  definitions: number;
  /** True when some payload was counted from a sample and scaled. */
  estimated: boolean;
  tokenizer: string;
  /** Time spent counting, in ms. */
  countingMs: number;
}

/** Per-call token counts, in call order. */
export interface CallTokens {
  argsTokens: number;
  resultTokens: number;
}

/** Like {@link countSample}, from length alone (about 4 characters per token); always `estimated`. */
export function countSampleRoughly(sample: TextSample): { tokens: number; estimated: boolean } {
  return { tokens: roughTokens(sample.length), estimated: true };
}

/** What {@link accountExecution} accounts: the script, its output and every tool call's payloads. */
export interface AccountingInput {
  script: string;
  output: string;
  /** Tokens of the connected tools' definitions (see `Gateway.definitionTokens`). */
  definitions: number;
  calls: { args: TextSample; result: TextSample }[];
}

/**
 * Accounts one execution (see {@link ExecutionTokens}) with the o200k_base tokenizer, on the
 * calling thread; the gateway runs it on its counting worker (`counter.ts`).
 */
export function accountExecution(input: AccountingInput): { tokens: ExecutionTokens; calls: CallTokens[] } {
  return accountWith(input, countSample);
}

/** {@link accountExecution} with a given way of counting one payload. */
export function accountWith(
  input: AccountingInput,
  countOne: (sample: TextSample, maxChars: number) => { tokens: number; estimated: boolean },
): { tokens: ExecutionTokens; calls: CallTokens[] } {
  const started = performance.now();
  let estimated = false;
  const texts = [
    sampleText(input.script),
    sampleText(input.output),
    ...input.calls.flatMap((c) => [c.args, c.result]),
  ];
  const total = texts.reduce((sum, t) => sum + t.text.length, 0);
  const maxChars =
    total <= COUNT_BUDGET_CHARS
      ? SAMPLE_CHARS
      : Math.max(MIN_PREFIX_CHARS, Math.floor(COUNT_BUDGET_CHARS / texts.length));
  const count = (sample: TextSample) => {
    const counted = countOne(sample, maxChars);
    estimated ||= counted.estimated;
    return counted.tokens;
  };
  const calls = input.calls.map((call) => ({
    argsTokens: count(call.args),
    resultTokens: count(call.result),
  }));
  const codeMode = count(texts[0] as TextSample) + count(texts[1] as TextSample);
  let context = input.definitions;
  let directCumulative = context;
  for (const call of calls) {
    context += call.argsTokens + call.resultTokens;
    directCumulative += context;
  }
  const direct = context;
  return {
    tokens: {
      codeMode,
      direct,
      directCumulative,
      reduction: calls.length > 0 && direct > 0 ? 1 - codeMode / direct : 0,
      definitions: input.definitions,
      estimated,
      tokenizer: TOKENIZER,
      countingMs: performance.now() - started,
    },
    calls,
  };
}
