/*
 * The insights' shapes: the records the gateway keeps (records.ts) and the report made of them
 * (report.ts). Types only, importing nothing, so the dashboard's page type-checks them too.
 */

/**
 * What the insights keep of one call site: one tool's calls in one execution. Names, counts,
 * codes and durations only: never an argument, a result or a message.
 */
export interface ToolUse {
  /** `<server>.<tool>` (the tool's MCP name). */
  tool: string;
  calls: number;
  failed: number;
  /** Error codes of the failed calls, with how many (`INVALID_ARGUMENTS`, `UPSTREAM_ERROR`, …). */
  errors?: Record<string, number>;
  /** Calls answered from the call cache, and cacheable calls that were not (see `cache`). */
  hits?: number;
  misses?: number;
  /** Durations in ms (0.1 ms steps): every call's, or an even sample of `MAX_DURATIONS` (records.ts). */
  ms: number[];
}

/** One finished execution, as the insights keep it. */
export interface ExecutionRecord {
  kind: 'execution';
  /** When it finished, in ms since the epoch. */
  time: number;
  /** The session's label (see `sessionLabel`), never its id. */
  caller: string;
  ok: boolean;
  /** The execution's error code when it failed. */
  code?: string;
  ms: number;
  tools: ToolUse[];
  /** o200k_base tokens: what the model read in code mode, and the direct-calling estimate. */
  tokens?: { codeMode: number; direct: number };
  /** Codes of the hints the execution got (see `execution/hints.ts`). */
  hints?: string[];
}

/** One `search_tools` answer, as the insights keep it. */
export interface SearchRecord {
  kind: 'search';
  time: number;
  caller: string;
  /**
   * The query's index terms (lowercased, stemmed, deduplicated; see `discovery/text.ts`), after
   * PII tokenization when the session tokenizes: terms, never the text.
   */
  terms: string[];
  /** The tools answered, best first (at most `MAX_SEARCH_TOOLS`), as `<server>.<tool>`. */
  tools: string[];
}

export type InsightRecord = ExecutionRecord | SearchRecord;

/** A count of one thing. */
export interface Count {
  name: string;
  count: number;
}

/** What `toolscript insights` and the dashboard's insights panel show (see `insightsReport`). */
export interface InsightsReport {
  /** The first time counted (ISO 8601), or null for everything kept. */
  since: string | null;
  executions: { total: number; failed: number; codes: Count[] };
  /** Hint codes by how often executions got them, most first. */
  hints: Count[];
  /** Failed upstream calls by tool and error code, most first. */
  toolErrors: { tool: string; code: string; count: number }[];
  /** The tools whose calls took longest at the 95th percentile, in ms (nearest rank, over the kept samples). */
  slowTools: { tool: string; calls: number; p50Ms: number; p95Ms: number }[];
  /** o200k_base tokens per session: what its executions cost in code mode and would have cost
   * by direct calling, most saved first. `saved` is `direct - codeMode` (negative: code mode cost more). */
  sessions: { session: string; executions: number; codeMode: number; direct: number; saved: number }[];
  /** Sums over every session (not only the rows shown). */
  tokens: { codeMode: number; direct: number; saved: number };
  /** Calls of cached tools: answered from the cache, and not; `hitRate` is null without any. */
  cache: { hits: number; misses: number; hitRate: number | null };
  /**
   * Searches, and those not followed within `FOLLOW_WINDOW_MS` (report.ts) by an execution of the same
   * caller that called (successfully) any tool they answered: discovery misses, by their terms.
   */
  discovery: { searches: number; misses: number; missRate: number | null; missed: Count[] };
}
