import { createRequire } from 'node:module';
import { stemmer } from 'stemmer';
import { splitWords } from '../codegen/names.js';
import { SYNONYM_GROUPS } from './vocabulary.js';

/**
 * Text processing shared by the index and the queries, so both sides agree on terms:
 * - words are split at non-alphanumerics and at case changes (`readTextFile` → read, text, file);
 * - lower-cased; English stop words (the `stopword` package's list plus a few request words
 *   such as "please") are dropped; the rest are Porter-stemmed (`stemmer`): "files" → "file";
 * - Chinese, Japanese and Korean text, which has no spaces between words (or, in Korean, words
 *   that change form), becomes overlapping pairs of characters.
 */

/** Words a request adds beside the `stopword` package's English list. */
const REQUEST_WORDS = ['please', 'can', 'could', 'would', 'me', 'i', 'my', 'want', 'need', 'using', 'use'];
let stopWords: Set<string> | undefined;
/**
 * English stop words, loaded on first use: the `stopword` package holds every language (its
 * CommonJS build loads in a quarter of the ESM build's time, still about 15 ms).
 */
function isStopWord(word: string): boolean {
  stopWords ??= new Set([
    ...(createRequire(import.meta.url)('stopword') as { eng: string[] }).eng,
    ...REQUEST_WORDS,
  ]);
  return stopWords.has(word);
}

/** Runs of letters and digits. */
const ALNUM_RUNS = /[\p{L}\p{N}]+/gu;
/**
 * A case change inside a run, which `splitWords` splits at ("YouTube"). Tested on each run on its
 * own: one pattern that matched whole runs with a case change inside backtracked over every start
 * of a long run without one (a 64 KB word took 7.5 s), where this is linear.
 */
const CASE_CHANGE = /[\p{Ll}\p{N}]\p{Lu}|\p{Lu}\p{Lu}\p{Ll}/u;

/** Scripts written without spaces between words (Chinese, Japanese) and Korean's Hangul. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
/** Runs of CJK characters and runs of anything else, in order. */
const CJK_RUNS =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

/**
 * A word with CJK characters as overlapping pairs of them, the other characters as words of their
 * own: "获取36氪热榜" → 获取, 36, 氪热, 热榜; a lone CJK character stays one term. Pairs are how
 * Lucene's CJKAnalyzer indexes text without spaces: a query's 热榜 finds a description's 热榜
 * without a dictionary of Chinese words.
 */
function cjkTerms(word: string): string[] {
  if (!CJK.test(word)) return [word];
  const terms: string[] = [];
  for (const run of word.match(CJK_RUNS) ?? []) {
    const chars = Array.from(run);
    if (!CJK.test(run) || chars.length === 1) terms.push(run);
    else for (let i = 0; i + 1 < chars.length; i++) terms.push(`${chars[i]}${chars[i + 1]}`);
  }
  return terms;
}

/**
 * Characters of one field (or query) that are split into terms; the rest is not indexed. Tool
 * descriptions run to a few thousand characters; this bounds what one upstream's megabyte-long
 * description costs every search that rebuilds the index (a 1 MB one of two-letter words took
 * 1.3 s to index, now 15 ms). The whole description is still what search results show.
 */
export const MAX_TOKENIZED_CHARS = 16_384;

/**
 * Splits the first {@link MAX_TOKENIZED_CHARS} characters of `full` into words (see module doc).
 * Outside tool names, a word with case changes inside also counts whole: "YouTube" gives you, tube
 * and youtube, so a query's "youtube" finds it. CJK text becomes overlapping character pairs
 * ({@link cjkTerms}).
 */
export function tokenize(full: string, field?: string): string[] {
  const text = full.length > MAX_TOKENIZED_CHARS ? full.slice(0, MAX_TOKENIZED_CHARS) : full;
  const words = splitWords(text).flatMap(cjkTerms);
  if (field === 'name') return words;
  const whole = (text.match(ALNUM_RUNS) ?? []).filter((run) => CASE_CHANGE.test(run));
  return whole.length ? [...words, ...whole] : words;
}

/** Processed terms by raw term; words repeat across thousands of tools, stemming them once pays. */
const processed = new Map<string, string | null>();
const MAX_CACHED_TERMS = 100_000;

const stems = new Map<string, string>();

/** A word lower-cased and stemmed, stop word or not ("make" is a stop word and a tool word). */
function stem(word: string): string {
  const cached = stems.get(word);
  if (cached !== undefined) return cached;
  const lower = word.toLowerCase();
  const result = /^[a-z]+$/.test(lower) ? stemmer(lower) : lower;
  if (stems.size >= MAX_CACHED_TERMS) stems.clear();
  stems.set(word, result);
  return result;
}

/**
 * Marks CJK terms, so the index's radix tree holds them all below one child of its root: MiniSearch
 * scans a node's children one by one, and a thousand CJK first characters at the root would slow
 * every insertion and lookup of every other term.
 */
