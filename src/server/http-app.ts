import { createHash, timingSafeEqual } from 'node:crypto';
import {
  isInitializeRequest,
  isLegacyRequest,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';
import { type Context, Hono } from 'hono';
import type { Dashboard } from '../dashboard/routes.js';
import type { Gateway } from '../gateway/gateway.js';
import { bearerToken, bodyTooLarge, HttpError, mediaType, readJson } from '../util/http.js';
import type { modernHandler } from './http-modern.js';
import { type HttpSessions, SessionsFullError } from './http-sessions.js';

/** What {@link httpApp} routes to, and the checks every request passes first. */
export interface HttpAppParts {
  gateway: Gateway;
  /** The 2025-11-25 sessions (`Mcp-Session-Id`). */
  sessions: HttpSessions;
  /** The 2026-07-28 endpoint (requests without a session). */
  modern: ReturnType<typeof modernHandler>;
  /** The dashboard's routes, mounted at `/ui`. */
  dashboard: Dashboard;
  /** SHA-256 of the gateway token, or undefined without one (loopback only). */
  tokenDigest: Buffer | undefined;
  /** Host names accepted in `Host`; undefined accepts any. */
  allowedHosts: string[] | undefined;
  /** Origins accepted in `Origin`; undefined accepts the allowed hosts' origins. */
  allowedOrigins: string[] | undefined;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Most open sessions (for the 503's words). */
  maxSessions: number;
}

/** Where a request that matches no route is pointed. */
const ROUTES = 'the MCP endpoint is /mcp (also /ui, /healthz, /readyz, /metrics, /stats)';

/**
 * The gateway's HTTP routes, one Hono app: every request is admitted first (token, Host,
 * Origin, declared size; see `serveHttp`), then `/mcp` (both MCP revisions), `/ui` (the
 * dashboard), `/healthz`, `/readyz`, `/metrics` and `/stats`. A refusal or failure is answered as
 * a JSON-RPC error object (`{ jsonrpc, error: { code: -32000, message }, id: null }`).
 */
export function httpApp(parts: HttpAppParts): Hono {
  const { gateway, sessions, modern, maxBodyBytes } = parts;
  const { tokenDigest } = parts;
  // The caller reaches the per-request server as `authInfo.token` (its credential's hash).
  const authInfo = {
    token: tokenDigest?.toString('hex') ?? '',
    clientId: 'toolscript',
    scopes: [],
  };
  // Not strict: `/ui/` serves the page as `/ui` does (a trailing slash names the same route).
  const app = new Hono({ strict: false });

  app.onError((error, c) => {
    if (!HttpError.isInstance(error))
      return rpcError(
        c,
        500,
        `Internal error: ${error.message} (a fault in toolscript; the gateway keeps serving: retry, and report it if it repeats)`,
      );
    if (error.status === 401) c.header('www-authenticate', 'Bearer');
    return rpcError(c, error.status, error.message);
  });
  app.notFound((c) => rpcError(c, 404, `Not found: ${ROUTES}`));

  app.use(async (c, next) => {
    admit(c, parts, tokenDigest);
    await next();
  });

  app.get('/healthz', (c) => c.json({ ok: true, sessions: sessions.size }));
  app.get('/readyz', async (c) => {
    const body = await readiness(gateway);
    return c.json(body, body.ok ? 200 : 503);
  });
  app.get('/metrics', async (c) =>
    c.body(await gateway.metrics.registry.metrics(), 200, {
      'content-type': gateway.metrics.registry.contentType,
    }),
  );
  app.get('/stats', async (c) => c.json(await gateway.metrics.summary()));
  app.route('/ui', parts.dashboard.app);

  app.all('/mcp', async (c) => {
    // With the session store down, say so at once: sessions cannot be saved or taken over now.
    if (gateway.store && gateway.store.connected === false)
      return rpcError(
        c,
        503,
        `The session store at ${gateway.store.location} is unreachable; retry shortly (/readyz says when it is back)`,
      );
    const method = c.req.method;
    const sessionId = c.req.header('mcp-session-id');
    let body: unknown;
    if (method === 'POST') {
      // What the transport would refuse, refused before anything is built or read for it.
      const refused = unacceptable(c);
      if (refused) return rpcError(c, refused.status, refused.message);
      try {
        body = await readJson(c.req.raw, maxBodyBytes);
      } catch (error) {
        if (HttpError.isInstance(error)) throw error;
        return rpcError(c, 400, `Invalid JSON body: ${(error as Error).message}`);
      }
    }
    // 2026-07-28 requests carry no session: the stateless endpoint answers them (and GET/DELETE
    // without a session, which it refuses with 405).
    if (sessionId === undefined && (method !== 'POST' || !(await isLegacyRequest(c.req.raw, body))))
      return modern.handler.fetch(c.req.raw, { parsedBody: body, authInfo });
    if (sessionId !== undefined) {
      let existing: Awaited<ReturnType<HttpSessions['find']>>;
      try {
        existing = await sessions.find(sessionId);
      } catch (error) {
        if (SessionsFullError.isInstance(error)) return rpcError(c, 503, error.message);
        return rpcError(
          c,
          503,
          `The session store could not be read (${(error as Error).message}); retry shortly`,
        );
      }
      if (!existing) return unknownSession(c, sessionId);
      if (method !== 'POST' && method !== 'GET' && method !== 'DELETE')
        return rpcError(c, 405, 'Method not allowed');
      const answer = await existing.handleRequest(c.req.raw, { parsedBody: body });
      if (method === 'DELETE' && answer.status === 200) await sessions.remove(sessionId).catch(() => {});
      return answer;
    }
    if (method === 'POST' && isInitializeRequest(body)) {
      if (!sessions.hasRoom)
        return rpcError(
          c,
          503,
          `Too many sessions (${parts.maxSessions}); close one (HTTP DELETE) or retry later`,
        );
      return sessions.initialize(c.req.raw, body);
    }
    return unknownSession(c, sessionId);
  });
  return app;
}

/**
 * Token, Host, Origin and declared size; throws an {@link HttpError} to refuse. The dashboard
 * (`/ui`) checks the token itself: its page must load to ask for it.
 */
function admit(c: Context, parts: HttpAppParts, tokenDigest: Buffer | undefined): void {
  const path = c.req.path;
  if (tokenDigest && path !== '/ui' && !path.startsWith('/ui/')) {
    const given = bearerToken(c.req.header('authorization')) ?? '';
    if (!timingSafeEqual(digest(given), tokenDigest))
      throw new HttpError(401, 'Unauthorized: send "Authorization: Bearer <token>" with the gateway token');
  }
  // DNS rebinding: the SDK's Host check (port-agnostic, against the allowed hostnames).
  const host = c.req.header('host');
  if (parts.allowedHosts && !validateHostHeader(host, parts.allowedHosts).ok)
    throw new HttpError(403, `Forbidden: Host "${host ?? ''}" is not allowed (DNS rebinding protection)`);
  const origin = c.req.header('origin');
  // "null" is what sandboxed frames, file: pages and some redirects send: never this server's page.
  if (origin === 'null')
    throw new HttpError(
      403,
      'Forbidden: Origin "null" is not allowed (a sandboxed frame or a file: page); serve the page from an allowed origin',
    );
  if (origin !== undefined) {
    const ok = parts.allowedOrigins
      ? parts.allowedOrigins.includes(origin)
      : parts.allowedHosts
        ? validateOriginHeader(origin, parts.allowedHosts).ok
        : true;
    if (!ok)
      throw new HttpError(
        403,
        `Forbidden: Origin "${origin}" is not allowed (DNS rebinding protection); open the page from this server's own address, or list the origin in serveHttp's allowedOrigins`,
      );
  }
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > parts.maxBodyBytes) throw bodyTooLarge(parts.maxBodyBytes);
}

function rpcError(c: Context, status: number, message: string): Response {
  return c.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, status as 400);
}

/**
 * Why a POST to `/mcp` cannot be served, as the Streamable HTTP transport specifies (406 unless
 * `Accept` lists both `application/json` and `text/event-stream`; 415 unless the body is
 * `application/json`), or undefined.
 */
function unacceptable(c: Context): { status: number; message: string } | undefined {
  const accept = c.req.header('accept') ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream'))
    return {
      status: 406,
      message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
    };
  if (mediaType(c.req.header('content-type')) !== 'application/json')
    return { status: 415, message: 'Unsupported Media Type: Content-Type must be application/json' };
  return undefined;
}

/** 400 without a session id; 404 for one that does not exist (any more), as the MCP transport spec says. */
function unknownSession(c: Context, sessionId: string | undefined): Response {
  if (sessionId === undefined)
    return rpcError(c, 400, 'Bad request: no Mcp-Session-Id; start with an initialize request');
  return rpcError(
    c,
    404,
    'Session not found (closed or expired): start a new one with an initialize request',
  );
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
