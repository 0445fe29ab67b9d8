import { isInstalled, requirePeer } from '../util/peers.js';

type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');
let encoding: Encoding | undefined;
/**
 * The o200k_base encoding, loaded on first use (its rank table takes a few hundred ms to load, so
 * commands that count nothing never pay for it). The CommonJS build loads about twice as fast.
 */
function o200k(): Encoding {
  encoding ??= requirePeer<Encoding>(
    'gpt-tokenizer',
    'Exact token counts',
    'gpt-tokenizer/encoding/o200k_base',
  );
  return encoding;
}
const encode = (text: string) => o200k().encode(text);
const decode = (tokens: number[]) => o200k().decode(tokens);

/**
 * True when counts are exact: gpt-tokenizer (an optional peer dependency) is installed. Without it
 * every count is {@link roughTokens} and marked `estimated`, and cuts are made by characters.
 */
export function exactCounts(): boolean {
  return isInstalled('gpt-tokenizer');
}

/**
 * Token counting with the o200k_base BPE (gpt-tokenizer), the encoding of OpenAI's GPT-4o family.
 * For other models' tokenizers the figures are estimates.
 */

/** Texts longer than this many characters are counted from a sample and scaled. */
const EXACT_LIMIT_CHARS = 200_000;
/**
 * Longest piece handed to the tokenizer at once. BPE merging is quadratic in the length of a
 * piece without spaces (a run of one letter, CJK text, control characters), so text is cut into
 * pieces at whitespace, and long runs at this length. Cutting at whitespace keeps counts exact for
 * ordinary text; a forced cut inside a run may change the count by a token.
 */
const PIECE_CHARS = 512;
/**
 * Time one count may take, in ms. A text that takes longer (hostile or unusual input) is counted
 * up to this point and the rest scaled by length; the count is then `estimated`.
 */
const COUNT_BUDGET_MS = 250;

/** Start of each piece of `text` (see {@link PIECE_CHARS}), in order, ending with `text.length`. */
function* pieceBounds(text: string, from = 0): Generator<number> {
  let start = from;
  while (start < text.length) {
    yield start;
    let end = Math.min(text.length, start + PIECE_CHARS);
    if (end < text.length) {
      // Cut before the last whitespace of the window, so " word" stays whole for the next piece.
      let cut = end;
      while (cut > start + PIECE_CHARS / 4 && !/\s/.test(text[cut] ?? '')) cut--;
      if (cut > start + PIECE_CHARS / 4) end = cut;
      // Never between the two halves of a surrogate pair.
      const code = text.charCodeAt(end);
      if (code >= 0xdc00 && code <= 0xdfff) end--;
    }
    start = end;
  }
  yield text.length;
}

/**
 * Number of o200k_base tokens in `text`, counted piece by piece within a time budget.
 * `estimated` when the text was longer than 200,000 characters or took longer than 250 ms to
 * count: the counted part is then scaled to the whole length.
 */
export function countTokens(text: string): { tokens: number; estimated: boolean } {
  if (!exactCounts()) return { tokens: roughTokens(text.length), estimated: true };
  const limit = Math.min(text.length, EXACT_LIMIT_CHARS);
  const started = performance.now();
  let tokens = 0;
  let previous = 0;
  for (const bound of pieceBounds(text)) {
    if (bound > previous) tokens += encode(text.slice(previous, bound)).length;
    previous = bound;
    if (bound >= limit) break;
    if (performance.now() - started > COUNT_BUDGET_MS) break;
  }
  if (previous >= text.length) return { tokens, estimated: false };
  return { tokens: Math.round((tokens * text.length) / Math.max(1, previous)), estimated: true };
}

/**
 * Rough o200k_base count of a text of `length` characters: about 4 characters per token. Used
 * when a count runs past its deadline or gpt-tokenizer is not installed; the result is then
 * marked `estimated`.
 */
export function roughTokens(length: number): number {
  return Math.ceil(length / 4);
}

/**
 * Cuts `text` to at most `maxTokens` o200k_base tokens, tokenizing only as much of it as needed.
 * @returns the kept text, and the token count of the whole text (estimated for huge texts; see
 *   {@link countTokens}).
 */
export function truncateToTokens(
  text: string,
  maxTokens: number,
): { text: string; truncated: boolean; totalTokens: number; estimated: boolean } {
  const { tokens, estimated } = countTokens(text);
  if (tokens <= maxTokens) return { text, truncated: false, totalTokens: tokens, estimated };
  if (!exactCounts())
    return { text: text.slice(0, maxTokens * 4), truncated: true, totalTokens: tokens, estimated };
  const head: number[] = [];
  let previous = 0;
  for (const bound of pieceBounds(text)) {
    if (bound > previous) {
      for (const token of encode(text.slice(previous, bound))) {
        if (head.length >= maxTokens) break;
        head.push(token);
      }
    }
    previous = bound;
    if (head.length >= maxTokens) break;
  }
  return { text: decode(head), truncated: true, totalTokens: tokens, estimated };
}
