import type { SearchHit } from '../discovery/search.js';
import type { ServerStatus } from '../gateway.js';
import { serverLines } from './prompt.js';

/** The text a model reads for a `search_tools` answer. */
export function renderSearch(query: string, hits: SearchHit[], servers: ServerStatus[]): string {
  if (!query.trim())
    return `Servers:\n${serverLines(servers, Number.POSITIVE_INFINITY)}\nSearch with words describing the task.`;
  if (hits.length === 0)
    return `No tool matches "${query}". Try other words, or an empty query to list servers.`;
  return hits
    .map((hit) => {
      if (hit.signature) return `// ${hit.name}: ${hit.importFrom}\n${hit.signature}`;
      return hit.summary ? `${hit.name} — ${hit.summary}` : hit.name;
    })
    .join(hits[0]?.signature ? '\n\n' : '\n');
}
