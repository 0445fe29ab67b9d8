/**
 * Embedding providers and rank fusion, in process (no model).
 */
import { describe, expect, it } from 'vitest';
import { fusionFor, OpenAICompatibleEmbedder } from '../src/discovery/embeddings/embedder.js';
import { fuseRankings } from '../src/discovery/embeddings/semantic.js';

describe('embedding providers', () => {
  it('says which variable to set when apiKeyEnv names an unset one, before any request', async () => {
    const embedder = new OpenAICompatibleEmbedder(
      { url: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'TOOLSCRIPT_TEST_UNSET_KEY' },
      {},
    );
    await expect(embedder.embed(['x'])).rejects.toThrow(
      'the environment variable TOOLSCRIPT_TEST_UNSET_KEY (discovery.embeddings.apiKeyEnv) is not set',
    );
  });

  it('weighs USE-lite 0.5 with RRF constant 10, and other models 1 with 60, unless the config says', () => {
    expect(fusionFor({ provider: 'use-lite' })).toEqual({ weight: 0.5, k: 10 });
    expect(fusionFor({ provider: 'openai-compatible', url: 'http://x/v1', model: 'm' })).toEqual({
      weight: 1,
      k: 60,
    });
    expect(fusionFor({ provider: 'use-lite', weight: 2 })).toEqual({ weight: 2, k: 10 });
  });

  it('fuses rankings by reciprocal rank, weighted', () => {
    // b is second in both, a first in one only: b wins at equal weight, a when the first weighs more.
    expect(
      fuseRankings([
        ['a', 'b'],
        ['c', 'b'],
      ])[0],
    ).toBe('b');
    expect(
      fuseRankings(
        [
          ['a', 'b'],
          ['c', 'b'],
        ],
        [1, 0.01],
      )[0],
    ).toBe('a');
  });
});
