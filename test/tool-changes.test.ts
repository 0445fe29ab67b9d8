/**
 * What changed between two definitions of a tool: the classification (patch, minor, major), the
 * derived versions, renames of arguments, and the history of a server's tool lists.
 */
import { describe, expect, it } from 'vitest';
import {
  bumpVersion,
  changeLevel,
  diffTools,
  matchRenames,
  nameSimilarity,
  type ToolDefinition,
} from '../src/catalog/changes.js';
import { ToolHistory } from '../src/catalog/history.js';

const tool = (
  properties: Record<string, unknown>,
  required: string[] = [],
  extra: Partial<ToolDefinition> = {},
): ToolDefinition => ({
  name: 'find',
  description: 'Finds things.',
  inputSchema: { type: 'object', properties, required },
  ...extra,
});
const texts = (before: ToolDefinition, after: ToolDefinition) =>
  diffTools(before, after).map((c) => `${c.level}: ${c.text}`);

describe('tool changes', () => {
  it('classifies each kind of change', () => {
    const base = tool(
      { path: { type: 'string' }, limit: { type: 'number' }, mode: { type: 'string', enum: ['a', 'b'] } },
      ['path'],
    );
    expect(texts(base, base)).toEqual([]);
    expect(texts(base, { ...base, description: 'Finds things fast.' })).toEqual([
      'patch: description changed',
    ]);
    expect(
      texts(
        base,
        tool(
          {
            path: { type: 'string', description: 'Where' },
            limit: { type: 'number' },
            mode: { type: 'string', enum: ['a', 'b'] },
          },
          ['path'],
        ),
      ),
    ).toEqual(['patch: argument descriptions changed']);
    const props = base.inputSchema.properties as Record<string, unknown>;
    expect(texts(base, tool({ ...props, depth: { type: 'number' } }, ['path']))).toEqual([
      'minor: optional argument `depth` added',
    ]);
    expect(texts(base, tool({ ...props, depth: { type: 'number' } }, ['path', 'depth']))).toEqual([
      'major: required argument `depth` added',
    ]);
    expect(texts(base, tool({ ...props, depth: { type: 'number', default: 2 } }, ['path', 'depth']))).toEqual(
      ['major: required argument `depth` added (default 2)'],
    );
    expect(texts(base, tool({ path: props.path, mode: props.mode }, ['path']))).toEqual([
      'major: optional argument `limit` removed',
    ]);
    expect(texts(base, tool({ ...props, limit: { type: 'string' } }, ['path']))).toEqual([
      'major: argument `limit` retyped',
    ]);
    expect(
      texts(base, tool({ ...props, mode: { type: 'string', enum: ['a', 'b', 'c'] } }, ['path'])),
    ).toEqual(['minor: argument `mode` also takes "c"']);
    expect(texts(base, tool({ ...props, mode: { type: 'string', enum: ['a'] } }, ['path']))).toEqual([
      'major: argument `mode` no longer takes "b"',
    ]);
    expect(texts(base, tool(props, ['path', 'limit']))).toEqual(['major: argument `limit` is now required']);
    expect(texts(base, tool(props, []))).toEqual(['minor: argument `path` is now optional']);
    const renamed = tool({ file_path: { type: 'string' }, limit: props.limit, mode: props.mode }, [
      'file_path',
    ]);
    expect(texts(base, renamed)).toEqual(['major: argument `path` renamed to `file_path`']);
    const out = { type: 'object', properties: { items: { type: 'array' } } };
    expect(texts(base, { ...base, outputSchema: out })).toEqual(['minor: an output schema declared']);
    expect(
      texts(
        { ...base, outputSchema: out },
        {
          ...base,
          outputSchema: {
            type: 'object',
            properties: { items: { type: 'array' }, next: { type: 'string' } },
          },
        },
      ),
    ).toEqual(['minor: output field `next` added']);
    expect(
      texts({ ...base, outputSchema: out }, { ...base, outputSchema: { type: 'object', properties: {} } }),
    ).toEqual(['major: output field `items` removed']);
  });

  it('derives versions by semver', () => {
    expect(bumpVersion('1.4.2', 'major')).toBe('2.0.0');
    expect(bumpVersion('1.4.2', 'minor')).toBe('1.5.0');
    expect(bumpVersion('1.4.2', 'patch')).toBe('1.4.3');
    expect(changeLevel([])).toBeUndefined();
    expect(changeLevel(diffTools(tool({}), tool({ a: { type: 'string' } }, ['a'])))).toBe('major');
  });

  it('takes a removed and an added argument of one type for a rename only when their names or descriptions are close', () => {
    const s = { type: 'string' };
    expect(nameSimilarity('path', 'file_path')).toBe(1);
    expect(nameSimilarity('filePath', 'file_path')).toBe(1);
    expect(nameSimilarity('dir', 'directory')).toBe(1);
    expect(nameSimilarity('limit', 'offset')).toBe(0);
    // A page is not a page size, nor is a start date an end date.
    expect(nameSimilarity('page', 'page_size')).toBe(0);
    expect(nameSimilarity('start_date', 'end_date')).toBe(0.5);
    expect(matchRenames([{ name: 'start_date', schema: s }], [{ name: 'end_date', schema: s }]).size).toBe(0);
    // Descriptions that differ in one word are other arguments (Check-in and Check-out dates).
    expect(
      matchRenames(
        [{ name: 'checkin', schema: { type: 'string', description: 'Check-in date' } }],
        [{ name: 'checkout', schema: { type: 'string', description: 'Check-out date' } }],
      ).size,
    ).toBe(0);
    expect([...matchRenames([{ name: 'path', schema: s }], [{ name: 'file_path', schema: s }])]).toEqual([
      ['path', 'file_path'],
    ]);
    // Same type, unrelated names: an argument removed and another added.
    expect(
      matchRenames(
        [{ name: 'limit', schema: { type: 'number' } }],
        [{ name: 'offset', schema: { type: 'number' } }],
      ).size,
    ).toBe(0);
    // Close names, other types: not a rename.
    expect(
      matchRenames([{ name: 'path', schema: s }], [{ name: 'paths', schema: { type: 'array' } }]).size,
    ).toBe(0);
    // Unrelated names, the same description: a rename.
    const d = (description: string) => ({ type: 'string', description });
    expect([
      ...matchRenames(
        [{ name: 'q', schema: d('The text to search for') }],
        [{ name: 'needle', schema: d('The text to search for') }],
      ),
    ]).toEqual([['q', 'needle']]);
    // Two equally good candidates: no guess.
    expect(
      matchRenames(
        [{ name: 'path', schema: s }],
        [
          { name: 'file_path', schema: s },
          { name: 'dir_path', schema: s },
        ],
      ).size,
    ).toBe(0);
  });

  it('keeps a history of tool lists: versions, removals, renames and server versions', async () => {
    const history = new ToolHistory(undefined);
    const read = {
      name: 'read_file',
      description: 'Reads. DEPRECATED: Use read_text_file instead.',
      inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
    };
    const readText = { ...read, name: 'read_text_file', description: 'Reads a text file.' };
    const list = { name: 'list', inputSchema: { type: 'object', properties: {} } };
    history.observe('fs', [read, readText, list], '1.0.0');
    history.observe('fs', [read, readText, list], '1.0.1');
    history.observe('fs', [readText, { ...list, description: 'Lists.' }], '2.0.0');
    expect(history.versions('fs', 'list').map((v) => [v.version, v.changes.map((c) => c.text)])).toEqual([
      ['1.0.0', []],
      ['1.0.1', ['description changed']],
    ]);
    const gone = history.versions('fs', 'read_file');
    expect(gone.map((v) => v.version)).toEqual(['1.0.0', '2.0.0']);
    expect(gone[0]?.serverVersions).toEqual(['1.0.0', '1.0.1']);
    expect(gone[1]).toMatchObject({ removed: true, renamedTo: 'read_text_file', level: 'major' });
    const since = history.changesSince('fs', 'read_file', gone[0]?.schemaHash as string);
    expect(since?.tool).toBe('read_text_file');
    expect(since?.changes.map((c) => c.text)).toEqual(['tool `read_file` renamed to `read_text_file`']);
    // A tool whose schema never changed since has nothing to say.
    expect(
      history.changesSince('fs', 'list', history.versions('fs', 'list')[0]?.schemaHash as string),
    ).toBeUndefined();
    // Removed without a successor.
    history.observe('fs', [readText], '3.0.0');
    expect(history.versions('fs', 'list').at(-1)).toMatchObject({ version: '2.0.0', removed: true });
    expect(history.versions('fs', 'list').at(-1)?.renamedTo).toBeUndefined();
  });
});
