import MiniSearch from 'minisearch';
import { isDestructive } from '../catalog/annotations.js';
import type { ReadonlyCatalog } from '../catalog/catalog.js';
import type { BindingSpec } from '../codegen/binding.js';
import { BindingCache } from '../codegen/cache.js';
import { nearest } from '../util/nearest.js';
import {
  hintWords,
  type SearchDocument,
  type SearchKind,
  type ToolHints,
  toolDocuments,
} from './documents.js';
import { FUSION_DEPTH, hybridOrder, type SemanticIndex, semanticText } from './embeddings/semantic.js';
import type { LearnedTerms } from './learned.js';
import { LEARNED_DEPTH, LearnedFusion } from './learned-fusion.js';
import { DEFAULT_RANKING, lexicalMatches, type RankingOptions } from './ranking.js';
import { firstSentence, processTerm, termsOf, tokenize } from './text.js';

/** How much of each hit to return: qualified name only, plus first sentence, or the full binding. */
export type DetailLevel = 'name' | 'summary' | 'full';

export interface SearchOptions {
  /** @default "summary" */
  detail?: DetailLevel;
  /** Hits returned at most. @default 10 (100 when browsing a server without a query) */
  limit?: number;
  /** Only this server's tools. With an empty query: list them, sorted by name. */
  server?: string;
  /** Only tools or only skills. */
  kind?: SearchKind;
  /**
   * Who searches (a session's label), for what searches led to (see `LearnedTerms`): its own
   * uses count in full, every other caller's capped. Undefined: every caller capped.
   */
  caller?: string;
  /** Only tools whose MCP annotations say so; see {@link ANNOTATION_FILTERS}. */
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
  openWorld?: boolean;
}

/**
 * The MCP tool annotations search filters on: option → the annotation and the value a tool that
 * does not say has (MCP specification, `ToolAnnotations`: destructive and open-world by default;
 * a read-only tool is never destructive).
 */
export const ANNOTATION_FILTERS = {
  readOnly: { annotation: 'readOnlyHint', unset: false },
  destructive: { annotation: 'destructiveHint', unset: true },
  idempotent: { annotation: 'idempotentHint', unset: false },
  openWorld: { annotation: 'openWorldHint', unset: true },
} as const;
export type AnnotationFilter = keyof typeof ANNOTATION_FILTERS;
/** The keys of {@link ANNOTATION_FILTERS}, in order: the four filter options. */
export const ANNOTATION_FILTER_NAMES = Object.keys(ANNOTATION_FILTERS) as AnnotationFilter[];

/** What a tool's hints mean for one filter, with the MCP defaults for hints it does not give. */
export function hintValue(hints: SearchDocument['hints'], filter: AnnotationFilter): boolean {
  if (filter === 'destructive')
    return isDestructive({ readOnlyHint: hints.readOnly, destructiveHint: hints.destructive });
  return hints[filter] ?? ANNOTATION_FILTERS[filter].unset;
}

/** One search hit. */
export interface SearchHit {
  kind: SearchKind;
  /** Qualified name, e.g. `filesystem.readTextFile`. */
  name: string;
  server: string;
  /** Original MCP tool name. */
  tool: string;
  /** The import line a script uses. */
  importFrom: string;
  /** First sentence of the description (`summary` and `full`). */
  summary?: string;
  /**
   * The tool as a `declare function` with inline input type and docs, no import line (`full`;
   * see `renderCompactBinding`).
   */
  signature?: string;
  /** MCP annotation hints the tool declares. */
  hints?: ToolHints;
  /**
   * Lexical relevance to the whole query (BM25+ with boosts); 0 when listed, selected by name, or
   * found only by the model in hybrid search. Hits come in rank order, which is not always score
   * order: a question's step bests follow its first hits, and hybrid ranks are fused.
   */
  score: number;
}

/** A name given to {@link ToolSearch.select} that matches no tool, with the nearest names. */
export interface UnknownName {
  name: string;
  suggestions: string[];
}

export { DEFAULT_RANKING, type RankingOptions } from './ranking.js';

type Fields = 'name' | 'server' | 'serverDescription' | 'title' | 'description' | 'parameters' | 'hints';

/** Where full-detail signatures come from: a binding's compact form by spec (a `BindingTree`). */
export interface BindingSources {
  compact(spec: BindingSpec): string;
}

/**
 * Ranked full-text search over tools (and, later, skills): tool names split into words, server
 * names, titles, descriptions, parameter names and descriptions, and MCP annotation hints, with
 * stemming, prefix and fuzzy matching (MiniSearch, BM25+). The index follows the catalog: a server
 * whose tools change is re-indexed on the next search. Signatures for `full` are generated lazily
 * and cached.
 */
export class ToolSearch {
  private index: MiniSearch<SearchDocument & Record<Fields, string>> | undefined;
  private readonly documents = new Map<string, SearchDocument>();
  private readonly byServer = new Map<string, string[]>();
  private readonly stale = new Set<string>();
  /** Documents of other kinds, re-added when the index is rebuilt. */
  private readonly extra = new Map<SearchKind, SearchDocument[]>();
  private readonly ranking: RankingOptions;

