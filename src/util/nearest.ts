import { distance } from 'fastest-levenshtein';

/**
 * Up to three of `known` closest to `name` by Levenshtein distance, case-insensitive, nearest
 * first (ties in code-point order). Used for "did you mean" in errors.
 */
export function nearest(name: string, known: string[]): string[] {
  const lower = name.toLowerCase();
  const ranked = known
    .map((candidate) => ({ candidate, d: distance(lower, candidate.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || (a.candidate < b.candidate ? -1 : 1));
  return ranked.slice(0, 3).map((r) => r.candidate);
}
