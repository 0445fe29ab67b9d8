/**
 * Discovery that learns from use, for `npm run bench:discovery`: LiveMCPBench's odd-numbered
 * questions are learnt (each question a search by a caller of its own, its annotated tools what
 * a script then called), then its even-numbered questions, which the learning never saw, are
 * ranked. Also: the bound on what one caller can do to a query (a caller that searches "delete
 * files" and calls an unrelated tool 1,000 times, or the words' 30th match 1,000 times), and
 * search latency with learnt terms for every tool at ~5,000 tools.
 */
import type { Catalog } from '../src/catalog/catalog.js';
import { LearnedTerms } from '../src/discovery/learned.js';
import { ToolSearch } from '../src/discovery/search.js';
import { queryTerms } from '../src/discovery/text.js';
import { median } from './support/stats.js';

interface Question {
  question: string;
  tools: string[];
}

/** Qualified tool names (`server.tool`) of a catalog, by MCP tool name. */
function qualified(catalog: Catalog): Map<string, string> {
  return new Map(catalog.allTools().map((t) => [t.tool.name, `${t.server}.${t.tool.name}`]));
}

/** Ranks of `questions` with and without learning; any@1 and any@5. */
export async function benchLearning(
  catalog: Catalog,
  synthetic: Catalog,
  questions: Question[],
  report: (name: string, values: string) => void,
): Promise<void> {
  const names = qualified(catalog);
  const learnt = { questions: questions.filter((_, i) => i % 2 === 0) };
  const held = questions.filter((_, i) => i % 2 === 1);
  const learned = new LearnedTerms();
  learnt.questions.forEach((q, i) => {
    for (const tool of q.tools)
      learned.record(`question-${i}`, queryTerms(q.question), names.get(tool) as string);
  });
  const plain = new ToolSearch(catalog);
  const learning = new ToolSearch(catalog, { learned });
  for (const [label, search] of [
    ['without learning', plain],
    ['learnt from the odd half', learning],
  ] as const) {
    const [at1, at5] = await anyAt(held, search);
    report(`even half (${held.length}), ${label}: any@1 / any@5`, `${pct(at1)} / ${pct(at5)}`);
  }
  const [odd1, odd5] = await anyAt(learnt.questions, learning);
  report(
    `odd half (${learnt.questions.length}, learnt), learnt: any@1 / any@5`,
    `${pct(odd1)} / ${pct(odd5)}`,
  );

  // One caller searches "delete files" and calls an unrelated tool 1,000 times.
  const query = 'delete files';
  const target = [...names.values()].find((tool) => tool.includes('weather')) ?? [...names.values()][0];
  const poisoned = new LearnedTerms();
  for (let i = 0; i < 1000; i++) poisoned.record('attacker', queryTerms(query), target as string);
  const once = new LearnedTerms();
  once.record('attacker', queryTerms(query), target as string);
  const rankOf = async (search: ToolSearch, caller?: string) =>
    (await search.search(query, { detail: 'name', limit: 50, ...(caller ? { caller } : {}) })).findIndex(
      (hit) => `${hit.server}.${hit.tool}` === target,
    );
  const before = await rankOf(plain);
  const afterMany = await rankOf(new ToolSearch(catalog, { learned: poisoned }), 'someone-else');
  const afterOne = await rankOf(new ToolSearch(catalog, { learned: once }), 'someone-else');
  const own = await rankOf(new ToolSearch(catalog, { learned: poisoned }), 'attacker');
  const place = (rank: number) => (rank < 0 ? 'not in the top 50' : `${rank + 1}`);
  report(
    `"${query}" → ${target}: rank for others before / after 1 use / after 1,000 uses by one caller / for that caller`,
    `${place(before)} / ${place(afterOne)} / ${place(afterMany)} / ${place(own)}`,
  );
  // The bound for a tool the words do match, weakly: the 30th of the words' matches.
  const weak = (await plain.search(query, { detail: 'name', limit: 30 })).at(-1);
  if (weak) {
    const matched = `${weak.server}.${weak.tool}`;
    const pushed = new LearnedTerms();
    for (let i = 0; i < 1000; i++) pushed.record('attacker', queryTerms(query), matched);
    const rankOfMatched = async (learned: LearnedTerms | undefined) =>
      (
        await new ToolSearch(catalog, learned ? { learned } : {}).search(query, {
          detail: 'name',
          limit: 50,
          caller: 'someone-else',
        })
      ).findIndex((hit) => `${hit.server}.${hit.tool}` === matched);
    report(
      `"${query}" → ${matched} (the words' 30th match): rank for others before / after 1,000 uses by one caller`,
      `${place(await rankOfMatched(undefined))} / ${place(await rankOfMatched(pushed))}`,
    );
  }

  // Latency with learnt terms for every tool of the synthetic catalog.
  const everything = new LearnedTerms();
  for (const tool of synthetic.allTools()) {
    const terms = queryTerms(`${tool.tool.name.replace(/_/g, ' ')} ${tool.tool.description ?? ''}`).slice(
      0,
      8,
    );
    everything.record('operator', terms, `${tool.server}.${tool.tool.name}`);
  }
  const p50 = async (search: ToolSearch) => {
    search.prepare();
    const times: number[] = [];
    for (let round = 0; round < 3; round++)
      for (const q of questions) {
        const t = performance.now();
        await search.search(q.question, { detail: 'name', limit: 10 });
        times.push(performance.now() - t);
      }
    return median(times);
  };
  const [without, withLearnt] = [
    await p50(new ToolSearch(synthetic)),
    await p50(new ToolSearch(synthetic, { learned: everything })),
  ];
  report(
    `search p50 at ${synthetic.allTools().length} tools, without / with ${everything.size} learnt terms (target at most 2 ms)`,
    `${without.toFixed(2)} ms / ${withLearnt.toFixed(2)} ms`,
  );
}

async function anyAt(questions: Question[], search: ToolSearch): Promise<[number, number]> {
  let at1 = 0;
  let at5 = 0;
  for (const q of questions) {
    const hits = (await search.search(q.question, { detail: 'name', limit: 5 })).map((h) => h.tool);
    if (q.tools.some((t) => hits.slice(0, 1).includes(t))) at1++;
    if (q.tools.some((t) => hits.includes(t))) at5++;
  }
  return [at1 / questions.length, at5 / questions.length];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
