import type MiniSearch from 'minisearch';

/**
 * MiniSearch's own index structures (7.x), read but never changed. Feature-detected: when a
 * MiniSearch version lays them out otherwise, {@link ExactOr.over} and {@link indexHasTerm} answer
 * `undefined` and the caller uses `MiniSearch.search`.
 */
interface Internals {
  _index: { get(term: string): Map<number, Map<number, number>> | undefined };
  _fieldIds: Record<string, number>;
  _fieldLength: Map<number, number[]>;
  _avgFieldLength: number[];
  _documentCount: number;
  _documentIds: Map<number, unknown>;
  /** The next short id: every id is below it. */
  _nextId: number;
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
    typeof i._nextId === 'number' &&
    i._options?.searchOptions?.bm25
    ? (i as unknown as Internals)
    : undefined;
}

/** Query terms (already processed) and the weight they count with: the query's own words 1. */
export interface WeightedTerms {
  terms: string[];
  weight: number;
}

/** One term's scores: internal document ids in the order first met, and each one's score. */
interface TermScores {
  ids: Int32Array;
  scores: Float64Array;
}

/** A match: the document's id and its score. */
export interface ExactMatch {
  id: unknown;
  score: number;
}

/**
 * OR queries of exact, already processed terms with per-field boosts and no prefix, fuzzy or
 * filter, scored as `MiniSearch.search` scores them (BM25+ per field with MiniSearch's
 * parameters, summed per term, the sum times the number of query terms a document matched) but
 * into typed arrays instead of one result object per document and term: several times faster on
 * long questions over thousands of tools. Each term's scores are kept, so several queries over the
 * same terms (a question and its steps) cost one pass over the postings.
 *
 * Terms may come in weighted groups (synonyms): a group's terms add `weight` times their score,
 * and count `weight` toward the number of matched terms. With one group of weight 1 the ranking
 * equals MiniSearch's, which is tested on every LiveMCPBench question
 * (test/discovery-exact-or.test.ts).
 */
export class ExactOr {
  /** Per term: matching document ids (internal) and the term's score in each. */
  private readonly termScores = new Map<string, TermScores>();
  private work: { sums: Float64Array; seen: Uint8Array } | undefined;

  private constructor(
    private readonly i: Internals,
    private readonly boosts: Record<string, number>,
    /** Per field id, per document id: BM25's length term `k(1 - b + b·length/average)`; NaN when discarded. */
    private readonly norms: Float64Array[],
  ) {}

  /** A scorer over `index`; `undefined` when the index's internals are not the expected ones. */
  static over(index: MiniSearch<never>, boosts: Record<string, number>): ExactOr | undefined {
    const i = internals(index);
    return i ? new ExactOr(i, boosts, lengthNorms(index, i)) : undefined;
  }

  /**
   * The best `depth` matches of `groups` (all by default), best first; ties in MiniSearch's order
   * (first matched first). A term repeated in a later group counts once, with its first group's
   * weight.
   */
  rank(groups: WeightedTerms[], depth = Number.POSITIVE_INFINITY): ExactMatch[] {
    const { order, scores, quality } = this.accumulate(groups);
    const final = Float64Array.from(
      order,
      (docId) => (scores[docId] as number) * Math.max(1, quality[docId] as number),
    );
    // Only matches scoring at least the depth-th best can be among the first `depth`.
    const floor = depth < final.length ? nthLargest(final, depth) : Number.NEGATIVE_INFINITY;
    const kept: number[] = [];
    for (let n = 0; n < order.length; n++) if ((final[n] as number) >= floor) kept.push(n);
    // Array.prototype.sort is stable: equal scores keep the order MiniSearch would give them.
    kept.sort((x, y) => (final[y] as number) - (final[x] as number));
    return kept.slice(0, depth).map((n) => ({
      id: this.i._documentIds.get(order[n] as number),
      score: final[n] as number,
    }));
  }

  /** The best match of `groups` that `accept` takes (first matched among equals), if any. */
  best(groups: WeightedTerms[], accept: (id: unknown) => boolean): ExactMatch | undefined {
    const { order, scores, quality } = this.accumulate(groups);
    let best: ExactMatch | undefined;
    for (const docId of order) {
      const score = (scores[docId] as number) * Math.max(1, quality[docId] as number);
      if (best && score <= best.score) continue;
      const id = this.i._documentIds.get(docId);
      if (accept(id)) best = { id, score };
    }
    return best;
  }

