import type { Catalog } from '../../src/catalog/catalog.js';
import { splitWords } from '../../src/codegen/names.js';

/** Lower-cased words of a query, without very short ones. */
function words(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2);
}

/**
 * Substring matching as simpler gateways do it: a tool matches when every query word appears in
 * its name or description (case-insensitive); matches keep catalog order.
 */
export function substringBaseline(catalog: Catalog, query: string, limit: number): string[] {
  const terms = words(query);
  const out: string[] = [];
  for (const { tool } of catalog.allTools()) {
    const text = `${tool.name} ${tool.description ?? ''}`.toLowerCase();
    if (terms.every((t) => text.includes(t))) out.push(tool.name);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * A regex over tool names, as in regex-style tool search: the query's words (3+ letters) as an
 * alternation matched against each name's words; ranked by how many words match.
 */
export function regexNameBaseline(catalog: Catalog, query: string, limit: number): string[] {
  const terms = [...new Set(words(query).filter((w) => w.length >= 3))].map((w) =>
    w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  if (terms.length === 0) return [];
  const pattern = new RegExp(`^(${terms.join('|')})`, 'i');
  return catalog
    .allTools()
    .map(({ tool }) => ({
      name: tool.name,
      score: splitWords(tool.name).filter((w) => pattern.test(w)).length,
    }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((r) => r.name);
}
