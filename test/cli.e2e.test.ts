import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, spawnCli } from './support/cli.js';

/** The CLI's data folder in these tests (workspaces, skills, the demo memory graph). */
const DATA = mkdtempSync(join(tmpdir(), 'toolscript-cli-data-'));

/** Runs the CLI in the checkout, as `npm run cli` does. */
function cli(args: string[], input?: string, cwd = ROOT) {
  return spawnCli(args, { dataDir: DATA, ...(input !== undefined ? { input } : {}), cwd });
}

describe('toolscript CLI', () => {
  it('exec --json prints exactly one ExecutionResult object', () => {
    const { code, stdout } = cli(['exec', '--json', 'examples/weather-by-year.ts']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0] as string);
    expect(Object.keys(result).sort()).toEqual(['calls', 'error', 'logs', 'ms', 'ok', 'result', 'tokens']);
    expect(result.ok).toBe(true);
    expect(result.error).toBeNull();
    expect(result.result['2012']).toEqual({ days: 366, rainDays: 177, maxTemp: 34.4 });
    expect(result.calls.map((c: { tool: string }) => c.tool)).toEqual([
      'list_allowed_directories',
      'read_text_file',
    ]);
    expect(result.calls[0]).toMatchObject({ server: 'filesystem', ok: true, ms: expect.any(Number) });
  });

  it('exec reads a script from stdin and exits 1 with the error code when it fails', () => {
    const ok = cli(['exec', '-'], 'console.log("hello"); export default [1, 2];');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('hello\n\nResult:\n[1,2]\n');
    // No tool call: nothing to compare, and no negative "saving".
    expect(ok.stderr).toContain('tokens: the script made no tool calls, so there is nothing to compare');
    expect(ok.stderr).not.toMatch(/-\d+(\.\d+)?% fewer/);
    const called = cli(
      ['exec', '-'],
      "import * as fs from './servers/filesystem'; export default (await fs.listAllowedDirectories()) !== null;",
    );
    expect(called.code, called.stderr).toBe(0);
    expect(called.stderr).toMatch(
      /tokens: code mode \d+, direct tool calling \d+ \(.*an estimate for non-OpenAI models\)/,
    );
    const failed = cli(['exec', '--json'], "import { nope } from './servers/filesystem'; await nope();");
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).error.code).toBe('UNKNOWN_TOOL');
    // A failed run prints no token comparison; --json of a call-less script reports no "saving".
    const failedText = cli(
      ['exec', '-'],
      "import * as fs from './servers/filesystem'; await fs.readTextFile({ path: '/nope' });",
    );
    expect(failedText.code).toBe(1);
    expect(failedText.stderr).not.toContain('tokens:');
    const callLess = cli(['exec', '--json', '-'], 'export default 1;');
    expect(JSON.parse(callLess.stdout).tokens.reduction).toBe(0);
  });

  it('runs every bundled example on the default config', () => {
    for (const example of ['examples/mail-senders.ts', 'examples/memory-graph.ts']) {
      const { code, stdout } = cli(['exec', example]);
      expect(code, stdout).toBe(0);
      expect(stdout).toContain('Result:');
    }
  });

  it('search ranks deprecated tools below the others and keeps the word in their summary', () => {
    const top = cli(['search', 'read a file', '--limit', '1', '--detail', 'name']);
    expect(top.stdout.trim()).not.toBe('filesystem.readFile');
    const all = cli(['search', 'read file', '--limit', '20']).stdout.trim().split('\n');
    const deprecated = all.findIndex((line) => line.startsWith('filesystem.readFile '));
    expect(all[deprecated]).toContain('[DEPRECATED: Use read_text_file instead.]');
    expect(deprecated).toBe(all.length - 1);
  });

  it('search finds tools and lists servers for an empty query', () => {
    const found = cli(['search', 'write a file', '--limit', '2', '--detail', 'name']);
    expect(found.code).toBe(0);
    expect(found.stdout.trim().split('\n')).toContain('filesystem.writeFile');
    const servers = cli(['search', '', '--json']);
    expect(JSON.parse(servers.stdout).map((s: { name: string }) => s.name)).toEqual(['filesystem', 'memory']);
  });

  it('gen writes the TypeScript tree', () => {
    const out = mkdtempSync(join(tmpdir(), 'toolscript-gen-cli-'));
    const { code, stdout } = cli(['gen', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toContain('for 2 servers');
    expect(existsSync(join(out, 'client.ts'))).toBe(true);
    expect(readFileSync(join(out, 'servers/filesystem/index.ts'), 'utf8')).toContain(
      "export { readTextFile } from './readTextFile.js';",
    );
    expect(readFileSync(join(out, 'servers/memory/createEntities.ts'), 'utf8')).toContain(
      '@tool memory/create_entities',
    );
    // server-filesystem's read_file says "DEPRECATED: Use read_text_file instead."
    expect(readFileSync(join(out, 'servers/filesystem/readFile.ts'), 'utf8')).toContain(
      ' * @deprecated Use read_text_file instead.',
    );
    expect(readFileSync(join(out, 'servers/filesystem/readTextFile.ts'), 'utf8')).not.toContain(
      '@deprecated',
    );
  });

  it('explains a broken config and starts nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-bad-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { fs: { cmd: 'x' } }, sandbox: { memoryMb: 'lots' } }));
    const { code, stderr } = cli(['exec', '--config', file, '-'], 'export default 1');
    expect(code).toBe(2);
    expect(stderr).toContain(`Invalid config in ${file}`);
    expect(stderr).toContain('mcpServers.fs');
    expect(stderr).toContain('sandbox.memoryMb');
    expect(stderr).toContain('mcpServers.fs.cmd: unknown key (did you mean "command"?)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('runs from any folder, uses ./.mcp.json there, says which config it uses, and leaves no files behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-cwd-'));
    const plain = cli(['exec', '-'], 'export default 6 * 7', dir);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('config: bundled default');
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(
      join(dir, '.mcp.json'),
      JSON.stringify({
        globalShortcut: 'Alt+Space',
        mcpServers: {
          mine: { type: 'stdio', command: 'node', args: ['${HOME}/nothing.js'], disabled: true },
        },
      }),
    );
    const withMcpJson = cli(['exec', '-'], 'export default 1', dir);
    expect(withMcpJson.code).toBe(0);
    expect(withMcpJson.stderr).toContain(`config: ${join(dir, '.mcp.json')}`);
    expect(withMcpJson.stderr).toContain('notice: ignoring keys toolscript does not use: globalShortcut');
    expect(withMcpJson.stderr).toContain('notice: skipping disabled servers: mine');
    expect(readdirSync(dir)).toEqual(['.mcp.json']);
  });

  it('exits 2 naming what to install when Python cannot run here, before starting any server', () => {
    const run = spawnCli(['exec', '--language', 'python', '-'], {
      dataDir: DATA,
      input: 'print(1)',
      env: { TOOLSCRIPT_DENO: join(DATA, 'no-deno-here') },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: Python scripts need Deno .*; Deno \(install it with .*\) was not found\.\n$/,
    );
  });

  it('refuses a reachable --host without a token before starting any server', () => {
    const exposed = cli(['serve', '--http', '--host', '0.0.0.0', '--port', '0']);
    expect(exposed.code).toBe(1);
    expect(exposed.stderr).toContain('error: Listening on 0.0.0.0 exposes the gateway beyond this machine');
    expect(exposed.stderr).not.toContain('Connecting to');
  });

  it('refuses a busy port before starting any server, naming --port', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const busy = cli(['serve', '--http', '--port', String(port)]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(`error: port ${port} on 127.0.0.1 is already in use`);
      // The port it suggests was free when it said so.
      const suggested = Number(/--port (\d+) \(free now\)/.exec(busy.stderr)?.[1]);
      expect(suggested).toBeGreaterThan(port);
      const probe = createServer();
      await new Promise<void>((done, fail) => {
        probe.once('error', fail);
        probe.listen(suggested, '127.0.0.1', done);
      });
      probe.close();
      expect(busy.stderr).not.toContain('Connecting to');
      expect(busy.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      blocker.close();
    }
  });
});

describe('exec with a server that does not start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolscript-cli-crash-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        crash: { command: process.execPath, args: [join(dir, 'missing-server.js')] },
        memory: {
          command: process.execPath,
          args: [join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')],
        },
      },
    }),
  );
  const exec = (script: string) => {
    const file = join(dir, `s${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(file, script);
    return spawnCli(['exec', '--config', config, file], { dataDir: join(dir, 'data') });
  };

  it('starts a server a script reaches only through ./client, on its first call', () => {
    const run = exec(
      `import { callTool } from './client'; export default Object.keys(await callTool('memory', 'read_graph', {}));`,
    );
    expect(run.stdout).toContain('"entities"');
    expect(run.code).toBe(0);
  });

  it('fails the import of a server that did not start with its reason, never an empty module', () => {
    const whole = exec(`import * as s from './servers/crash'; export default Object.keys(s).length;`);
    expect(whole.code).toBe(1);
    expect(whole.stdout).toMatch(/^Error \[UPSTREAM_UNAVAILABLE\]: Upstream server 'crash' is unavailable/);
    const client = exec(
      `import { callTool } from './client'; export default await callTool('crash', 'anything', {});`,
    );
    expect(client.stdout).toMatch(/^Error \[UPSTREAM_UNAVAILABLE\]: Upstream server 'crash' is unavailable/);
    expect(client.stdout).toContain('Cannot find module');
  });

  it("warns at start with the server's cause (search)", () => {
    const search = spawnCli(['search', '--config', config, 'graph'], { dataDir: join(dir, 'data') });
    expect(search.stderr).toMatch(
      /warning: Upstream server 'crash' is unavailable.*\n {2}its stderr:\n(?: {2}\| .*\n)*? {2}\| Error: Cannot find module/,
    );
  });
});
