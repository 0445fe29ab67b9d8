import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Gateway } from '../gateway/gateway.js';
import type { PiiAuditEntry } from '../pii/audit.js';
import { GatewaySession } from '../session/gateway-session.js';
import { bearerToken, mediaType } from '../util/http.js';
import { JsonLinesLog } from '../util/jsonl.js';
import { PageApprovals } from './approvals.js';
import { uiAssets } from './assets.js';
import { ExecutionFeed, type FeedEntry } from './feed.js';

/** The cookie that carries the dashboard's proof of the gateway token. */
export const UI_COOKIE = 'toolscript_ui';
/** Session id of the dashboard's playground (its workspace, state and PII vault). */
export const UI_SESSION = 'dashboard';
/** PII audit entries shown, the newest. */
const PII_ROWS = 100;

export interface DashboardOptions {
  /** The gateway token (`serve --http --token`); without one the dashboard is loopback-only and open. */
  token?: string | undefined;
  /** Reads a JSON body, at most the server's body limit. @throws on bad JSON or a body too large */
  readJson: (req: IncomingMessage) => Promise<unknown>;
  /** Origins accepted besides the page's own (`serve --http`'s `allowedOrigins`, e.g. behind a proxy). */
  allowedOrigins?: string[] | undefined;
}

/**
 * The dashboard at `/ui`: the page and its assets (`/ui`, `/ui/assets/app.js|app.css`), the
 * sign-in (`GET /ui/api/session` says whether the browser is signed in; `POST /ui/api/login
 * { token }` answers `{ ok }` and, when right, sets an HttpOnly, SameSite=Strict cookie), and
 * the JSON it reads: `GET /ui/api/overview` (servers with policy, executions, skills, PII audit,
 * counters), `GET /ui/api/events` (Server-Sent Events, one `execution` event per finished
 * execution), `GET /ui/api/search?q=` (the search `search_tools` runs, with signatures) and
 * `POST /ui/api/run { code, language? }` (one script in the dashboard's session, answered as
 * execute_code answers: `{ text, isError }`; a tool in `requireApproval` is put to the person at
 * the page, see {@link PageApprovals}, who answers with `POST /ui/api/approve { id, approve }`). With a gateway token, the API answers 401 without the
 * cookie or `Authorization: Bearer <token>`; the page and assets are public, so the page can ask
 * for the token.
 * @returns a handler (true when it answered the request: any path under `/ui`), and `close`,
 *   which stops its feed listening to the gateway (the server calls it when it closes).
 */
export function dashboard(gateway: Gateway, options: DashboardOptions) {
  const proof = options.token ? cookieProof(options.token) : undefined;
  let session: GatewaySession | undefined;
  const approvals = new PageApprovals();
  // The page's feed: the executions that finish from now on.
  const feed = new ExecutionFeed();
  const stopFeed = gateway.onExecution((run, context) => feed.add(run, context));
  const authorized = (req: IncomingMessage): boolean => {
    if (!proof || !options.token) return true;
    const bearer = bearerToken(req);
    if (bearer !== undefined) return same(cookieProof(bearer), proof);
    const cookie = parseCookie(req.headers.cookie ?? '')[UI_COOKIE];
    return cookie !== undefined && same(cookie, proof);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const path = url.pathname;
    if (path !== '/ui' && !path.startsWith('/ui/')) return false;
    if (path.startsWith('/ui/api/')) {
      const refused = crossSite(req, options.allowedOrigins ?? []);
      if (refused) return json(res, refused.status, { error: refused.error });
    }
    if (req.method === 'GET' && (path === '/ui' || path === '/ui/')) return sendAsset(res, 'index.html');
    if (req.method === 'GET' && path.startsWith('/ui/assets/'))
      return sendAsset(res, path.slice('/ui/assets/'.length));
    if (req.method === 'POST' && path === '/ui/api/login') {
      const body = (await options.readJson(req).catch(() => ({}))) as { token?: unknown };
      const given = typeof body.token === 'string' ? body.token : '';
      // 200 either way: the page asks, and a browser logs every 4xx answer as a console error.
      if (proof && !same(cookieProof(given), proof))
        return json(res, 200, { ok: false, error: 'wrong token' });
      res.setHeader(
        'set-cookie',
        stringifySetCookie({
          name: UI_COOKIE,
          value: proof ?? 'open',
          path: '/ui',
          httpOnly: true,
          sameSite: 'strict',
          secure: req.headers['x-forwarded-proto'] === 'https',
        }),
      );
      return json(res, 200, { ok: true });
    }
    if (req.method === 'GET' && path === '/ui/api/session')
      return json(res, 200, { signedIn: authorized(req), tokenRequired: proof !== undefined });
    if (!authorized(req)) {
      res.setHeader('www-authenticate', 'Bearer');
      return json(res, 401, { error: 'sign in with the gateway token' });
    }
    if (req.method === 'GET' && path === '/ui/api/overview')
      return json(res, 200, await overview(gateway, feed));
    if (req.method === 'GET' && path === '/ui/api/events') return events(feed, approvals, req, res);
    if (req.method === 'POST' && path === '/ui/api/approve') {
      const body = (await options.readJson(req).catch(() => ({}))) as { id?: unknown; approve?: unknown };
      if (typeof body.id !== 'string' || typeof body.approve !== 'boolean')
        return json(res, 400, { error: 'send { "id": "<question id>", "approve": true | false }' });
      const answered = approvals.answer(body.id, body.approve);
      // 200 either way (see login): a question answered on another page, or timed out, is gone.
      return json(res, 200, answered ? { ok: true } : { ok: false, error: 'no such question is waiting' });
    }
    if (req.method === 'GET' && path === '/ui/api/search') {
      const query = url.searchParams.get('q') ?? '';
      const hits = await gateway.search(query, { detail: 'full', limit: 20 });
      return json(res, 200, {
        hits: hits.map(({ name, summary, signature, importFrom }) => ({
          name,
          summary,
          signature,
          importFrom,
        })),
      });
    }
    if (req.method === 'POST' && path === '/ui/api/run') {
      const body = (await options.readJson(req).catch(() => ({}))) as { code?: unknown; language?: unknown };
      if (typeof body.code !== 'string')
        return json(res, 400, { error: 'send { "code": "<script>", "language"?: "typescript" | "python" }' });
      session ??= new GatewaySession(gateway, { id: UI_SESSION });
      // execute_code's own argument check answers a language it does not know.
      const answer = await session.call(
        'execute_code',
        { code: body.code, ...(body.language !== undefined ? { language: body.language } : {}) },
        // A person can be asked only while a dashboard page is open.
        approvals.open ? { approve: approvals.approver } : {},
      );
      return json(res, 200, { text: answer.text, isError: answer.isError });
    }
    return json(res, 404, { error: `no dashboard route ${req.method} ${path}` });
  };
  return Object.assign(handle, { close: stopFeed });
}