const CJK_MARK = '\u00a7';

/**
 * Lower-cases, drops stop words and one-character terms (but a CJK character) and stems; CJK
 * terms get {@link CJK_MARK} in front (once: a processed term stays as it is). `null` drops the
 * term.
 */
export function processTerm(term: string): string | null {
  const cached = processed.get(term);
  if (cached !== undefined) return cached;
  const lower = term.toLowerCase();
  const cjk = CJK.test(lower);
  const result = cjk
    ? lower.startsWith(CJK_MARK)
      ? lower
      : CJK_MARK + lower
    : lower.length < 2 || isStopWord(lower)
      ? null
      : stem(lower);
  if (processed.size >= MAX_CACHED_TERMS) processed.clear();
  processed.set(term, result);
  return result;
}

/** The query's terms after processing, without duplicates, in order. */
export function queryTerms(query: string): string[] {
  return termsOf(tokenize(query));
}

/** Words processed, without duplicates, in order. */
export function termsOf(words: string[]): string[] {
  const terms = new Set<string>();
  for (const word of words) {
    const term = processTerm(word);
    if (term) terms.add(term);
  }
  return [...terms];
}

let synonyms: Map<string, string[]> | undefined;

/**
 * The terms a query pulls in from {@link SYNONYM_GROUPS} (processed like indexed text), without
 * the query's own terms. Query words are matched stop word or not ("make" pulls "create"); a
 * word marked `>` is pulled in but pulls nothing, one marked `=` pulls only as written.
 * @param words the query's words, when already split (`tokenize(query)`)
 * @param own terms not to repeat (default: the query's terms)
 * @returns processed terms, without duplicates, in the order the query's words pull them
 */
export function expansionTerms(
  query: string,
  words: string[] = tokenize(query),
  own: string[] = termsOf(words),
): string[] {
  if (!synonyms) {
    synonyms = new Map();
    for (const group of SYNONYM_GROUPS) {
      const targets = group
        .map((w) => processTerm(w.replace(/^[>=]/, '')))
        .filter((t): t is string => t !== null);
      // A source marked `=` is keyed by the word itself, after a marker no stem can hold.
      const sources = group
        .filter((w) => !w.startsWith('>'))
        .map((w) => (w.startsWith('=') ? `=${w.slice(1)}` : stem(w)));
      for (const source of sources) {
        const known = synonyms.get(source) ?? [];
        const self = source.startsWith('=') ? processTerm(source.slice(1)) : source;
        synonyms.set(source, [...new Set([...known, ...targets.filter((t) => t !== self)])]);
      }
    }
  }
  const extra = new Set<string>();
  for (const word of words) {
    const pulled = [...(synonyms.get(stem(word)) ?? []), ...(synonyms.get(`=${word.toLowerCase()}`) ?? [])];
    for (const other of pulled) if (!own.includes(other)) extra.add(other);
  }
  return [...extra];
}

/**
 * The steps of a task-like question: its parts between sentence ends, commas, semicolons, "and"
 * and "then" (and the full-width marks of Chinese and Japanese: 。！？；，、) that have two terms
 * or more. "Read the paper in /root/a.pdf, and find the latest papers in this area" → "Read the
 * paper in /root/a.pdf", "find the latest papers in this area".
 */
export function querySteps(query: string): string[] {
  return query
    .split(/(?<=[.!?;])\s+|[。！？；，、]|,\s*(?:(?:and|then)\s+)*|\s+(?:(?:and|then)\s+)+/i)
    .map((step) => step.trim())
    .filter((step) => queryTerms(step).length >= 2);
}

/** First sentence of a description (up to 200 characters). */
export function firstSentence(text: string): string {
  const line =
    text
      .trim()
      .split(/\n\s*\n/)[0]
      ?.replace(/\s+/g, ' ') ?? '';
  const match = line.match(/^.*?[.!?。](?=\s|$)/u);
  const sentence = match ? match[0] : line;
  return sentence.length > 200 ? `${sentence.slice(0, 197)}...` : sentence;
}

/**
 * Two adjacent query words written together, processed ("mind map" → "mindmap"), for the words
 * an index holds as one ("convert_markdown_to_mindmap"). Only plain words separated by spaces
 * pair up: "mind, map" or pieces of a URL or an identifier do not.
 */
export function compoundTerms(query: string): string[] {
  const terms: string[] = [];
  let previous: string | undefined;
  for (const raw of query.split(/\s+/)) {
    const word = raw.match(/^\p{L}+(?=\p{P}*$)/u)?.[0];
    const term = previous && word ? processTerm(`${previous}${word}`) : null;
    if (term && !terms.includes(term)) terms.push(term);
    // Punctuation after a word ("map,") ends the phrase.
    previous = word && word.length === raw.length ? word : undefined;
  }
  return terms;
}
