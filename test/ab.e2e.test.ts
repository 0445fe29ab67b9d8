import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AbTask, loadTasks, renderAbReport, runAb } from '../src/agent/ab.js';
import { runCli } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/shared.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { captureIO } from './support/cli.js';
import { lastToolResults, policyModel, promptTokens, type Turn } from './support/mock-model.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';
import { DATA_DIR, RAINY_DAYS, rainyDaysScript, WEATHER_CSV } from './support/weather.js';

const CSV = WEATHER_CSV;
const PROMPT = 'In seattle-weather.csv, on how many days was the weather "rain"?';

/**
 * A model that solves the rainy-days task both ways, as a capable model would: in code mode one
 * script counts in the sandbox; in direct mode it reads the whole file and counts what it read.
 * Input tokens stand in for the provider's count (prompt JSON / 4), so direct calling pays for
 * the file in its context.
 */
function rainyModel() {
  return policyModel((options: LanguageModelV3CallOptions): Turn => {
    const usage: [number, number] = [promptTokens(options.prompt), 25];
    const [last] = lastToolResults(options.prompt);
    const codeMode = options.tools?.some((t) => t.name === 'execute_code');
    if (!last) {
      return codeMode
        ? {
            tools: [
              {
                name: 'execute_code',
                input: {
                  code: rainyDaysScript('filesystem'),
                },
              },
            ],
            usage,
          }
        : { tools: [{ name: 'filesystem__read_text_file', input: { path: CSV } }], usage };
    }
    const count = codeMode
      ? Number(last.value.match(/\d+/)?.[0])
      : last.value.split('\n').filter((l) => l.endsWith(',rain')).length;
    return { text: `${count} days had rain.`, usage };
  });
}

