/** The dashboard's view of the gateway: the `/ui/api/*` routes (src/dashboard/routes.ts), typed by the shapes both share. */
import type {
  ApprovalQuestion,
  CacheClearAnswer,
  FeedEntry,
  InsightsAnswer,
  OkAnswer,
  Overview,
  PiiRow,
  RunAnswer,
  SearchHitRow,
  ServerRow,
  SessionAnswer,
  SkillRow,
  ToolHistoryAnswer,
  ToolVersionRow,
} from '../src/dashboard/types.js';

export type {
  ApprovalQuestion,
  FeedEntry,
  InsightsAnswer,
  Overview,
  PiiRow,
  SearchHitRow,
  ServerRow,
  SkillRow,
  ToolHistoryAnswer,
  ToolVersionRow,
};

/** Thrown when the gateway wants its token (401). */
export class Unauthorized extends Error {}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, { ...init, credentials: 'same-origin' });
  if (response.status === 401) throw new Unauthorized('the gateway token is needed');
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

export const api = {
  overview: () => call<Overview>('/ui/api/overview'),
  search: (query: string) => call<{ hits: SearchHitRow[] }>(`/ui/api/search?q=${encodeURIComponent(query)}`),
  insights: (since: string) =>
    call<InsightsAnswer>(`/ui/api/insights${since ? `?since=${encodeURIComponent(since)}` : ''}`),
  clearCache: (server?: string) =>
    call<CacheClearAnswer>('/ui/api/cache/clear', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(server ? { server } : {}),
    }),
  history: (tool: string) => call<ToolHistoryAnswer>(`/ui/api/history?tool=${encodeURIComponent(tool)}`),
  run: (code: string, language: 'typescript' | 'python') =>
    call<RunAnswer>('/ui/api/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, language }),
    }),
  approve: (id: string, approve: boolean) =>
    call<OkAnswer>('/ui/api/approve', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, approve }),
    }),
  session: () => call<SessionAnswer>('/ui/api/session'),
  login: (token: string) =>
    call<OkAnswer>('/ui/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    }),
};

/** `n` with thousands separators. */
export const number = (n: number) => n.toLocaleString('en-US');