  constructor(
    private readonly catalog: ReadonlyCatalog,
    options: {
      ranking?: RankingOptions;
      bindings?: BindingSources;
      semantic?: SemanticIndex;
      learned?: LearnedTerms;
    } = {},
  ) {
    this.ranking = options.ranking ?? DEFAULT_RANKING;
    this.learned = options.learned && new LearnedFusion(options.learned, () => this.documents.values());
    this.semantic = options.semantic;
    this.bindings = options.bindings ?? new BindingCache();
    catalog.on('changed', (server) => this.stale.add(server));
  }

  private readonly bindings: BindingSources;
  /** Vectors for hybrid ranking (`discovery.embeddings`), when configured. */
  private readonly semantic: SemanticIndex | undefined;
  /** What searches led to (`discovery.learn`), when on. */
  private readonly learned: LearnedFusion | undefined;

  /** Re-embeds the tool documents in the background (only texts not embedded before). */
  private embedDocuments(): void {
    if (!this.semantic) return;
    const tools = [...this.documents.values()].filter((d) => d.kind === 'tool');
    this.semantic.update(tools.map((d) => ({ id: d.id, text: semanticText(d) })));
  }

  /** Processed terms of each document's tool name and identifier, by id (see `nameBonus`). */
  private readonly nameTerms = new Map<string, ReadonlySet<string>>();

  private nameTermsOf(id: string): ReadonlySet<string> {
    let terms = this.nameTerms.get(id);
    if (!terms) {
      const document = this.documents.get(id);
      terms = new Set(document ? termsOf(tokenize(`${document.name} ${document.identifier}`, 'name')) : []);
      this.nameTerms.set(id, terms);
    }
    return terms;
  }

  /** Builds the index now (otherwise the first search does); returns the number of documents. */
  prepare(): number {
    this.refresh();
    return this.documents.size;
  }

  private refresh(): MiniSearch<SearchDocument & Record<Fields, string>> {
    if (this.stale.size > 0 || !this.index) this.learned?.reset();
    if (!this.index) {
      this.index = new MiniSearch<SearchDocument & Record<Fields, string>>({
        fields: ['name', 'server', 'serverDescription', 'title', 'description', 'parameters', 'hints'],
        storeFields: [],
        tokenize,
        processTerm,
      });
      this.stale.clear();
      for (const server of this.catalog.listServers()) this.indexServer(server.name);
      for (const documents of this.extra.values()) this.addDocuments(documents);
      this.embedDocuments();
      return this.index;
    }
    const changed = this.stale.size > 0;
    for (const server of this.stale) {
      for (const id of this.byServer.get(server) ?? []) {
        this.index.discard(id);
        this.documents.delete(id);
        this.nameTerms.delete(id);
      }
      this.byServer.delete(server);
      this.indexServer(server);
    }
    this.stale.clear();
    if (changed) this.embedDocuments();
    return this.index;
  }

  private indexServer(server: string): void {
    const found = this.catalog.getServer(server);
    if (!found || !this.index) return;
    const hashes = new Map(
      found.tools.map((t) => [t.name, this.catalog.getTool(server, t.name)?.schemaHash ?? '']),
    );
    const documents = toolDocuments(server, found.description, found.tools, hashes);
    this.addDocuments(documents);
    this.byServer.set(
      server,
      documents.map((d) => d.id),
    );
  }

  /** Replaces every document of a kind other than tools (e.g. all skills) with `documents`. */
  replaceKind(kind: Exclude<SearchKind, 'tool'>, documents: SearchDocument[]): void {
    this.refresh();
    for (const [id, document] of this.documents) {
      if (document.kind === kind) {
        this.index?.discard(id);
        this.documents.delete(id);
        this.nameTerms.delete(id);
      }
    }
    this.extra.set(kind, documents);
    this.addDocuments(documents);
  }

  /** Adds documents of another kind (skills) to the same index. Ids must be unique. */
  addDocuments(documents: SearchDocument[]): void {
    const index = this.index ?? this.refresh();
    this.learned?.reset();
    for (const document of documents) {
      this.documents.set(document.id, document);
      this.nameTerms.delete(document.id);
    }
    index.addAll(
      documents.map((d) => ({
        ...d,
        name: `${d.name} ${d.identifier}`,
        server: d.server,
        hints: hintWords(d.hints),
      })),
    );
  }

