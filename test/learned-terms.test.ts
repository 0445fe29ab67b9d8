/**
 * What searches led to (`discovery/learned.ts`): counts by term, tool and caller, each caller's
 * share capped for others and its own uncapped, the decay, forgetting and saving; and the fusion
 * with a lexical ranking, where an exact name stays first.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LearnedTerms } from '../src/discovery/learned.js';
import { fuseLearned } from '../src/discovery/learned-fusion.js';
import { ToolSearch } from '../src/discovery/search.js';
import { queryTerms } from '../src/discovery/text.js';
import { loadLiveMcpBenchCatalog } from './support/livemcpbench.js';
import { runAt, searchAt } from './support/records.js';

const DAY = 86_400_000;

describe('learnt terms', () => {
  it("caps one caller's share for others, and counts its own uses in full", () => {
    const learned = new LearnedTerms();
    for (let i = 0; i < 1000; i++) learned.record('attacker', ['delete', 'file'], 'weather.get_weather', 0);
    const once = new LearnedTerms();
    once.record('attacker', ['delete', 'file'], 'weather.get_weather', 0);
    const others = learned.boosts(['delete', 'file'], 'someone', 0).get('weather.get_weather');
    // 1,000 uses by one caller weigh for others what one use does.
    expect(others).toBe(once.boosts(['delete', 'file'], 'someone', 0).get('weather.get_weather'));
    // For the caller itself they add up (saturating below √n for a query of n terms).
    const own = learned.boosts(['delete', 'file'], 'attacker', 0).get('weather.get_weather') as number;
    expect(own).toBeGreaterThan(others as number);
    expect(own).toBeLessThan(Math.SQRT2);
    // One use gives half of it, as others see it.
    expect(others).toBeCloseTo(Math.SQRT2 / 2, 5);
    // Two callers weigh more than one.
    learned.record('another', ['delete'], 'weather.get_weather', 0);
    expect(learned.boosts(['delete', 'file'], 'someone', 0).get('weather.get_weather')).toBeGreaterThan(
      others as number,
    );
  });

  it("lets five of the operator's own uses take a tool ahead of one use by each of three other callers", () => {
    const learned = new LearnedTerms();
    for (let i = 0; i < 5; i++) learned.record('operator', ['invoice'], 'books.find_invoice', 0);
    for (const caller of ['a', 'b', 'c']) learned.record(caller, ['invoice'], 'mail.search', 0);
    const boosts = learned.boosts(['invoice'], 'operator', 0);
    expect(boosts.get('books.find_invoice')).toBeGreaterThan(boosts.get('mail.search') as number);
    // Others see the operator as one caller among four.
    const seen = learned.boosts(['invoice'], 'someone', 0);
    expect(seen.get('mail.search')).toBeGreaterThan(seen.get('books.find_invoice') as number);
  });

  it('halves a use every 30 days, and forgets a tool or everything', () => {
    const learned = new LearnedTerms();
    learned.record('op', ['report'], 's.a', 0);
    learned.record('op', ['report'], 's.b', 0);
    const fresh = learned.boosts(['report'], 'op', 0).get('s.a') as number;
    const later = learned.boosts(['report'], 'op', 30 * DAY).get('s.a') as number;
    // signal 1 → 1/2 of the saturation; signal 0.5 → 1/3.
    expect(later / fresh).toBeCloseTo(2 / 3, 5);
    expect(learned.forget('s.a')).toBe(1);
    expect([...learned.boosts(['report'], 'op', 0).keys()]).toEqual(['s.b']);
    expect(learned.forget()).toBe(1);
    expect(learned.size).toBe(0);
  });

  it('saves to JSON and adds a saved state to what it holds', () => {
    const learned = new LearnedTerms();
    learned.record('op', ['chart', 'sales'], 'sheets.plot', 1_000);
    const copy = new LearnedTerms();
    copy.merge(learned.toJSON(), 1_000);
    expect(copy.boosts(['chart'], 'op', 1_000)).toEqual(learned.boosts(['chart'], 'op', 1_000));
    copy.merge(learned.toJSON(), 1_000);
    expect(copy.toJSON().chart?.['sheets.plot']?.op?.[0]).toBe(2);
    expect(copy.termsFor('sheets.plot')).toEqual(['chart', 'sales']);
  });
});

describe('fusing learnt boosts into a ranking', () => {
  it("adds boosts scaled by the best score, takes in tools only the caller's own learning found, and keeps an exact name first", () => {
    const ranked = [
      { id: 'fs.deleteFile', score: 10 },
      { id: 'fs.moveFile', score: 6 },
      { id: 'fs.readFile', score: 5 },
    ];
    const ids = new Map([
      ['fs.read_file', 'fs.readFile'],
      ['trash.empty', 'trash.empty'],
    ]);
    const boosts = new Map([
      ['fs.read_file', 0.5],
      ['trash.empty', 0.9],
    ]);
    const idOf = (tool: string) => ids.get(tool);
    const own = new Set(['trash.empty']);
    const fused = fuseLearned(ranked, boosts, own, 0.8, idOf, new Set(['fs.deleteFile']));
    // readFile: 5 + 0.8 × 10 × 0.5 = 9; trash.empty (the caller's own): 0.8 × 10 × 0.9 = 7.2;
    // deleteFile stays first.
    expect(fused).toEqual([
      { id: 'fs.deleteFile', score: 10 },
      { id: 'fs.readFile', score: 9 },
      { id: 'trash.empty', score: 7.2 },
      { id: 'fs.moveFile', score: 6 },
    ]);
    // Others' learning never brings in a tool the words did not match.
    expect(fuseLearned(ranked, boosts, new Set(), 0.8, idOf, new Set()).map((m) => m.id)).toEqual([
      'fs.deleteFile',
      'fs.readFile',
      'fs.moveFile',
    ]);
    // Without the exact name it would have been passed.
    const plain = fuseLearned(ranked, new Map([['trash.empty', 2]]), own, 0.8, idOf, new Set());
    expect(plain[0]?.id).toBe('trash.empty');
    expect(fuseLearned(ranked, new Map(), own, 0.8, () => undefined, new Set())).toEqual(ranked);
  });
});

describe("the bound on what one caller does to others' results", () => {
  const catalog = loadLiveMcpBenchCatalog();
  const names = async (search: ToolSearch, query: string, caller: string) =>
    (await search.search(query, { detail: 'name', limit: 50, caller })).map((h) => `${h.server}.${h.tool}`);

  it('lifts a tool the words match, however weakly, at most to first; never brings in one they do not match; never passes an exact name', async () => {
    const query = 'delete files';
    const plain = await names(new ToolSearch(catalog), query, 'someone');
    const weak = plain[29] as string;
    const unrelated = catalog
      .allTools()
      .map((t) => `${t.server}.${t.tool.name}`)
      .find((tool) => tool.includes('weather')) as string;
    expect(plain).not.toContain(unrelated);
    const learned = new LearnedTerms();
    for (let i = 0; i < 1000; i++)
      for (const tool of [weak, unrelated]) learned.record('attacker', queryTerms(query), tool);
    const search = new ToolSearch(catalog, { learned });
    const others = await names(search, query, 'someone');
    expect(others[0]).toBe(weak);
    expect(others).not.toContain(unrelated);
    // The attacker's own results do take the unrelated tool in.
    expect((await names(search, query, 'attacker')).slice(0, 2)).toContain(unrelated);
    // A query that is a tool's name keeps that tool first, whatever was learnt of its words.
    const named = plain[0]?.split('.')[1] as string;
    learned.record('attacker', queryTerms(named), weak);
    expect((await names(search, named, 'someone'))[0]).toBe(plain[0]);
  });
});

describe('the learning of a gateway', () => {
  it("credits a search only with the same session's successful calls within 10 minutes, once per tool, and forgets sessions long gone", async () => {
    const { DiscoveryLearning } = await import('../src/insights/learning.js');
    const learning = new DiscoveryLearning(
      join(mkdtempSync(join(tmpdir(), 'toolscript-learning-unit-')), 'l.json'),
    );
    const search = (caller: string, time: number) => searchAt(caller, time, [], ['invoice']);
    const run = runAt;
    learning.observe(search('s-a', 0));
    learning.observe(run('s-a', 1_000, 'books.find'));
    learning.observe(run('s-a', 2_000, 'books.find'));
    learning.observe(run('s-a', 3_000, 'mail.send', 1));
    learning.observe(run('s-b', 3_000, 'mail.search'));
    learning.observe(run('s-a', 11 * 60_000, 'sheets.plot'));
    expect([...learning.terms.boosts(['invoice'], 's-a', 3_000).keys()]).toEqual(['books.find']);
    expect(learning.terms.toJSON().invoice?.['books.find']?.['s-a']?.[0]).toBe(1);
    for (let i = 0; i < 1_000; i++) learning.observe(search(`s-${i}`, 0));
    expect(learning.waiting).toBe(1_001);
    learning.observe(search('late', 20 * 60_000));
    expect(learning.waiting).toBe(1);
  });

  it('keeps what it learnt when saving fails, says so once, and saves it on the next try', async () => {
    const { DiscoveryLearning } = await import('../src/insights/learning.js');
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-learning-save-'));
    // A file where the folder should be: reading and writing fail (ENOTDIR), not "missing".
    writeFileSync(join(dir, 'data'), 'not a folder');
    const warnings: string[] = [];
    const learning = new DiscoveryLearning(join(dir, 'data', 'l.json'), undefined, (m) => warnings.push(m));
    const now = Date.now();
    learning.observe(searchAt('s-a', now, [], ['invoice']));
    learning.observe(runAt('s-a', now + 1_000, 'books.find'));
    await learning.flush();
    learning.observe(runAt('s-a', now + 2_000, 'mail.search'));
    await learning.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot save what discovery learnt to .*l\.json.*"learn": false/);
    rmSync(join(dir, 'data'));
    await learning.flush();
    const saved = JSON.parse(readFileSync(join(dir, 'data', 'l.json'), 'utf8'));
    expect(Object.keys(saved.invoice).sort()).toEqual(['books.find', 'mail.search']);
  });
});