/** What `GET /ui/api/overview` answers. */
async function overview(gateway: Gateway, feed: ExecutionFeed) {
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
        status: info.broken ? 'broken: no longer type-checks' : 'ok',
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
  return { servers, executions: feed.list(), skills, pii, stats: await gateway.metrics.summary() };
}

/**
 * Server-Sent Events: each finished execution as an `execution` event, each playground question
 * for the person as an `approval` event (and `approval-closed` once it is answered or given up);
 * a comment every 25 s.
 */
function events(
  feed: ExecutionFeed,
  approvals: PageApprovals,
  req: IncomingMessage,
  res: ServerResponse,
): true {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write(': toolscript executions\n\n');
  const send = (entry: FeedEntry) =>
    res.write(`event: execution\nid: ${entry.id}\ndata: ${JSON.stringify(entry)}\n\n`);
  const stop = feed.subscribe(send);
  const stopQuestions = approvals.subscribe((event) =>
    res.write(
      `event: ${event.kind}\ndata: ${JSON.stringify(event.kind === 'approval' ? event.question : { id: event.id })}\n\n`,
    ),
  );
  const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
  const end = () => {
    clearInterval(ping);
    stop();
    stopQuestions();
  };
  req.on('close', end);
  res.on('close', end);
  return true;
}

async function sendAsset(res: ServerResponse, name: string): Promise<true> {
  const asset = (await uiAssets()).get(name);
  if (!asset) {
    json(res, 404, { error: `no asset ${name}` });
    return true;
  }
  res.writeHead(200, {
    'content-type': asset.type,
    'cache-control': name === 'index.html' ? 'no-store' : 'no-cache',
    'content-security-policy':
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(asset.body);
  return true;
}

/** What to do about a refused request, in the dashboard's 403 answers. */
const OWN_PAGE =
  'open the dashboard at its own address (/ui on this server); behind a proxy, pass the Host header on';

/**
 * Why a request to the dashboard's API is refused as possibly sent by another page, or undefined
 * to go on. The page itself sends same-origin requests, so the API asks for exactly that:
 * - `Sec-Fetch-Site` (sent by current browsers), when present, must be `same-origin` or `none`
 *   (typed into the address bar), never `same-site` (another port of localhost) or `cross-site`;
 * - `Origin`, when present, must be this server's own origin (`http(s)://` + the `Host` header,
 *   port included), or one of `allowedOrigins`: `null` (a sandboxed frame, a file) and other ports
 *   of the same host are refused;
 * - a POST must say `Content-Type: application/json`, which a page on another origin cannot send
 *   without a CORS preflight this server never grants (a `text/plain` "simple" request gets 415).
 */
function crossSite(
  req: IncomingMessage,
  allowedOrigins: string[],
): { status: number; error: string } | undefined {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none')
    return {
      status: 403,
      error: `the dashboard API answers its own page only (Sec-Fetch-Site: ${site}); ${OWN_PAGE}`,
    };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const host = req.headers.host ?? '';
    if (origin !== `http://${host}` && origin !== `https://${host}` && !allowedOrigins.includes(origin))
      return {
        status: 403,
        error: `the dashboard API answers its own page only (Origin: ${origin}); ${OWN_PAGE}`,
      };
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    if (mediaType(req) !== 'application/json')
      return { status: 415, error: 'send the body as JSON with "Content-Type: application/json"' };
  }
  return undefined;
}

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
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
