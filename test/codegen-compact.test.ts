/**
 * Exact output of the compact bindings a model reads (search_tools detail "full", resources).
 */
import { describe, expect, it } from 'vitest';
import { renderCompactAnswer, renderCompactBinding } from '../src/codegen/compact.js';
import { compactType } from '../src/codegen/compact-types.js';

const spec = (inputSchema: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  server: 'demo',
  identifier: 'doThing',
  schemaHash: 'h',
  tool: {
    name: 'do_thing',
    description: 'Does the thing.',
    inputSchema: inputSchema as { type: 'object' },
    ...extra,
  },
});

describe('compact bindings, exactly', () => {
  it('puts descriptions inline, keeps enums, const members and optionality', () => {
    const source = renderCompactBinding(
      spec({
        type: 'object',
        properties: {
          query: { type: 'string', title: 'Query', description: 'What to look for.' },
          mode: {
            description: 'How to match.',
            anyOf: [
              { const: 'exact', description: 'Whole words only' },
              { const: 'fuzzy', description: 'Close spellings */ too' },
            ],
          },
          limit: { type: ['integer', 'null'] },
          'content-type': { enum: ['a', 'b'] },
        },
        required: ['query'],
      }),
    );
    expect(source).toBe(`/** Does the thing. */
declare function doThing(input: {
  /** What to look for. */ query: string;
  /** How to match. */ mode?: /** Whole words only */ "exact" | /** Close spellings *\\/ too */ "fuzzy";
  limit?: number | null;
  "content-type"?: "a" | "b";
}): Promise<unknown>;`);
  });

  it('names a recursive $ref once and inlines the rest', () => {
    const source = renderCompactBinding(
      spec({
        type: 'object',
        properties: { root: { $ref: '#/$defs/node' }, owner: { $ref: '#/$defs/person' } },
        required: ['root'],
        $defs: {
          node: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              children: { type: 'array', items: { $ref: '#/$defs/node' } },
            },
          },
          person: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      }),
    );
    expect(source).toBe(`type DoThingNode = { name?: string; children?: DoThingNode[] };
/** Does the thing. */
declare function doThing(input: { root: DoThingNode; owner?: { name: string } }): Promise<unknown>;`);
  });

  it('shows outputSchema, else an observed type with its call count, else unknown', () => {
    const declared = renderCompactBinding(
      spec(
        { type: 'object' },
        { outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } },
      ),
    );
    expect(declared).toBe(`/** Does the thing. */
declare function doThing(input?: Record<string, unknown>): Promise<{ n: number }>;`);
    const observed = renderCompactBinding(spec({ type: 'object' }), {
      schema: {
        type: 'array',
        items: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
      calls: 3,
    });
    expect(observed).toBe(`/**
Does the thing.
Result type observed in 3 calls.
*/
declare function doThing(input?: Record<string, unknown>): Promise<{ id: string }[]>;`);
  });

  it('renders tuples, maps, intersections, nullable and external refs', () => {
    const type = (schema: unknown) => compactType(schema, 'T').type;
    expect(type({ type: 'array', prefixItems: [{ type: 'number' }, { type: 'string' }] })).toBe(
      '[number, string]',
    );
    expect(type({ type: 'object', additionalProperties: { type: 'number' } })).toBe('Record<string, number>');
    expect(type({ type: 'object', additionalProperties: false })).toBe('Record<string, never>');
    expect(type({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } })).toBe(
      '(string | number)[]',
    );
    expect(
      type({
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } } },
          { type: 'object', properties: { b: { type: 'number' } } },
        ],
      }),
    ).toBe('{ a?: string } & { b?: number }');
    expect(type({ type: 'string', nullable: true })).toBe('string | null');
    expect(type({ $ref: 'https://example.org/schema.json' })).toBe('unknown');
    expect(type({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true })).toBe(
      '{ a?: string; [key: string]: unknown }',
    );
    // A root that refers to itself is named after its role.
    expect(compactType({ type: 'object', properties: { next: { $ref: '#' } } }, 'List', 'Input')).toEqual({
      type: 'ListInput',
      declarations: ['type ListInput = { next?: ListInput };'],
    });
  });

  it('gives one import line per module in an answer', () => {
    const hit = (name: string, from: string) => ({
      name,
      importFrom: `import { ${name} } from './servers/${from}';`,
      signature: `declare function ${name}(): Promise<unknown>;`,
    });
    expect(
      renderCompactAnswer([
        hit('a', 'x'),
        hit('b', 'y'),
        hit('c', 'x'),
        { name: 'skill', summary: 'Does it.', importFrom: '' },
      ]),
    ).toBe(
      `import { a, c } from './servers/x';
import { b } from './servers/y';

declare function a(): Promise<unknown>;

declare function b(): Promise<unknown>;

declare function c(): Promise<unknown>;

skill — Does it.`,
    );
  });
});
