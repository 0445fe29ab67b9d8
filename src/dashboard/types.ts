import type { InsightsReport } from '../insights/types.js';

/**
 * What the dashboard's API answers (`/ui/api/*`): the server's routes (`routes.ts`, `feed.ts`) are
 * typed with these, and the page (`ui/api.ts`) reads them, so the two cannot drift. The page
 * type-checks this file on its own, so it imports nothing but the insights' types (which import
 * nothing).
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
  /** `cached`: set for a tool the config caches, true when the result came from the cache. */
  calls: { server: string; tool: string; ms: number; ok: boolean; cached?: boolean }[];
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

/** A configured server as `GET /ui/api/overview` lists it: its status and its tool policy. */
export interface ServerRow {
  name: string;
  ok: boolean;
  tools: number;
  deniedTools?: number;
  restarts?: number;
  protocolVersion?: string;
  description: string;
  error?: string;
  policy: { allowTools?: string[]; denyTools?: string[]; requireApproval?: string[] };
}

/** A saved skill as the overview lists it. */
export interface SkillRow {
  name: string;
  description: string;
  version: number;
  /** `ok`, or why it is broken. */
  status: string;
  uses: number;
  failures: number;
}

/** A PII audit entry as the overview lists it (the newest 100). */
export interface PiiRow {
  time: string;
  session: string;
  server: string;
  tool: string;
  /** Values tokenized, by PII type. */
  types: Record<string, number>;
}

/** `GET /ui/api/overview`. */
export interface Overview {
  servers: ServerRow[];
  executions: FeedEntry[];
  skills: SkillRow[];
  pii: PiiRow[];
}

/** One hit of `GET /ui/api/search?q=`. */
export interface SearchHitRow {
  name: string;
  /** `server.tool` with the tool's MCP name (what `GET /ui/api/history` takes). */
  tool: string;
  /** The tool's version now (see {@link ToolHistoryAnswer}), when the gateway has its history. */
  version?: string | undefined;
  summary?: string | undefined;
  signature?: string | undefined;
  importFrom: string;
}

/** A playground script's call that needs the person's approval (the `approval` event). */
export interface ApprovalQuestion {
  /** Random id (122 bits) the page answers with: `POST /ui/api/approve { id, approve }`. */
  id: string;
  server: string;
  tool: string;
  /** The same text MCP elicitation shows (see `approvalMessage`). */
  message: string;
}

/** `GET /ui/api/session`. */
export interface SessionAnswer {
  signedIn: boolean;
  tokenRequired: boolean;
}

/** `POST /ui/api/run`: the script's answer as `execute_code` gives it. */
export interface RunAnswer {
  text: string;
  isError: boolean;
}

/** `POST /ui/api/login` and `POST /ui/api/approve` (200 either way; `ok` says which). */
export interface OkAnswer {
  ok: boolean;
  error?: string;
}

/** Every refusal of the API (400, 401, 403, 404, 413, 415). */
export interface ErrorAnswer {
  error: string;
}

/** One version of a tool as the dashboard shows it (see `ToolHistory.versions`). */
export interface ToolVersionRow {
  version: string;
  /** ISO 8601. */
  firstSeen: string;
  lastSeen: string;
  /** `patch`, `minor` or `major`; absent for the first version. */
  level?: string | undefined;
  /** What changed from the version before, in words (empty for the first). */
  changes: string[];
  /** The server's `serverInfo.version` values while this version was current. */
  serverVersions: string[];
  removed?: boolean | undefined;
  renamedTo?: string | undefined;
}

/** `GET /ui/api/history?tool=server.tool`: the tool's versions, newest first. */
export interface ToolHistoryAnswer {
  tool: string;
  versions: ToolVersionRow[];
}

/** What `GET /ui/api/insights?since=` answers (see `toolscript insights`). */
export interface InsightsAnswer {
  report: InsightsReport;
  /** False with config `insights: false`: nothing new is recorded. */
  recording: boolean;
  /** True when some server caches calls (config `cache`), so the page offers to clear it. */
  cache: boolean;
}

/** What `POST /ui/api/cache/clear` answers: how many kept results were dropped. */
export interface CacheClearAnswer {
  ok: true;
  dropped: number;
}
