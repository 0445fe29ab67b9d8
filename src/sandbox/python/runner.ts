import { readFileSync } from 'node:fs';
import { guestSource } from '../guest/source.js';

/**
 * Sources of the Python sandbox's Deno programs (written to files at start).
 *
 * `SNAPSHOT_SOURCE` boots Pyodide once, imports what every script needs, and writes Pyodide's
 * memory snapshot to the file named by its first argument; it runs with read access to the
 * Pyodide package and write access to that file only.
 *
 * `RUNNER_SOURCE` boots Pyodide from that snapshot (read access to the package and the snapshot
 * only), then revokes its read permission, so from then on the process has no permission at all:
 * no file, network, environment or subprocess, whatever Python (or JavaScript reached from it)
 * tries. It removes `Deno` and the other runtime globals, then waits for one `run` message on
 * stdin, like the JavaScript runner (see ../guest/deno-runner.ts and ../guest/protocol-io.ts): the same nonce-prefixed JSON lines
 * carry host calls, logs and the outcome. Each process runs one script and exits.
 */

/**
 * Python run once per process before the script: the `toolscript` modules and the import guard
 * (./prelude.py, a real Python file; the build copies it beside this module in dist/).
 */
const PRELUDE = readFileSync(new URL('./prelude.py', import.meta.url), 'utf8');

/** Pyodide's own modules every run uses, imported before the snapshot so a run need not. */
const SNAPSHOT_IMPORTS = 'import json, asyncio, types, traceback, os, sys';

/** The snapshot program (arguments: Pyodide's folder, the snapshot file to write); see the module doc. */
export const SNAPSHOT_SOURCE = `
const [indexURL, out] = Deno.args;
const { loadPyodide } = await import(new URL('pyodide.mjs', 'file://' + indexURL).href);
const py = await loadPyodide({ indexURL, _makeSnapshot: true, env: {} });
py.runPython(${JSON.stringify(SNAPSHOT_IMPORTS)});
Deno.writeFileSync(out, py.makeMemorySnapshot());
`;

