import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionStore } from '../../store/store.js';
import { writeFileAtomic } from '../../util/atomic.js';
import {
  createEmbedder,
  type Embedder,
  type EmbeddingsConfig,
  type Fusion,
  fusionFor,
  RRF_K,
} from './embedder.js';

/** One document to embed: its search id and the text that describes it. */
export interface SemanticDocument {
  id: string;
  text: string;
}

/** Candidates taken from each ranking before fusion. */
export const FUSION_DEPTH = 50;
/** Longest wait for a query's embedding, in ms; past it the search answers by words alone. */
export const QUERY_EMBED_TIMEOUT_MS = 2_000;
/** After a query could not be embedded, searches leave the model out this long, in ms. */
export const QUERY_BACKOFF_MS = 30_000;

/**
 * Vectors of the catalog's tools from one {@link Embedder}, for hybrid search. Embedding runs in
 * the background: until every document has a vector, {@link rank} answers `undefined` and search
 * stays lexical. Vectors are cached by model and text hash in `<cacheDir>/<model hash>.json` (or
 * the store's shared folder `embeddings` when there is a store), so a
 * restart, or a server whose tools changed, embeds only texts not seen before. A failure is
 * reported once through `onNotice`; search then stays lexical until the next update succeeds. A
 * query's embedding gets {@link QUERY_EMBED_TIMEOUT_MS}; one that fails or is late makes searches
 * leave the model out for {@link QUERY_BACKOFF_MS}, so a hung endpoint costs one search 2 s, not
 * every search the request timeout.
 */
export class SemanticIndex {
  private vectors = new Map<string, Float32Array>();
  private cache: Map<string, number[]> | undefined;
  private pending: Promise<void> = Promise.resolve();
  private wanted: SemanticDocument[] = [];
  private readyFor = '';
  private noticed = false;
  /** Until when (epoch ms) searches leave the model out, after a query it could not embed. */
  private skipUntil = 0;
  /** Why the last update failed, if it did. */
  error: string | undefined;

  /**
   * @param fusion the semantic ranking's weight in the fusion (the lexical one weighing 1) and the
   *   RRF constant.
   */
  constructor(
    readonly embedder: Embedder,
    private readonly cacheDir: string | undefined,
    private readonly onNotice: (message: string) => void = () => {},
    readonly fusion: Fusion = { weight: 1, k: RRF_K },
    /** A session store's shared folders: the cache then lives there (folder `embeddings`), for every replica. */
    private readonly shared?: SharedFiles,
  ) {}

  /** True when every current document has a vector. */
  get ready(): boolean {
    return this.readyFor !== '' && this.readyFor === signature(this.wanted);
  }

  /** Starts embedding `documents` (the whole set, replacing the last); returns at once. */
  update(documents: SemanticDocument[]): void {
    this.wanted = documents;
    this.pending = this.pending.then(() => this.embedMissing(documents)).catch(() => {});
  }

  /** Resolves when the updates started so far are done (or failed). */
  settled(): Promise<void> {
    return this.pending;
  }

