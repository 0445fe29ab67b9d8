/**
 * Approvals for clients of both eras: a 2025 client is asked with elicitation/create while the
 * script waits; a 2026-07-28 client gets `input_required` and resumes the paused script with its
 * retry (multi round-trip). The retry's `requestState` is sealed: tampered, expired, replayed and
 * other-caller retries are refused, and a retry that reaches another replica (Redis pub/sub)
 * resumes the script where it is held, once. The upstream is test/support/office-server.mjs, which
 * writes each call it gets to a file.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CallToolResult,
  Client,
  type InputRequiredResult,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { type HttpServer, serveHttp } from '../src/server/http.js';
import { serveOverStdio } from './support/cli.js';
import { REDIS_AVAILABLE, startRedis } from './support/redis.js';

const OFFICE = fileURLToPath(new URL('./support/office-server.mjs', import.meta.url));
const WRITE = `import { writeFile } from './servers/office'; export default await writeFile({ path: 'a.txt', content: 'hi' });`;
const MODES = { legacy: 'legacy', auto: 'auto', pinned: { pin: '2026-07-28' } } as const;
const KEY = 'ab'.repeat(32);

const called = (file: string) =>
  readFile(file, 'utf8').then(
    (text) => text.split('\n').filter(Boolean),
    () => [],
  );
const texts = (result: CallToolResult) => result.content.map((p) => ('text' in p ? p.text : '')).join('\n');

/** A config with the office server (write_file needs approval), its calls written to `calls`. */
const officeConfig = (dataDir: string, calls: string, timeoutMs: number) => ({
  dataDir,
  approvals: { timeoutMs },
  mcpServers: {
    office: {
      command: process.execPath,
      args: [OFFICE],
      env: { OFFICE_CALLS: calls },
      requireApproval: ['write_file'],
    },
  },
});

/** A gateway over {@link officeConfig} (2 s to approve), with `extra` config. */
async function officeGateway(
  dir: string,
  calls: string,
  extra: Record<string, unknown> = {},
): Promise<Gateway> {
  return createGateway(parseConfig({ ...officeConfig(dir, calls, 2_000), ...extra }));
}

/** A client that answers approvals with `approve` (the SDK fulfils input_required itself). */
async function approvingClient(
  url: string,
  mode: (typeof MODES)[keyof typeof MODES],
  approve: boolean,
  token?: string,
) {
  const client = new Client(
    { name: 'person', version: '1' },
    { capabilities: { elicitation: {} }, versionNegotiation: { mode } },
  );
  client.setRequestHandler('elicitation/create', async (request) => {
    expect(request.params.message).toMatch(
      /^A script wants to call write_file on server office\. Allow it\?/,
    );
    return { action: 'accept', content: { approve } };
  });
  await client.connect(
    new StreamableHTTPClientTransport(
      new URL(url),
      token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {},
    ),
  );
  return client;
}

/** A 2026-07-28 client that sees input_required itself and retries by hand. */
async function manualClient(url: string, token?: string) {
  const client = new Client(
    { name: 'manual', version: '1' },
    {
      capabilities: { elicitation: {} },
      versionNegotiation: { mode: { pin: '2026-07-28' } },
      inputRequired: { autoFulfill: false },
    },
  );
  await client.connect(
    new StreamableHTTPClientTransport(
      new URL(url),
      token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {},
    ),
  );
  return client;
}

async function firstRound(client: Client): Promise<InputRequiredResult> {
  const result = (await client.callTool(
    { name: 'execute_code', arguments: { code: WRITE } },
    { allowInputRequired: true },
  )) as unknown as InputRequiredResult;
  expect(result.resultType).toBe('input_required');
  expect(result.requestState).toEqual(expect.any(String));
  return result;
}

