import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonName, renderPythonModule } from '../src/codegen/python.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { GatewaySession } from '../src/session/gateway-session.js';
import { loadLiveMcpBenchCatalog } from './support/livemcpbench.js';
import { MAIL_TOP_SENDERS_PY, topSenderDomains } from './support/mail.js';
import { PYTHON_AVAILABLE } from './support/sandboxes.js';
import { EASY_HAM, FILESYSTEM, MEMORY, stdioServer } from './support/servers.js';

describe.runIf(PYTHON_AVAILABLE)('Python scripts on real servers', () => {
  let gateway: Gateway;
  let dir: string;
  const py = (code: string, options: Parameters<Gateway['execute']>[1] = {}) =>
    gateway.execute(code, { ...options, language: 'python' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-python-'));
    gateway = await createGateway(
      parseConfig({
        dataDir: join(dir, 'data'),
        pii: { enabled: true },
        mcpServers: {
          mail: stdioServer(...FILESYSTEM, [EASY_HAM]),
          memory: {
            ...stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
            requireApproval: ['delete_entities'],
          },
        },
        sandbox: { timeoutMs: 20_000, pythonPool: 1 },
      }),
    );
    // The first Python script boots the pool (and, once per Pyodide version, its snapshot).
    expect((await py('1 + 1')).result).toBe(2);
  }, 180_000);

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says where in the script an error happened, and the nearest tool for a name a server lacks', async () => {
    const keyError = await py(`def f(d):
    x = 1
    return d["missing"]

y = 2
f({})`);
    expect(keyError.error).toEqual({
      code: 'RUNTIME_ERROR',
      message: "KeyError: 'missing' (script.py line 3, in f; called from line 6)",
    });
    const typo = await py('from servers.memory import read_grap');
    expect(typo.error?.message).toMatch(
      /^ImportError: cannot import name 'read_grap' from 'servers\.memory' .*\(script\.py line 1\)\. Did you mean read_graph\?$/,
    );
  });

  it('aggregates 400 mails in Python and returns only the answer', async () => {
    const top = topSenderDomains();
    const run = await py(MAIL_TOP_SENDERS_PY);
    expect(run.error).toBeNull();
    expect(run.result).toEqual(top);
    expect(run.logs).toEqual(['messages read: 400']);
    expect(run.calls).toHaveLength(9);
    expect(run.tokens?.direct).toBeGreaterThan(run.tokens?.codeMode ?? Infinity);
  });

  it('raises a catchable ToolError with code, server and tool; an uncaught one fails with its code', async () => {
    const caught = await py(`
from servers.mail import read_text_file
from toolscript import ToolError
try:
    await read_text_file(path="/etc/passwd")
    answer = "no error"
except ToolError as e:
    answer = [e.code, e.server, e.tool]
answer
`);
    expect(caught.result).toEqual(['TOOL_ERROR', 'mail', 'read_text_file']);
    const uncaught = await py(
      `from servers.mail import read_text_file\nawait read_text_file(path="/etc/passwd")`,
    );
    expect(uncaught.error?.code).toBe('TOOL_ERROR');
  });

  it('refuses invalid arguments before forwarding them', async () => {
    const run = await py(
      `from servers.memory import create_entities\nawait create_entities(entities="not a list")`,
    );
    expect(run.error?.code).toBe('INVALID_ARGUMENTS');
    expect(run.calls[0]).toMatchObject({ ok: false, error: 'INVALID_ARGUMENTS', server: 'memory' });
    const missing = await py(`from servers.mail import read_text_file\nawait read_text_file()`);
    expect(missing.error?.code).toBe('INVALID_ARGUMENTS');
  });

  it('asks for approval of a listed tool, and a decline stops the call before it runs', async () => {
    const asked: string[] = [];
    const script = `from servers.memory import delete_entities\nawait delete_entities(entityNames=["x"])\n"deleted"`;
    const declined = await py(script, {
      approve: async (request) => {
        asked.push(`${request.server}.${request.tool}`);
        return 'decline';
      },
    });
    expect(asked).toEqual(['memory.delete_entities']);
    expect(declined.error?.code).toBe('APPROVAL_DENIED');
    const approved = await py(script, { approve: async () => 'accept' });
    expect(approved.result).toBe('deleted');
    expect(approved.calls).toMatchObject([{ tool: 'delete_entities', ok: true }]);
  });

  it('keeps the session workspace and state, as TypeScript does', async () => {
    const session = 'python-workspace';
    await py(
      `from toolscript.runtime import workspace, state\nawait workspace.write_text("notes/a.txt", "hello")\nawait state.set("n", 41)`,
      { session },
    );
    const run = await py(
      `from toolscript.runtime import workspace, state\n[await workspace.read_text("notes/a.txt"), (await state.get("n")) + 1]`,
      { session },
    );
    expect(run.result).toEqual(['hello', 42]);
    const ts = await gateway.execute(
      `import { workspace } from './runtime'; export default await workspace.readText('notes/a.txt');`,
      { session },
    );
    expect(ts.result).toBe('hello');
  });

  it('tokenizes PII in a Python result and logs', async () => {
    const run = await py(`print("mail ana.lima@example.com")\n{"card": "4111 1111 1111 1111"}`);
    expect(run.logs).toEqual(['mail [EMAIL_1]']);
    expect(run.result).toEqual({ card: '[CARD_1]' });
  });

  it('names the servers for an unknown server module, and what exists for any other missing module', async () => {
    const server = await py('from servers.nope import x');
    expect(server.error?.code).toBe('UNKNOWN_TOOL');
    expect(server.error?.message).toContain(
      'No server module "servers.nope". Servers: servers.mail, servers.memory.',
    );
    const pkg = await py('import numpy');
    expect(pkg.error?.code).toBe('MODULE_NOT_FOUND');
    expect(pkg.error?.message).toContain("No module named 'numpy'");
    expect(pkg.error?.message).toContain('no package can be installed');
  });

  it('answers a SyntaxError, a NameError and a non-JSON result clearly', async () => {
    expect((await py('x = ')).error?.code).toBe('SYNTAX_ERROR');
    const name = await py('undefined_name + 1');
    expect(name.error).toMatchObject({ code: 'RUNTIME_ERROR' });
    expect(name.error?.message).toContain("name 'undefined_name' is not defined");
    expect((await py('{1, 2}')).result).toBe('{1, 2}');
  });

  it('generates Python bindings that compile for all 527 LiveMCPBench tools, and search shows them', async () => {
    const catalog = loadLiveMcpBenchCatalog();
    const sources = Object.fromEntries(
      catalog
        .listServers()
        .map((server) => [pythonName(server.name), renderPythonModule(server.name, server.tools)]),
    );
    // Descriptions that could end a docstring early, or escape its end, come back exactly.
    const tricky = ['He said "hi"', 'three """ quotes', 'a backslash \\', 'both \\"', '"quoted"'];
    const module = renderPythonModule(
      'tricky',
      tricky.map((description, i) => ({
        name: `t${i}`,
        description,
        inputSchema: { type: 'object' as const },
      })),
    );
    const docs = await py(
      `scope = {}\nexec(compile(${JSON.stringify(module)}, "tricky.py", "exec"), scope)\n[scope["t" + str(i)].__doc__ for i in range(${tricky.length})]`,
    );
    expect(docs.error).toBeNull();
    expect(docs.result).toEqual(tricky);
    const run = await py(`
import json, typing
sources = json.loads(${JSON.stringify(JSON.stringify(sources))})
failed = []
defined = 0
for name, source in sources.items():
    try:
        scope = {}
        exec(compile(source, name + ".py", "exec"), scope)
        defined += sum(1 for v in scope.values() if callable(v) and getattr(v, "__module__", None) is None and v.__code__.co_flags & 0x80)
    except Exception as e:
        failed.append([name, type(e).__name__, str(e)[:200]])
{"failed": failed, "async_functions": defined}
`);
    expect(run.error).toBeNull();
    expect(run.result).toEqual({ failed: [], async_functions: catalog.allTools().length });
    const answer = await new GatewaySession(gateway).call('search_tools', {
      query: 'read a text file',
      detail: 'full',
      limit: 1,
      language: 'python',
    });
    expect(answer.text).toMatch(/^from servers\.mail import read_text_file\n/);
    // server-filesystem declares an outputSchema: the result is typed by it.
    expect(answer.text).toContain(
      'async def read_text_file(**kwargs: Unpack[ReadTextFileInput]) -> ReadTextFileOutput:',
    );
    expect(answer.text).toMatch(/class ReadTextFileOutput\(TypedDict\):\n {4}content: str/);
  });

  it('keeps printed lines in order, an unfinished last line, and stderr marked as errors', async () => {
    const run = await py(
      'import sys\nprint("é" * 3)\nsys.stderr.write("careful\\n")\nprint("two\\nlines")\nprint("tail", end="")\n1',
    );
    expect(run.logs).toEqual(['ééé', '[error] careful', 'two', 'lines', 'tail']);
  });

  it('gives scripts an empty standard input: input() raises EOFError, reads return nothing', async () => {
    const asked = await py('input("name? ")');
    expect(asked.error?.message).toContain('EOFError: EOF when reading a line');
    const read = await py('import os, sys\n[sys.stdin.read(), os.read(0, 100).decode()]');
    expect(read.result).toEqual(['', '']);
  });

  it('stops at the time limit and the memory limit, and the next execution works', async () => {
    const slow = await py('print("started")\nwhile True:\n    pass', { timeoutMs: 1_000 });
    expect(slow.error?.code).toBe('TIMEOUT');
    // A line printed before the script hung is still in its logs.
    expect(slow.logs).toEqual(['started']);
    const big = await py('blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))', {
      memoryMb: 128,
    });
    expect(big.error?.code).toBe('MEMORY_LIMIT');
    const huge = await py('"x" * 200000');
    expect(huge.output.length).toBeLessThan(100_000);
    expect(huge.truncated).toBeDefined();
    expect((await py('6 * 7')).result).toBe(42);
  });

  it('says why when an interpreter cannot start (a memoryMb too small to boot), and the next run works', async () => {
    // 4 MiB fails at once, in every run. Near 16 MiB V8 may collect garbage for half a minute
    // before it gives up, and under load that reached the boot timeout instead.
    const run = await gateway.execute('1 + 1', { language: 'python', memoryMb: 4 });
    expect(run.error?.code).toBe('RUNTIME_ERROR');
    expect(run.error?.message).toMatch(
      /^The Python interpreter could not start \(the Python interpreter exited while booting: .*out of memory.*\)\. With a low sandbox\.memoryMb, raise it/,
    );
    expect(run.error?.message).not.toContain('\n');
    expect((await py('6 * 7')).result).toBe(42);
  });
});
