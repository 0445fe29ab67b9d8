import type { MetricsSummary } from '../../metrics/metrics.js';
import { type Command, defineCommand, UsageError } from '../shared.js';

export const STATS_HELP = `Usage: toolscript stats [--url http://127.0.0.1:8765] [--json]

Prints what a running "toolscript serve --http" has done since it started: executions by
outcome, tool calls, mean durations, and tokens in code mode against the direct tool calling
estimate (o200k_base tokens; an estimate for non-OpenAI models). Reads GET <url>/stats.

Options:
      --url URL   the gateway's base URL (default http://127.0.0.1:8765)
      --json      print the summary as JSON
  -h, --help      show this help
`;

/** `toolscript stats`: summary of a running gateway's counters. */
export const stats: Command = defineCommand({
  help: STATS_HELP,
  options: { url: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ values }, io) => {
    const base = (values.url ?? 'http://127.0.0.1:8765').replace(/\/(mcp|stats)?$/, '');
    let summary: MetricsSummary;
    try {
      const response = await fetch(`${base}/stats`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      summary = (await response.json()) as MetricsSummary;
    } catch (error) {
      throw new UsageError(
        `cannot read ${base}/stats (${(error as Error).message}). Is "toolscript serve --http" running there?`,
      );
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    }
    const total = Object.values(summary.executions).reduce((a, b) => a + b, 0);
    const outcomes = Object.entries(summary.executions)
      .map(([outcome, n]) => `${outcome} ${n}`)
      .join(', ');
    const { codeMode, direct, reduction } = summary.tokens;
    io.stdout(
      `Executions: ${total}${outcomes ? ` (${outcomes})` : ''}, mean ${summary.meanExecutionMs.toFixed(1)} ms\n` +
        `Tool calls: ${summary.calls}, mean ${summary.meanCallMs.toFixed(2)} ms\n` +
        `Tokens: code mode ${codeMode.toLocaleString('en-US')} vs direct tool calling ${direct.toLocaleString('en-US')} ` +
        `(${(reduction * 100).toFixed(1)}% fewer; o200k_base, an estimate for non-OpenAI models)\n`,
    );
    return 0;
  },
});
