import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { warmCounter } from '../accounting/counter.js';
import { dashboard } from '../dashboard/routes.js';
import { ConfigError } from '../errors.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Exposure } from '../session/exposure.js';
import { httpApp } from './http-app.js';
import { modernHandler } from './http-modern.js';
import { HttpSessions } from './http-sessions.js';
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
  /**
   * What a client that does not choose gets (`?codemode=false` and the `toolscript-expose` header
   * choose): "code", "tools" or "both" for every server. @default each server's config `expose`
   */
  expose?: Exposure | undefined;
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

/**
 * Serves the gateway over MCP Streamable HTTP at `/mcp`, one MCP session per client
 * (`Mcp-Session-Id`); Prometheus metrics at `GET /metrics`; a JSON summary of the same counters at
 * `GET /stats` (see {@link GatewayMetrics.summary}); the dashboard at `/ui` (see `dashboard`);
 * `GET /healthz` (the process answers: 200) and `GET /readyz` (200 when every configured upstream
 * server is connected, else 503; the body names each server's state). Other paths get 404. The
 * routes are one Hono app (`httpApp`) served by `@hono/node-server`.
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
  // The token's SHA-256: compared against each request's, and the sessions' owner in the store.
  const tokenDigest = options.token ? createHash('sha256').update(options.token).digest() : undefined;
  const sessions = new HttpSessions(gateway, {
    idleMs,
    maxSessions,
    tokenHash: tokenDigest?.toString('hex') ?? '',
    expose: options.expose,
  });
  const state = modernState(gateway, idleMs);
  // Answers relayed from other replicas reach the paused scripts held here.
  await state.runs.listen();
  const modern = modernHandler(gateway, state, { maxBodyBytes, expose: options.expose });
  const ui = dashboard(gateway, {
    token: options.token,
    allowedOrigins: options.allowedOrigins,
    maxBodyBytes,
  });
  const app = httpApp({
    gateway,
    sessions,
    modern,
    dashboard: ui,
    tokenDigest,
    allowedHosts,
    allowedOrigins: options.allowedOrigins,
    maxBodyBytes,
    maxSessions,
  });

  // Idle sessions are closed; a request naming one then gets 404, so the client re-initializes.
  const sweeper = setInterval(
    () => {
      sessions.sweep();
      state.contexts.sweep();
    },
    Math.max(50, Math.min(idleMs / 2, 60_000)),
  );
  sweeper.unref();

  warmCounter();
  // A client gets 10 s to send its headers and 30 s for a whole request, so slow-body connections
  // cannot pile up (Node's defaults are 60 s and 300 s).
  // Idle keep-alive connections stay open 65 s (Node's default, 5 s, races clients and proxies
  // that reuse a connection just as the server closes it: ECONNRESET under load).
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 65_000 },
    getRequestListener(app.fetch, { overrideGlobalObjects: false }),
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
