import type MiniSearch from 'minisearch';

/**
 * MiniSearch's own index structures (7.x), read but never changed. Feature-detected: when a
 * MiniSearch version lays them out otherwise, {@link exactOrSearch} answers `undefined` and the
 * caller uses `MiniSearch.search`.
 */
interface Internals {
  _index: { get(term: string): Map<number, Map<number, number>> | undefined };
  _fieldIds: Record<string, number>;
  _fieldLength: Map<number, number[]>;
  _avgFieldLength: number[];
  _documentCount: number;
  _documentIds: Map<number, unknown>;
  _options: { searchOptions: { bm25: { k: number; b: number; d: number } } };
}

function internals(index: MiniSearch<never>): Internals | undefined {
  const i = index as unknown as Partial<Omit<Internals, '_options'>> & {
    _options?: { searchOptions?: { bm25?: unknown } };
  };
  return typeof i._index?.get === 'function' &&
    i._fieldIds &&
    i._fieldLength instanceof Map &&
    Array.isArray(i._avgFieldLength) &&
    typeof i._documentCount === 'number' &&
    i._documentIds instanceof Map &&
    i._options?.searchOptions?.bm25
    ? (i as unknown as Internals)
    : undefined;
}

/**
 * The ranking `MiniSearch.search` gives an OR query of exact, already processed `terms` with
 * per-field `boosts` and no prefix, fuzzy or filter, computed the same way (BM25+ per field with
 * MiniSearch's parameters, summed, times the number of query terms a document matched) but into
 * typed arrays instead of one result object per document and term: several times faster on long
 * questions over thousands of tools. Equality with MiniSearch is tested on every LiveMCPBench
 * question (test/discovery-exact-or.test.ts).
 * @returns matches best first (ties in MiniSearch's order: first matched first), or `undefined`
 *   when the index's internals are not the expected ones.
 */
export function exactOrSearch(
  index: MiniSearch<never>,
  terms: string[],
  boosts: Record<string, number>,
): { id: unknown; score: number }[] | undefined {
  const i = internals(index);
  if (!i) return undefined;
  const { k, b, d } = i._options.searchOptions.bm25;
  const size = Math.max(0, ...i._documentIds.keys()) + 1;
  const scores = new Float64Array(size);
  const matched = new Uint16Array(size);
  /** Document ids in the order MiniSearch first meets them, for its tie order. */
  const order: number[] = [];
  const total = i._documentCount;
  for (const term of new Set(terms)) {
    const fields = i._index.get(term);
    if (!fields) continue;
    // Summed per term first, then into the total, as MiniSearch does (the same float rounding).
    const termScores = new Map<number, number>();
    for (const field of Object.keys(boosts)) {
      const fieldId = i._fieldIds[field] as number;
      const postings = fields.get(fieldId);
      if (!postings) continue;
      const boost = boosts[field] as number;
      const average = i._avgFieldLength[fieldId] as number;
      let matching = postings.size;
      for (const [docId, termFreq] of postings) {
        if (!i._documentIds.has(docId)) {
          matching -= 1;
          continue;
        }
        const length = (i._fieldLength.get(docId) as number[])[fieldId] as number;
        const idf = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
        const raw = idf * (d + (termFreq * (k + 1)) / (termFreq + k * (1 - b + (b * length) / average)));
        termScores.set(docId, (termScores.get(docId) ?? 0) + boost * raw);
      }
    }
    for (const [docId, score] of termScores) {
      if (matched[docId] === 0) {
        order.push(docId);
        scores[docId] = score;
      } else scores[docId] = (scores[docId] as number) + score;
      matched[docId] = (matched[docId] as number) + 1;
    }
  }
  const results = order.map((docId) => ({
    id: i._documentIds.get(docId),
    score: (scores[docId] as number) * ((matched[docId] as number) || 1),
  }));
  // Array.prototype.sort is stable: equal scores keep the order MiniSearch would give them.
  return results.sort((x, y) => y.score - x.score);
}

/**
 * Whether the index holds `term` (processed) in any document; `undefined` when its internals are
 * not the expected ones.
 */
export function indexHasTerm(index: MiniSearch<never>, term: string): boolean | undefined {
  const i = internals(index);
  return i ? i._index.get(term) !== undefined : undefined;
}
