import type MiniSearch from 'minisearch';
import type { SearchOptions as MiniSearchOptions, Query as MiniSearchQuery } from 'minisearch';
import { type ExactMatch, ExactOr, indexHasTerm, type WeightedTerms } from './exact-or.js';
import { compoundTerms, expansionTerms, processTerm, querySteps, termsOf, tokenize } from './text.js';

/** Field weights and matching options of the ranking. */
export interface RankingOptions {
  boosts: {
    name: number;
    server: number;
    serverDescription: number;
    title: number;
    description: number;
    parameters: number;
    hints: number;
  };
  /** Edit distance allowed, as a fraction of term length, for terms of 5+ characters; 0 turns fuzzy off. */
  fuzzy: number;
  /** Match terms of 4+ characters as prefixes. */
  prefix: boolean;
  /**
   * Queries with more terms than this (after stop words) are long: they skip prefix and fuzzy
   * matching (task descriptions have enough exact terms, and expanding each costs time) and take
   * synonyms at `longSynonyms`.
   */
  maxExpandedTerms: number;
  /**
   * Weight of synonym expansion (see `SYNONYM_GROUPS`) relative to the query's own words, for
   * queries of at most `maxExpandedTerms` terms; 0 turns it off.
   */
  synonyms: number;
  /**
   * Weight of synonyms in long queries, which have more words of their own to match. In long
   * queries a synonym also counts only this much toward the number of matched terms (MiniSearch's
   * multiplier), so a tool matching many synonyms does not pass one matching the query's words.
   */
  longSynonyms: number;
  /**
   * A query with two steps or more (see `querySteps`: "read the paper, and find the latest
   * papers") keeps its first `stepsAfter` hits, then each step's best tool, then the rest: every
   * step a task needs gets a tool near the top however much another step's words dominate the
   * whole. 0 turns it off.
   */
  stepsAfter: number;
  /**
   * Weight of a tool's name in short queries (at most `maxExpandedTerms` terms), beyond BM25:
   * each match's score is multiplied by `1 + nameBonus × c`, where c is the share of the query's
   * own terms that the tool's name holds (a term's synonym in the name counts `synonyms`). A name
   * says what a tool does; a word found only in a long description or a parameter says less.
   * Long queries (task descriptions) are left alone: their many words make name matches noise.
   * 0 turns it off.
   */
  nameBonus: number;
  /**
   * Weight of what searches led to (see `LearnedTerms`): each tool's learnt boost, times this,
   * times the best lexical score, is added to its score. 0 turns it off. The default, 2.4, is
   * the smallest that gave the best any@5 on LiveMCPBench's odd half alone (learning from every
   * other odd question, ranking the rest); the even half was not looked at to choose it.
   */
  learned: number;
}

/**
 * Default ranking: the boosts tuned with `npm run bench:discovery -- --tune` on the LiveMCPBench
 * questions over the 527-tool catalog (best recall@5, ties broken by recall@10); `longSynonyms`
 * and `stepsAfter` chosen on the odd-numbered questions and checked on the even-numbered ones.
 */
export const DEFAULT_RANKING: RankingOptions = {
  boosts: { name: 1, server: 3, serverDescription: 1, title: 1, description: 1, parameters: 1, hints: 0.5 },
  fuzzy: 0.2,
  prefix: true,
  maxExpandedTerms: 8,
  synonyms: 0.5,
  longSynonyms: 0.2,
  stepsAfter: 3,
  nameBonus: 1.5,
  learned: 2.4,
};

/**
 * Lexical matches of `query` in `index`, best first. Short queries go through MiniSearch with
 * prefix, fuzzy (for words the index lacks) and synonyms; long ones through {@link ExactOr}, with
 * synonyms at `longSynonyms`. A query of two steps or more gets each step's best tool (exact
 * words and synonyms) after its first `stepsAfter` matches.
 * Two adjacent words the index holds written together ("mind map" → mindmap) count as the
 * query's own. `accept` filters by document id (undefined: every document); at least the first
 * `depth` matches are returned (more may be).
 */
