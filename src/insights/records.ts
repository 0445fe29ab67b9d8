import type { Execution } from '../execution/parts.js';
import { sessionLabel } from '../util/session-label.js';
import type { ExecutionRecord, ToolUse } from './types.js';

export type { ExecutionRecord, InsightRecord, SearchRecord, ToolUse } from './types.js';

/** Durations kept per tool per execution. */
export const MAX_DURATIONS = 32;

/** The record of one finished execution (see {@link ExecutionRecord}). */
export function executionRecord(execution: Execution, session: string, time = Date.now()): ExecutionRecord {
  const uses = new Map<string, ToolUse & { all: number[] }>();
  for (const call of execution.calls) {
    const tool = `${call.server}.${call.tool}`;
    let use = uses.get(tool);
    if (!use) {
      use = { tool, calls: 0, failed: 0, ms: [], all: [] };
      uses.set(tool, use);
    }
    use.calls++;
    use.all.push(Math.round(call.ms * 10) / 10);
    if (!call.ok) {
      use.failed++;
      const code = call.error ?? 'ERROR';
      use.errors = { ...use.errors, [code]: (use.errors?.[code] ?? 0) + 1 };
    }
    if (call.cached === true) use.hits = (use.hits ?? 0) + 1;
    if (call.cached === false) use.misses = (use.misses ?? 0) + 1;
  }
  const tools = [...uses.values()].map(({ all, ...use }) => ({ ...use, ms: evenSample(all, MAX_DURATIONS) }));
  return {
    kind: 'execution',
    time,
    caller: sessionLabel(session),
    ok: execution.ok,
    ...(execution.error ? { code: execution.error.code } : {}),
    ms: Math.round(execution.ms * 10) / 10,
    tools,
    ...(execution.tokens
      ? { tokens: { codeMode: execution.tokens.codeMode, direct: execution.tokens.direct } }
      : {}),
    ...(execution.hints?.length ? { hints: execution.hints.map((hint) => hint.code) } : {}),
  };
}

/** At most `n` of `values`, spread evenly over them (all of them when there are no more). */
function evenSample(values: number[], n: number): number[] {
  if (values.length <= n) return values;
  const step = values.length / n;
  return Array.from({ length: n }, (_, i) => values[Math.floor(i * step)] as number);
}