  private accumulate(groups: WeightedTerms[]): {
    order: number[];
    scores: Float64Array;
    quality: Float64Array;
  } {
    const size = this.i._nextId;
    const scores = new Float64Array(size);
    const quality = new Float64Array(size);
    /** Document ids in the order MiniSearch first meets them, for its tie order. */
    const order: number[] = [];
    const seen = new Set<string>();
    for (const { terms, weight } of groups) {
      for (const term of terms) {
        if (seen.has(term)) continue;
        seen.add(term);
        const { ids, scores: termScores } = this.scoresOf(term);
        for (let n = 0; n < ids.length; n++) {
          const docId = ids[n] as number;
          const score = termScores[n] as number;
          if (quality[docId] === 0) {
            order.push(docId);
            scores[docId] = weight * score;
          } else scores[docId] = (scores[docId] as number) + weight * score;
          quality[docId] = (quality[docId] as number) + weight;
        }
      }
    }
    return { order, scores, quality };
  }

  /**
   * One term's score in each document that has it (summed over fields, boosted): document ids
   * (internal) in the order first met, and their scores.
   */
  private scoresOf(term: string): TermScores {
    const cached = this.termScores.get(term);
    if (cached) return cached;
    const i = this.i;
    const { k, d } = i._options.searchOptions.bm25;
    const total = i._documentCount;
    // Summed per term first, then into the total, as MiniSearch does (the same float rounding).
    const { sums, seen } = this.scratch();
    const touched: number[] = [];
    const fields = i._index.get(term);
    for (const field of fields ? Object.keys(this.boosts) : []) {
      const fieldId = i._fieldIds[field] as number;
      const postings = fields?.get(fieldId);
      if (!postings) continue;
      const boost = this.boosts[field] as number;
      const norms = this.norms[fieldId] as Float64Array;
      let matching = postings.size;
      let idf = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
      postings.forEach((termFreq, docId) => {
        const norm = norms[docId] as number;
        if (Number.isNaN(norm)) {
          // A discarded document: MiniSearch counts the field's matches down as it meets them.
          matching -= 1;
          idf = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
          return;
        }
        const raw = idf * (d + (termFreq * (k + 1)) / (termFreq + norm));
        if (seen[docId] === 0) {
          seen[docId] = 1;
          touched.push(docId);
        }
        sums[docId] = (sums[docId] as number) + boost * raw;
      });
    }
    const scores = new Float64Array(touched.length);
    touched.forEach((docId, n) => {
      scores[n] = sums[docId] as number;
      sums[docId] = 0;
      seen[docId] = 0;
    });
    const result = { ids: Int32Array.from(touched), scores };
    this.termScores.set(term, result);
    return result;
  }

  /** Zeroed arrays over every document id, reused (and left zeroed) from term to term. */
  private scratch(): { sums: Float64Array; seen: Uint8Array } {
    if (!this.work || this.work.sums.length < this.i._nextId)
      this.work = { sums: new Float64Array(this.i._nextId), seen: new Uint8Array(this.i._nextId) };
    return this.work;
  }
}

/** The `n`-th largest value (from 1) of `values`, by selection on a copy (Hoare's quickselect). */
function nthLargest(values: Float64Array, n: number): number {
  const a = Float64Array.from(values);
  const target = n - 1;
  let low = 0;
  let high = a.length - 1;
  while (low < high) {
    const pivot = a[(low + high) >> 1] as number;
    let i = low;
    let j = high;
    while (i <= j) {
      while ((a[i] as number) > pivot) i++;
      while ((a[j] as number) < pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) high = j;
    else if (target >= i) low = i;
    else break;
  }
  return a[target] as number;
}

/** Length terms by index, kept while its documents stay the same. */
const normsByIndex = new WeakMap<object, { key: string; norms: Float64Array[] }>();

/**
 * BM25's length term of every document in every field, computed as MiniSearch computes it. Kept
 * per index until a document is added or discarded: ids only grow and the count only falls
 * without an addition, so the next id and the document count name the index's state.
 */
function lengthNorms(index: object, i: Internals): Float64Array[] {
  const key = `${i._nextId}:${i._documentCount}`;
  const known = normsByIndex.get(index);
  if (known?.key === key) return known.norms;
  const { k, b } = i._options.searchOptions.bm25;
  const norms = Object.values(i._fieldIds).map((fieldId) => {
    const average = i._avgFieldLength[fieldId] as number;
    const field = new Float64Array(i._nextId).fill(Number.NaN);
    for (const docId of i._documentIds.keys()) {
      const length = (i._fieldLength.get(docId) as number[])[fieldId] as number;
      field[docId] = k * (1 - b + (b * length) / average);
    }
    return field;
  });
  normsByIndex.set(index, { key, norms });
  return norms;
}

/**
 * Whether the index holds `term` (processed) in any document; `undefined` when its internals are
 * not the expected ones.
 */
export function indexHasTerm(index: MiniSearch<never>, term: string): boolean | undefined {
  const i = internals(index);
  return i ? i._index.get(term) !== undefined : undefined;
}
