/**
 * The fast path for long questions ranks exactly as MiniSearch does: the same documents, the same
 * scores and the same order, for every LiveMCPBench question over the 527-tool catalog and over
 * ten copies of it (5,270 tools).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../src/catalog/catalog.js';
import { ExactOr, indexHasTerm } from '../src/discovery/exact-or.js';
import { DEFAULT_RANKING, ToolSearch } from '../src/discovery/search.js';
import { queryTerms } from '../src/discovery/text.js';
import { LIVEMCPBENCH_DIR, loadLiveMcpBenchCatalog } from './support/livemcpbench.js';

const questions = (
  JSON.parse(readFileSync(resolve(LIVEMCPBENCH_DIR, 'annotations.json'), 'utf8')) as { Question: string }[]
).map((entry) => entry.Question);

function copies(base: Catalog, n: number): Catalog {
  const servers: Record<
    string,
    { description?: string; tools: ReturnType<Catalog['allTools']>[number]['tool'][] }
  > = {};
  for (let copy = 0; copy < n; copy++)
    for (const server of base.listServers())
      servers[copy === 0 ? server.name : `${server.name}-${copy + 1}`] = {
        description: server.description,
        tools: server.tools,
      };
  return Catalog.fromTools(servers);
}

describe('fuzzy matching only for words the tools do not have', () => {
  it('still finds a misspelled word, and knows which words the index holds', async () => {
    const search = new ToolSearch(loadLiveMcpBenchCatalog());
    const hits = await search.search('weathr forecast', { detail: 'name', limit: 3 });
    expect(hits[0]?.name).toBe('weather.getWeather');
    const index = (search as unknown as { index: MiniSearch<never> }).index;
    expect(indexHasTerm(index, queryTerms('weather')[0] as string)).toBe(true);
    expect(indexHasTerm(index, 'weathr')).toBe(false);
  });
});

describe('exact OR ranking for long questions', () => {
  const base = loadLiveMcpBenchCatalog();
  for (const [label, catalog] of [
    ['527 tools', base],
    ['5,270 tools', copies(base, 10)],
  ] as const) {
    it(`equals MiniSearch's on every question, ${label}`, () => {
      const search = new ToolSearch(catalog);
      search.prepare();
      const index = (search as unknown as { index: MiniSearch<never> }).index;
      const boosts = DEFAULT_RANKING.boosts;
      let compared = 0;
      for (const question of questions) {
        const terms = queryTerms(question);
        const fast = ExactOr.over(index, boosts)?.rank([{ terms, weight: 1 }]);
        const slow = index.search(
          { combineWith: 'OR', queries: terms, processTerm: (t: string) => t },
          // The terms are already split and processed (as the ranking passes them).
          { boost: boosts, combineWith: 'OR', tokenize: (t: string) => [t] },
        );
        expect(fast).toBeDefined();
        expect(fast?.map((m) => [m.id, m.score])).toEqual(slow.map((m) => [m.id, m.score]));
        // The first 15 by selection are the first 15 of the whole ranking, ties included.
        const top = ExactOr.over(index, boosts)?.rank([{ terms, weight: 1 }], 15);
        expect(top?.map((m) => [m.id, m.score])).toEqual(slow.slice(0, 15).map((m) => [m.id, m.score]));
        compared += slow.length;
      }
      expect(compared).toBeGreaterThan(questions.length * 10);
    });
  }
});
