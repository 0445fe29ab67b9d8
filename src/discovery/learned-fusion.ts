/**
 * What searches led to (see `LearnedTerms`), fused into a search's ranking: which tools may move,
 * by how much, and what stays first.
 */
import type { SearchDocument } from './documents.js';
import type { LearnedTerms } from './learned.js';
import { queryTerms } from './text.js';

/**
 * How many of the words' matches learning may reorder, best first. Deeper than the 50 that hybrid
 * ranking fuses: the tool a search then led to often stood at rank 11 to 35 of the words' matches
 * in LiveMCPBench's questions (long task descriptions match most of the catalog weakly).
 */
export const LEARNED_DEPTH = 300;

/** A ranked match: a document id and its score, higher first. */
export interface ScoredMatch {
  id: unknown;
  score: number;
}

/**
 * Learning's part in one {@link ToolSearch}: the tools' document ids by MCP name and by name
 * (for exact names), made once per change of the documents, and {@link fuseLearned} over them.
 */
export class LearnedFusion {
  /** Document ids by `<server>.<tool>` (MCP name). */
  private toolIds: Map<string, string> | undefined;
  /** Tool document ids by name (see {@link normalName}). */
  private byName: Map<string, string[]> | undefined;

  constructor(
    private readonly learned: LearnedTerms,
    private readonly documents: () => Iterable<SearchDocument>,
  ) {}

  /** Forgets the ids (the documents changed); they are made again on the next search. */
  reset(): void {
    this.toolIds = undefined;
    this.byName = undefined;
  }

  /**
   * `ranked` (the search's matches, best first) with what searches led to added, as `caller`
   * sees it (see {@link fuseLearned}); unchanged when nothing was learnt of the query's terms.
   * @param deeper further matches of the words, beyond `ranked`: they take part with no score of
   *   their own (a hybrid ranking's scores are not the words' scores).
   * @param accept false for a document the search's filters leave out.
   */
  apply(
    ranked: ScoredMatch[],
    deeper: ScoredMatch[],
    query: string,
    caller: string | undefined,
    weight: number,
    accept: (id: string) => boolean,
  ): ScoredMatch[] {
    const terms = queryTerms(query);
    const boosts = this.learned.boosts(terms, caller);
    if (!boosts.size || weight <= 0) return ranked;
    const { toolIds, byName } = this.ids();
    const idOf = (tool: string) => {
      const id = toolIds.get(tool);
      return id !== undefined && accept(id) ? id : undefined;
    };
    const exact = new Set(byName.get(normalName(query)) ?? []);
    const own = this.learned.ownTools(terms, caller);
    const seen = new Set(ranked.map((match) => String(match.id)));
    const candidates = [
      ...ranked,
      ...deeper.filter((match) => !seen.has(String(match.id))).map((match) => ({ id: match.id, score: 0 })),
    ];
    return fuseLearned(candidates, boosts, own, weight, idOf, exact);
  }

  private ids(): { toolIds: Map<string, string>; byName: Map<string, string[]> } {
    if (!this.toolIds || !this.byName) {
      const toolIds = new Map<string, string>();
      const byName = new Map<string, string[]>();
      for (const d of this.documents()) {
        if (d.kind !== 'tool') continue;
        toolIds.set(`${d.server}.${d.name}`, d.id);
        for (const name of new Set([normalName(d.name), normalName(d.identifier)]))
          byName.set(name, [...(byName.get(name) ?? []), d.id]);
      }
      this.toolIds = toolIds;
      this.byName = byName;
    }
    return { toolIds: this.toolIds, byName: this.byName };
  }
}

/**
 * `ranked` (lexical or hybrid matches, best first) with learnt boosts added: each tool's boost
 * times `weight` times the best score (at least 1), so it is worth as much however scores run.
 * Other callers' learning only reorders what the words matched; a tool the words did not match
 * joins the matches only from the searching caller's own learning (`own`), so no caller can put
 * an unrelated tool into anyone else's results. Tools in `exact` (their name is the query) stay
 * first: a learnt term never outranks an exact name. Tools without a boost keep their order
 * among themselves.
 * @param boosts by `<server>.<tool>` (see {@link LearnedTerms.boosts}).
 * @param own the tools the searching caller itself learnt (see {@link LearnedTerms.ownTools}).
 * @param idOf the document id of a tool, or undefined when it is not searchable (filtered out).
 */
export function fuseLearned(
  ranked: ScoredMatch[],
  boosts: Map<string, number>,
  own: ReadonlySet<string>,
  weight: number,
  idOf: (tool: string) => string | undefined,
  exact: ReadonlySet<string>,
): ScoredMatch[] {
  const scale = weight * Math.max(1, ranked[0]?.score ?? 0);
  const scores = new Map<string, number>(ranked.map((match) => [String(match.id), match.score]));
  for (const [tool, boost] of boosts) {
    const id = idOf(tool);
    if (id !== undefined && (scores.has(id) || own.has(tool)))
      scores.set(id, (scores.get(id) ?? 0) + scale * boost);
  }
  return [...scores]
    .map(([id, score]) => ({ id, score, exact: exact.has(id) }))
    .sort((a, b) => Number(b.exact) - Number(a.exact) || b.score - a.score)
    .map(({ id, score }) => ({ id, score }));
}

/** A name or query as compared for an exact name match: lowercase letters and digits only. */
export function normalName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}