  /**
   * Ranked hits for `query`, best first. With an empty query and any filter (a `server`, a kind or
   * an annotation), lists the matching tools by name; with an empty query and no filter, returns
   * no hits (the caller lists the servers instead; see {@link ReadonlyCatalog.listServers}).
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const index = this.refresh();
    const detail = options.detail ?? 'summary';
    const accept = (document: SearchDocument) =>
      (options.server === undefined || document.server === options.server) &&
      (options.kind === undefined || document.kind === options.kind) &&
      ANNOTATION_FILTER_NAMES.every(
        (filter) =>
          options[filter] === undefined ||
          (document.kind === 'tool' && hintValue(document.hints, filter) === options[filter]),
      );

    if (!query.trim()) {
      if (!isFiltered(options)) return [];
      const listed = [...this.documents.values()].filter(accept).sort((a, b) => (a.id < b.id ? -1 : 1));
      return Promise.all(listed.slice(0, options.limit ?? 100).map((d) => this.hit(d, 0, detail)));
    }
    const acceptId = (id: string) => {
      const document = this.documents.get(id);
      return document !== undefined && accept(document);
    };
    const filtered = isFiltered(options) ? acceptId : undefined;
    const limit = options.limit ?? 10;
    // Enough lexical matches for the fusion, and for `limit` tools after the deprecated ones.
    let deprecatedCount = 0;
    for (const document of this.documents.values()) if (document.deprecated !== undefined) deprecatedCount++;
    const depth = Math.max(limit, FUSION_DEPTH) + deprecatedCount;
    // Learning may lift a tool the words match only weakly: it sees deeper matches.
    const learning = this.learned !== undefined && this.ranking.learned > 0;
    const matches = lexicalMatches(
      index as MiniSearch<never>,
      query,
      this.ranking,
      filtered,
      learning ? Math.max(depth, LEARNED_DEPTH + deprecatedCount) : depth,
      (id) => this.nameTermsOf(id),
    );
    const semantic = await this.semantic?.rank(query, FUSION_DEPTH, acceptId);
    const fused = semantic ? hybridOrder(matches.slice(0, depth), semantic, this.semantic?.fusion) : matches;
    const ranked = learning
      ? (this.learned as LearnedFusion).apply(
          fused,
          semantic ? matches.slice(depth) : [],
          query,
          options.caller,
          this.ranking.learned,
          acceptId,
        )
      : fused;
    // Deprecated tools rank below every other match (stable: each group keeps its score order).
    // Only the first `limit` of each group are needed, however many tools matched.
    const current: { id: unknown; score: number }[] = [];
    const deprecated: { id: unknown; score: number }[] = [];
    for (const match of ranked) {
      const group = this.documents.get(String(match.id))?.deprecated === undefined ? current : deprecated;
      if (group.length < limit) group.push(match);
      if (current.length >= limit) break;
    }
    const results = [...current, ...deprecated].slice(0, limit);
    return Promise.all(
      results.map((result) =>
        this.hit(this.documents.get(String(result.id)) as SearchDocument, result.score, detail),
      ),
    );
  }

  /**
   * Exact selection: the hits for the given qualified names (`server.binding`, or
   * `server.original_tool_name`), in the order given, and the names that match nothing with
   * up to three nearest known names each.
   */
  async select(
    names: string[],
    detail: DetailLevel = 'full',
  ): Promise<{ hits: SearchHit[]; unknown: UnknownName[] }> {
    this.refresh();
    const byOriginal = new Map<string, SearchDocument>();
    for (const document of this.documents.values())
      byOriginal.set(`${document.server}.${document.name}`, document);
    const hits: SearchHit[] = [];
    const unknown: UnknownName[] = [];
    const known = [...this.documents.keys()];
    for (const name of names) {
      const document = this.documents.get(name) ?? byOriginal.get(name);
      if (document) hits.push(await this.hit(document, 0, detail));
      else unknown.push({ name, suggestions: nearest(name, known) });
    }
    return { hits, unknown };
  }

  private async hit(document: SearchDocument, score: number, detail: DetailLevel): Promise<SearchHit> {
    const root = document.kind === 'skill' ? 'skills' : 'servers';
    const hit: SearchHit = {
      kind: document.kind,
      name: document.id,
      server: document.server,
      tool: document.name,
      importFrom: `import { ${document.identifier} } from './${root}/${document.folder}';`,
      score: Math.round(score * 100) / 100,
    };
    if (Object.keys(document.hints).length) hit.hints = document.hints;
    if (detail !== 'name') {
      const first = firstSentence(document.description);
      // A deprecated tool's summary keeps the word, whichever sentence said it.
      hit.summary =
        document.deprecated === undefined || /deprecated/i.test(first)
          ? first
          : `${first} [${/deprecated/i.test(document.deprecated) ? document.deprecated : `Deprecated: ${document.deprecated}`}]`.trim();
    }
    if (detail === 'full' && document.kind === 'tool') {
      const found = this.catalog.getTool(document.server, document.name);
      if (found) {
        hit.signature = this.bindings.compact({
          server: document.server,
          tool: found.tool,
          identifier: document.identifier,
          schemaHash: found.schemaHash,
        });
      }
    }
    return hit;
  }
}

/** True when any filter (server, kind or annotation hint) is set: an empty query then lists. */
export function isFiltered(options: Omit<SearchOptions, 'detail' | 'limit'>): boolean {
  return [options.server, options.kind, ...ANNOTATION_FILTER_NAMES.map((f) => options[f])].some(
    (value) => value !== undefined,
  );
}

export { nearest };