describe('A/B harness (AI SDK mock model, real filesystem server)', () => {
  let gateway: Gateway;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-ab-'));
    gateway = await createGateway(
      parseConfig({ mcpServers: { filesystem: stdioServer(...FILESYSTEM, [DATA_DIR]) }, dataDir: dir }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs each task in both modes and records tokens, turns, time and the checker verdict', async () => {
    const tasks: AbTask[] = [
      { name: 'rainy', prompt: PROMPT, check: (answer) => answer.startsWith(`${RAINY_DAYS} `) },
      { name: 'wrong-expectation', prompt: PROMPT, check: (answer) => answer.includes('Juneau') },
      {
        name: 'broken-checker',
        prompt: PROMPT,
        check: () => {
          throw new Error('no ground truth');
        },
      },
    ];
    const seen: string[] = [];
    const report = await runAb({
      gateway,
      model: rainyModel(),
      modelName: 'mock:rainy',
      tasks,
      onRow: (row) => seen.push(`${row.task}/${row.mode}`),
    });
    expect(seen).toEqual([
      'rainy/code',
      'rainy/direct',
      'wrong-expectation/code',
      'wrong-expectation/direct',
      'broken-checker/code',
      'broken-checker/direct',
    ]);
    const [code, direct] = report.rows;
    expect(code).toMatchObject({ mode: 'code', success: true, turns: 2, toolCalls: 1, toolErrors: 0 });
    expect(direct).toMatchObject({ mode: 'direct', success: true, turns: 2, toolCalls: 1 });
    expect(code?.answer).toBe(`${RAINY_DAYS} days had rain.`);
    expect(direct?.answer).toBe(code?.answer);
    // Direct calling carried the whole CSV through the context; code mode did not.
    expect(direct?.inputTokens).toBeGreaterThan(readFileSync(CSV, 'utf8').length / 4);
    expect(code?.inputTokens).toBeLessThan((direct?.inputTokens ?? 0) / 2);

    expect(report.rows.filter((r) => r.task === 'wrong-expectation').map((r) => r.success)).toEqual([
      false,
      false,
    ]);
    const broken = report.rows.filter((r) => r.task === 'broken-checker');
    expect(broken.map((r) => [r.success, r.error])).toEqual([
      [false, 'checker threw: no ground truth'],
      [false, 'checker threw: no ground truth'],
    ]);

    // Totals add up from the rows.
    for (const mode of ['code', 'direct'] as const) {
      const rows = report.rows.filter((r) => r.mode === mode);
      expect(report.totals[mode]).toMatchObject({
        inputTokens: rows.reduce((s, r) => s + r.inputTokens, 0),
        outputTokens: rows.reduce((s, r) => s + r.outputTokens, 0),
        turns: 6,
        successes: 1,
      });
    }
    expect(report.inputReduction).toBeCloseTo(
      1 - report.totals.code.inputTokens / report.totals.direct.inputTokens,
    );
    expect(report.inputReduction).toBeGreaterThan(0.5);
    const table = renderAbReport(report);
    expect(table).toContain('| rainy | code | yes |');
    expect(table).toContain('| broken-checker | direct | no (checker threw: no ground truth) |');
  });

  it('records a provider failure as a failed row and goes on', async () => {
    let calls = 0;
    const model = policyModel(() => {
      calls++;
      if (calls === 1) throw new Error('401 invalid x-api-key');
      return { text: 'fine', usage: [10, 2] };
    });
    const report = await runAb({
      gateway,
      model,
      modelName: 'mock:flaky',
      tasks: [{ name: 't', prompt: 'hi' }],
    });
    expect(report.rows.map((r) => [r.mode, r.stoppedBy, r.success])).toEqual([
      ['code', 'error', false],
      ['direct', 'answer', true],
    ]);
    expect(report.rows[0]?.error).toContain('401 invalid x-api-key');
  });

  it('loads the bundled example task file, whose checkers accept the true answers only', async () => {
    const tasks = await loadTasks('examples/ab-tasks.ts');
    expect(tasks.map((t) => t.name)).toEqual([
      'rainy-days',
      'wettest-year',
      'northernmost-capital',
      'spam-count',
    ]);
    const context = {} as never;
    expect(await tasks[0]?.check?.(`There were ${RAINY_DAYS} rainy days.`, context)).toBe(true);
    expect(await tasks[0]?.check?.(`There were ${RAINY_DAYS + 1} rainy days.`, context)).toBe(false);
    expect(await tasks[2]?.check?.('Juneau, Alaska', context)).toBe(true);
    expect(await tasks[2]?.check?.('Helena', context)).toBe(false);
  });

  it('refuses a malformed task file with a message naming the missing field', async () => {
    const file = join(dir, 'bad-tasks.ts');
    await writeFile(file, "export default [{ name: 'x' }];\n");
    await expect(loadTasks(file)).rejects.toThrow(/prompt/);
    await expect(loadTasks(join(dir, 'missing.ts'))).rejects.toThrow(/Cannot load task file/);
  });

  describe('CLI', () => {
    let config: string;
    const capture = (resolveModel?: CliIO['resolveModel']) => captureIO(resolveModel ? { resolveModel } : {});

    beforeAll(async () => {
      config = join(dir, 'toolscript.config.json');
      await writeFile(
        config,
        JSON.stringify({ mcpServers: { filesystem: stdioServer(...FILESYSTEM, [DATA_DIR]) }, dataDir: dir }),
      );
    });

    it('toolscript agent prints progress, the answer and the bill', async () => {
      const { out, io } = capture(() => rainyModel());
      const code = await runCli(['agent', PROMPT, '--model', 'mock:rainy', '--config', config], io);
      expect(code).toBe(0);
      expect(out.stdout).toBe(`${RAINY_DAYS} days had rain.\n`);
      expect(out.stderr).toMatch(/\[1\] execute_code\n {4}import \* as fs from '.\/servers\/filesystem';/);
      expect(out.stderr).toContain(`→ Result:`);
      expect(out.stderr).toMatch(/model tokens, as the provider reported them: [\d,]+ in, 50 out/);
      expect(out.stderr).toMatch(
        /direct tool calling .* would have put ~[\d,]+ \(\d+\.\d% fewer in code mode\)/,
      );
    });

    it('toolscript agent without an API key says which variable to set (exit 2)', async () => {
      vi.stubEnv('ANTHROPIC_API_KEY', '');
      try {
        const { out, io } = capture();
        const code = await runCli(['agent', 'hello', '--config', config], io);
        expect(code).toBe(2);
        expect(out.stderr).toContain('ANTHROPIC_API_KEY is not set');
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it('toolscript ab prints the table and writes the JSON report', async () => {
      const file = join(dir, 'tasks.ts');
      await writeFile(
        file,
        `export default [{ name: 'rainy', prompt: ${JSON.stringify(PROMPT)}, check: (a: string) => a.startsWith('${RAINY_DAYS} ') }];\n`,
      );
      const { out, io } = capture(() => rainyModel());
      const json = join(dir, 'report.json');
      const code = await runCli(['ab', file, '--model', 'mock:rainy', '--config', config, '--out', json], io);
      expect(out.stderr).not.toContain('error');
      expect(code).toBe(0);
      expect(out.stdout).toContain('| rainy | code | yes |');
      expect(out.stdout).toContain('| rainy | direct | yes |');
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report).toMatchObject({ model: 'mock:rainy', tasks: 1, totals: { code: { successes: 1 } } });
      expect(out.stderr).toContain('rainy [direct]: success');
    });
  });
});
