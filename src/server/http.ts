import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import {
  isInitializeRequest,
  isLegacyRequest,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';
import { warmCounter } from '../accounting/counter.js';
import { dashboard } from '../dashboard/routes.js';
import { ConfigError, ToolscriptError } from '../errors.js';
import type { Gateway } from '../gateway/gateway.js';
import { bearerToken, mediaType } from '../util/http.js';
import { modernHandler } from './http-modern.js';
import { HttpSessions, SessionsFullError } from './http-sessions.js';
import { modernState } from './modern.js';

export interface HttpServeOptions {
  /** Interface to listen on. Anything but a loopback address requires `token`. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one. @default 8765 */
  port?: number;
  /**
   * Bearer token every request must carry (`Authorization: Bearer <token>`), compared in constant
   * time. Required when `host` is not a loopback address. @default none (loopback only)
   */
  token?: string | undefined;
  /**
   * Host names (port-agnostic) accepted in the `Host` header, against DNS rebinding. @default
   * `localhost`, `127.0.0.1`, `[::1]` when bound to loopback; any host otherwise (the token guards)
   */
  allowedHosts?: string[];
  /**
   * Origins (`scheme://host[:port]`) accepted when a request carries `Origin` (browsers do).
   * @default origins whose host is an allowed host; requests without `Origin` are accepted
   */
  allowedOrigins?: string[];
  /** Largest request body, in bytes; larger ones get 413. @default 4 MiB */
  maxBodyBytes?: number;
  /** A session unused this long (ms) is closed; its id then gets 404. @default 30 min */
  sessionIdleMs?: number;
  /** Most open sessions; an initialize beyond it gets 503. @default 1000 */
  maxSessions?: number;
}

/** A running Streamable HTTP endpoint. */
export interface HttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:8765/mcp`. */
  url: string;
  /** Stops accepting requests and closes every session. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_SESSION_IDLE_MS = 30 * 60 * 1000;
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Why listening on `host` without `token` is refused (an address other machines can reach, and no
 * bearer token), or undefined when it is fine. The CLI asks before any upstream server starts.
 */
export function exposureProblem(host: string, token: string | undefined): string | undefined {
  if (isLoopback(host) || token) return undefined;
  return `Listening on ${host} exposes the gateway beyond this machine: give a bearer token with --token or TOOLSCRIPT_TOKEN (clients send "Authorization: Bearer <token>"), or bind to 127.0.0.1.`;
}

/** True for addresses that only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A request refused with `status` before it reaches a route. */
class HttpError extends ToolscriptError {
  static override readonly kind: string = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('HTTP_REFUSED', message, { status });
    this.name = 'HttpError';
  }
}

/**
 * Serves the gateway over MCP Streamable HTTP at `/mcp`, one MCP session per client
 * (`Mcp-Session-Id`); Prometheus metrics at `GET /metrics`; a JSON summary of the same counters at
 * `GET /stats` (see {@link GatewayMetrics.summary}); the dashboard at `/ui` (see `dashboard`); `GET /healthz` (the process answers: 200) and
 * `GET /readyz` (200 when every configured upstream server is connected, else 503; the body names
 * each server's state). Other paths get 404.
 *
 * Every request is checked first: the bearer token when one is set (401), `Host` and `Origin`
 * against DNS rebinding (403; the MCP transport specification asks servers to validate `Origin`),
 * and the body size (413). Sessions idle for `sessionIdleMs` are closed.
 * @throws {ConfigError} when `host` is not loopback and no `token` is given.
 * @throws when the port cannot be bound (e.g. `EADDRINUSE`).
 */
export async function serveHttp(gateway: Gateway, options: HttpServeOptions = {}): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const exposed = exposureProblem(host, options.token);
  if (exposed) throw new ConfigError(exposed, undefined);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const maxSessions = options.maxSessions ?? 1000;
  const allowedHosts = options.allowedHosts ?? (isLoopback(host) ? LOOPBACK_HOSTS : undefined);
  const tokenDigest = options.token ? digest(options.token) : undefined;
  const sessions = new HttpSessions(gateway, {
    idleMs,
    maxSessions,
    tokenHash: options.token ? digest(options.token).toString('hex') : '',
  });

  const callerHash = options.token ? digest(options.token).toString('hex') : '';
  const state = modernState(gateway, idleMs);
  // Answers relayed from other replicas reach the paused scripts held here.
  await state.runs.listen();
  const modern = modernHandler(gateway, state, { maxBodyBytes });
  // The caller reaches the per-request server as `authInfo.token` (its credential's hash).
  const authInfo = { token: callerHash, clientId: 'toolscript', scopes: [] };
  const serveModern = (req: IncomingMessage, res: ServerResponse, parsedBody: unknown) =>
    getRequestListener((request) => modern.handler.fetch(request, { parsedBody, authInfo }), {
      overrideGlobalObjects: false,
    })(req, res);

  const ui = dashboard(gateway, {
    token: options.token,
    readJson: (req) => readJson(req, maxBodyBytes),
    allowedOrigins: options.allowedOrigins,
  });

  /**
   * Token, Host, Origin and declared size; throws an {@link HttpError} to refuse. The dashboard
   * (`/ui`) checks the token itself: its page must load to ask for it.
   */
  const admit = (req: IncomingMessage) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (tokenDigest && path !== '/ui' && !path.startsWith('/ui/')) {
      const given = bearerToken(req) ?? '';
      if (!timingSafeEqual(digest(given), tokenDigest)) {
        throw new HttpError(401, 'Unauthorized: send "Authorization: Bearer <token>" with the gateway token');
      }
    }
    // DNS rebinding: the SDK's Host check (port-agnostic, against the allowed hostnames).
    if (allowedHosts && !validateHostHeader(req.headers.host, allowedHosts).ok) {
      throw new HttpError(
        403,
        `Forbidden: Host "${req.headers.host ?? ''}" is not allowed (DNS rebinding protection)`,
      );
    }
    const origin = req.headers.origin;
    // "null" is what sandboxed frames, file: pages and some redirects send: never this server's page.
    if (origin === 'null')
      throw new HttpError(
        403,
        'Forbidden: Origin "null" is not allowed (a sandboxed frame or a file: page); serve the page from an allowed origin',
      );
    if (origin !== undefined) {
      const ok = options.allowedOrigins
        ? options.allowedOrigins.includes(origin)
        : allowedHosts
          ? validateOriginHeader(origin, allowedHosts).ok
          : true;
      if (!ok) throw new HttpError(403, `Forbidden: Origin "${origin}" is not allowed`);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) throw new HttpError(413, `Request body over ${maxBodyBytes} bytes`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      admit(req);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 400;
      if (status === 401) res.setHeader('www-authenticate', 'Bearer');
      return sendError(res, status, (error as Error).message);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (await ui(req, res, url)) return;
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
    if (req.method === 'GET' && (url.pathname === '/healthz' || url.pathname === '/readyz')) {
      const body =
        url.pathname === '/healthz' ? { ok: true, sessions: sessions.size } : await readiness(gateway);
      res.writeHead(body.ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    if (url.pathname !== '/mcp')
      return sendError(
        res,
        404,
        'Not found: the MCP endpoint is /mcp (also /ui, /healthz, /readyz, /metrics, /stats)',
      );
    // With the session store down, say so at once: sessions cannot be saved or taken over now.
    if (gateway.store && gateway.store.connected === false)
      return sendError(
        res,
        503,
        `The session store at ${gateway.store.location} is unreachable; retry shortly (/readyz says when it is back)`,
      );
    const sessionId = req.headers['mcp-session-id'];
    let body: unknown;
    if (req.method === 'POST') {
      // What the transport would refuse, refused before anything is built or read for it.
      const refused = unacceptable(req);
      if (refused) {
        req.resume();
        return sendError(res, refused.status, refused.message);
      }
      try {
        body = await readJson(req, maxBodyBytes);
      } catch (error) {
        if (error instanceof HttpError) return sendError(res, error.status, error.message);
        return sendError(res, 400, `Invalid JSON body: ${(error as Error).message}`);
      }
    }
    // 2026-07-28 requests carry no session: the stateless endpoint answers them (and GET/DELETE
    // without a session, which it refuses with 405).
    if (typeof sessionId !== 'string' && (req.method !== 'POST' || (await isModern(req, body))))
      return serveModern(req, res, body);
    if (typeof sessionId === 'string') {
      let existing: Awaited<ReturnType<HttpSessions['find']>>;
      try {
        existing = await sessions.find(sessionId);
      } catch (error) {
        if (error instanceof SessionsFullError) return sendError(res, 503, error.message);
        return sendError(
          res,
          503,
          `The session store could not be read (${(error as Error).message}); retry shortly`,
        );
      }
      if (!existing) return unknownSession(res, sessionId);
      if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE')
        return sendError(res, 405, 'Method not allowed');
      await existing.handleNode(req, res, body);
      if (req.method === 'DELETE' && res.statusCode === 200) await sessions.remove(sessionId).catch(() => {});
      return;
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      if (!sessions.hasRoom) {
        return sendError(
          res,
          503,
          `Too many sessions (${maxSessions}); close one (HTTP DELETE) or retry later`,
        );
      }
      return sessions.initialize(req, res, body);
    }
    return unknownSession(res, sessionId);
  };

  // Idle sessions are closed; a request naming one then gets 404, so the client re-initializes.
  const sweeper = setInterval(
    () => {
      sessions.sweep();
      state.contexts.sweep();
    },
    Math.max(50, Math.min(idleMs / 2, 60_000)),
  );
  sweeper.unref();

  // A client gets 10 s to send its headers and 30 s for a whole request, so slow-body connections
  // cannot pile up (Node's defaults are 60 s and 300 s).
  warmCounter();
  // Idle keep-alive connections stay open 65 s (Node's default, 5 s, races clients and proxies
  // that reuse a connection just as the server closes it: ECONNRESET under load).
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 65_000 },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendError(res, 500, `Internal error: ${(error as Error).message}`);
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A burst of new connections (hundreds of agents at once) waits in the kernel's queue rather
    // than being dropped: Node's default backlog is 511 (the kernel caps it at somaxconn).
    server.listen({ port: options.port ?? 8765, host, backlog: 4096 }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/mcp`,
    close: async () => {
      clearInterval(sweeper);
      ui.close();
      await Promise.all([sessions.close(), modern.close()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** True when the SDK classes this POST as 2026-07-28 (its `_meta` envelope and headers), not 2025. */
async function isModern(req: IncomingMessage, body: unknown): Promise<boolean> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    if (typeof value === 'string') headers.set(name, value);
  return !(await isLegacyRequest(new Request('http://localhost/mcp', { method: 'POST', headers }), body));
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/**
 * Why a POST to `/mcp` cannot be served, as the Streamable HTTP transport specifies (406 unless
 * `Accept` lists both `application/json` and `text/event-stream`; 415 unless the body is
 * `application/json`), or undefined.
 */
function unacceptable(req: IncomingMessage): { status: number; message: string } | undefined {
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream'))
    return {
      status: 406,
      message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
    };
  if (mediaType(req) !== 'application/json')
    return { status: 415, message: 'Unsupported Media Type: Content-Type must be application/json' };
  return undefined;
}

/** 400 without a session id; 404 for one that does not exist (any more), as the MCP transport spec says. */
function unknownSession(res: ServerResponse, sessionId: string | string[] | undefined): void {
  if (sessionId === undefined)
    sendError(res, 400, 'Bad request: no Mcp-Session-Id; start with an initialize request');
  else
    sendError(res, 404, 'Session not found (closed or expired): start a new one with an initialize request');
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      throw new HttpError(413, `Request body over ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * `/readyz`: ready when every upstream server is connected and the session store (if any)
 * answers; the servers and the store with their state.
 */
async function readiness(gateway: Gateway): Promise<{
  ok: boolean;
  servers: { name: string; ok: boolean; error?: string }[];
  store?: { ok: boolean; location: string; error?: string };
}> {
  const servers = gateway.listServers().map((server) => ({
    name: server.name,
    ok: server.ok,
    ...(server.error ? { error: server.error.split('\n')[0] as string } : {}),
  }));
  const store = gateway.store;
  const reached = store ? { ...(await store.ping()), location: store.location } : undefined;
  return {
    ok: servers.every((server) => server.ok) && (reached?.ok ?? true),
    servers,
    ...(reached ? { store: reached } : {}),
  };
}