  /**
   * Document ids by cosine similarity to `query`, best first, at most `limit`; `undefined` while
   * not ready or when the query cannot be embedded.
   */
  async rank(
    query: string,
    limit = FUSION_DEPTH,
    accept: (id: string) => boolean = () => true,
  ): Promise<string[] | undefined> {
    if (!this.ready || Date.now() < this.skipUntil) return undefined;
    let vector: number[] | undefined;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`no embedding within ${QUERY_EMBED_TIMEOUT_MS} ms`));
        }, QUERY_EMBED_TIMEOUT_MS);
      });
      [vector] = await Promise.race([this.embedder.embed([query], controller.signal), late]);
    } catch (error) {
      // Searches go on by words alone meanwhile, rather than each waiting on a hung model.
      this.skipUntil = Date.now() + QUERY_BACKOFF_MS;
      this.notice(error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
    if (!vector) return undefined;
    const q = normalize(vector);
    const scored: [string, number][] = [];
    for (const [id, v] of this.vectors) if (accept(id)) scored.push([id, dot(q, v)]);
    scored.sort((a, b) => b[1] - a[1]);
    return scored.slice(0, limit).map(([id]) => id);
  }

  private async embedMissing(documents: SemanticDocument[]): Promise<void> {
    const cache = await this.loadCache();
    const missing = [...new Set(documents.map((d) => hash(d.text)).filter((h) => !cache.has(h)))];
    const texts = new Map(documents.map((d) => [hash(d.text), d.text]));
    try {
      if (missing.length) {
        const vectors = await this.embedder.embed(missing.map((h) => texts.get(h) as string));
        missing.forEach((h, i) => {
          cache.set(h, vectors[i] as number[]);
        });
        await this.saveCache(cache);
      }
    } catch (error) {
      this.notice(error);
      return;
    }
    this.vectors = new Map(documents.map((d) => [d.id, normalize(cache.get(hash(d.text)) as number[])]));
    this.readyFor = signature(documents);
    this.error = undefined;
    this.noticed = false;
  }

  private notice(error: unknown): void {
    this.error = error instanceof Error ? error.message : String(error);
    if (this.noticed) return;
    this.noticed = true;
    this.onNotice(
      `semantic search is off (${this.embedder.id}: ${this.error}); searching by words only. Check discovery.embeddings in the config.`,
    );
  }

  private cacheFile(): string | undefined {
    return this.cacheDir && join(this.cacheDir, this.cacheName());
  }

  private async loadCache(): Promise<Map<string, number[]>> {
    if (this.cache) return this.cache;
    this.cache = new Map();
    const file = this.cacheFile();
    try {
      const text = this.shared
        ? (await this.shared.getShared(SHARED_FOLDER)).get(this.cacheName())?.toString('utf8')
        : file && (await readFile(file, 'utf8'));
      const saved = text
        ? (JSON.parse(text) as { model: string; vectors: Record<string, number[]> })
        : undefined;
      if (saved?.model === this.embedder.id)
        for (const [h, v] of Object.entries(saved.vectors)) this.cache.set(h, v);
    } catch {}
    return this.cache;
  }

  private async saveCache(cache: Map<string, number[]>): Promise<void> {
    const text = JSON.stringify({ model: this.embedder.id, vectors: Object.fromEntries(cache) });
    if (this.shared) {
      await this.shared.updateShared(SHARED_FOLDER, new Map([[this.cacheName(), Buffer.from(text)]]), []);
      return;
    }
    const file = this.cacheFile();
    if (!file || !this.cacheDir) return;
    await mkdir(this.cacheDir, { recursive: true });
    await writeFileAtomic(file, text);
  }

  private cacheName(): string {
    return `${hash(this.embedder.id)}.json`;
  }
}

/** The store's shared folder that holds embedding caches. */
const SHARED_FOLDER = 'embeddings';

/** What the index uses of a session store. */
export type SharedFiles = Required<Pick<SessionStore, 'getShared' | 'updateShared'>>;

/**
 * Reciprocal rank fusion of rankings (ids best first): each id scores the sum of
 * `weight / (k + rank)` over the rankings that hold it (rank from 1).
 */
export function fuseRankings(rankings: string[][], weights: number[] = [], k = RRF_K): string[] {
  const scores = new Map<string, number>();
  rankings.forEach((ranking, r) => {
    const weight = weights[r] ?? 1;
    ranking.forEach((id, i) => {
      scores.set(id, (scores.get(id) ?? 0) + weight / (k + i + 1));
    });
  });
  return [...scores].sort((a, b) => b[1] - a[1]).map(([id]) => id);
}

/**
 * Lexical matches (best first) reordered by reciprocal rank fusion with the semantic ranking;
 * tools found only semantically are added with score 0.
 */
export function hybridOrder<T extends { id: unknown; score: number }>(
  lexical: T[],
  semantic: string[],
  fusion: Fusion = { weight: 1, k: RRF_K },
): { id: unknown; score: number }[] {
  const byId = new Map(lexical.map((m) => [String(m.id), m]));
  const fused = fuseRankings(
    [lexical.slice(0, FUSION_DEPTH).map((m) => String(m.id)), semantic],
    [1, fusion.weight],
    fusion.k,
  );
  const rest = lexical.slice(FUSION_DEPTH).filter((m) => !fused.includes(String(m.id)));
  return [...fused.map((id) => byId.get(id) ?? { id, score: 0 }), ...rest];
}

/** The text a tool is embedded by: its name as words, title and description (at most 2,000 characters). */
export function semanticText(document: { name: string; title: string; description: string }): string {
  return `${document.name.replace(/[_\-.]+/g, ' ')}. ${document.title ? `${document.title}. ` : ''}${document.description}`.slice(
    0,
    2_000,
  );
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

function signature(documents: SemanticDocument[]): string {
  return hash(documents.map((d) => `${d.id}\u0000${hash(d.text)}`).join('\u0001'));
}

function normalize(vector: number[]): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return Float32Array.from(vector, (x) => x * scale);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length && i < b.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * The semantic index a config's `discovery.embeddings` asks for, or undefined without one (words
 * only). Its vectors are cached under `cacheDir`, or in the store's shared folders when `store`
 * shares folders (every replica then uses one cache); its notices go to stderr as warnings.
 */
export function semanticIndexFor(
  embeddings: EmbeddingsConfig | undefined,
  cacheDir: string,
  store: SharedFiles | undefined,
): SemanticIndex | undefined {
  if (!embeddings) return undefined;
  return new SemanticIndex(
    createEmbedder(embeddings),
    cacheDir,
    (message) => process.stderr.write(`warning: ${message}\n`),
    fusionFor(embeddings),
    store,
  );
}
