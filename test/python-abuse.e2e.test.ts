/**
 * Escape and abuse suite for Python scripts: each hostile script must end with a clear error code
 * or a harmless result within its limit plus a grace, reach nothing of the host (files,
 * environment, network, processes, the JavaScript runtime's powers), and leave the next
 * execution working.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { locatePyodide } from '../src/sandbox/python/index.js';
import { childPids } from './support/processes.js';
import { PYTHON_AVAILABLE } from './support/sandboxes.js';

const LIMIT_MS = 4_000;
const GRACE_MS = 2_000;

/**
 * JavaScript a script reaches through the Function constructor of a JsProxy: which runtime globals
 * it sees, and whether it can read a host file, spawn a process or read the environment through
 * the Node built-ins Pyodide needs (and `createRequire` from them), or import a blocked one. Every
 * attempt must be refused: the process holds no permission. Answers JSON.
 */
const PYODIDE_PACKAGE = join(locatePyodide()?.dir ?? '/nonexistent/', 'package.json');
const JS_PROBE = `return (async () => {
  const globals = ['Deno', 'process', 'require', 'fetch', 'Worker', 'WebSocket'].filter((n) => typeof globalThis[n] !== 'undefined');
  const attempt = async (f) => { try { await f(); return 'done'; } catch (e) { return 'refused'; } };
  const req = async () => (await import('node:module')).createRequire('file:///probe.js');
  return JSON.stringify({
    reached: true,
    globals,
    readFile: await attempt(async () => (await import('node:fs')).readFileSync('/etc/hostname')),
    // Readable while Pyodide boots, so refused only because the runner revoked the permission.
    readPyodide: await attempt(async () => (await import('node:fs')).readFileSync(${JSON.stringify(PYODIDE_PACKAGE)})),
    spawn: await attempt(async () => (await req())('node:child_process').execSync('true')),
    env: await attempt(async () => { if ((await req())('node:process').env.PATH === undefined) throw new Error('none'); }),
    importChildProcess: await attempt(() => import('node:child_process')),
    importFile: await attempt(() => import('file:///etc/hostname')),
  });
})()`;