/** The runner program (arguments: Pyodide's folder, the snapshot file); see the module doc. */
export const RUNNER_SOURCE = `
const [indexURL, snapshotFile] = Deno.args;
const { loadPyodide } = await import(new URL('pyodide.mjs', 'file://' + indexURL).href);
${guestSource('protocol-io')}
const py = await loadPyodide({ indexURL, _loadSnapshot: Deno.readFileSync(snapshotFile), env: {} });
const memoryUsage = Deno.memoryUsage;
// Pyodide finds its source of random bytes on first use, through require('node:crypto'): use it
// once now, while require is there, so os.urandom, secrets and uuid4 work once it is gone.
py.runPython('import os; os.urandom(1)');
// From here on the process holds no permission at all.
await Deno.permissions.revoke({ name: 'read' });
for (const name of ['Deno', 'process', 'Buffer', 'global', 'require', 'module', 'fetch', 'WebSocket',
  'WebSocketStream', 'EventSource', 'Worker', 'BroadcastChannel', 'XMLHttpRequest', 'navigator', 'caches',
  'localStorage', 'sessionStorage', 'open', 'alert', 'prompt', 'confirm', 'close']) {
  try { delete globalThis[name]; } catch {}
}
// Ready: the host may hand this process a script.
send({ type: 'ready' });
const first = parse(await nextLine());
nonce = first.nonce;
// The host's answer line as it came ({ id, ok, value } or { id, ok: false, error }): what Python
// reads is never re-written here, where a script may have patched toJSON.
const answer = (resolve, m, text) => resolve(text);
${guestSource('protocol-answers')}
listenForAnswers();
const allowed = new Set(first.hostFunctions);
// Host calls from Python: (name, JSON of the arguments) -> JSON of { ok, value } or { ok: false, error }.
const refuse = (message) => '{"ok":false,"error":{"name":"Error","message":' + stringify(String(message)) + ',"fields":{}}}';
const call = (name, argsJson) => {
  if (finished || !allowed.has(name)) return Promise.resolve(refuse('no host function ' + name));
  let valid = false;
  try { valid = typeof argsJson === 'string' && isArray(parse(argsJson)); } catch {}
  if (!valid) return Promise.resolve(refuse('the arguments of ' + name + ' are not a JSON list'));
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    send({ type: 'call', id, name, args: rawJson(argsJson) });
  });
};
let logChars = 0;
let dropped = false;
const log = (level, text) => {
  if (logChars + text.length > first.maxLogChars) {
    dropped = true;
    send({ type: 'log', level: 'warn', message: '[toolscript: console output past ' + first.maxLogChars + ' characters was dropped]' });
    return;
  }
  logChars += text.length;
  send({ type: 'log', level, message: text });
};
// Python's stdout and stderr as raw bytes, split into lines here. Python writes each line as it is
// printed, so it leaves even if the script then hangs; an unfinished last line is sent when the
// run ends. Past the output limit a write returns at once, so a print flood costs only
// Python's own work (Pyodide's batched handler would still decode and split every line).
const stream = (level) => {
  const decoder = new TextDecoder();
  let partial = '';
  return {
    write: (bytes) => {
      if (dropped) return bytes.length;
      const text = decoder.decode(bytes, { stream: true });
      // Text without a newline only grows the unfinished line (no re-split of what came before);
      // a line longer than the output left is dropped as soon as it is.
      if (!text.includes('\\n')) {
        partial += text;
        if (logChars + partial.length > first.maxLogChars) log(level, partial);
        return bytes.length;
      }
      const lines = (partial + text).split('\\n');
      partial = lines.pop();
      for (const line of lines) if (!dropped) log(level, line);
      return bytes.length;
    },
    end: () => {
      const rest = partial + decoder.decode();
      if (rest && !dropped) log(level, rest);
    },
  };
};
const streams = [stream('log'), stream('error')];
py.setStdout(streams[0]);
py.setStderr(streams[1]);
// Scripts have no standard input: reading it meets end of file (input() raises EOFError), as
// under "python script.py < /dev/null". This process's own stdin carries the host's answers.
py.setStdin({ stdin: () => undefined });
let outcome;
try {
  py.runPython(${JSON.stringify(PRELUDE)});
  py.globals.get('_install')(call, py.toPy(first.modules), py.toPy(first.workspaceOps), py.toPy(first.stateOps));
  const runner = py.runPython(\`
import traceback as _tb, json as _json
from pyodide.code import eval_code_async
async def _run_script(code):
    scope = {"__name__": "__main__"}
    try:
        value = await eval_code_async(code, scope, filename="script.py", return_mode="last_expr")
    except BaseException as e:
        code_ = getattr(e, "code", None) if type(e).__name__ == "ToolError" else None
        fields = {"code": code_, "server": getattr(e, "server", None), "tool": getattr(e, "tool", None)} if code_ else {}
        if isinstance(e, SyntaxError):
            fields = {"code": "SYNTAX_ERROR"}
        if isinstance(e, ModuleNotFoundError):
            fields = {"code": "MODULE_NOT_FOUND", "module": e.name}
        lines = _tb.format_exception(e)
        stack = "".join(l for l in lines if 'File "script.py"' in l or not l.startswith("  File"))
        return _json.dumps({"ok": False, "error": {"name": type(e).__name__, "message": str(e) or type(e).__name__, "stack": stack[-2000:], "fields": fields}})
    try:
        return _json.dumps({"ok": True, "json": _json.dumps(value, default=lambda o: repr(o))})
    except (TypeError, ValueError) as e:
        return _json.dumps({"ok": False, "error": {"name": "TypeError", "message": "The result is not JSON: " + str(e), "fields": {}}})
_run_script\`);
  py.runPython('_seal()');
  // Not registered at all any more: a script that removes the import guard from sys.meta_path
  // still cannot import them.
  py.unregisterJsModule('js');
  py.unregisterJsModule('pyodide_js');
  const answer = parse(await runner(first.code));
  outcome = answer.ok ? { type: 'done', ok: true, json: answer.json } : { type: 'done', ok: false, error: answer.error };
} catch (e) {
  outcome = { type: 'done', ok: false, error: { name: 'Error', message: String(e && e.message || e), fields: {} } };
}
finished = true;
try { py.runPython('import sys; sys.stdout.flush(); sys.stderr.flush()'); } catch {}
for (const s of streams) s.end();
// The interpreter's heap: JavaScript's, and the WebAssembly memory Python lives in.
try { const used = memoryUsage(); outcome.memoryBytes = used.heapUsed + used.external; } catch {}
send(outcome);
exit(0);
`;
