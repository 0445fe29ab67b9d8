import type { ExecutionRecord, SearchRecord } from '../../src/insights/records.js';

/**
 * Insight records for tests of what reads them (the report, the discovery's learning), shaped as
 * `searchRecord` and `executionRecord` make them.
 */

/** A search by `caller` at `time` (ms) with `terms`, answering `tools`. */
export function searchAt(caller: string, time: number, tools: string[] = [], terms = ['x']): SearchRecord {
  return { kind: 'search', time, caller, terms, tools };
}

/** An execution by `caller` at `time` (ms) that called `tool` once; `failed` 1 makes the call fail. */
export function runAt(caller: string, time: number, tool: string, failed = 0): ExecutionRecord {
  return { kind: 'execution', time, caller, ok: true, ms: 1, tools: [{ tool, calls: 1, failed, ms: [1] }] };
}
