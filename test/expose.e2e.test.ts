/**
 * Plain tools beside code mode (config `expose`, and a client's own choice): real
 * server-filesystem over a folder with a mail in it, server-memory, and test/support/notes-server.mjs
 * (whose tools change), reached by the SDK's client over Streamable HTTP and in memory. A tool
 * called directly passes what a script's call passes: the deny list, approval, PII, the feed and
 * the metrics.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { Execution } from '../src/execution/parts.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { type HttpServer, serveHttp } from '../src/server/http.js';
import { createMcpServer } from '../src/server/mcp-server.js';
import { FILESYSTEM, MEMORY, stdioServer } from './support/servers.js';

const NOTES = fileURLToPath(new URL('./support/notes-server.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'toolscript-expose-'));
const files = join(dir, 'files');
const MAIL = 'From: Ana Lima <ana.lima@example.org>\nSubject: lunch\n\nSee you at noon.';
const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

let gateway: Gateway;
let http: HttpServer;
const executions: Execution[] = [];

beforeAll(async () => {
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, 'mail.txt'), MAIL);
  gateway = await createGateway(
    parseConfig({
      dataDir: join(dir, 'data'),
      pii: { enabled: true, detectors: { phone: false } },
      mcpServers: {
        files: {
          ...stdioServer(...FILESYSTEM, [files]),
          expose: 'both',
          denyTools: ['write_file'],
          requireApproval: ['get_file_info'],
        },
        memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
        notes: { command: process.execPath, args: [NOTES], expose: 'tools' },
      },
    }),
  );
  gateway.onExecution((execution) => executions.push(execution));
  http = await serveHttp(gateway, { port: 0 });
}, 60_000);

afterAll(async () => {
  await http?.close();
  await gateway?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A client over HTTP at `url`, answering approvals as `answer` says; `asked` collects the questions. */
async function httpClient(url: string, answer: 'accept' | 'decline' = 'accept') {
  const asked: string[] = [];
  const client = new Client({ name: 'direct', version: '1' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(request.params.message);
    return answer === 'accept' ? { action: 'accept', content: { approve: true } } : { action: 'decline' };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, asked };
}

describe('a client that asks for plain tools (?codemode=false)', () => {
  it('lists every server tool as <server>.<tool> with its schemas, and no code mode', async () => {
    const { client } = await httpClient(`${http.url}?codemode=false`);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).not.toContain('execute_code');
    expect(names).not.toContain('search_tools');
    expect(names).toContain('memory.read_graph');
    expect(names).toContain('notes.search_notes');
    // Denied tools are not listed.
    expect(names).not.toContain('files.write_file');
    const read = tools.find((t) => t.name === 'files.read_text_file');
    const upstream = gateway.catalog.getTool('files', 'read_text_file')?.tool;
    expect(read?.inputSchema).toEqual(upstream?.inputSchema);
    expect(read?.description).toBe(upstream?.description);
    expect(read?.annotations).toEqual(upstream?.annotations);
    await client.close();
  });

  it('calls a tool directly: personal data arrives tokenized, and the call is in the feed and the metrics', async () => {
    const { client } = await httpClient(`${http.url}?codemode=false`);
    const before = (await gateway.metrics.summary()).calls;
    executions.length = 0;
    const result = await client.callTool({
      name: 'files.read_text_file',
      arguments: { path: join(files, 'mail.txt') },
    });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toContain('[EMAIL_1]');
    expect(JSON.stringify(result)).not.toContain('ana.lima@example.org');
    expect(executions.map((e) => [e.ok, e.calls.map((c) => `${c.server}.${c.tool}`)])).toEqual([
      [true, ['files.read_text_file']],
    ]);
    expect(executions[0]?.output).not.toContain('ana.lima@example.org');
    expect((await gateway.metrics.summary()).calls).toBe(before + 1);
    await client.close();
  });

  it('does not call a denied tool, and asks the person before a tool in requireApproval', async () => {
    const { client, asked } = await httpClient(`${http.url}?codemode=false`, 'decline');
    const denied = await client
      .callTool({ name: 'files.write_file', arguments: { path: join(files, 'x.txt'), content: 'x' } })
      .then(
        (r) => (r.isError ? text(r) : 'ran'),
        (error: Error) => error.message,
      );
    expect(denied).toMatch(/not found|unknown tool/i);
    const declined = await client.callTool({
      name: 'files.get_file_info',
      arguments: { path: join(files, 'mail.txt') },
    });
    expect(asked).toHaveLength(1);
    expect(declined.isError).toBe(true);
    expect(text(declined)).toMatch(/declined files\.get_file_info/);
    await client.close();
    const { client: approving, asked: again } = await httpClient(`${http.url}?codemode=false`);
    const approved = await approving.callTool({
      name: 'files.get_file_info',
      arguments: { path: join(files, 'mail.txt') },
    });
    expect(again).toHaveLength(1);
    expect(approved.isError).toBeFalsy();
    await approving.close();
  });
  it('gives a 2026-07-28 client its tools directly too, each request choosing for itself', async () => {
    const client = new Client(
      { name: 'modern', version: '1' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}?codemode=false`)));
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('files.read_text_file');
    expect(names).not.toContain('execute_code');
    const result = await client.callTool({
      name: 'files.read_text_file',
      arguments: { path: join(files, 'mail.txt') },
    });
    expect(text(result)).toContain('[EMAIL_1]');
    expect(JSON.stringify(result)).not.toContain('ana.lima@example.org');
    await client.close();
  });
});

describe('expose per server', () => {
  it('lists "both" and "tools" servers directly beside code mode, and keeps scripts off a "tools" server', async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(gateway).connect(serverSide);
    const client = new Client({ name: 'both', version: '1' });
    await client.connect(clientSide);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['search_tools', 'execute_code', 'files.read_text_file', 'notes.search_notes']),
    );
    expect(names.filter((n) => n.startsWith('memory.'))).toEqual([]);
    executions.length = 0;
    const script = await client.callTool({
      name: 'execute_code',
      arguments: {
        code: `import { readTextFile } from './servers/files';
import { callTool } from './client';
const mail = await readTextFile({ path: ${JSON.stringify(join(files, 'mail.txt'))} });
let notes = '';
try { await callTool('notes', 'search_notes', { path: 'ideas.md', word: 'roof' }); } catch (error) { notes = error.message; }
return { mail: JSON.stringify(mail).slice(0, 200), notes };`,
      },
    });
    const answer = (script._meta as { toolscript: { result: { mail: string; notes: string } } }).toolscript
      .result;
    expect(answer.mail).toContain('[EMAIL_1]');
    expect(answer.notes).toMatch(/exposed as tools only/);
    const direct = await client.callTool({
      name: 'files.read_text_file',
      arguments: { path: join(files, 'mail.txt') },
    });
    expect(text(direct)).toContain('[EMAIL_1]');
    // The script and the direct call, both in the feed.
    expect(executions.map((e) => e.calls.map((c) => `${c.server}.${c.tool}:${c.ok}`))).toEqual([
      ['files.read_text_file:true', 'notes.(unknown):false'],
      ['files.read_text_file:true'],
    ]);
    await client.close();
  });

  it("passes an upstream's list_changed on to a client that calls its tools directly", async () => {
    const { client } = await httpClient(`${http.url}?codemode=false`);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed++;
    });
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('notes.read_file');
    await client.callTool({ name: 'notes.upgrade', arguments: {} });
    await expect.poll(() => changed, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect
      .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['notes.read_text_file']));
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('notes.read_file');
    await client.close();
  });
});
