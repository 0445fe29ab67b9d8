/**
 * What the dashboard's API answers about executions; shared by the server (`feed.ts`) and the page
 * (`ui/`), so it imports nothing.
 */

/** One execution as the dashboard shows it: what the model saw (PII-tokenized), never more. */
export interface FeedEntry {
  /** Increasing per gateway. */
  id: number;
  /** When it finished, ISO 8601. */
  time: string;
  session: string;
  ok: boolean;
  /** The error code when it failed (`TIMEOUT`, `TOOL_ERROR`…), else null. */
  code: string | null;
  calls: { server: string; tool: string; ms: number; ok: boolean }[];
  /** o200k_base tokens in code mode against direct tool calling; null when not counted. */
  tokens: { codeMode: number; direct: number; reduction: number } | null;
  /** Wall time, in ms. */
  ms: number;
  /** The first 160 characters of the answer's result (or error). */
  preview: string;
  script: string;
  logs: string[];
  /** The answer the model read (`output`). */
  output: string;
}
