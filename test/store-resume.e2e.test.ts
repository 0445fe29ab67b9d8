/**
 * Resumability through the session store: a client whose SSE stream breaks on one replica
 * reconnects to another with `Last-Event-ID` and gets the answer it missed, from the Redis Stream
 * the first replica wrote. Two in-process gateways on one redis-server (skipped without Redis
 * unless TOOLSCRIPT_REQUIRE_REDIS=1).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { type HttpServer, serveHttp } from '../src/server/http.js';
import { REDIS_AVAILABLE, startRedis } from './support/redis.js';

/** Reads SSE events from a response body until `stop(event)` is true; returns the events read. */
async function readEvents(
  response: Response,
  stop: (event: { id?: string; data: string }) => boolean,
): Promise<{ id?: string; data: string }[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { id?: string; data: string }[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]).join('\n');
      const event = { ...(id ? { id } : {}), data };
      events.push(event);
      if (stop(event)) {
        await reader.cancel();
        return events;
      }
      end = buffer.indexOf('\n\n');
    }
  }
}

const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Sends an initialize (protocol 2025-11-25) to `url`; returns the new session's id. */
async function initialize(url: string): Promise<string> {
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
    }),
  });
  await init.text();
  return init.headers.get('mcp-session-id') as string;
}

describe.skipIf(!REDIS_AVAILABLE)('two replicas on one Redis', () => {
  const children: ChildProcess[] = [];
  const gateways: Gateway[] = [];
  const servers: HttpServer[] = [];

  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolscript-resume-'));
    const { url } = await startRedis(children);
    for (let i = 0; i < 2; i++) {
      const gateway = await createGateway(
        parseConfig({ mcpServers: {}, store: url, sandbox: { threads: 1 }, dataDir: join(dir, `data-${i}`) }),
      );
      // Start the script thread now, so the timed script below is not waiting for it.
      await gateway.execute('export default 0');
      gateways.push(gateway);
      servers.push(await serveHttp(gateway, { port: 0 }));
    }
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const gateway of gateways) await gateway.close();
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets the answer it missed from the other replica, by Last-Event-ID', async () => {
    const [a, b] = servers as [HttpServer, HttpServer];
    const session = await initialize(a.url);
    const sessionHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    await (
      await fetch(a.url, {
        method: 'POST',
        headers: sessionHeaders,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      })
    ).text();

    // The call's stream breaks right after its first (priming) event.
    const call = await fetch(a.url, {
      method: 'POST',
      headers: sessionHeaders,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: {
          name: 'execute_code',
          arguments: {
            code: 'const until = Date.now() + 700; while (Date.now() < until) {} export default 6 * 7;',
          },
        },
      }),
    });
    const [priming] = await readEvents(call, (event) => event.id !== undefined);
    expect(priming?.id).toMatch(/^\d+-\d+$/);
    // Replica a finishes the script and stores the answer (the script takes 0.7 s).
    await new Promise((r) => setTimeout(r, 2_500));

    // Replica b holds neither the session nor the stream: it rebuilds the session from the
    // record and replays the stream from Redis.
    const resumed = await fetch(b.url, {
      method: 'GET',
      signal: AbortSignal.timeout(10_000),
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-11-25',
        'last-event-id': priming?.id as string,
      },
    });
    expect(resumed.status).toBe(200);
    const events = await readEvents(resumed, (event) => event.data.includes('"result"'));
    const answer = JSON.parse(events.at(-1)?.data ?? '{}') as {
      id: number;
      result: { content: { text: string }[] };
    };
    expect(answer.id).toBe(2);
    expect(answer.result.content[0]?.text).toContain('42');
  });

  it('share saved skills: a skill saved on one is importable on the other, and its removal too', async () => {
    const [a, b] = gateways as [Gateway, Gateway];
    await a.skills.save(
      {
        name: 'double-it',
        description: 'Doubles a number.',
        code: 'export function double(n: number): number { return n * 2; }',
      },
      'operator',
    );
    const script = "import { double } from './skills/double-it'; export default double(21);";
    let result = await b.execute(script);
    for (let i = 0; i < 50 && !result.ok; i++) {
      await new Promise((r) => setTimeout(r, 100));
      result = await b.execute(script);
    }
    expect(result.result).toBe(42);
    expect((await b.skills.list()).map((skill) => skill.name)).toContain('double-it');

    expect(await a.skills.remove('double-it', 'operator')).toBe(true);
    let names = (await b.skills.list()).map((skill) => skill.name);
    for (let i = 0; i < 50 && names.includes('double-it'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      names = (await b.skills.list()).map((skill) => skill.name);
    }
    expect(names).not.toContain('double-it');
    expect((await b.execute(script)).error?.code).toBe('MODULE_NOT_FOUND');
  });

  it('answers 503, not 404, for a session it cannot take over while full, so the client retries', async () => {
    const [a] = servers as [HttpServer, HttpServer];
    const full = await serveHttp(gateways[1] as Gateway, { port: 0, maxSessions: 0 });
    try {
      const session = await initialize(a.url);
      const refused = await fetch(full.url, {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(refused.status).toBe(503);
      expect(await refused.text()).toContain('Too many sessions on this replica (0); retry shortly');
    } finally {
      await full.close();
    }
  });
});
