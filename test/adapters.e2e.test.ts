import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectTools, createToolscriptTools } from '../src/adapters/ai.js';
import { createAnthropicTools } from '../src/adapters/anthropic.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { replayingClient, toolUseLoop } from './support/anthropic.js';
import { FILESYSTEM, MEMORY, stdioServer } from './support/servers.js';
import { DATA_DIR, RAINY_DAYS, rainyDaysScript } from './support/weather.js';

describe('library adapters on real servers', () => {
  let gateway: Gateway;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-adapters-'));
    gateway = await createGateway(
      parseConfig({
        mcpServers: {
          filesystem: stdioServer(...FILESYSTEM, [DATA_DIR]),
          memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
        },
        dataDir: dir,
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('toolscript/ai: descriptions and system prompt come from the connected servers', async () => {
    const { tools, system, session } = createToolscriptTools(gateway, { id: 'ai-adapter' });
    const servers = gateway.listServers();
    for (const server of servers) {
      expect(tools.execute_code.description).toContain(`- ${server.name} (${server.tools} tools)`);
      expect(system).toContain(`- ${server.name} (${server.tools} tools)`);
    }
    const executed = await tools.execute_code.execute?.(
      {
        code: 'import * as memory from "./servers/memory"; export default (await memory.readGraph({}) as { entities: unknown[] }).entities.length;',
      },
      { toolCallId: 'c1', messages: [] },
    );
    expect(executed).toMatchObject({ isError: false, text: 'Result:\n0' });
    expect(session.id).toBe('ai-adapter');
    expect((await session.summary()).executions).toBe(1);
  });

  it('toolscript/ai: direct tools cover every upstream tool with a provider-safe name', () => {
    const direct = createDirectTools(gateway);
    const expected = gateway.catalog.allTools().length;
    expect(Object.keys(direct)).toHaveLength(expected);
    for (const name of Object.keys(direct)) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(direct).toHaveProperty('memory__create_entities');
  });

  it('toolscript/anthropic: runs a tool-use loop through the official SDK client', async () => {
    // Messages API responses as JSON on the wire.
    const replies: ((request: Anthropic.MessageCreateParams) => Record<string, unknown>)[] = [
      () => ({
        content: [
          { type: 'tool_use', id: 'tu1', name: 'search_tools', input: { query: 'read a text file' } },
        ],
        stop_reason: 'tool_use',
      }),
      () => ({
        content: [
          {
            type: 'tool_use',
            id: 'tu2',
            name: 'execute_code',
            input: {
              code: rainyDaysScript('filesystem'),
            },
          },
          { type: 'tool_use', id: 'tu3', name: 'delete_everything', input: {} },
          { type: 'tool_use', id: 'tu4', name: 'execute_code', input: { source: 'x' } },
        ],
        stop_reason: 'tool_use',
      }),
      () => ({ content: [{ type: 'text', text: 'done', citations: null }], stop_reason: 'end_turn' }),
    ];
    const { client, requests } = replayingClient(replies);

    const adapter = createAnthropicTools(gateway);
    await toolUseLoop(client, adapter, 'How many rainy days?');
    expect(requests).toHaveLength(3);
    expect(requests[0]?.tools?.map((t) => (t as Anthropic.Tool).name)).toEqual([
      'search_tools',
      'execute_code',
      'save_skill',
      'list_skills',
    ]);
    expect((requests[0]?.tools?.[1] as Anthropic.Tool | undefined)?.input_schema).toMatchObject({
      type: 'object',
      required: ['code'],
    });
    expect(requests[0]?.system).toContain('- filesystem (');

    const results = (request: Anthropic.MessageCreateParams | undefined) =>
      ((request?.messages.at(-1)?.content ?? []) as Anthropic.ToolResultBlockParam[]).map((r) => ({
        id: r.tool_use_id,
        error: r.is_error === true,
        text: String(r.content),
      }));
    expect(results(requests[1])).toEqual([
      { id: 'tu1', error: false, text: expect.stringContaining('filesystem.readTextFile') },
    ]);
    expect(results(requests[2])).toEqual([
      { id: 'tu2', error: false, text: `Result:\n${RAINY_DAYS}` },
      { id: 'tu3', error: true, text: expect.stringContaining('Unknown tool "delete_everything"') },
      { id: 'tu4', error: true, text: expect.stringMatching(/Invalid arguments for execute_code:.*code/s) },
    ]);
    expect(adapter.answers.get('tu2')?.execution?.calls).toHaveLength(1);
  });
});

describe('package entry points', () => {
  it('the root never loads the AI SDK or the Anthropic SDK; the adapters are separate exports', async () => {
    const bundle = async (entry: string) => {
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'esm',
        write: false,
        metafile: true,
        logLevel: 'silent',
        external: ['@jitl/*', 'esbuild', 'typescript', 'tsx', 'sqlite3'],
      });
      return Object.keys(result.metafile.inputs);
    };
    const root = await bundle('src/index.ts');
    expect(root.some((path) => /node_modules\/(ai|@ai-sdk|@anthropic-ai)\//.test(path))).toBe(false);
    const ai = await bundle('src/adapters/ai.ts');
    expect(ai.some((path) => /node_modules\/ai\//.test(path))).toBe(true);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './ai', './anthropic', './agent']));
  });
});