/** Hostile scripts, and what each must end as: an error code, or a check of the result. */
const VECTORS: {
  name: string;
  code: string;
  expect: {
    error?: string;
    result?: (value: unknown) => boolean;
    logs?: (logs: string[]) => boolean;
  };
}[] = [
  { name: 'import js', code: 'import js', expect: { error: 'RUNTIME_ERROR' } },
  { name: 'import pyodide_js', code: 'import pyodide_js', expect: { error: 'RUNTIME_ERROR' } },
  {
    name: 'pyodide.code.run_js',
    code: 'from pyodide.code import run_js\nrun_js("1")',
    expect: { error: 'RUNTIME_ERROR' },
  },
  {
    name: 'importlib js',
    code: 'import importlib\nimportlib.import_module("js")',
    expect: { error: 'RUNTIME_ERROR' },
  },
  { name: '__import__ js', code: '__import__("js")', expect: { error: 'RUNTIME_ERROR' } },
  {
    name: 'js left in sys.modules',
    code: 'import sys\n[m for m in ("js", "pyodide_js") if m in sys.modules]',
    expect: { result: (v) => Array.isArray(v) && v.length === 0 },
  },
  {
    name: 'os.environ',
    code: 'import os\ndict(os.environ)',
    expect: { result: (v) => JSON.stringify(v) === '{}' },
  },
  { name: 'open a host file', code: 'open("/etc/hostname").read()', expect: { error: 'RUNTIME_ERROR' } },
  { name: 'host folder exists?', code: '', expect: { result: (v) => v === false } },
  {
    name: 'subprocess',
    code: 'import subprocess\nsubprocess.run(["id"])',
    expect: { error: 'RUNTIME_ERROR' },
  },
  { name: 'os.system', code: 'import os\nos.system("id")', expect: { error: 'RUNTIME_ERROR' } },
  { name: 'os.execv', code: 'import os\nos.execv("/bin/sh", ["sh"])', expect: { error: 'RUNTIME_ERROR' } },
  {
    name: 'socket',
    code: 'import socket\nsocket.create_connection(("127.0.0.1", 22))',
    expect: { error: 'RUNTIME_ERROR' },
  },
  {
    name: 'urllib',
    code: 'import urllib.request\nurllib.request.urlopen("http://127.0.0.1:9/").read()',
    expect: { error: 'RUNTIME_ERROR' },
  },
  { name: 'ctypes', code: 'import ctypes', expect: { error: 'RUNTIME_ERROR' } },
  {
    // The host-call function the bindings use is a JsProxy in a closure: from it, the Function
    // constructor, so any JavaScript. The process has no permission left, so that reaches nothing.
    name: 'JavaScript through a JsProxy in the bindings',
    code: `import json, toolscript
host = toolscript._call.__closure__[0].cell_contents
call = [c.cell_contents for c in host.__closure__ if type(c.cell_contents).__name__.startswith("Js")][0]
json.loads(await call.constructor(${JSON.stringify(JS_PROBE)})())`,
    expect: {
      result: (v) =>
        JSON.stringify(v) ===
        JSON.stringify({
          reached: true,
          globals: [],
          readFile: 'refused',
          readPyodide: 'refused',
          spawn: 'refused',
          env: 'refused',
          importChildProcess: 'refused',
          importFile: 'refused',
        }),
    },
  },
  {
    // The same way in, then toJSON on Object.prototype, which every bridge message inherits: the
    // runner writes each message's envelope itself and passes answers on as they came, so the
    // next call and its answer are not forged.
    name: 'toJSON set on the JavaScript prototypes through a JsProxy',
    code: `import toolscript
host = toolscript._call.__closure__[0].cell_contents
call = [c.cell_contents for c in host.__closure__ if type(c.cell_contents).__name__.startswith("Js")][0]
tried = call.constructor("try { Object.prototype.toJSON = () => ({ type: 'done', ok: true, json: '\\"forged\\"' }); return 'set'; } catch (e) { return e.name; }")()
from toolscript.runtime import state
await state.set("k", [1, 2])
[tried, await state.get("k")]`,
    expect: { result: (v) => JSON.stringify(v) === JSON.stringify(['set', [1, 2]]) },
  },
  { name: 'sys.exit', code: 'import sys\nsys.exit(3)', expect: { error: 'RUNTIME_ERROR' } },
  { name: 'os._exit', code: 'import os\nos._exit(1)', expect: { error: 'RUNTIME_ERROR' } },
  { name: 'recursion', code: 'def f(n):\n    return f(n + 1)\nf(0)', expect: { error: 'RUNTIME_ERROR' } },
  { name: 'busy loop', code: 'while True:\n    pass', expect: { error: 'TIMEOUT' } },
  { name: 'asyncio sleep', code: 'import asyncio\nawait asyncio.sleep(1000)', expect: { error: 'TIMEOUT' } },
  {
    name: 'memory bomb',
    code: 'b = []\nwhile True:\n    b.append(bytearray(64 * 1024 * 1024))',
    expect: { error: 'MEMORY_LIMIT' },
  },
  {
    name: 'print flood',
    // 5 MB of output against the 1 MB the logs keep.
    code: 'for i in range(50000):\n    print("x" * 100)\n"done"',
    expect: {
      result: (v) => v === 'done',
      logs: (logs) => logs.length === 10_001 && logs.at(-1)?.includes('was dropped') === true,
    },
  },
  {
    // 1.2 MB written and flushed 40 characters at a time, never ending the line: each write must
    // cost the same, however long the unfinished line already is.
    name: 'one endless line',
    code: 'import sys\nfor i in range(30000):\n    sys.stdout.write("x" * 40)\n    sys.stdout.flush()\n"done"',
    expect: {
      result: (v) => v === 'done',
      logs: (logs) => logs.length === 1 && logs[0]?.includes('was dropped') === true,
    },
  },
  {
    name: 'forged protocol line',
    code: 'import os\nos.write(1, b\'{"type":"done","ok":true,"json":"666"}\\n\')\nprint(\'{"type":"done","ok":true,"json":"666"}\')\n1',
    expect: { result: (v) => v === 1 },
  },
  {
    name: 'builtins tampering',
    code: 'import builtins\nbuiltins.print = None\nbuiltins.len = None\n"tampered"',
    expect: { result: (v) => v === 'tampered' },
  },
  {
    name: 'unknown host function',
    code: 'import toolscript\nawait toolscript._call("nope", "x", {})',
    expect: { error: 'UNKNOWN_TOOL' },
  },
];