export function lexicalMatches(
  index: MiniSearch<never>,
  query: string,
  ranking: RankingOptions,
  accept?: (id: string) => boolean,
  depth = Number.POSITIVE_INFINITY,
  nameTerms?: (id: string) => ReadonlySet<string>,
): ExactMatch[] {
  const { boosts, fuzzy, prefix, maxExpandedTerms, synonyms, longSynonyms } = ranking;
  const tokens = tokenize(query);
  const words = termsOf(tokens);
  const expand = words.length <= maxExpandedTerms;
  const terms = [
    ...words,
    ...compoundTerms(query).filter((t) => !words.includes(t) && indexHasTerm(index, t)),
  ];
  const weight = expand ? synonyms : longSynonyms;
  const extra = weight > 0 ? expansionTerms(query, tokens, terms) : [];
  const keep = (match: ExactMatch) => !accept || accept(String(match.id));
  const scorer = ExactOr.over(index, boosts);
  const groups = (terms: string[], extra: string[]): WeightedTerms[] => [
    { terms, weight: 1 },
    ...(extra.length ? [{ terms: extra, weight }] : []),
  ];
  const found =
    !expand && scorer
      ? scorer.rank(groups(terms, extra), accept ? undefined : depth).filter(keep)
      : miniSearch(index, terms, extra);
  const matches =
    expand && nameTerms && ranking.nameBonus > 0
      ? byName(found, terms, extra, weight, ranking.nameBonus, nameTerms)
      : found;
  if (!scorer) return matches;
  return withSteps(matches, query, ranking.stepsAfter, (step) => {
    const stepTokens = tokenize(step);
    const own = [...termsOf(stepTokens), ...compoundTerms(step)].filter((t) => terms.includes(t));
    const stepExtra =
      weight > 0 ? expansionTerms(step, stepTokens, own).filter((t) => extra.includes(t)) : [];
    return scorer.best(groups(own, stepExtra), (id) => keep({ id, score: 0 }));
  });

  function miniSearch(index: MiniSearch<never>, terms: string[], extra: string[]): ExactMatch[] {
    const searchOptions: MiniSearchOptions = {
      boost: boosts,
      combineWith: 'OR',
      // The terms are already split (CJK terms carry a mark that splitting would cut off).
      tokenize: (term: string) => [term],
      prefix: expand && prefix ? (term: string) => term.length >= 4 : false,
      // Fuzzy matching is for words the tools do not have (typos): a known word needs none.
      fuzzy:
        expand && fuzzy > 0
          ? (term: string) => (term.length >= 5 && indexHasTerm(index, term) !== true ? fuzzy : false)
          : false,
      ...(accept ? { filter: (result) => accept(String(result.id)) } : {}),
    };
    const scaled = Object.fromEntries(Object.entries(boosts).map(([field, w]) => [field, w * weight]));
    // Each term once (already processed): a word the query repeats does not count twice.
    const own: MiniSearchQuery = { combineWith: 'OR', queries: terms, processTerm: (t: string) => t };
    return index.search(
      extra.length
        ? { combineWith: 'OR', queries: [own, { combineWith: 'OR', queries: extra, boost: scaled }] }
        : own,
      searchOptions,
    );
  }
}

let batchTerms: ReadonlySet<string> | undefined;
/**
 * Name words of a tool that works on many things at once (`read_multiple_files`, `batch_get`), as
 * processed terms. When the query asks for none of them, such a name counts one term less: for
 * "read a file" the one-file tool is the better first answer. Processed on first use, since
 * processing loads the stop words, which start-up does not need.
 */
function batchTermSet(): ReadonlySet<string> {
  batchTerms ??= new Set(
    ['multiple', 'several', 'many', 'batch', 'bulk'].map((w) => processTerm(w) as string),
  );
  return batchTerms;
}

/**
 * `matches` re-scored by how much of the query their tool names hold (see
 * {@link RankingOptions.nameBonus}), best first.
 */
function byName(
  matches: ExactMatch[],
  terms: string[],
  extra: string[],
  synonymWeight: number,
  bonus: number,
  nameTerms: (id: string) => ReadonlySet<string>,
): ExactMatch[] {
  if (terms.length === 0) return matches;
  const batch = batchTermSet();
  const wantsMany = [...terms, ...extra].some((term) => batch.has(term));
  return matches
    .map((match) => {
      const name = nameTerms(String(match.id));
      let own = 0;
      for (const term of terms) if (name.has(term)) own++;
      let synonyms = 0;
      for (const term of extra) if (name.has(term)) synonyms++;
      let covered = own + synonymWeight * Math.min(synonyms, terms.length - own);
      if (!wantsMany && [...name].some((term) => batch.has(term))) covered = Math.max(0, covered - 1);
      return { ...match, score: match.score * (1 + (bonus * covered) / terms.length) };
    })
    .sort((a, b) => b.score - a.score);
}

/**
 * `matches` with each step's best match (from `bestOf`) moved to just after the first `after`,
 * in step order, when the query has two steps or more.
 */
function withSteps(
  matches: ExactMatch[],
  query: string,
  after: number,
  bestOf: (step: string) => ExactMatch | undefined,
): ExactMatch[] {
  if (after <= 0 || matches.length <= after) return matches;
  const steps = querySteps(query);
  if (steps.length < 2) return matches;
  const head = matches.slice(0, after);
  const placed = new Set(head.map((m) => m.id));
  for (const step of steps) {
    const best = bestOf(step);
    if (best && !placed.has(best.id)) {
      placed.add(best.id);
      head.push(matches.find((m) => m.id === best.id) ?? best);
    }
  }
  return [...head, ...matches.filter((m) => !placed.has(m.id))];
}
