/**
 * The lexical ranking's pieces beyond BM25: words with case changes indexed whole, two words
 * written together, synonyms that count less in long questions, and a question's steps.
 */
import type MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../src/catalog/catalog.js';
import { ExactOr } from '../src/discovery/exact-or.js';
import { DEFAULT_RANKING, ToolSearch } from '../src/discovery/search.js';
import { compoundTerms, querySteps, queryTerms, tokenize } from '../src/discovery/text.js';
import { loadLiveMcpBenchCatalog } from './support/livemcpbench.js';

const tool = (name: string, description: string) => ({
  name,
  description,
  inputSchema: { type: 'object' as const, properties: {} },
});

const names = async (search: ToolSearch, query: string, limit = 10) =>
  (await search.search(query, { detail: 'name', limit })).map((h) => h.tool);

describe('words with case changes inside', () => {
  it('are indexed whole as well as in parts, except in tool names', () => {
    expect(tokenize('Extract a YouTube transcript')).toEqual([
      'Extract',
      'a',
      'You',
      'Tube',
      'transcript',
      'YouTube',
    ]);
    expect(tokenize('readTextFile', 'name')).toEqual(['read', 'Text', 'File']);
  });

  it('so "youtube" finds a tool whose description writes YouTube', async () => {
    const search = new ToolSearch(
      Catalog.fromTools({
        video: { tools: [tool('get_transcript', 'Extract the transcript of a YouTube video.')] },
        lab: { tools: [tool('measure', 'Measure the length of a tube.')] },
      }),
    );
    expect(await names(search, 'youtube')).toEqual(['get_transcript']);
  });
});

describe('Chinese, Japanese and Korean text', () => {
  it('is indexed as overlapping pairs of characters, other characters as words', () => {
    expect(tokenize('获取36氪热榜')).toEqual(['获取', '36', '氪热', '热榜']);
    expect(tokenize('ファイル')).toEqual(['ファ', 'ァイ', 'イル']);
    // A lone character stays a term, which one-letter Latin words do not.
    expect(queryTerms('汤 a')).toHaveLength(1);
  });

  it('finds tools described in Chinese from Chinese queries, short and long', async () => {
    const search = new ToolSearch(loadLiveMcpBenchCatalog());
    expect((await names(search, '微博热搜'))[0]).toBe('get-weibo-trending');
    expect((await names(search, '通过卡牌ID获取游戏王卡牌的图片'))[0]).toBe('get_card_image');
    // 25 terms: a long question, ranked by ExactOr, in two steps at the full-width comma.
    const question = '帮我根据家里的人数和忌口推荐一周的菜谱，然后列出购物清单';
    expect(queryTerms(question).length).toBeGreaterThan(DEFAULT_RANKING.maxExpandedTerms);
    expect(querySteps(question)).toEqual(['帮我根据家里的人数和忌口推荐一周的菜谱', '然后列出购物清单']);
    expect((await names(search, question))[0]).toBe('mcp_howtocook_recommendMeals');
    expect(await names(search, '查一下微博热搜，再看看知乎热榜', 2)).toEqual([
      'get-weibo-trending',
      'get-zhihu-trending',
    ]);
  });

  it('in Japanese and Korean too, beside English tools', async () => {
    const search = new ToolSearch(
      Catalog.fromTools({
        ja: { tools: [tool('read', 'ファイルを読み込みます。')] },
        ko: { tools: [tool('weather', '도시의 날씨를 알려줍니다.')] },
        en: { tools: [tool('read_file', 'Read a file.')] },
      }),
    );
    expect(await names(search, 'ファイル')).toEqual(['read']);
    expect(await names(search, '날씨')).toEqual(['weather']);
    expect((await names(search, 'read a file'))[0]).toBe('read_file');
  });
});

describe('two words written together', () => {
  it('pairs adjacent plain words only', () => {
    expect(compoundTerms('organize them into a mind map')).toContain('mindmap');
    expect(compoundTerms('a mind, map')).not.toContain('mindmap');
    expect(compoundTerms('iVBORw0KGgo/AAAANSUhEUgAA+AAIACAY')).toEqual([]);
  });

  it('match a tool that writes them as one word, when the index holds it', async () => {
    const search = new ToolSearch(
      Catalog.fromTools({
        charts: {
          tools: [
            tool('draw_map', 'Draw a map of a city with its streets, parks and districts.'),
            tool('convert_to_mindmap', 'Convert Markdown to a mindmap.'),
          ],
        },
      }),
    );
    expect((await names(search, 'make a mind map of my notes'))[0]).toBe('convert_to_mindmap');
  });
});

describe('weighted term groups', () => {
  it('add a synonym at its weight and count it by its weight toward the matched terms', () => {
    const search = new ToolSearch(loadLiveMcpBenchCatalog());
    search.prepare();
    const index = (search as unknown as { index: MiniSearch<never> }).index;
    const scorer = ExactOr.over(index, DEFAULT_RANKING.boosts);
    const [file] = queryTerms('file');
    const [image] = queryTerms('image');
    const alone = (term: string) =>
      new Map((scorer?.rank([{ terms: [term], weight: 1 }]) ?? []).map((m) => [m.id, m.score]));
    const fileScores = alone(file as string);
    const imageScores = alone(image as string);
    // "file" as the query's own word, "image" as a synonym at 0.2.
    const both = scorer?.rank([
      { terms: [file as string], weight: 1 },
      { terms: [image as string], weight: 0.2 },
    ]);
    const id = [...fileScores.keys()].find((k) => imageScores.has(k)) as string;
    const expected = ((fileScores.get(id) as number) + 0.2 * (imageScores.get(id) as number)) * 1.2;
    expect(both?.find((m) => m.id === id)?.score).toBeCloseTo(expected, 9);
    // A tool matching only the synonym keeps its own score: the multiplier never goes below 1.
    const onlyImage = [...imageScores.keys()].find((k) => !fileScores.has(k)) as string;
    expect(both?.find((m) => m.id === onlyImage)?.score).toBeCloseTo(
      0.2 * (imageScores.get(onlyImage) as number),
      9,
    );
  });
});

describe('the steps of a question', () => {
  it('are its parts between sentence ends, commas, "and" and "then", of two terms or more', () => {
    expect(
      querySteps('Read the paper in /root/pdf/a.pdf, and find the latest papers in this area. Thanks'),
    ).toEqual(['Read the paper in /root/pdf/a.pdf', 'find the latest papers in this area.']);
    expect(querySteps('Look up the weather and then save the forecast')).toEqual([
      'Look up the weather',
      'save the forecast',
    ]);
    expect(querySteps('weather forecast for Paris')).toEqual(['weather forecast for Paris']);
  });

  it("each get their best tool near the top, whatever another step's words weigh", async () => {
    const catalog = loadLiveMcpBenchCatalog();
    const question =
      "Analyze Apple's stock for the past year and summarize it in a PPT in /root/ppt/apple.pptx.";
    const top = async (stepsAfter: number) =>
      (
        await new ToolSearch(catalog, { ranking: { ...DEFAULT_RANKING, stepsAfter } }).search(question, {
          detail: 'name',
          limit: 5,
        })
      ).map((h) => h.server);
    // The presentation step's words fill the top five; the stock step gets the fourth place.
    expect(await top(0)).toEqual(['ppt', 'ppt', 'ppt', 'ppt', 'ppt']);
    const withSteps = await top(DEFAULT_RANKING.stepsAfter);
    expect(withSteps.slice(0, 3)).toEqual(['ppt', 'ppt', 'ppt']);
    expect(withSteps[3]).toBe('yahoo-finance');
  });
});
