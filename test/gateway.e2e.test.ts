import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { MAIL_TOP_SENDERS_TS, topSenderDomains } from './support/mail.js';
import { childPids } from './support/processes.js';
import { EASY_HAM, EVERYTHING, FILESYSTEM, MEMORY, stdioServer } from './support/servers.js';

describe('gateway on real servers and real data', () => {
  let gateway: Gateway;
  let memoryDir: string;

  beforeAll(async () => {
    memoryDir = await mkdtemp(join(tmpdir(), 'toolscript-memory-'));
    gateway = await createGateway(
      parseConfig({
        mcpServers: {
          mail: stdioServer(...FILESYSTEM, [EASY_HAM]),
          memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(memoryDir, 'memory.jsonl') }),
          everything: stdioServer(...EVERYTHING, ['stdio']),
        },
        sandbox: { timeoutMs: 20_000 },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(memoryDir, { recursive: true, force: true });
  });

  it('tells onExecution listeners of each execution; one that throws changes nothing for the run or the others', async () => {
    const heard: unknown[] = [];
    const stopThrowing = gateway.onExecution(() => {
      throw new Error('a broken listener');
    });
    const stop = gateway.onExecution((run) => heard.push(run.result));
    const run = await gateway.execute('export default 6 * 7');
    stopThrowing();
    stop();
    expect(run.result).toBe(42);
    expect(heard).toEqual([42]);
    await gateway.execute('export default 1');
    expect(heard).toEqual([42]);
  });

  it('connects every server and lists their tools', () => {
    const servers = gateway.listServers();
    expect(servers.map((s) => [s.name, s.ok])).toEqual([
      ['everything', true],
      ['mail', true],
      ['memory', true],
    ]);
    expect(servers.find((s) => s.name === 'mail')?.tools).toBeGreaterThanOrEqual(10);
    expect(servers.every((s) => s.protocolVersion === '2025-11-25')).toBe(true);
  });

  it('reads 400 mails in the sandbox and returns only a small aggregate', async () => {
    const top = topSenderDomains();

    const execution = await gateway.execute(MAIL_TOP_SENDERS_TS);
    expect(execution.error).toBeNull();
    expect(execution.result).toEqual(top);
    expect(execution.logs).toEqual(['messages read: 400']);
    expect(execution.calls).toHaveLength(9);
    expect(execution.calls.every((c) => c.ok && c.server === 'mail')).toBe(true);
    const bytesRead = execution.calls.reduce((sum, c) => sum + c.resultBytes, 0);
    expect(bytesRead).toBeGreaterThan(500_000);
    expect(execution.output.length).toBeLessThan(1_000);

    // Direct tool calling would have put all 400 mails into the context.
    const { tokens } = execution;
    expect(tokens.definitions).toBe(await gateway.definitionTokens());
    const callTokens = execution.calls.reduce(
      (sum, c) => sum + (c.argsTokens ?? 0) + (c.resultTokens ?? 0),
      0,
    );
    expect(tokens.direct).toBe(tokens.definitions + callTokens);
    expect(tokens.direct).toBeGreaterThan(100_000);
    expect(tokens.reduction).toBeGreaterThan(0.98);
    expect(tokens.estimated).toBe(true); // 1.6 MB of mail is counted from samples
  });

  it('round-trips a knowledge graph through server-memory', async () => {
    const execution = await gateway.execute(`
      import { createEntities, createRelations, openNodes } from './servers/memory';
      await createEntities({ entities: [
        { name: 'Ada', entityType: 'person', observations: ['wrote the first program'] },
        { name: 'Analytical Engine', entityType: 'machine', observations: [] },
      ] });
      await createRelations({ relations: [{ from: 'Ada', to: 'Analytical Engine', relationType: 'programmed' }] });
      const graph = await openNodes({ names: ['Ada', 'Analytical Engine'] });
      return { entities: graph.entities.map((e) => e.name).sort(), relations: graph.relations };
    `);
    expect(execution.error).toBeNull();
    expect(execution.result).toEqual({
      entities: ['Ada', 'Analytical Engine'],
      relations: [{ from: 'Ada', to: 'Analytical Engine', relationType: 'programmed' }],
    });
    const stored = readFileSync(join(memoryDir, 'memory.jsonl'), 'utf8');
    expect(stored).toContain('wrote the first program');
  });

  it('returns structuredContent of a tool with an outputSchema', async () => {
    const execution = await gateway.execute(`
      import { getStructuredContent } from './servers/everything';
      export default await getStructuredContent({ location: 'Chicago' });
    `);
    expect(execution.error).toBeNull();
    expect(execution.result).toMatchObject({
      temperature: expect.any(Number),
      conditions: expect.any(String),
    });
  });

  it('lets a script catch a tool error, and fails the execution when it does not', async () => {
    const caught = await gateway.execute(`
      import * as mail from './servers/mail';
      try {
        await mail.readTextFile({ path: '/etc/passwd' });
        return 'read';
      } catch (error) {
        return { name: error.name, code: error.code, server: error.server, tool: error.tool, denied: /denied|outside/i.test(error.message) };
      }
    `);
    expect(caught.error).toBeNull();
    expect(caught.result).toEqual({
      name: 'ToolError',
      code: 'TOOL_ERROR',
      server: 'mail',
      tool: 'read_text_file',
      denied: true,
    });
    expect(caught.calls).toEqual([
      expect.objectContaining({ server: 'mail', tool: 'read_text_file', ok: false, error: 'TOOL_ERROR' }),
    ]);

    const uncaught = await gateway.execute(`
      import * as mail from './servers/mail';
      await mail.readTextFile({ path: '/etc/passwd' });
    `);
    expect(uncaught.ok).toBe(false);
    expect(uncaught.error?.code).toBe('TOOL_ERROR');
    expect(uncaught.error?.message).toMatch(/mail\.read_text_file failed: .*(denied|outside)/i);
    expect(uncaught.output).toMatch(/^Error \[TOOL_ERROR\]/);
  });

  it('rejects invalid arguments before they reach the server, naming path and type', async () => {
    const execution = await gateway.execute(`
      import { getSum } from './servers/everything';
      await getSum({ a: 1, b: 'two' });
    `);
    expect(execution.error?.code).toBe('INVALID_ARGUMENTS');
    expect(execution.error?.message).toContain('input.b must be number');
    expect(execution.calls[0]).toMatchObject({
      tool: 'get-sum',
      ok: false,
      error: 'INVALID_ARGUMENTS',
      resultBytes: 0,
    });

    const missing = await gateway.execute(
      `import { getSum } from './servers/everything'; await getSum({ a: 1 });`,
    );
    expect(missing.error?.message).toContain('input.b is required');
  });

  it('reports an unknown tool or server by name', async () => {
    const tool = await gateway.execute(`import { fly } from './servers/everything'; await fly();`);
    expect(tool.error?.code).toBe('UNKNOWN_TOOL');
    expect(tool.error?.message).toContain("'everything.fly'");
    expect(tool.error?.message).toMatch(/Did you mean [a-zA-Z]+/);
    const typo = await gateway.execute(
      `import * as e from './servers/everything'; await e.getSun({ a: 1, b: 2 });`,
    );
    expect(typo.error?.code).toBe('UNKNOWN_TOOL');
    expect(typo.error?.message).toContain('Did you mean getSum');
    const server = await gateway.execute(`import * as x from './servers/nowhere'; await x.go();`);
    expect(server.error?.code).toBe('UNKNOWN_TOOL');
    expect(server.error?.message).toContain('./servers/nowhere');
    expect(server.error?.message).toContain('everything, mail, memory');
  });

  it('restarts a server that died, on the next call', async () => {
    const [pid] = childPids('server-everything');
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const execution = await gateway.execute(
      `import { getSum } from './servers/everything'; export default await getSum({ a: 2, b: 3 });`,
    );
    expect(execution.error).toBeNull();
    expect(JSON.stringify(execution.result)).toContain('5');
    const [after] = childPids('server-everything');
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(pid);
  });
});

describe('gateway with a failing server', () => {
  it('reports the failing server by name with its stderr, and the others keep working', async () => {
    const gateway = await createGateway(
      parseConfig({
        mcpServers: {
          broken: {
            command: process.execPath,
            args: ['-e', 'console.error("fatal: missing API key FOO"); process.exit(3)'],
          },
          memory: stdioServer(...MEMORY, [], {
            MEMORY_FILE_PATH: join(tmpdir(), `toolscript-${process.pid}.jsonl`),
          }),
        },
      }),
    );
    try {
      const broken = gateway.listServers().find((s) => s.name === 'broken');
      expect(broken?.ok).toBe(false);
      expect(broken?.error).toContain("'broken'");
      expect(broken?.error).toContain('fatal: missing API key FOO');
      const execution = await gateway.execute(
        `import { readGraph } from './servers/memory'; const g = await readGraph(); export default Array.isArray(g.entities);`,
      );
      expect(execution.result).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('leaves no child process behind after close', async () => {
    const before = childPids('server-memory').length;
    const gateway = await createGateway(
      parseConfig({
        mcpServers: {
          memory: stdioServer(...MEMORY, [], {
            MEMORY_FILE_PATH: join(tmpdir(), `toolscript-close-${process.pid}.jsonl`),
          }),
        },
      }),
    );
    expect(childPids('server-memory').length).toBe(before + 1);
    await gateway.close();
    expect(childPids('server-memory').length).toBe(before);
  });
});
