/** The dashboard's view of the gateway: the JSON the `/ui/api/*` routes answer (src/dashboard/routes.ts). */
import type { FeedEntry } from '../src/dashboard/types.js';

export type { FeedEntry };

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

export interface SkillRow {
  name: string;
  description: string;
  version: number;
  status: string;
  uses: number;
  failures: number;
}

export interface PiiRow {
  time: string;
  session: string;
  server: string;
  tool: string;
  types: Record<string, number>;
}

export interface Overview {
  servers: ServerRow[];
  executions: FeedEntry[];
  skills: SkillRow[];
  pii: PiiRow[];
  stats: { executions: Record<string, number>; toolCalls: number; tokensSaved?: number };
}

export interface SearchHitRow {
  name: string;
  summary?: string;
  signature?: string;
  importFrom: string;
}

/** A playground script's call that needs the person's approval (the `approval` event). */
export interface ApprovalQuestion {
  id: string;
  server: string;
  tool: string;
  message: string;
}

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
  run: (code: string, language: 'typescript' | 'python') =>
    call<{ text: string; isError: boolean }>('/ui/api/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, language }),
    }),
  approve: (id: string, approve: boolean) =>
    call<{ ok: boolean; error?: string }>('/ui/api/approve', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, approve }),
    }),
  session: () => call<{ signedIn: boolean; tokenRequired: boolean }>('/ui/api/session'),
  login: (token: string) =>
    call<{ ok: boolean; error?: string }>('/ui/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    }),
};

/** `n` with thousands separators. */
export const number = (n: number) => n.toLocaleString('en-US');
