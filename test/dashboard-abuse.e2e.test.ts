/**
 * The dashboard's API against another page and against whoever can read it, on the default set-up
 * (loopback, no token): requests a web page can send without a CORS preflight are refused and run
 * nothing, and no live `Mcp-Session-Id` is shown anywhere (executions, their live events, the PII
 * audit, a skill's owner), since the id is all a client needs to act as that session.
 */
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { type HttpServer, serveHttp } from '../src/server/http.js';
import { text } from './support/mcp.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

const EMAIL = 'rosa.quintero@example.org';

/** One raw HTTP request with any headers, as a browser or a local process would send it. */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      // An event stream never ends by itself: take what came within the time given.
      if (options.timeoutMs)
        setTimeout(() => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
          req.destroy();
        }, options.timeoutMs);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('dashboard API against other pages and readers', () => {
  let dir: string;
  let gateway: Gateway;
  let http: HttpServer;
  let base: string;
  let host: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-dashboard-abuse-'));
    await writeFile(join(dir, 'contact.txt'), `Write to ${EMAIL}.\n`);
    gateway = await createGateway(
      parseConfig({
        dataDir: join(dir, 'data'),
        pii: { enabled: true, auditLog: join(dir, 'pii-audit.jsonl') },
        mcpServers: { files: stdioServer(...FILESYSTEM, [dir]) },
      }),
    );
    http = await serveHttp(gateway, { port: 0 });
    base = http.url.replace(/\/mcp$/, '');
    host = new URL(base).host;
  }, 60_000);

  afterAll(async () => {
    await http?.close();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const script = (file: string) =>
    `import * as files from './servers/files';\nawait files.writeFile({ path: ${JSON.stringify(file)}, content: 'pwned' });\nexport default 1;`;

  it.each([
    [
      'a text/plain "simple" request from another port of localhost',
      { origin: 'http://localhost:1', 'content-type': 'text/plain' },
      403,
    ],
    [
      'Origin: null (a sandboxed frame or a file: page)',
      { origin: 'null', 'content-type': 'text/plain' },
      403,
    ],
    [
      'Sec-Fetch-Site: cross-site',
      { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      403,
    ],
    [
      'Sec-Fetch-Site: same-site (another port)',
      { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' },
      403,
    ],
    ['a form post without Origin', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
    ['a text/plain body without Origin', { 'content-type': 'text/plain' }, 415],
  ])('refuses %s, and runs nothing', async (_what, headers, status) => {
    const file = join(dir, `written-${status}-${Object.keys(headers).length}-${Math.random()}.txt`);
    let ran = 0;
    const stop = gateway.onExecution(() => ran++);
    const answer = await raw(`${base}/ui/api/run`, {
      method: 'POST',
      headers: { host, ...headers },
      body: JSON.stringify({ code: script(file) }),
    });
    expect(answer.status).toBe(status);
    const { error } = JSON.parse(answer.body) as { error: string | { message: string } };
    expect(typeof error === 'string' ? error : error.message).toMatch(
      /own page only|Content-Type: application\/json|not allowed/,
    );
    stop();
    expect(ran).toBe(0);
    await expect(access(file)).rejects.toThrow();
  });

  it('runs the page own same-origin JSON request', async () => {
    const answer = await raw(`${base}/ui/api/run`, {
      method: 'POST',
      headers: { host, origin: base, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'export default 6 * 7' }),
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ isError: false });
    expect(JSON.parse(answer.body).text).toContain('42');
  });

  it('refuses Origin: null on /mcp too', async () => {
    const answer = await raw(http.url, {
      method: 'POST',
      headers: {
        host,
        origin: 'null',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: '{}',
    });
    expect(answer.status).toBe(403);
  });

  it('shows no live session id in executions, live events, the PII audit or a skill owner', async () => {
    const events = raw(`${base}/ui/api/events`, { headers: { host }, timeoutMs: 4000 });
    const transport = new StreamableHTTPClientTransport(new URL(http.url));
    const client = new Client({ name: 'victim', version: '1' });
    await client.connect(transport);
    const id = transport.sessionId as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const read = await client.callTool({
      name: 'execute_code',
      arguments: {
        code: `import * as files from './servers/files';\nconst { content } = await files.readTextFile({ path: ${JSON.stringify(join(dir, 'contact.txt'))} });\nexport default content;`,
      },
    });
    expect(text(read)).toContain('[EMAIL_1]');
    // The model writes the token back; the gateway puts the value in, and audits that.
    await client.callTool({
      name: 'execute_code',
      arguments: {
        code: `import * as files from './servers/files';\nawait files.writeFile({ path: ${JSON.stringify(join(dir, 'copy.txt'))}, content: '[EMAIL_1]' });`,
      },
    });
    expect(await readFile(join(dir, 'copy.txt'), 'utf8')).toContain(EMAIL);
    const saved = await client.callTool({
      name: 'save_skill',
      arguments: {
        name: 'victim-skill',
        description: 'one',
        code: 'export default async function run() { return 1; }',
      },
    });
    expect(saved.isError).toBeFalsy();
    const overview = await raw(`${base}/ui/api/overview`, { headers: { host } });
    expect(overview.status).toBe(200);
    const streamed = await events;
    expect(streamed.body).toContain('event: execution');
    const skill = await gateway.skills.skill('victim-skill');
    const audit = await readFile(join(dir, 'pii-audit.jsonl'), 'utf8');
    for (const seen of [overview.body, streamed.body, JSON.stringify(skill?.info ?? {}), audit]) {
      expect(seen).not.toContain(id);
      expect(seen).not.toContain(id.replace(/-/g, ''));
    }
    // The same session is still told apart by a label, the same everywhere.
    const label = (JSON.parse(overview.body) as { executions: { session: string }[] }).executions[0]?.session;
    expect(label).toMatch(/^s-[0-9a-f]{16}$/);
    expect(streamed.body).toContain(label);
    expect(audit).toContain(label);
    expect(skill?.info.owner).toBe(`session:${label}`);
    await client.close();
  }, 60_000);
});
