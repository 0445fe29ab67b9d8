import type { Count, ExecutionRecord, InsightRecord, InsightsReport, SearchRecord } from './types.js';

export type { Count, InsightsReport } from './types.js';

/**
 * How long after a search an execution of the same caller counts as following it, in ms: 10
 * minutes. An agent writes its script within one or two model turns of the search (seconds to a
 * minute or two with a slow model, longer when a person approves a call on the way); much longer
 * windows join searches to the next, unrelated task.
 */
export const FOLLOW_WINDOW_MS = 10 * 60_000;
/** Rows per list in a report. */
const ROWS = 10;

/**
 * Sums `records` into a report (see {@link InsightsReport}).
 * @param since the first time counted (for the report's `since`), ms since the epoch; 0 for all.
 */
export function insightsReport(records: InsightRecord[], since = 0): InsightsReport {
  const executions = records.filter((r): r is ExecutionRecord => r.kind === 'execution');
  const searches = records.filter((r): r is SearchRecord => r.kind === 'search');
  const codes = new Counter();
  const hints = new Counter();
  const toolErrors = new Counter();
  const durations = new Map<string, { calls: number; ms: number[] }>();
  const sessions = new Map<string, InsightsReport['sessions'][number]>();
  let hits = 0;
  let misses = 0;
  for (const run of executions) {
    if (!run.ok) codes.add(run.code ?? 'ERROR');
    for (const code of run.hints ?? []) hints.add(code);
    for (const use of run.tools) {
      for (const [code, n] of Object.entries(use.errors ?? {})) toolErrors.add(`${use.tool}\u0000${code}`, n);
      const kept = durations.get(use.tool) ?? { calls: 0, ms: [] };
      kept.calls += use.calls;
      kept.ms.push(...use.ms);
      durations.set(use.tool, kept);
      hits += use.hits ?? 0;
      misses += use.misses ?? 0;
    }
    if (run.tokens) {
      const row = sessions.get(run.caller) ?? {
        session: run.caller,
        executions: 0,
        codeMode: 0,
        direct: 0,
        saved: 0,
      };
      row.executions++;
      row.codeMode += run.tokens.codeMode;
      row.direct += run.tokens.direct;
      row.saved = row.direct - row.codeMode;
      sessions.set(run.caller, row);
    }
  }
  const sessionRows = [...sessions.values()].sort((a, b) => b.saved - a.saved);
  const tokens = sessionRows.reduce(
    (sum, row) => ({
      codeMode: sum.codeMode + row.codeMode,
      direct: sum.direct + row.direct,
      saved: sum.saved + row.saved,
    }),
    { codeMode: 0, direct: 0, saved: 0 },
  );
  const missed = discoveryMisses(searches, executions);
  return {
    since: since > 0 ? new Date(since).toISOString() : null,
    executions: {
      total: executions.length,
      failed: executions.filter((r) => !r.ok).length,
      codes: codes.top(),
    },
    hints: hints.top(),
    toolErrors: toolErrors.top().map(({ name, count }) => {
      const [tool = '', code = ''] = name.split('\u0000');
      return { tool, code, count };
    }),
    slowTools: [...durations]
      .map(([tool, { calls, ms }]) => {
        const sorted = ms.sort((a, b) => a - b);
        return { tool, calls, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95) };
      })
      .sort((a, b) => b.p95Ms - a.p95Ms || b.p50Ms - a.p50Ms)
      .slice(0, ROWS),
    sessions: sessionRows.slice(0, ROWS * 2),
    tokens,
    cache: { hits, misses, hitRate: hits + misses ? hits / (hits + misses) : null },
    discovery: {
      searches: searches.length,
      misses: missed.length,
      missRate: searches.length ? missed.length / searches.length : null,
      missed: new Counter(missed.map((s) => s.terms.join(' ') || '(no terms)')).top(),
    },
  };
}

/**
 * The searches that no execution of the same caller followed, within {@link FOLLOW_WINDOW_MS},
 * with a successful call of a tool they answered. Records may come in any order.
 */
export function discoveryMisses(searches: SearchRecord[], executions: ExecutionRecord[]): SearchRecord[] {
  const byCaller = new Map<string, ExecutionRecord[]>();
  for (const run of executions) {
    const runs = byCaller.get(run.caller) ?? [];
    runs.push(run);
    byCaller.set(run.caller, runs);
  }
  return searches.filter((search) => {
    const answered = new Set(search.tools);
    return !byCaller
      .get(search.caller)
      ?.some(
        (run) =>
          run.time >= search.time &&
          run.time - search.time <= FOLLOW_WINDOW_MS &&
          run.tools.some((use) => use.calls > use.failed && answered.has(use.tool)),
      );
  });
}

/** The value at rank ⌈q·n⌉ of sorted `values` (nearest rank); 0 for none. */
function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Counts by name, read back most first (ties by name). */
class Counter {
  private readonly counts = new Map<string, number>();
  constructor(names: string[] = []) {
    for (const name of names) this.add(name);
  }
  add(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }
  top(rows = ROWS): Count[] {
    return [...this.counts]
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
      .slice(0, rows);
  }
}

/**
 * The time `--since` (or the dashboard's `?since=`) names, in ms since the epoch: a duration back
 * from `now` (`90s`, `30m`, `24h`, `7d`, `2w`) or a date and time ISO 8601 takes (`2026-12-01`,
 * `2026-12-01T09:00Z`); undefined when it is neither.
 */
export function parseSince(text: string, now = Date.now()): number | undefined {
  const duration = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i.exec(text.trim());
  if (duration) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
      (duration[2] as string).toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'
    ];
    return now - Number(duration[1]) * unit;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const time = Date.parse(text.trim());
  return Number.isNaN(time) ? undefined : time;
}
