import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../src/accounting/tokens.js';
import { type AgentEvent, runAgent } from '../src/agent/agent.js';
import { resolveModel } from '../src/agent/models.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { lastToolResults, scriptedModel } from './support/mock-model.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';
import { DATA_DIR, RAINY_DAYS, rainyDaysScript, WEATHER_CSV } from './support/weather.js';

const CSV = WEATHER_CSV;
const GOOD_SCRIPT = rainyDaysScript('filesystem');

describe('agent loop (AI SDK mock model, real filesystem server)', () => {
  let gateway: Gateway;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'toolscript-agent-'));
    gateway = await createGateway(
      parseConfig({ mcpServers: { filesystem: stdioServer(...FILESYSTEM, [DATA_DIR]) }, dataDir }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('searches, gets a failing script back as feedback, fixes it, answers, and bills every step', async () => {
    const seen: string[] = [];
    const model = scriptedModel([
      () => ({ tools: [{ name: 'search_tools', input: { query: 'read a text file' } }], usage: [1200, 30] }),
      (prompt) => {
        const [search] = lastToolResults(prompt);
        seen.push(search?.value ?? '');
        // Wrong argument name: the gateway validates it against the tool's inputSchema.
        const code = `import * as fs from './servers/filesystem';\nexport default await fs.readTextFile({ file: 'x' } as never);`;
        return { tools: [{ name: 'execute_code', input: { code } }], usage: [1500, 80], text: 'Reading it.' };
      },
      (prompt) => {
        const [failure] = lastToolResults(prompt);
        seen.push(`${failure?.type}:${failure?.value}`);
        return { tools: [{ name: 'execute_code', input: { code: GOOD_SCRIPT } }], usage: [1700, 120] };
      },
      (prompt) => {
        const [result] = lastToolResults(prompt);
        seen.push(`${result?.type}:${result?.value}`);
        return { text: `There were ${result?.value.match(/\d+/)?.[0]} rainy days.`, usage: [1900, 15] };
      },
    ]);
    const events: AgentEvent[] = [];
    const run = await runAgent({
      gateway,
      model,
      task: 'How many rainy days?',
      onEvent: (e) => events.push(e),
    });

    // The search ran against the real server's tools.
    expect(seen[0]).toContain('filesystem.readTextFile');
    // The failure came back to the model as an error it can act on.
    expect(seen[1]).toMatch(/^error-text:.*INVALID_ARGUMENTS/s);
    expect(seen[2]).toBe(`text:Result:\n${RAINY_DAYS}`);
    expect(run.answer).toBe(`There were ${RAINY_DAYS} rainy days.`);
    expect(run).toMatchObject({ mode: 'code', stoppedBy: 'answer', steps: 4, toolCalls: 3, toolErrors: 1 });

    // The system prompt is the code-first prompt naming the server.
    const system = model.doGenerateCalls[0]?.prompt[0];
    expect(system?.role).toBe('system');
    expect(String(system?.content)).toContain('- filesystem (');
    expect(model.doGenerateCalls[0]?.tools?.map((t) => t.name).sort()).toEqual([
      'execute_code',
      'list_skills',
      'save_skill',
      'search_tools',
    ]);

    // The bill: provider-reported tokens add up per step and in total.
    expect(run.stepUsage).toEqual([
      { inputTokens: 1200, outputTokens: 30 },
      { inputTokens: 1500, outputTokens: 80 },
      { inputTokens: 1700, outputTokens: 120 },
      { inputTokens: 1900, outputTokens: 15 },
    ]);
    expect(run.usage).toEqual({ inputTokens: 6300, outputTokens: 245 });
    // Accounting: one search, two executions; direct calling would have read the whole CSV.
    expect(run.accounting).toMatchObject({ discoveryCalls: 1, executions: 2 });
    const csvTokens = countTokens(readFileSync(CSV, 'utf8')).tokens;
    expect(run.accounting?.direct).toBeGreaterThan(csvTokens);
    expect(run.accounting?.codeMode).toBeLessThan(csvTokens / 5);

    // Progress events: text, each tool call with its result, one step marker per model call.
    const tools = events.filter((e) => e.type === 'tool');
    expect(tools.map((e) => [e.tool, e.isError])).toEqual([
      ['search_tools', false],
      ['execute_code', true],
      ['execute_code', false],
    ]);
    expect(events.filter((e) => e.type === 'step')).toHaveLength(4);
    expect(events.find((e) => e.type === 'text')).toMatchObject({ step: 2, text: 'Reading it.' });
  });

  it('stops at max-steps while the model still wants tools', async () => {
    const model = scriptedModel([
      () => ({ tools: [{ name: 'search_tools', input: { query: 'weather' } }], usage: [100, 10] }),
    ]);
    const run = await runAgent({ gateway, model, task: 'Loop forever', maxSteps: 3 });
    expect(model.doGenerateCalls).toHaveLength(3);
    expect(run).toMatchObject({ stoppedBy: 'max-steps', steps: 3, answer: '', toolCalls: 3 });
    expect(run.usage).toEqual({ inputTokens: 300, outputTokens: 30 });
  });

  it('answers invalid tool input from the model with an error, not a crash', async () => {
    const model = scriptedModel([
      () => ({ tools: [{ name: 'execute_code', input: { script: 'export default 1' } }], usage: [10, 5] }),
      (prompt) => ({ text: lastToolResults(prompt)[0]?.type ?? 'none', usage: [10, 5] }),
    ]);
    const run = await runAgent({ gateway, model, task: 'x' });
    expect(run.answer).toBe('error-text');
    expect(run.toolErrors).toBe(1);
  });

  it('direct mode exposes every upstream tool by name and feeds results back', async () => {
    const model = scriptedModel([
      () => ({
        tools: [{ name: 'filesystem__read_text_file', input: { path: CSV, head: 2 } }],
        usage: [5000, 40],
      }),
      (prompt) => ({ text: lastToolResults(prompt)[0]?.value.split('\n')[1] ?? '', usage: [5200, 20] }),
    ]);
    const run = await runAgent({ gateway, model, task: 'First row?', mode: 'direct' });
    const offered = model.doGenerateCalls[0]?.tools?.map((t) => t.name) ?? [];
    const upstream = gateway.catalog.getServer('filesystem')?.tools.map((t) => `filesystem__${t.name}`) ?? [];
    expect(offered.sort()).toEqual(upstream.sort());
    expect(model.doGenerateCalls[0]?.prompt[0]?.role).toBe('user');
    expect(run.answer).toBe(readFileSync(CSV, 'utf8').split('\n')[1]);
    expect(run).toMatchObject({ mode: 'direct', steps: 2, toolCalls: 1, toolErrors: 0 });
    expect(run.accounting).toBeUndefined();
  });
});

