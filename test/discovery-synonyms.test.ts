/**
 * Query expansion from the curated tool vocabulary (src/discovery/vocabulary.ts).
 */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../src/catalog/catalog.js';
import { DEFAULT_RANKING, ToolSearch } from '../src/discovery/search.js';
import { expansionTerms } from '../src/discovery/text.js';

const tool = (name: string, description: string) => ({
  name,
  description,
  inputSchema: { type: 'object' as const, properties: {} },
});

describe('synonym expansion', () => {
  it("pulls in a group's other words, processed like indexed text, stop words included as sources", () => {
    expect(expansionTerms('make a new folder')).toEqual(['creat', 'directori', 'dir']);
    // The query's own terms are not repeated; unknown words pull nothing.
    expect(expansionTerms('folder directory')).toEqual(['dir']);
    expect(expansionTerms('weather in paris')).toEqual(['forecast']);
    expect(expansionTerms('quantum chromodynamics')).toEqual([]);
  });

  it('never expands from a word marked as a target only ("related" is not "relation")', () => {
    expect(expansionTerms('link them')).toContain('relat');
    expect(expansionTerms('related items')).toEqual([]);
    expect(expansionTerms('relation')).toEqual([]);
  });

  it('expands from a word marked `=` only as written ("news" pulls, "new" does not)', () => {
    expect(expansionTerms('big news today')).toEqual(['stori', 'headlin']);
    expect(expansionTerms('a new thing')).toEqual([]);
  });

  it('pulls the format a file name extension names, and not the other way', () => {
    expect(expansionTerms('save it to /root/out/report.md')).toEqual(['write', 'markdown']);
    expect(expansionTerms('open slides.pptx')).toEqual(['powerpoint', 'present']);
    expect(expansionTerms('a markdown report')).toEqual([]);
  });

  it('ranks a tool that shares no word with the query above unrelated ones, and can be turned off', async () => {
    const catalog = Catalog.fromTools({
      fs: {
        tools: [
          tool('create_directory', 'Create a directory.'),
          tool('write_file', 'Write text to a file.'),
          tool('make_coffee', 'Brew coffee.'),
        ],
      },
    });
    const names = async (synonyms: number) =>
      (
        await new ToolSearch(catalog, { ranking: { ...DEFAULT_RANKING, synonyms } }).search('new folder', {
          detail: 'name',
        })
      ).map((h) => h.tool);
    expect((await names(0.5))[0]).toBe('create_directory');
    expect(await names(0)).not.toContain('create_directory');
  });
});
