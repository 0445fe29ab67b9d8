/**
 * Property-based tests (fast-check): random JSON Schemas through codegen, and random JSON-RPC
 * messages and tool arguments sent to the gateway.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/client';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../src/catalog/catalog.js';
import { generateTypeScriptTree, planBindings } from '../src/codegen/tree.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { type HttpServer, serveHttp } from '../src/server/http.js';
import { typeCheck } from '../src/skills/analyze.js';
import { MEMORY, stdioServer } from './support/servers.js';

/** Names that break naive identifier, string or comment handling. */
const NASTY_NAMES = [
  'class',
  'delete',
  'default',
  'constructor',
  '__proto__',
  'toString',
  'a-b',
  'a_b',
  'a.b',
  'A B',
  '0lead',
  '$x',
  'ünï',
  '*/',
  "it's",
  '"q"',
  '\\',
  'x'.repeat(80),
  '',
  ' ',
];

const name = fc.oneof(
  fc.constantFrom(...NASTY_NAMES, '搜索', 'ß-straße', 'naïve', 'naive', 'NAIVE', 'get_36kr', 'get-36-kr'),
  fc.string({ minLength: 1, maxLength: 10 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
);
const text = fc.oneof(
  fc.string(),
  fc.constantFrom('*/ end of comment', '/* open', '@param x', '`tick` ${x}'),
);

/** A JSON Schema of the kinds MCP servers publish, nested a few levels. */
const schema: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record(
      {
        type: fc.constantFrom('string', 'number', 'integer', 'boolean', 'null'),
        description: text,
        format: fc.constantFrom('date-time', 'uri', 'email'),
        default: fc.jsonValue(),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record({
      enum: fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 5 }),
    }),
    fc.record({ const: fc.oneof(fc.string(), fc.integer(), fc.boolean()) }),
    fc.record({ type: fc.constant('array'), items: tie('node') }),
    fc.record({ type: fc.constant('array') }),
    fc.record({ type: fc.constantFrom(['string', 'null'], ['number', 'string']) }),
    fc.record({ anyOf: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ oneOf: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ allOf: fc.array(tie('object'), { minLength: 1, maxLength: 2 }) }),
    fc.constant({}),
    tie('object'),
  ),
  object: fc
    .record(
      {
        properties: fc.dictionary(name, tie('node'), { maxKeys: 5 }),
        additionalProperties: fc.oneof(fc.boolean(), tie('node')),
        description: text,
        required: fc.array(name, { maxLength: 3 }),
      },
      { requiredKeys: ['properties'] },
    )
    .map((o) => ({ type: 'object', ...o })),
})).node as fc.Arbitrary<Record<string, unknown>>;

const tool: fc.Arbitrary<Tool> = fc
  .record(
    {
      name,
      description: text,
      inputSchema: fc.record(
        {
          properties: fc.dictionary(name, schema, { maxKeys: 6 }),
          required: fc.array(name, { maxLength: 3 }),
        },
        { requiredKeys: ['properties'] },
      ),
      outputSchema: fc.record({ properties: fc.dictionary(name, schema, { maxKeys: 3 }) }),
    },
    { requiredKeys: ['name', 'inputSchema'] },
  )
  .map((t) => ({
    ...t,
    inputSchema: { type: 'object' as const, ...t.inputSchema },
    ...(t.outputSchema ? { outputSchema: { type: 'object' as const, ...t.outputSchema } } : {}),
  })) as fc.Arbitrary<Tool>;

/** Server names as the config allows them: unique ignoring case (see config.ts). */
const servers = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom('fs', 'my-server', 'my_server', 'My.Server', 'class'),
      fc.stringMatching(/^[A-Za-z0-9][\w.-]{0,8}$/),
    ),
    fc.uniqueArray(tool, { minLength: 1, maxLength: 8, selector: (t) => t.name }),
    { minKeys: 1, maxKeys: 3 },
  )
  .filter((spec) => new Set(Object.keys(spec).map((k) => k.toLowerCase())).size === Object.keys(spec).length);