describe('resolveModel', () => {
  it('names the missing key variable', () => {
    expect(() => resolveModel('anthropic:claude-sonnet-4-5', { env: {} })).toThrow(
      /ANTHROPIC_API_KEY is not set/,
    );
    expect(() => resolveModel('openai:gpt-5-mini', { env: {} })).toThrow(/OPENAI_API_KEY is not set/);
  });

  it('rejects malformed specs and unknown providers without a base URL', () => {
    expect(() => resolveModel('claude', { env: {} })).toThrow(/not provider:model/);
    expect(() => resolveModel('acme:m1', { env: {} })).toThrow(/Unknown provider "acme".*--base-url/);
  });

  it('builds providers without contacting them', () => {
    const anthropic = resolveModel('anthropic:claude-sonnet-4-5', { env: { ANTHROPIC_API_KEY: 'k' } });
    expect(typeof anthropic === 'object' && anthropic.provider).toMatch(/^anthropic/);
    const ollama = resolveModel('ollama:llama3.1', { env: {} });
    expect(typeof ollama === 'object' && [ollama.provider, ollama.modelId]).toEqual([
      'ollama.chat',
      'llama3.1',
    ]);
    const vllm = resolveModel('vllm:qwen', { baseUrl: 'http://127.0.0.1:9/v1', env: {} });
    expect(typeof vllm === 'object' && vllm.modelId).toBe('qwen');
  });
});
