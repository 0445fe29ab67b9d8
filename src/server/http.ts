import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from '../gateway.js';
import { createMcpServer } from './mcp-server.js';

export interface HttpServeOptions {
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one. @default 8765 */
  port?: number;
}

/** A running Streamable HTTP endpoint. */
export interface HttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:8765/mcp`. */
  url: string;
  /** Stops accepting requests and closes every session. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Serves the gateway over MCP Streamable HTTP at `/mcp`, one MCP session per client
 * (`Mcp-Session-Id`); Prometheus metrics at `GET /metrics`; a JSON summary of the same counters at
 * `GET /stats` (see {@link GatewayMetrics.summary}). Other paths get 404.
 * @throws when the port cannot be bound (e.g. `EADDRINUSE`).
 */
export async function serveHttp(gateway: Gateway, options: HttpServeOptions = {}): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const transports = new Map<string, StreamableHTTPServerTransport>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': gateway.metrics.registry.contentType });
      res.end(await gateway.metrics.registry.metrics());
      return;
    }
    if (req.method === 'GET' && url.pathname === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(await gateway.metrics.summary()));
      return;
    }
    if (url.pathname !== '/mcp')
      return sendError(res, 404, 'Not found: the MCP endpoint is /mcp (metrics: /metrics, /stats)');
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (error) {
        return sendError(res, 400, `Invalid JSON body: ${(error as Error).message}`);
      }
      if (existing) return existing.handleRequest(req, res, body);
      if (sessionId === undefined && isInitializeRequest(body)) {
        const session = randomUUID();
        const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => session,
          onsessioninitialized: (id) => {
            transports.set(id, transport);
          },
        });
        transport.onclose = () => {
          if (transport.sessionId) transports.delete(transport.sessionId);
        };
        // The Mcp-Session-Id names the session's workspace, state and PII vault.
        await createMcpServer(gateway, { session }).connect(transport);
        return transport.handleRequest(req, res, body);
      }
      return sendError(res, 400, 'Bad request: no valid Mcp-Session-Id; start with an initialize request');
    }
    if ((req.method === 'GET' || req.method === 'DELETE') && existing)
      return existing.handleRequest(req, res);
    return sendError(
      res,
      existing ? 405 : 400,
      existing ? 'Method not allowed' : 'Unknown or missing Mcp-Session-Id',
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `Internal error: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8765, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/mcp`,
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close().catch(() => {})));
      transports.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
