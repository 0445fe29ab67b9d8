/**
 * Approvals on real servers: server-filesystem with `requireApproval: ["write_file"]`, and
 * server-memory with `["@destructive"]`, reached through the gateway's MCP server by the SDK's
 * `Client`, which answers `elicitation/create` as the person would.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/client';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAgent } from '../src/agent/agent.js';
import { Approvals } from '../src/approvals/approvals.js';
import { runCli } from '../src/cli/main.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { serveHttp } from '../src/server/http.js';
import { createMcpServer } from '../src/server/mcp-server.js';
import { captureIO } from './support/cli.js';
import { lastToolResults, scriptedModel } from './support/mock-model.js';
import { FILESYSTEM, MEMORY, stdioServer } from './support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'toolscript-approvals-'));
const files = join(dir, 'files');
const dataDir = join(dir, 'data');
let gateway: Gateway;
/** What the person answers next, and every question asked. */
let answer: (request: ElicitRequest) => Promise<ElicitResult> = async () => ({ action: 'decline' });
const asked: ElicitRequest[] = [];

async function connect(elicitation: boolean): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(gateway).connect(serverSide);
  const client = new Client(
    { name: 'person', version: '1' },
    { capabilities: elicitation ? { elicitation: {} } : {} },
  );
  if (elicitation)
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request);
      return answer(request);
    });
  await client.connect(clientSide);
  return client;
}

async function run(client: Client, code: string): Promise<{ text: string; isError: boolean }> {
  const result = await client.callTool({ name: 'execute_code', arguments: { code } });
  return { text: (result.content as { text: string }[])[0]?.text ?? '', isError: result.isError === true };
}

const write = (name: string) => `import { writeFile } from './servers/fs';
try {
  await writeFile({ path: ${JSON.stringify(join(files, name))}, content: 'secret-content-42' });
  return 'written';
} catch (error) {
  return [error.name, error.code];
}`;

beforeAll(async () => {
  mkdirSync(files, { recursive: true });
  gateway = await createGateway(
    parseConfig({
      dataDir,
      sandbox: { timeoutMs: 1_000 },
      approvals: { timeoutMs: 2_000 },
      mcpServers: {
        fs: { ...stdioServer(...FILESYSTEM, [files]), requireApproval: ['write_file'] },
        memory: {
          ...stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
          requireApproval: ['@destructive'],
        },
      },
    }),
  );
});
afterAll(async () => {
  await gateway.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  asked.length = 0;
});