/** The retry of a 2026-07-28 round: the person's answer and the echoed `requestState` (SEP's MRTR fields). */
const retry = (client: Client, requestState: string, approve = true) =>
  client.callTool(
    {
      name: 'execute_code',
      arguments: { code: WRITE },
      inputResponses: { approve: { action: 'accept', content: { approve } } },
      requestState,
    } as Parameters<Client['callTool']>[0],
    { allowInputRequired: true },
  ) as Promise<CallToolResult>;

describe('approvals for clients of both eras', () => {
  let dir: string;
  let calls: string;
  let gateway: Gateway;
  let http: HttpServer;
  let other: HttpServer;
  const open: Client[] = [];

  beforeAll(async () => {
    process.env.TOOLSCRIPT_STATE_KEY = KEY;
    dir = await mkdtemp(join(tmpdir(), 'toolscript-eras-approvals-'));
    calls = join(dir, 'calls.txt');
    gateway = await officeGateway(dir, calls);
    http = await serveHttp(gateway, { port: 0, token: 'alpha' });
    other = await serveHttp(gateway, { port: 0, token: 'beta' });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await rm(calls, { force: true });
  });
  afterAll(async () => {
    delete process.env.TOOLSCRIPT_STATE_KEY;
    await http?.close();
    await other?.close();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, mode] of Object.entries(MODES)) {
    it(`asks a ${name} client, runs the call once on yes and never on no`, async () => {
      const yes = await approvingClient(http.url, mode, true, 'alpha');
      const no = await approvingClient(http.url, mode, false, 'alpha');
      open.push(yes, no);
      expect(yes.getProtocolEra()).toBe(name === 'legacy' ? 'legacy' : 'modern');
      const ran = (await yes.callTool({
        name: 'execute_code',
        arguments: { code: WRITE },
      })) as CallToolResult;
      expect(texts(ran)).toContain('write_file ran');
      const refused = (await no.callTool({
        name: 'execute_code',
        arguments: { code: WRITE },
      })) as CallToolResult;
      expect(texts(refused)).toMatch(/APPROVAL_DENIED/);
      expect(await called(calls)).toEqual(['write_file']);
    });
  }

  it('refuses a tampered requestState, and one replayed after it was used', async () => {
    const client = await manualClient(http.url, 'alpha');
    open.push(client);
    const round = await firstRound(client);
    const state = round.requestState as string;
    const tampered = `${state.slice(0, -2)}${state.at(-2) === 'A' ? 'B' : 'A'}${state.at(-1)}`;
    await expect(retry(client, tampered)).rejects.toMatchObject({
      code: -32602,
      message: 'Invalid or expired requestState',
    });
    expect(texts(await retry(client, state))).toContain('write_file ran');
    const replayed = await retry(client, state);
    expect(replayed.isError).toBe(true);
    expect(texts(replayed)).toMatch(
      /^Error \[APPROVAL_USED\]: this question is no longer waiting: it was answered already/,
    );
    expect(await called(calls)).toEqual(['write_file']);
  });

  it("refuses another caller's requestState", async () => {
    const alpha = await manualClient(http.url, 'alpha');
    const beta = await manualClient(other.url, 'beta');
    open.push(alpha, beta);
    const round = await firstRound(alpha);
    await expect(retry(beta, round.requestState as string)).rejects.toMatchObject({ code: -32602 });
    expect(await called(calls)).toEqual([]);
  });

  it('refuses an expired requestState, and the script waited no longer than approvals.timeoutMs', async () => {
    const client = await manualClient(http.url, 'alpha');
    open.push(client);
    const round = await firstRound(client);
    // The seal lives approvals.timeoutMs (2 s, so 2 s rounded up) and five seconds more.
    await new Promise((r) => setTimeout(r, 9_000));
    await expect(retry(client, round.requestState as string)).rejects.toMatchObject({
      code: -32602,
      message: 'Invalid or expired requestState',
    });
    expect(await called(calls)).toEqual([]);
  }, 20_000);
});

