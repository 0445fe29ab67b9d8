import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { Gateway } from '../gateway/gateway.js';
import { parseSince } from '../insights/report.js';
import type { PiiAuditEntry } from '../pii/audit.js';
import { GatewaySession } from '../session/gateway-session.js';
import { skillStatus } from '../skills/store.js';
import { bearerToken, HttpError, mediaType, readJson } from '../util/http.js';
import { JsonLinesLog } from '../util/jsonl.js';
import { PageApprovals } from './approvals.js';
import { uiAssets } from './assets.js';
import { ExecutionFeed } from './feed.js';
import type {
  CacheClearAnswer,
  ErrorAnswer,
  InsightsAnswer,
  OkAnswer,
  Overview,
  RunAnswer,
  SearchHitRow,
  SessionAnswer,
  ToolHistoryAnswer,
} from './types.js';

/** The cookie that carries the dashboard's proof of the gateway token. */
export const UI_COOKIE = 'toolscript_ui';
/** Session id of the dashboard's playground (its workspace, state and PII vault). */
export const UI_SESSION = 'dashboard';
/** PII audit entries shown, the newest. */
const PII_ROWS = 100;

export interface DashboardOptions {
  /** The gateway token (`serve --http --token`); without one the dashboard is loopback-only and open. */
  token?: string | undefined;
  /** Origins accepted besides the page's own (`serve --http`'s `allowedOrigins`, e.g. behind a proxy). */
  allowedOrigins?: string[] | undefined;
  /** Largest request body, in bytes; larger ones get 413. */
  maxBodyBytes: number;
}

/** The dashboard's routes, and `close`, which stops its feed listening to the gateway. */
export interface Dashboard {
  /** The routes, relative to where they are mounted (`/ui`). */
  app: Hono;
  close(): void;
}

/**
 * The dashboard at `/ui`: the page and its assets (`/ui`, `/ui/assets/app.js|app.css`), the
 * sign-in (`GET /ui/api/session` says whether the browser is signed in; `POST /ui/api/login
 * { token }` answers `{ ok }` and, when right, sets an HttpOnly, SameSite=Strict cookie), and
 * the JSON it reads: `GET /ui/api/overview` (servers with policy, executions, skills, PII
 * audit), `GET /ui/api/events` (Server-Sent Events, one `execution` event per finished execution), `GET /ui/api/search?q=` (the search `search_tools` runs, with signatures) and
 * `POST /ui/api/run { code, language? }` (one script in the dashboard's session, answered as
 * execute_code answers: `{ text, isError }`; a tool in `requireApproval` is put to the person at
 * the page, see {@link PageApprovals}, who answers with `POST /ui/api/approve { id, approve }`).
 * `GET /ui/api/insights?since=` answers the insights report (see `toolscript insights`), and
 * `POST /ui/api/cache/clear { server? }` drops memoized call results (`toolscript cache clear`).
 * The answers' shapes are in `types.ts`, which the page shares. With a gateway token, the API
 * answers 401 without the cookie or `Authorization: Bearer <token>`; the page and assets are
 * public, so the page can ask for the token.
 */
