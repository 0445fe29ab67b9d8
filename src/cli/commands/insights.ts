import { resolve } from 'node:path';
import { connectStore, storeUrlOf } from '../../gateway/store.js';
import { INSIGHTS_FILE, InsightsLog } from '../../insights/log.js';
import { FOLLOW_WINDOW_MS, type InsightsReport, parseSince } from '../../insights/report.js';
import { runReportTask } from '../../insights/report-task.js';
import { type Command, defineCommand, loadCliConfig, UsageError } from '../shared.js';

export const INSIGHTS_HELP = `Usage: toolscript insights [--since 24h] [--json] [--config FILE]

What the gateway's executions and searches say about how agents use it: the hints they got, by
how often; failed tool calls by tool and error code; the slowest tools (p50 and p95); tokens
saved per session (code mode against the direct tool calling estimate, o200k_base); the call
cache's hit rate; and discovery misses, the searches not followed within ${FOLLOW_WINDOW_MS / 60_000} minutes by a
successful call of a tool they answered (shown by their index terms). Records hold names, codes,
counts, durations and terms, never arguments, results or messages. They are read from
<dataDir>/insights.jsonl, or from the store's log when the config has "store" (every replica's).
"insights": false in the config stops the recording.

Options:
      --since WHEN    only what happened since WHEN: a duration back from now (30m, 24h, 7d, 2w)
                      or a date and time (2026-12-01, 2026-12-01T09:00Z); default everything kept
      --json          print the report as JSON
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript insights`: the report of the recorded executions and searches. */
export const insights: Command = defineCommand({
  help: INSIGHTS_HELP,
  options: { since: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    if (positionals.length)
      throw new UsageError(`"toolscript insights" takes no argument (got "${positionals[0]}")`);
    const since = values.since === undefined ? 0 : parseSince(values.since);
    if (since === undefined)
      throw new UsageError(
        `--since "${values.since}" is neither a duration (30m, 24h, 7d) nor a date (2026-12-01)`,
      );
    const { config } = loadCliConfig(values.config, io);
    const url = storeUrlOf(config);
    const store = url ? await connectStore(url, config) : undefined;
    try {
      const log = new InsightsLog(resolve(config.dataDir, INSIGHTS_FILE), store);
      // A one-shot command: made on this thread, without starting a worker.
      const report = runReportTask(await log.task(since));
      if (values.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else io.stdout(`${renderReport(report, log.location, config.insights)}\n`);
      return 0;
    } finally {
      await store?.close();
    }
  },
});

/** The report as the terminal shows it. */
export function renderReport(report: InsightsReport, where: string, recording: boolean): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const pct = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);
  const { executions, discovery, cache, tokens } = report;
  const lines = [
    `Insights ${report.since ? `since ${report.since.slice(0, 16).replace('T', ' ')} UTC` : 'over everything kept'} (${where})`,
  ];
  if (!recording) lines.push('Recording is off ("insights": false): nothing new is added.');
  if (executions.total === 0 && discovery.searches === 0) {
    lines.push('No execution or search recorded yet.');
    return lines.join('\n');
  }
  lines.push(
    `Executions: ${n(executions.total)}, ${n(executions.failed)} failed${executions.codes.length ? ` (${executions.codes.map((c) => `${c.name} ${c.count}`).join(', ')})` : ''}`,
  );
  const section = (title: string, rows: string[]) => {
    if (rows.length) lines.push('', title, ...rows.map((row) => `  ${row}`));
  };
  section(
    'Hints, most frequent first',
    report.hints.map((h) => `${h.name.padEnd(20)} ${n(h.count)}`),
  );
  section(
    'Failed tool calls by tool and error code',
    report.toolErrors.map((e) => `${e.tool}  ${e.code}  ${n(e.count)}`),
  );
  section(
    'Slowest tools (p50 / p95 of call durations)',
    report.slowTools.map((t) => `${t.tool}  ${ms(t.p50Ms)} / ${ms(t.p95Ms)}  (${n(t.calls)} calls)`),
  );
  section(
    `Tokens saved per session (o200k_base; in all: code mode ${n(tokens.codeMode)} against direct ${n(tokens.direct)}, ${n(tokens.saved)} saved)`,
    report.sessions.map(
      (s) =>
        `${s.session}  ${n(s.executions)} executions  ${n(s.saved)} saved (code mode ${n(s.codeMode)}, direct ${n(s.direct)})`,
    ),
  );
  lines.push(
    '',
    cache.hits + cache.misses
      ? `Call cache: ${n(cache.hits)} hits, ${n(cache.misses)} misses (${pct(cache.hitRate)} hit rate)`
      : 'Call cache: no call of a cached tool (see "cache" in the README)',
    `Discovery: ${n(discovery.searches)} searches, ${n(discovery.misses)} not followed by a call of a tool they answered (${pct(discovery.missRate)})`,
  );
  section(
    'Searches most often missed (their terms)',
    discovery.missed.map((m) => `"${m.name}"  ${n(m.count)}`),
  );
  return lines.join('\n');
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}
