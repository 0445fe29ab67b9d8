import MiniSearch from 'minisearch';
import type { Catalog } from '../catalog/catalog.js';
import { renderBinding } from '../codegen/binding.js';
import { splitWords } from '../codegen/names.js';
import { planBindings } from '../codegen/tree.js';

/** How much of each hit to return: qualified name only, plus first sentence, or the full binding. */
export type DetailLevel = 'name' | 'summary' | 'full';

export interface SearchOptions {
  /** @default "summary" */
  detail?: DetailLevel;
  /** Hits returned at most. @default 10 */
  limit?: number;
}

/** One search hit. */
export interface SearchHit {
  kind: 'tool';
  /** `server.binding`, e.g. `filesystem.readTextFile`. */
  name: string;
  server: string;
  /** Original MCP tool name. */
  tool: string;
  /** The import line a script uses. */
  importFrom: string;
  /** First sentence of the description (`summary` and `full`). */
  summary?: string;
  /** The binding's TypeScript source, types and docs included (`full`). */
  signature?: string;
  score: number;
}

interface Entry {
  id: string;
  server: string;
  serverWords: string;
  tool: string;
  nameWords: string;
  title: string;
  description: string;
  parameters: string;
}

/**
 * Ranked full-text search over tool names (split into words), titles, descriptions, parameter
 * names and descriptions and server names, with prefix and fuzzy matching (MiniSearch, BM25+).
 * Rebuilt when the catalog changes.
 */
export class ToolSearch {
  private index: MiniSearch<Entry> | undefined;
  private entries = new Map<string, Entry & { identifier: string; folder: string }>();

  constructor(private readonly catalog: Catalog) {
    catalog.on('changed', () => {
      this.index = undefined;
    });
  }

  private build(): MiniSearch<Entry> {
    const index = new MiniSearch<Entry>({
      fields: ['nameWords', 'serverWords', 'title', 'description', 'parameters'],
      storeFields: [],
      searchOptions: {
        boost: { nameWords: 3, title: 2, serverWords: 1.5, description: 1, parameters: 0.5 },
        prefix: true,
        fuzzy: 0.2,
        combineWith: 'OR',
      },
    });
    this.entries.clear();
    for (const server of planBindings(this.catalog)) {
      for (const binding of server.bindings) {
        const { tool } = binding;
        const properties = (tool.inputSchema.properties ?? {}) as Record<string, { description?: unknown }>;
        const entry = {
          id: `${server.server}.${binding.identifier}`,
          server: server.server,
          serverWords: splitWords(server.server).join(' '),
          tool: tool.name,
          nameWords: splitWords(tool.name).join(' '),
          title: tool.title ?? tool.annotations?.title ?? '',
          description: tool.description ?? '',
          parameters: Object.entries(properties)
            .map(
              ([name, p]) =>
                `${splitWords(name).join(' ')} ${typeof p?.description === 'string' ? p.description : ''}`,
            )
            .join(' '),
          identifier: binding.identifier,
          folder: server.folder,
        };
        this.entries.set(entry.id, entry);
      }
    }
    index.addAll([...this.entries.values()]);
    return index;
  }

  /** Ranked hits for `query` (best first). An empty query returns no hits. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    this.index ??= this.build();
    const detail = options.detail ?? 'summary';
    const limit = options.limit ?? 10;
    const results = this.index.search(query).slice(0, limit);
    const hits: SearchHit[] = [];
    for (const result of results) {
      const entry = this.entries.get(String(result.id));
      if (!entry) continue;
      const hit: SearchHit = {
        kind: 'tool',
        name: entry.id,
        server: entry.server,
        tool: entry.tool,
        importFrom: `import { ${entry.identifier} } from './servers/${entry.folder}';`,
        score: Math.round(result.score * 100) / 100,
      };
      if (detail !== 'name') hit.summary = firstSentence(entry.description);
      if (detail === 'full') {
        const found = this.catalog.getTool(entry.server, entry.tool);
        if (found) {
          hit.signature = await renderBinding({
            server: entry.server,
            tool: found.tool,
            identifier: entry.identifier,
            schemaHash: found.schemaHash,
          });
        }
      }
      hits.push(hit);
    }
    return hits;
  }
}

/** First sentence of a description (up to 200 characters). */
export function firstSentence(text: string): string {
  const line =
    text
      .trim()
      .split(/\n\s*\n/)[0]
      ?.replace(/\s+/g, ' ') ?? '';
  const match = line.match(/^.*?[.!?。](?=\s|$)/u);
  const sentence = match ? match[0] : line;
  return sentence.length > 200 ? `${sentence.slice(0, 197)}...` : sentence;
}