describe('approvals', () => {
  it('asks before a listed tool runs; an accepted write lands, even after the script limit', async () => {
    const client = await connect(true);
    // The person takes 1.5 s: longer than the script's 1 s limit, which waits meanwhile.
    answer = async () => {
      await new Promise((r) => setTimeout(r, 1_500));
      return { action: 'accept', content: { approve: true } };
    };
    const result = await run(
      client,
      `import { writeFile } from './servers/fs';
       await writeFile({ path: ${JSON.stringify(join(files, 'yes.txt'))}, content: 'hello' });
       export default 'written';`,
    );
    expect(result).toEqual({ text: 'Result:\nwritten', isError: false });
    expect(readFileSync(join(files, 'yes.txt'), 'utf8')).toBe('hello');
    expect(asked).toHaveLength(1);
    expect(asked[0]?.params.message).toMatch(
      /^A script wants to call write_file on server fs\. Allow it\?\nArguments:\n {2}path: "/,
    );
    expect(asked[0]?.params.message).toContain('\n  content: "hello"');
    await client.close();
  });

  it('a declined write throws a catchable ToolError with APPROVAL_DENIED, and the file is absent', async () => {
    const client = await connect(true);
    for (const reply of [
      { action: 'decline' },
      { action: 'cancel' },
      { action: 'accept', content: { approve: false } },
    ] as ElicitResult[]) {
      answer = async () => reply;
      const result = await run(client, write('no.txt'));
      expect(result.text).toBe('Result:\n["ToolError","APPROVAL_DENIED"]');
      expect(existsSync(join(files, 'no.txt'))).toBe(false);
    }
    expect(asked).toHaveLength(3);
    await client.close();
  });

  it('covers ./client, raw host calls and skills: every path goes through the bridge', async () => {
    const client = await connect(true);
    answer = async () => ({ action: 'decline' });
    const path = JSON.stringify(join(files, 'around.txt'));
    await gateway.skills.save({
      name: 'note-writer',
      description: 'Writes a note.',
      code: `import { writeFile } from './servers/fs';
export async function note(path: string): Promise<unknown> { return writeFile({ path, content: 'note' }); }`,
    });
    const result = await run(
      client,
      `import { callTool } from './client';
       import { note } from './skills/note-writer';
       const codes = [];
       for (const attempt of [
         () => callTool('fs', 'write_file', { path: ${path}, content: 'x' }),
         () => __host.callTool('fs', 'write_file', { path: ${path}, content: 'x' }),
         () => note(${path}),
       ]) {
         try { await attempt(); codes.push('ran'); } catch (error) { codes.push(error.code); }
       }
       return codes;`,
    );
    expect(result.text).toBe('Result:\n["APPROVAL_DENIED","APPROVAL_DENIED","APPROVAL_DENIED"]');
    expect(asked).toHaveLength(3);
    expect(existsSync(join(files, 'around.txt'))).toBe(false);
    await client.close();
  });

  it("asks over Streamable HTTP too (serve --http), on the script request's own stream", async () => {
    const http = await serveHttp(gateway, { port: 0 });
    const client = new Client({ name: 'person', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request);
      return { action: 'accept', content: { approve: true } };
    });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
      const result = await client.callTool({
        name: 'execute_code',
        arguments: {
          code: `import { writeFile } from './servers/fs';
                 await writeFile({ path: ${JSON.stringify(join(files, 'http.txt'))}, content: 'over http' });
                 export default 'ok';`,
        },
      });
      expect((result.content as { text: string }[])[0]?.text).toBe('Result:\nok');
      expect(asked).toHaveLength(1);
      expect(readFileSync(join(files, 'http.txt'), 'utf8')).toBe('over http');
    } finally {
      await client.close();
      await http.close();
    }
  });

  it('a client without elicitation gets APPROVAL_REQUIRED naming the tool; nothing is written', async () => {
    const client = await connect(false);
    const result = await run(
      client,
      `import { writeFile } from './servers/fs';
       await writeFile({ path: ${JSON.stringify(join(files, 'nobody.txt'))}, content: 'x' });`,
    );
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^Error \[APPROVAL_REQUIRED\]: fs\.write_file needs a person's approval/);
    expect(result.text).toContain('through a client that supports approvals');
    expect(existsSync(join(files, 'nobody.txt'))).toBe(false);
    // The library path is covered by the same check.
    await expect(
      gateway.callTool('fs', 'write_file', { path: join(files, 'direct.txt'), content: 'x' }),
    ).rejects.toMatchObject({
      code: 'APPROVAL_REQUIRED',
    });
    expect(existsSync(join(files, 'direct.txt'))).toBe(false);
    await client.close();
  });

  it('never asks about unlisted tools; @destructive follows the annotations', async () => {
    const client = await connect(true);
    answer = async () => ({ action: 'accept', content: { approve: true } });
    const reads = await run(
      client,
      `import { listDirectory } from './servers/fs';
       import { createEntities, readGraph, deleteEntities } from './servers/memory';
       await listDirectory({ path: ${JSON.stringify(files)} });
       await createEntities({ entities: [{ name: 'ada', entityType: 'person', observations: [] }] });
       const before = (await readGraph()).entities.length;
       await deleteEntities({ entityNames: ['ada'] });
       export default [before, (await readGraph()).entities.length];`,
    );
    expect(reads.text).toBe('Result:\n[1,0]');
    // Only delete_entities (destructiveHint: true) was asked about.
    expect(asked.map((a) => a.params.message.split('.')[0])).toEqual([
      'A script wants to call delete_entities on server memory',
    ]);
    await client.close();
  });

  it('denies when no answer comes within approvals.timeoutMs', async () => {
    const client = await connect(true);
    answer = () => new Promise(() => {});
    const started = Date.now();
    const result = await run(client, write('late.txt'));
    expect(result.text).toBe('Result:\n["ToolError","APPROVAL_DENIED"]');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(existsSync(join(files, 'late.txt'))).toBe(false);
    await client.close();
  });

  it('a cancelled script stops waiting at once, even for an approver that ignores its signal', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const run = await gateway.execute(write('cancelled.txt'), {
      signal: controller.signal,
      approve: () => new Promise(() => {}),
    });
    expect(run.error?.code).toBe('CANCELLED');
    // approvals.timeoutMs is 2 s here.
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(existsSync(join(files, 'cancelled.txt'))).toBe(false);
    // The wait itself ended with the cancel (recorded as such), not at approvals.timeoutMs.
    const deadline = Date.now() + 500;
    let recorded = false;
    while (!recorded && Date.now() < deadline) {
      const log = await Approvals.readLog(join(dataDir, 'approvals.jsonl'));
      recorded = log.some((e) => e.decision === 'cancelled' && e.waitedMs < 1_000);
      if (!recorded) await new Promise((r) => setTimeout(r, 25));
    }
    expect(recorded).toBe(true);
  });

  it('audits every decision with a hash of the arguments, never their values', async () => {
    const log = await Approvals.readLog(join(dataDir, 'approvals.jsonl'));
    const decisions = log.map((e) => `${e.server}.${e.tool}:${e.decision}`);
    expect(decisions).toContain('fs.write_file:approved');
    expect(decisions).toContain('fs.write_file:declined');
    expect(decisions).toContain('fs.write_file:no-approver');
    expect(decisions).toContain('fs.write_file:timeout');
    expect(decisions).toContain('memory.delete_entities:approved');
    expect(log.every((e) => /^[0-9a-f]{16}$/.test(e.argsHash))).toBe(true);
    const text = readFileSync(join(dataDir, 'approvals.jsonl'), 'utf8');
    expect(text).not.toContain('secret-content-42');
    expect(text).not.toContain('hello');
    expect(text).not.toContain(files);

    // toolscript approvals log prints them, as lines or as JSON.
    const configFile = join(dir, 'audit.config.json');
    writeFileSync(configFile, JSON.stringify({ mcpServers: {}, dataDir }));
    const lines = captureIO();
    expect(await runCli(['approvals', 'log', '--config', configFile], lines.io)).toBe(0);
    expect(lines.out.stdout).toMatch(
      /session \S+ {2}fs\.write_file {2}declined {2}after \d+\.\d s {2}args [0-9a-f]{16}\n/,
    );
    const json = captureIO();
    expect(await runCli(['approvals', 'log', '--json', '--config', configFile], json.io)).toBe(0);
    expect(
      json.out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(log);
    const empty = captureIO();
    writeFileSync(configFile, JSON.stringify({ mcpServers: {}, dataDir: join(dir, 'nothing-yet') }));
    await runCli(['approvals', 'log', '--config', configFile], empty.io);
    expect(empty.out.stdout).toBe(
      `No approval recorded in ${join(dir, 'nothing-yet', 'approvals.jsonl')}.\n`,
    );
  });
});

