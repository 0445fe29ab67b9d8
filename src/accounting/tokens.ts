import { createRequire } from 'node:module';

type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');
let encoding: Encoding | undefined;
/**
 * The o200k_base encoding, loaded on first use (its rank table takes a few hundred ms to load, so
 * commands that count nothing never pay for it). The CommonJS build loads about twice as fast.
 */
function o200k(): Encoding {
  encoding ??= createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as Encoding;
  return encoding;
}
const encode = (text: string) => o200k().encode(text);
const decode = (tokens: number[]) => o200k().decode(tokens);

/**
 * Token counting with the o200k_base BPE (gpt-tokenizer), the encoding of OpenAI's GPT-4o family.
 * For other models' tokenizers the figures are estimates.
 */

/** Texts longer than this many characters are counted from a sample and scaled. */
const EXACT_LIMIT_CHARS = 200_000;
/** Characters per token can never fall below 1, so this many characters always hold `n` tokens' worth. */
const CHARS_PER_TOKEN_CEILING = 32;

/** Number of o200k_base tokens in `text`; `estimated` when counted from a sample of a huge text. */
export function countTokens(text: string): { tokens: number; estimated: boolean } {
  if (text.length <= EXACT_LIMIT_CHARS) return { tokens: encode(text).length, estimated: false };
  const sample = text.slice(0, EXACT_LIMIT_CHARS);
  return { tokens: Math.round((encode(sample).length * text.length) / sample.length), estimated: true };
}

/**
 * Cuts `text` to at most `maxTokens` o200k_base tokens.
 * @returns the kept text, and the token count of the whole text (estimated for huge texts).
 */
export function truncateToTokens(
  text: string,
  maxTokens: number,
): { text: string; truncated: boolean; totalTokens: number; estimated: boolean } {
  const { tokens, estimated } = countTokens(text);
  if (tokens <= maxTokens) return { text, truncated: false, totalTokens: tokens, estimated };
  const head = encode(text.slice(0, maxTokens * CHARS_PER_TOKEN_CEILING)).slice(0, maxTokens);
  return { text: decode(head), truncated: true, totalTokens: tokens, estimated };
}