export function dashboard(gateway: Gateway, options: DashboardOptions): Dashboard {
  const proof = options.token ? cookieProof(options.token) : undefined;
  let session: GatewaySession | undefined;
  const approvals = new PageApprovals();
  // The page's feed: the executions that finish from now on.
  const feed = new ExecutionFeed();
  const stopFeed = gateway.onExecution((run, context) => feed.add(run, context));
  const authorized = (c: Context): boolean => {
    if (!proof || !options.token) return true;
    const bearer = bearerToken(c.req.header('authorization'));
    if (bearer !== undefined) return same(cookieProof(bearer), proof);
    const cookie = getCookie(c, UI_COOKIE);
    return cookie !== undefined && same(cookie, proof);
  };
  /**
   * The JSON body, or `{}` when it is not JSON (each route then says what to send).
   * @throws {HttpError} 413 when it is over `maxBodyBytes`.
   */
  const body = async <T>(c: Context): Promise<Partial<Record<keyof T, unknown>>> => {
    const value = await readJson(c.req.raw, options.maxBodyBytes).catch((error: unknown) => {
      if (HttpError.isInstance(error)) throw error;
      return {};
    });
    return (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof T, unknown>>;
  };
  const refuse = (c: Context, status: 400 | 401 | 403 | 404 | 413 | 415 | 500, error: string) =>
    c.json<ErrorAnswer>({ error }, status, { 'cache-control': 'no-store' });
  const answer = <T>(c: Context, value: T) => c.json(value, 200, { 'cache-control': 'no-store' });

  const app = new Hono();
  app.use('/api/*', crossSite(options.allowedOrigins ?? [], refuse));
  app.onError((error, c) =>
    HttpError.isInstance(error) && error.status === 413
      ? refuse(c, 413, `send at most ${options.maxBodyBytes} bytes`)
      : refuse(
          c,
          500,
          `internal error: ${error.message} (a fault in toolscript; reload the page, and report it if it repeats)`,
        ),
  );
  app.get('/', () => sendAsset('index.html'));
  app.get('/assets/:name', (c) => sendAsset(c.req.param('name')));
  app.post('/api/login', async (c) => {
    const { token } = await body<{ token: string }>(c);
    // 200 either way: the page asks, and a browser logs every 4xx answer as a console error.
    if (proof && !same(cookieProof(typeof token === 'string' ? token : ''), proof))
      return answer<OkAnswer>(c, { ok: false, error: 'wrong token' });
    setCookie(c, UI_COOKIE, proof ?? 'open', {
      path: '/ui',
      httpOnly: true,
      sameSite: 'Strict',
      secure: c.req.header('x-forwarded-proto') === 'https',
    });
    return answer<OkAnswer>(c, { ok: true });
  });
  app.get('/api/session', (c) =>
    answer<SessionAnswer>(c, { signedIn: authorized(c), tokenRequired: proof !== undefined }),
  );
  // Everything below needs the token (the cookie, or the header).
  app.use('/api/*', async (c, next) => {
    if (authorized(c)) return next();
    c.header('www-authenticate', 'Bearer');
    return refuse(c, 401, 'sign in with the gateway token');
  });
  app.get('/api/overview', async (c) => answer<Overview>(c, await overview(gateway, feed)));
  app.get('/api/events', (c) => events(c, feed, approvals));
  app.post('/api/approve', async (c) => {
    const { id, approve } = await body<{ id: string; approve: boolean }>(c);
    if (typeof id !== 'string' || typeof approve !== 'boolean')
      return refuse(c, 400, 'send { "id": "<question id>", "approve": true | false }');
    // 200 either way (see login): a question answered on another page, or timed out, is gone.
    return answer<OkAnswer>(
      c,
      approvals.answer(id, approve) ? { ok: true } : { ok: false, error: 'no such question is waiting' },
    );
  });
  app.get('/api/search', async (c) => {
    const hits = await gateway.search(c.req.query('q') ?? '', { detail: 'full', limit: 20 });
    return answer<{ hits: SearchHitRow[] }>(c, {
      hits: hits.map(({ name, server, tool, summary, signature, importFrom }) => ({
        name,
        tool: `${server}.${tool}`,
        version: gateway.history.versions(server, tool).at(-1)?.version,
        summary,
        signature,
        importFrom,
      })),
    });
  });
  app.get('/api/history', (c) => {
    const qualified = c.req.query('tool') ?? '';
    const dot = qualified.indexOf('.');
    if (dot < 1) return refuse(c, 400, "send ?tool=<server>.<tool> (the tool's MCP name)");
    const versions = gateway.history.versions(qualified.slice(0, dot), qualified.slice(dot + 1));
    return answer<ToolHistoryAnswer>(c, {
      tool: qualified,
      versions: versions.reverse().map((v) => ({
        version: v.version,
        firstSeen: v.firstSeen,
        lastSeen: v.lastSeen,
        level: v.level,
        changes: v.changes.map((change) => change.text),
        serverVersions: v.serverVersions,
        removed: v.removed,
        renamedTo: v.renamedTo,
      })),
    });
  });
  app.get('/api/insights', async (c) => {
    const text = c.req.query('since');
    const since = text ? parseSince(text) : 0;
    if (since === undefined)
      return refuse(c, 400, 'send ?since= a duration (30m, 24h, 7d) or a date (2026-12-01)');
    return answer<InsightsAnswer>(c, {
      report: await gateway.insights.report(since),
      recording: gateway.insights.enabled,
      cache: gateway.cache.enabled,
    });
  });
  app.post('/api/cache/clear', async (c) => {
    const { server } = await body<{ server: string }>(c);
    if (server !== undefined && (typeof server !== 'string' || !gateway.config.mcpServers[server]))
      return refuse(
        c,
        400,
        `${typeof server === 'string' ? `no server "${server}" here` : '"server" must be a string'}: send {} for every server, or { "server": "<name>" } of one of ${Object.keys(gateway.config.mcpServers).join(', ')}`,
      );
    const dropped = await gateway.cache.clear(server);
    return answer<CacheClearAnswer>(c, { ok: true, dropped });
  });
  app.post('/api/run', async (c) => {
    const { code, language } = await body<{ code: string; language: string }>(c);
    if (typeof code !== 'string')
      return refuse(c, 400, 'send { "code": "<script>", "language"?: "typescript" | "python" }');
    session ??= new GatewaySession(gateway, { id: UI_SESSION });
    // execute_code's own argument check answers a language it does not know.
    const result = await session.call(
      'execute_code',
      { code, ...(language !== undefined ? { language } : {}) },
      // A person can be asked only while a dashboard page is open.
      approvals.open ? { approve: approvals.approver } : {},
    );
    return answer<RunAnswer>(c, { text: result.text, isError: result.isError });
  });
  app.all('*', (c) => refuse(c, 404, `no dashboard route ${c.req.method} ${c.req.path}`));
  return { app, close: stopFeed };
}

/** What `GET /ui/api/overview` answers. */
async function overview(gateway: Gateway, feed: ExecutionFeed): Promise<Overview> {
  const servers = gateway.listServers().map((status) => {
    const entry = gateway.config.mcpServers[status.name];
    const policy = entry
      ? {
          ...(entry.allowTools ? { allowTools: entry.allowTools } : {}),
          ...(entry.denyTools ? { denyTools: entry.denyTools } : {}),
          ...(entry.requireApproval ? { requireApproval: entry.requireApproval } : {}),
        }
      : {};
    return { ...status, policy };
  });
  const skills = await Promise.all(
    (await gateway.skills.list()).map(async (info) => {
      const stats = (await gateway.skills.skill(info.name))?.stats;
      return {
        name: info.name,
        description: info.description,
        version: info.version,
        status: skillStatus(info) ?? 'ok',
        uses: stats?.uses ?? 0,
        failures: stats?.failures ?? 0,
      };
    }),
  );
  const audit = await JsonLinesLog.readEntries<PiiAuditEntry>(gateway.config.pii.auditLog).catch(() => []);
  const pii = audit
    .slice(-PII_ROWS)
    .reverse()
    .map(({ time, session, server, tool, types }) => ({ time, session, server, tool, types }));
  return { servers, executions: feed.list(), skills, pii };
}

/**
 * Server-Sent Events: each finished execution as an `execution` event, each playground question
 * for the person as an `approval` event (and `approval-closed` once it is answered or given up);
 * a comment every 25 s. The stream ends when the page goes.
 */
function events(c: Context, feed: ExecutionFeed, approvals: PageApprovals): Response {
  return streamSSE(c, async (stream) => {
    await stream.write(': toolscript executions\n\n');
    const stop = feed.subscribe(
      (entry) =>
        void stream.writeSSE({ event: 'execution', id: String(entry.id), data: JSON.stringify(entry) }),
    );
    const stopQuestions = approvals.subscribe(
      (event) =>
        void stream.writeSSE({
          event: event.kind,
          data: JSON.stringify(event.kind === 'approval' ? event.question : { id: event.id }),
        }),
    );
    const ping = setInterval(() => void stream.write(': ping\n\n'), 25_000);
    await new Promise<void>((resolve) => stream.onAbort(resolve));
    clearInterval(ping);
    stop();
    stopQuestions();
  });
}

/** The page and its files, never cached stale, under a CSP that allows only the page's own. */
async function sendAsset(name: string): Promise<Response> {
  const asset = (await uiAssets()).get(name);
  if (!asset)
    return Response.json({ error: `no asset ${name}` } satisfies ErrorAnswer, {
      status: 404,
      headers: { 'cache-control': 'no-store' },
    });
  return new Response(asset.body as Uint8Array<ArrayBuffer>, {
    headers: {
      'content-type': asset.type,
      'cache-control': name === 'index.html' ? 'no-store' : 'no-cache',
      'content-security-policy':
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    },
  });
}

/** What to do about a refused request, in the dashboard's 403 answers. */
const OWN_PAGE =
  'open the dashboard at its own address (/ui on this server); behind a proxy, pass the Host header on';

/**
 * Refuses a request to the dashboard's API that another page may have sent (403, 415). The page itself sends same-origin requests, so the API asks for exactly that:
 * - `Sec-Fetch-Site` (sent by current browsers), when present, must be `same-origin` or `none`
 *   (typed into the address bar), never `same-site` (another port of localhost) or `cross-site`;
 * - `Origin`, when present, must be this server's own origin (`http(s)://` + the `Host` header,
 *   port included), or one of `allowedOrigins`: `null` (a sandboxed frame, a file) and other ports
 *   of the same host are refused;
 * - a POST must say `Content-Type: application/json`, which a page on another origin cannot send
 *   without a CORS preflight this server never grants (a `text/plain` "simple" request gets 415).
 */
function crossSite(
  allowedOrigins: string[],
  refuse: (c: Context, status: 403 | 415, error: string) => Response,
): MiddlewareHandler {
  return async (c, next) => {
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return refuse(
        c,
        403,
        `the dashboard API answers its own page only (Sec-Fetch-Site: ${site}); ${OWN_PAGE}`,
      );
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      const host = c.req.header('host') ?? '';
      if (origin !== `http://${host}` && origin !== `https://${host}` && !allowedOrigins.includes(origin))
        return refuse(c, 403, `the dashboard API answers its own page only (Origin: ${origin}); ${OWN_PAGE}`);
    }
    if (
      c.req.method !== 'GET' &&
      c.req.method !== 'HEAD' &&
      mediaType(c.req.header('content-type')) !== 'application/json'
    )
      return refuse(c, 415, 'send the body as JSON with "Content-Type: application/json"');
    return next();
  };
}

/** The cookie value that proves the token: HMAC-SHA256 keyed by it, so the token itself is never stored. */
function cookieProof(token: string): string {
  return createHmac('sha256', token).update('toolscript dashboard').digest('hex');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