describe('codegen on random JSON Schemas', () => {
  it('always emits TypeScript that compiles, with unique identifiers and one binding per tool', async () => {
    await fc.assert(
      fc.asyncProperty(servers, async (spec) => {
        const catalog = Catalog.fromTools(
          Object.fromEntries(Object.entries(spec).map(([s, tools]) => [s, { tools }])),
        );
        const plan = planBindings(catalog);
        expect(new Set(plan.map((s) => s.folder)).size).toBe(plan.length);
        for (const server of plan) {
          const identifiers = server.bindings.map((b) => b.identifier);
          expect(new Set(identifiers).size).toBe(identifiers.length);
          for (const identifier of identifiers)
            expect(identifier).toMatch(/^[\p{ID_Start}_$][\p{ID_Continue}$]*$/u);
          expect(server.bindings).toHaveLength(spec[server.server]?.length ?? -1);
        }
        const files = await generateTypeScriptTree(catalog);
        const entry = plan
          .map((s, i) => `import * as s${i} from './servers/${s.folder}';\nexport { s${i} };`)
          .join('\n');
        files.set('check.ts', entry);
        expect(typeCheck(files, 'check.ts')).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 180_000);
});

describe('random JSON-RPC messages and tool arguments', () => {
  let dir: string;
  let gateway: Gateway;
  let http: HttpServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-fuzz-'));
    gateway = await createGateway(
      parseConfig({
        mcpServers: { memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }) },
        dataDir: join(dir, 'data'),
        sandbox: { timeoutMs: 2_000 },
      }),
    );
    http = await serveHttp(gateway, { port: 0 });
  });

  afterAll(async () => {
    await http?.close();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const healthy = async () => {
    const client = new Client({ name: 'health', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    const result = await client.callTool({
      name: 'execute_code',
      arguments: { code: 'export default 6 * 7;' },
    });
    await client.close();
    return (result.content as { text: string }[])[0]?.text;
  };

  it('answers every random message with a JSON-RPC or HTTP error, never a crash or a 500', async () => {
    const init = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'fuzz', version: '1' },
        },
      }),
    });
    const session = init.headers.get('mcp-session-id') ?? '';
    await init.text();
    const message = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          jsonrpc: fc.oneof(fc.constant('2.0'), fc.string()),
          id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
          method: fc.oneof(
            fc.constantFrom(
              'tools/call',
              'tools/list',
              'resources/read',
              'resources/list',
              'ping',
              'initialize',
              'prompts/get',
              'logging/setLevel',
            ),
            fc.string(),
          ),
          params: fc.oneof(
            fc.jsonValue(),
            fc.record({
              name: fc.constantFrom('execute_code', 'search_tools', 'save_skill', 'nope'),
              arguments: fc.jsonValue(),
            }),
            fc.record({ uri: fc.string(), cursor: fc.string() }),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(message, fc.boolean(), async (body, withSession) => {
        const response = await fetch(http.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(withSession ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } : {}),
          },
          body: JSON.stringify(body),
        });
        await response.text();
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect(await healthy()).toBe('Result:\n42');
  }, 120_000);

  it('answers random tool arguments with isError results and keeps the session', async () => {
    const client = new Client({ name: 'fuzz-args', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('execute_code', 'search_tools', 'save_skill', 'list_skills', 'unknown_tool'),
          fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
          async (name, args) => {
            // Calls that cannot succeed: an unknown tool, or execute_code without a string `code`.
            const invalid =
              name === 'unknown_tool' || (name === 'execute_code' && typeof args.code !== 'string');
            try {
              const result = await client.callTool({ name, arguments: args });
              const text = (result.content as { type: string; text?: string }[])[0]?.text ?? '';
              expect(text.length).toBeGreaterThan(0);
              if (invalid) expect(result.isError).toBe(true);
            } catch (error) {
              // The SDK answers arguments that fail the input schema with "invalid params".
              expect((error as { code?: number }).code).toBe(-32602);
            }
          },
        ),
        { numRuns: 80 },
      );
      const alive = await client.callTool({
        name: 'execute_code',
        arguments: { code: 'export default "ok";' },
      });
      expect((alive.content as { text: string }[])[0]?.text).toContain('ok');
    } finally {
      await client.close();
    }
  }, 120_000);
});
