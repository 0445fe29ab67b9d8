import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LanguageModel } from 'ai';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { Gateway } from '../gateway/gateway.js';
import { type AgentMode, type AgentRun, runAgent } from './agent.js';

/** What a checker gets besides the answer. */
export interface AbCheckContext {
  /** The gateway both runs used: a checker may compute the expected answer with it. */
  gateway: Gateway;
  mode: AgentMode;
  run: AgentRun;
}

/** One task of a task file. */
export interface AbTask {
  /** Short unique name, shown in the table. */
  name: string;
  /** The task as the user would type it. */
  prompt: string;
  /** True when `answer` solves the task. May be async. Without one, success = the model answered. */
  check?: (answer: string, context: AbCheckContext) => boolean | Promise<boolean>;
  /** Overrides `--max-steps` for this task. */
  maxSteps?: number;
}

/** One run of one task in one mode. */
export interface AbRow {
  task: string;
  mode: AgentMode;
  /** The checker said yes (false when the run failed or the checker threw). */
  success: boolean;
  /** Provider-reported tokens, summed over the turns. */
  inputTokens: number;
  outputTokens: number;
  /** Model calls. */
  turns: number;
  /** Wall time, ms. */
  ms: number;
  stoppedBy: AgentRun['stoppedBy'] | 'error';
  toolCalls: number;
  toolErrors: number;
  answer: string;
  /** Why the run or the checker failed. */
  error?: string;
}

/** Totals of one mode over all tasks. */
export interface AbTotals {
  inputTokens: number;
  outputTokens: number;
  turns: number;
  ms: number;
  successes: number;
}

/** The harness's report: every row, totals per mode, and code mode's input-token saving. */
export interface AbReport {
  model: string;
  tasks: number;
  rows: AbRow[];
  totals: Record<AgentMode, AbTotals>;
  /** `1 − code.inputTokens / direct.inputTokens` (0 when direct used none). */
  inputReduction: number;
}

const taskSchema = z.object({
  name: z.string().min(1),
  prompt: z.string().min(1),
  check: z.custom<AbTask['check']>((v) => v === undefined || typeof v === 'function').optional(),
  maxSteps: z.number().int().min(1).optional(),
});

/**
 * Loads a task file: a TypeScript or JavaScript module whose default export is an array of
 * {@link AbTask} (or `{ tasks: AbTask[] }`). TypeScript is bundled with esbuild (types are
 * stripped, not checked) into a temporary module next to the file, imported, and removed.
 * @throws {ConfigError} when the file cannot be loaded, has no tasks, or a task is malformed.
 */
export async function loadTasks(file: string): Promise<AbTask[]> {
  const path = resolve(file);
  let module: { default?: unknown };
  try {
    module = /\.[cm]?tsx?$/.test(path)
      ? await importTypeScript(path)
      : ((await import(pathToFileURL(path).href)) as { default?: unknown });
  } catch (error) {
    throw new ConfigError(`Cannot load task file ${file}: ${(error as Error).message}`, file);
  }
  let exported = module.default;
  // A .ts file outside an ES-module package loads as CommonJS: its default export is one level down.
  if (exported && !Array.isArray(exported) && typeof exported === 'object' && 'default' in exported) {
    exported = (exported as { default: unknown }).default;
  }
  const list = Array.isArray(exported) ? exported : (exported as { tasks?: unknown } | undefined)?.tasks;
  const parsed = z.array(taskSchema).min(1).safeParse(list);
  if (!parsed.success) {
    throw new ConfigError(
      `Task file ${file} must export default an array of { name, prompt, check?(answer, context), maxSteps? }: ${z.prettifyError(parsed.error)}`,
      file,
    );
  }
  const names = new Set<string>();
  for (const task of parsed.data) {
    if (names.has(task.name))
      throw new ConfigError(`Task file ${file}: two tasks are named "${task.name}"`, file);
    names.add(task.name);
  }
  return parsed.data as AbTask[];
}

/** Options of {@link runAb}. */
export interface AbOptions {
  gateway: Gateway;
  model: LanguageModel;
  /** The model's `provider:model` name, for the report. */
  modelName: string;
  tasks: AbTask[];
  /** @default 20 */
  maxSteps?: number;
  /** Called after each run. */
  onRow?: (row: AbRow) => void;
}

/**
 * Runs every task twice with the same model and gateway — code mode, then direct tool calling —
 * and records provider-reported tokens, turns, wall time and the checker's verdict. A run that
 * fails (provider error) is recorded as a failed row; the harness goes on.
 */
