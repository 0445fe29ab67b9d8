import type { Execution } from '../execution/pipeline.js';
import { resultJson } from '../execution/result-json.js';
import { sessionLabel } from '../util/session-label.js';
import type { FeedEntry } from './types.js';

export type { FeedEntry } from './types.js';

/** Executions kept by default. */
export const FEED_SIZE = 200;
/** Longest script kept per entry, in characters. */
const MAX_SCRIPT_CHARS = 20_000;

/**
 * The last executions of this gateway (this replica only), for the dashboard: a ring of
 * {@link FEED_SIZE}, and listeners told of each new one. Entries hold the tokenized view the
 * model had (`Execution` after PII tokenization), cut to sizes a page can show.
 */
export class ExecutionFeed {
  private readonly entries: FeedEntry[] = [];
  private readonly listeners = new Set<(entry: FeedEntry) => void>();
  private next = 1;

  constructor(private readonly size = FEED_SIZE) {}

  /** Adds one finished execution; tells the listeners. */
  add(execution: Execution, context: { session: string; script: string }): void {
    const preview = execution.error
      ? `${execution.error.code}: ${execution.error.message}`
      : (resultJson(execution) ?? 'null');
    const entry: FeedEntry = {
      id: this.next++,
      time: new Date().toISOString(),
      session: sessionLabel(context.session),
      ok: execution.ok,
      code: execution.error?.code ?? null,
      calls: execution.calls.slice(0, 1000).map((c) => ({
        server: c.server,
        tool: c.tool,
        ms: c.ms,
        ok: c.ok,
        ...(c.cached !== undefined ? { cached: c.cached } : {}),
      })),
      tokens: execution.tokens
        ? {
            codeMode: execution.tokens.codeMode,
            direct: execution.tokens.direct,
            reduction: execution.tokens.reduction,
          }
        : null,
      ms: execution.ms,
      preview: preview.length > 160 ? `${preview.slice(0, 159)}…` : preview,
      script: context.script.slice(0, MAX_SCRIPT_CHARS),
      logs: execution.logs.slice(0, 200).map((line) => line.slice(0, 2000)),
      output: execution.output.slice(0, 20_000),
    };
    this.entries.unshift(entry);
    if (this.entries.length > this.size) this.entries.length = this.size;
    for (const listener of this.listeners) listener(entry);
  }

  /** The kept entries, newest first. */
  list(): FeedEntry[] {
    return [...this.entries];
  }

  /** Calls `listener` with each new entry. @returns a function that removes it. */
  subscribe(listener: (entry: FeedEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
