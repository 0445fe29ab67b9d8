import type { SearchHit, UnknownName } from '../discovery/search.js';
import type { ServerStatus } from '../gateway.js';
import { serverLines } from '../prompt/code-first.js';

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
  if (hits.some((hit) => hit.signature)) {
    return hits.map((hit) => `// ${hit.name}: ${hit.importFrom}\n${hit.signature ?? ''}`).join('\n\n');
  }
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