export async function runAb(options: AbOptions): Promise<AbReport> {
  const rows: AbRow[] = [];
  for (const task of options.tasks) {
    for (const mode of ['code', 'direct'] as const) {
      const row = await runOne(options, task, mode);
      rows.push(row);
      options.onRow?.(row);
    }
  }
  const totals = {
    code: total(rows.filter((r) => r.mode === 'code')),
    direct: total(rows.filter((r) => r.mode === 'direct')),
  };
  return {
    model: options.modelName,
    tasks: options.tasks.length,
    rows,
    totals,
    inputReduction:
      totals.direct.inputTokens > 0 ? 1 - totals.code.inputTokens / totals.direct.inputTokens : 0,
  };
}

async function runOne(options: AbOptions, task: AbTask, mode: AgentMode): Promise<AbRow> {
  const started = performance.now();
  let run: AgentRun;
  try {
    run = await runAgent({
      gateway: options.gateway,
      model: options.model,
      task: task.prompt,
      mode,
      maxSteps: task.maxSteps ?? options.maxSteps ?? 20,
      session: `ab-${task.name}-${mode}`,
    });
  } catch (error) {
    return {
      task: task.name,
      mode,
      success: false,
      inputTokens: 0,
      outputTokens: 0,
      turns: 0,
      ms: performance.now() - started,
      stoppedBy: 'error',
      toolCalls: 0,
      toolErrors: 0,
      answer: '',
      error: (error as Error).message,
    };
  }
  const row: AbRow = {
    task: task.name,
    mode,
    success: false,
    inputTokens: run.usage.inputTokens,
    outputTokens: run.usage.outputTokens,
    turns: run.steps,
    ms: run.ms,
    stoppedBy: run.stoppedBy,
    toolCalls: run.toolCalls,
    toolErrors: run.toolErrors,
    answer: run.answer,
  };
  try {
    row.success = task.check
      ? (await task.check(run.answer, { gateway: options.gateway, mode, run })) === true
      : run.stoppedBy === 'answer' && run.answer.trim() !== '';
  } catch (error) {
    row.error = `checker threw: ${(error as Error).message}`;
  }
  return row;
}

function total(rows: AbRow[]): AbTotals {
  return {
    inputTokens: rows.reduce((s, r) => s + r.inputTokens, 0),
    outputTokens: rows.reduce((s, r) => s + r.outputTokens, 0),
    turns: rows.reduce((s, r) => s + r.turns, 0),
    ms: rows.reduce((s, r) => s + r.ms, 0),
    successes: rows.filter((r) => r.success).length,
  };
}

/** The report as a Markdown table, one row per task and mode, then the totals. */
export function renderAbReport(report: AbReport): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [
    `A/B: ${report.model}, ${report.tasks} task${report.tasks === 1 ? '' : 's'} (tokens as the provider reported them)`,
    '',
    '| task | mode | success | input tokens | output tokens | turns | seconds |',
    '|---|---|---|---:|---:|---:|---:|',
    ...report.rows.map(
      (r) =>
        `| ${r.task} | ${r.mode} | ${r.success ? 'yes' : r.error ? `no (${r.error.split('\n')[0]?.slice(0, 60)})` : 'no'} | ${n(r.inputTokens)} | ${n(r.outputTokens)} | ${r.turns} | ${(r.ms / 1000).toFixed(1)} |`,
    ),
  ];
  for (const mode of ['code', 'direct'] as const) {
    const t = report.totals[mode];
    lines.push(
      `| **total** | ${mode} | ${t.successes}/${report.tasks} | ${n(t.inputTokens)} | ${n(t.outputTokens)} | ${t.turns} | ${(t.ms / 1000).toFixed(1)} |`,
    );
  }
  lines.push(
    '',
    `Code mode used ${(report.inputReduction * 100).toFixed(1)}% fewer input tokens than direct tool calling.`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Imports a TypeScript module: esbuild bundles it (its relative imports included; packages stay
 * imports) into a temporary `.mjs` beside it, so package imports resolve as from the file itself.
 */
async function importTypeScript(path: string): Promise<{ default?: unknown }> {
  const { build } = await import('esbuild');
  const out = join(dirname(path), `.toolscript-tasks-${process.pid}-${Date.now()}.mjs`);
  await build({
    entryPoints: [path],
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    outfile: out,
    logLevel: 'silent',
  });
  try {
    return (await import(pathToFileURL(out).href)) as { default?: unknown };
  } finally {
    rmSync(out, { force: true });
  }
}