describe('approvals over stdio for clients of both eras', () => {
  let dir: string;
  let calls: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-eras-stdio-'));
    calls = join(dir, 'calls.txt');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, mode] of Object.entries(MODES)) {
    it(`asks a ${name} client over stdio, runs the call once on yes and never on no`, async () => {
      await rm(calls, { force: true });
      const file = join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify(officeConfig(join(dir, name), calls, 10_000)));
      let approve = true;
      const client = new Client(
        { name: 'person', version: '1' },
        { capabilities: { elicitation: {} }, versionNegotiation: { mode } },
      );
      client.setRequestHandler('elicitation/create', async () => ({
        action: 'accept',
        content: { approve },
      }));
      await client.connect(new StdioClientTransport({ ...serveOverStdio(file), stderr: 'ignore' }));
      try {
        expect(client.getProtocolEra()).toBe(name === 'legacy' ? 'legacy' : 'modern');
        const ran = (await client.callTool({
          name: 'execute_code',
          arguments: { code: WRITE },
        })) as CallToolResult;
        expect(texts(ran)).toContain('write_file ran');
        approve = false;
        const refused = (await client.callTool({
          name: 'execute_code',
          arguments: { code: WRITE },
        })) as CallToolResult;
        expect(texts(refused)).toMatch(/APPROVAL_DENIED/);
        expect(await called(calls)).toEqual(['write_file']);
      } finally {
        await client.close();
      }
    }, 60_000);
  }
});

describe.runIf(REDIS_AVAILABLE)('approvals across two replicas (Redis)', () => {
  const children: ChildProcess[] = [];
  let dir: string;
  let calls: string;
  const gateways: Gateway[] = [];
  const servers: HttpServer[] = [];

  const server = (i: number): HttpServer => servers[i] as HttpServer;
  const gateway = (i: number): Gateway => gateways[i] as Gateway;

  beforeAll(async () => {
    process.env.TOOLSCRIPT_STATE_KEY = KEY;
    const { url } = await startRedis(children);
    dir = await mkdtemp(join(tmpdir(), 'toolscript-eras-replicas-'));
    calls = join(dir, 'calls.txt');
    for (const replica of ['a', 'b']) {
      const gateway = await officeGateway(join(dir, replica), calls, { store: url });
      gateways.push(gateway);
      servers.push(await serveHttp(gateway, { port: 0 }));
    }
  }, 60_000);
  afterAll(async () => {
    delete process.env.TOOLSCRIPT_STATE_KEY;
    for (const server of servers) await server.close();
    for (const gateway of gateways) await gateway.close();
    for (const child of children) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes a script paused on one replica from a retry sent to the other, once', async () => {
    const [a, b] = [await manualClient(server(0).url), await manualClient(server(1).url)];
    try {
      const round = await firstRound(a);
      const done = await retry(b, round.requestState as string);
      expect(texts(done)).toContain('write_file ran');
      expect((done.structuredContent as { context: string }).context).toMatch(/^ctx-/);
      expect(texts(await retry(a, round.requestState as string))).toMatch(/^Error \[APPROVAL_USED\]/);
      expect(await called(calls)).toEqual(['write_file']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('says so when the replica holding the paused script is gone, and runs nothing again', async () => {
    const a = await manualClient(server(0).url);
    const b = await manualClient(server(1).url);
    try {
      await rm(calls, { force: true });
      const round = await firstRound(a);
      // The holder's gateway closes (its store connection, and so its relay, with it), as a dead
      // replica's would.
      await server(0).close();
      await gateway(0).close();
      const lost = await retry(b, round.requestState as string);
      expect(lost.isError).toBe(true);
      expect(texts(lost)).toMatch(
        /^Error \[APPROVAL_LOST\]: the replica holding this paused script \([0-9a-f]+\) is gone/,
      );
      expect(await called(calls)).toEqual([]);
    } finally {
      await a.close().catch(() => {});
      await b.close();
    }
  });
});