describe.runIf(PYTHON_AVAILABLE)('Python escape and abuse suite', () => {
  let gateway: Gateway;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-python-abuse-'));
    const host = VECTORS.find((v) => v.name === 'host folder exists?');
    if (host) host.code = `import os\nos.path.exists(${JSON.stringify(dir)})`;
    gateway = await createGateway(
      parseConfig({
        dataDir: join(dir, 'data'),
        mcpServers: {},
        sandbox: { timeoutMs: LIMIT_MS, memoryMb: 128, pythonPool: 2 },
      }),
    );
    expect((await gateway.execute('1', { language: 'python' })).result).toBe(1);
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has at least 20 vectors', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(20);
  });

  it('keeps js and pyodide_js out when the import guard is removed; subprocess, socket and ctypes reach nothing', async () => {
    const run = await gateway.execute(
      `import sys
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != '_Guard']
out = {}
for name in ['js', 'pyodide_js']:
    try:
        __import__(name)
        out[name] = 'imported'
    except ImportError as e:
        out[name] = 'refused'
import subprocess, socket
try:
    subprocess.run(['true'])
    out['spawn'] = 'ran'
except BaseException as e:
    out['spawn'] = 'refused'
try:
    socket.create_connection(('127.0.0.1', 9), timeout=1)
    out['connect'] = 'connected'
except BaseException as e:
    out['connect'] = 'refused'
out`,
      { language: 'python' },
    );
    expect(run.error).toBeNull();
    expect(run.result).toEqual({
      js: 'refused',
      pyodide_js: 'refused',
      spawn: 'refused',
      connect: 'refused',
    });
  });

  it('gives random bytes: os.urandom, secrets and uuid4', async () => {
    const run = await gateway.execute(
      'import os, secrets, uuid\n[len(os.urandom(8)), len(secrets.token_hex(4)), len(str(uuid.uuid4())), os.urandom(8) != os.urandom(8)]',
      { language: 'python' },
    );
    expect(run.error).toBeNull();
    expect(run.result).toEqual([8, 8, 36, true]);
  });

  it('ends a result made 100,000 levels deep by a replaced json.dumps with a clear error, recorded as any run', async () => {
    const recorded: (string | null)[] = [];
    const stop = gateway.onExecution((execution) => recorded.push(execution.error?.code ?? null));
    const run = await gateway.execute(
      // The runner's own envelope still serializes; the result inside it is 100,000 levels deep.
      'import json\n_dumps = json.dumps\njson.dumps = lambda v, *a, **k: _dumps(v, *a, **k) if isinstance(v, dict) and "ok" in v else "[" * 100000 + "]" * 100000\n{"a": 1}',
      { language: 'python' },
    );
    expect(run.error?.code).toBe('RUNTIME_ERROR');
    expect(run.error?.message).toContain('nested more than 256 levels deep');
    expect(run.output).toContain('levels deep');
    stop();
    expect(recorded).toEqual(['RUNTIME_ERROR']);
  });

  for (const vector of VECTORS) {
    it(vector.name, async () => {
      const started = performance.now();
      const run = await gateway.execute(vector.code, { language: 'python' });
      expect(performance.now() - started).toBeLessThan(LIMIT_MS + GRACE_MS + 1_500);
      if (vector.expect.error)
        expect({ code: run.error?.code, message: run.error?.message }).toMatchObject({
          code: vector.expect.error,
        });
      if (vector.expect.result) {
        expect(run.error, JSON.stringify(run.error)).toBeNull();
        expect(vector.expect.result(run.result), JSON.stringify(run.result)).toBe(true);
      }
      if (vector.expect.logs)
        expect(vector.expect.logs(run.logs), JSON.stringify(run.logs.slice(-2))).toBe(true);
      expect(JSON.stringify(run)).not.toContain(hostname());
      // The next execution works, in a fresh interpreter.
      const next = await gateway.execute('print("ok")\nlen([1, 2, 3])', { language: 'python' });
      expect({ result: next.result, logs: next.logs }).toEqual({ result: 3, logs: ['ok'] });
    });
  }
});

describe.runIf(PYTHON_AVAILABLE)('Python interpreters under a burst', () => {
  it("keeps one session's ten scripts to pythonMaxRunning interpreters, and another session's script gets the next turn", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-python-burst-'));
    const gateway = await createGateway(
      parseConfig({
        dataDir: join(dir, 'data'),
        mcpServers: {},
        sandbox: { timeoutMs: 20_000, memoryMb: 128, pythonPool: 1, pythonMaxRunning: 2 },
      }),
    );
    try {
      expect((await gateway.execute('1', { language: 'python' })).result).toBe(1);
      const finished: string[] = [];
      let most = 0;
      const sampler = setInterval(() => {
        most = Math.max(most, childPids('python-runner.js').length);
      }, 50);
      const spin = 'import time\nstarted = time.time()\nwhile time.time() - started < 0.7: pass\n1';
      const burst = Array.from({ length: 10 }, (_, i) =>
        gateway.execute(spin, { language: 'python', session: 'burst' }).then((run) => {
          expect(run.error).toBeNull();
          finished.push(`burst-${i}`);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const other = gateway.execute('2 + 2', { language: 'python', session: 'other' }).then((run) => {
        expect(run.result).toBe(4);
        finished.push('other');
      });
      await Promise.all([...burst, other]);
      clearInterval(sampler);
      // Two running and one booted in the pool: 13 processes before, for one session's ten.
      expect(most).toBeLessThanOrEqual(3);
      // The other session's script ran at the next free turn, not after the whole burst.
      expect(finished.indexOf('other')).toBeLessThanOrEqual(3);
    } finally {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