describe('approvals with PII tokenization', () => {
  it('shows personal data as tokens to the person; the upstream gets the real value', async () => {
    const own = await createGateway(
      parseConfig({
        dataDir: join(dir, 'pii-data'),
        pii: { enabled: true },
        mcpServers: { fs: { ...stdioServer(...FILESYSTEM, [files]), requireApproval: ['write_file'] } },
      }),
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(own).connect(serverSide);
    const client = new Client({ name: 'person', version: '1' }, { capabilities: { elicitation: {} } });
    const messages: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      messages.push(request.params.message);
      return { action: 'accept', content: { approve: true } };
    });
    await client.connect(clientSide);
    try {
      const result = await client.callTool({
        name: 'execute_code',
        arguments: {
          code: `import { writeFile } from './servers/fs';
                 await writeFile({ path: ${JSON.stringify(join(files, 'contact.txt'))}, content: 'ada.lovelace@example.com' });`,
        },
      });
      expect(result.isError).toBe(false);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain('[EMAIL_1]');
      expect(messages[0]).not.toContain('lovelace');
      expect(readFileSync(join(files, 'contact.txt'), 'utf8')).toBe('ada.lovelace@example.com');
    } finally {
      await client.close();
      await own.close();
    }
  });
});

describe('approvals in agents', () => {
  /** A model that writes `name` once (code mode, or the direct tool), then repeats what it got. */
  const writer = (name: string, mode: 'code' | 'direct') =>
    scriptedModel([
      () => ({
        tools: [
          mode === 'code'
            ? { name: 'execute_code', input: { code: write(name) } }
            : { name: 'fs__write_file', input: { path: join(files, name), content: 'x' } },
        ],
        usage: [10, 10],
      }),
      (prompt) => ({ text: lastToolResults(prompt)[0]?.value ?? '', usage: [10, 10] }),
    ]);

  it('runAgent asks onApproval in code mode and in direct mode', async () => {
    const requests: string[] = [];
    const yes = await runAgent({
      gateway,
      model: writer('agent-yes.txt', 'code'),
      task: 'write',
      onApproval: async (request) => {
        requests.push(`${request.server}.${request.tool}`);
        return true;
      },
    });
    expect(yes.answer).toBe('Result:\nwritten');
    expect(existsSync(join(files, 'agent-yes.txt'))).toBe(true);
    const no = await runAgent({
      gateway,
      model: writer('agent-no.txt', 'code'),
      task: 'write',
      onApproval: async () => false,
    });
    expect(no.answer).toBe('Result:\n["ToolError","APPROVAL_DENIED"]');
    const direct = await runAgent({
      gateway,
      model: writer('agent-direct.txt', 'direct'),
      task: 'write',
      mode: 'direct',
      onApproval: async (request) => {
        requests.push(`${request.server}.${request.tool}`);
        return false;
      },
    });
    expect(direct.toolErrors).toBe(1);
    expect(existsSync(join(files, 'agent-no.txt'))).toBe(false);
    expect(existsSync(join(files, 'agent-direct.txt'))).toBe(false);
    expect(requests).toEqual(['fs.write_file', 'fs.write_file']);
  });

  it('toolscript agent asks y/N on the terminal, and denies without one', async () => {
    const config = join(dir, 'agent.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(dir, 'agent-data'),
        mcpServers: { fs: { ...stdioServer(...FILESYSTEM, [files]), requireApproval: ['write_file'] } },
      }),
    );
    const cli = async (name: string, ask?: (question: string) => Promise<string>) => {
      const questions: string[] = [];
      const { out, io } = captureIO({
        resolveModel: () => writer(name, 'code'),
        ...(ask
          ? {
              ask: async (question: string) => {
                questions.push(question);
                return ask(question);
              },
            }
          : {}),
      });
      const code = await runCli(
        ['agent', 'write it', '--model', 'mock:writer', '--config', config, '--quiet'],
        io,
      );
      return { code, questions, ...out };
    };
    const asked = await cli('cli-yes.txt', async () => 'y');
    expect(asked.code).toBe(0);
    expect(asked.questions).toHaveLength(1);
    expect(asked.questions[0]).toMatch(
      /^A script wants to call write_file on server fs\. Allow it\?[\s\S]* \[y\/N\] $/,
    );
    expect(existsSync(join(files, 'cli-yes.txt'))).toBe(true);
    const refused = await cli('cli-enter.txt', async () => '');
    expect(refused.stdout).toContain('APPROVAL_DENIED');
    expect(existsSync(join(files, 'cli-enter.txt'))).toBe(false);
    const headless = await cli('cli-headless.txt');
    expect(headless.stderr).toContain(
      "approval: fs.write_file needs a person's approval and there is no terminal to ask; denied.",
    );
    expect(headless.stdout).toContain('APPROVAL_DENIED');
    expect(existsSync(join(files, 'cli-headless.txt'))).toBe(false);
  });
});
