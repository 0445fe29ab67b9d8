import { z } from 'zod';
import type { ReadonlyCatalog } from '../catalog/catalog.js';
import { renderCompactAnswer } from '../codegen/compact.js';
import { pythonImport, renderPythonTool } from '../codegen/python.js';
import {
  ANNOTATION_FILTER_NAMES,
  ANNOTATION_FILTERS,
  type AnnotationFilter,
  type DetailLevel,
  isFiltered,
  type SearchHit,
  type SearchOptions,
  type UnknownName,
} from '../discovery/search.js';
import { serverLines } from '../prompt/code-first.js';
import type { ServerStatus } from '../upstream/servers.js';

/**
 * `search_tools`: its input, and the one path from a request to its answer, used by the MCP
 * server, the library adapters (through `GatewaySession`) and `toolscript search`.
 */

/** Input of `search_tools`, as a zod shape (the MCP server registers it as is). */
export const searchToolsShape = {
  query: z
    .string()
    .optional()
    .describe('Words describing the task, e.g. "read a file". Empty: list servers.'),
  names: z
    .array(z.string())
    .optional()
    .describe('Exact qualified names (server.tool) to fetch, instead of a query.'),
  detail: z
    .enum(['name', 'summary', 'full'])
    .optional()
    .describe('Default "summary"; "full" = TypeScript signature.'),
  limit: z.number().int().min(1).max(200).optional().describe('Default 10.'),
  language: z.enum(['typescript', 'python']).optional().describe('python: Python signatures.'),
  server: z.string().optional().describe("Only this server's tools; without a query, lists them."),
  ...(Object.fromEntries(
    ANNOTATION_FILTER_NAMES.map((filter) => [
      filter,
      z.boolean().optional().describe(`Only tools whose ${ANNOTATION_FILTERS[filter].annotation} is this.`),
    ]),
  ) as Record<AnnotationFilter, z.ZodOptional<z.ZodBoolean>>),
};

/** A `search_tools` request. */
export type SearchToolsInput = {
  query?: string | undefined;
  names?: string[] | undefined;
  detail?: DetailLevel | undefined;
  limit?: number | undefined;
  server?: string | undefined;
  language?: 'typescript' | 'python' | undefined;
} & { [filter in AnnotationFilter]?: boolean | undefined };

/** What search needs of the gateway. */
export interface Searchable {
  listServers(): ServerStatus[];
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>;
  select(names: string[], detail?: DetailLevel): Promise<{ hits: SearchHit[]; unknown: UnknownName[] }>;
  /** The tools' definitions, for Python signatures. */
  readonly catalog: Pick<ReadonlyCatalog, 'getTool'>;
}

/** The answer to a `search_tools` request, before it is rendered. */
export type SearchAnswer =
  | { kind: 'selection'; hits: SearchHit[]; unknown: UnknownName[] }
  | { kind: 'servers'; servers: ServerStatus[] }
  | { kind: 'hits'; query: string; hits: SearchHit[] }
  | { kind: 'no-server'; server: string; servers: ServerStatus[] };

/**
 * Answers a `search_tools` request: `names` → exact selection; an unknown `server` → that server
 * is missing; no query and no filter → the server list; otherwise ranked hits (with an empty
 * query and a filter: every matching tool, by name).
 */
export async function answerSearch(
  gateway: Searchable,
  request: SearchToolsInput,
  caller?: string,
): Promise<SearchAnswer> {
  const answer = await answerInTypeScript(gateway, request, caller);
  return request.language === 'python' && 'hits' in answer
    ? { ...answer, hits: inPython(gateway, answer.hits) }
    : answer;
}

/** Hits with Python signatures and import lines (see `codegen/python.ts`) where they have signatures. */
function inPython(gateway: Searchable, hits: SearchHit[]): SearchHit[] {
  return hits.map((hit) => {
    const tool = hit.kind === 'tool' ? gateway.catalog.getTool(hit.server, hit.tool)?.tool : undefined;
    if (!tool) return hit;
    return {
      ...hit,
      importFrom: pythonImport(hit.server, hit.tool),
      ...(hit.signature ? { signature: renderPythonTool(hit.server, tool) } : {}),
    };
  });
}

async function answerInTypeScript(
  gateway: Searchable,
  request: SearchToolsInput,
  caller: string | undefined,
): Promise<SearchAnswer> {
  const { query = '', names, detail, limit, language: _language, ...filters } = request;
  if (names?.length) return { kind: 'selection', ...(await gateway.select(names, detail ?? 'full')) };
  const servers = gateway.listServers();
  if (filters.server !== undefined && !servers.some((s) => s.name === filters.server)) {
    return { kind: 'no-server', server: filters.server, servers };
  }
  const defined = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
  if (!query.trim() && !isFiltered(defined)) return { kind: 'servers', servers };
  const options: SearchOptions = {
    ...defined,
    ...(detail !== undefined ? { detail } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(caller !== undefined ? { caller } : {}),
  };
  return { kind: 'hits', query, hits: await gateway.search(query, options) };
}

/** The text a model reads for a {@link SearchAnswer}, and whether it is a failure. */
export function renderAnswer(answer: SearchAnswer): { text: string; isError: boolean } {
  switch (answer.kind) {
    case 'selection':
      return { text: renderSelection(answer), isError: answer.hits.length === 0 };
    case 'servers':
      return { text: renderServerList(answer.servers), isError: false };
    case 'hits':
      return { text: renderSearch(answer.query, answer.hits), isError: false };
    case 'no-server':
      return { text: `No server "${answer.server}".\n${renderServerList(answer.servers)}`, isError: true };
  }
}

/** The server listing a model reads for an empty `search_tools` query. */
export function renderServerList(servers: ServerStatus[]): string {
  return `Servers:\n${serverLines(servers, Number.POSITIVE_INFINITY)}\nSearch with words describing the task, or pass "server" to list one server's tools.`;
}

/** The text a model reads for a `search_tools` answer: one line per hit, or full signatures. */
export function renderSearch(query: string, hits: SearchHit[]): string {
  if (hits.length === 0) {
    return query.trim()
      ? `No tool matches "${query}". Try other words, or an empty query to list servers.`
      : 'No tool matches these filters.';
  }
  if (hits.some((hit) => hit.importFrom.startsWith('from servers.')))
    return hits.map((hit) => `${hit.importFrom}\n${hit.signature ?? hit.summary ?? ''}`.trim()).join('\n\n');
  if (hits.some((hit) => hit.signature)) return renderCompactAnswer(hits);
  return hits.map((hit) => (hit.summary ? `${hit.name} — ${hit.summary}` : hit.name)).join('\n');
}

/** The text for an exact selection: the hits, then each unknown name with its nearest names. */
export function renderSelection(selection: { hits: SearchHit[]; unknown: UnknownName[] }): string {
  const parts: string[] = [];
  if (selection.hits.length) parts.push(renderSearch('selection', selection.hits));
  for (const { name, suggestions } of selection.unknown) {
    parts.push(`Unknown tool "${name}".${suggestions.length ? ` Nearest: ${suggestions.join(', ')}.` : ''}`);
  }
  return parts.join('\n\n');
}
