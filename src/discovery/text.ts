import { createRequire } from 'node:module';
import { stemmer } from 'stemmer';
import { splitWords } from '../codegen/names.js';
import { SYNONYM_GROUPS } from './vocabulary.js';

// The CommonJS build of stopword loads in a quarter of the ESM build's time (it holds every language).
const { eng } = createRequire(import.meta.url)('stopword') as { eng: string[] };

/**
 * Text processing shared by the index and the queries, so both sides agree on terms:
 * - words are split at non-alphanumerics and at case changes (`readTextFile` → read, text, file);
 * - lower-cased; English stop words (the `stopword` package's list plus a few request words
 *   such as "please") are dropped; the rest are Porter-stemmed (`stemmer`): "files" → "file".
 */

const STOP_WORDS = new Set([
  ...eng,
  'please',
  'can',
  'could',
  'would',
  'me',
  'i',
  'my',
  'want',
  'need',
  'using',
  'use',
]);

/** Splits text into words (see module doc). */
export function tokenize(text: string): string[] {
  return splitWords(text);
}

/** Processed terms by raw term; words repeat across thousands of tools, stemming them once pays. */
const processed = new Map<string, string | null>();
const MAX_CACHED_TERMS = 100_000;

/** Lower-cases, drops stop words and stems; `null` drops the term. */
export function processTerm(term: string): string | null {
  const cached = processed.get(term);
  if (cached !== undefined) return cached;
  const lower = term.toLowerCase();
  const result =
    lower.length < 2 || STOP_WORDS.has(lower) ? null : /^[a-z]+$/.test(lower) ? stemmer(lower) : lower;
  if (processed.size >= MAX_CACHED_TERMS) processed.clear();
  processed.set(term, result);
  return result;
}

/** The query's terms after processing, without duplicates, in order. */
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  for (const word of tokenize(query)) {
    const term = processTerm(word);
    if (term && !terms.includes(term)) terms.push(term);
  }
  return terms;
}

let synonyms: Map<string, string[]> | undefined;

/** A word lower-cased and stemmed, stop word or not ("make" is a stop word and a tool word). */
function stem(word: string): string {
  const lower = word.toLowerCase();
  return /^[a-z]+$/.test(lower) ? stemmer(lower) : lower;
}

/**
 * The terms a query pulls in from {@link SYNONYM_GROUPS} (processed like indexed text), without
 * the query's own terms. Query words are matched stop word or not ("make" pulls "create"); a
 * word marked `>` is pulled in but pulls nothing.
 */
export function expansionTerms(query: string): string[] {
  if (!synonyms) {
    synonyms = new Map();
    for (const group of SYNONYM_GROUPS) {
      const targets = group
        .map((w) => processTerm(w.replace(/^>/, '')))
        .filter((t): t is string => t !== null);
      for (const source of group.filter((w) => !w.startsWith('>')).map(stem)) {
        const known = synonyms.get(source) ?? [];
        synonyms.set(source, [...new Set([...known, ...targets.filter((t) => t !== source)])]);
      }
    }
  }
  const own = queryTerms(query);
  const extra: string[] = [];
  for (const word of tokenize(query)) {
    for (const other of synonyms.get(stem(word)) ?? [])
      if (!own.includes(other) && !extra.includes(other)) extra.push(other);
  }
  return extra;
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
