import { RUNNER_ANSWERS, RUNNER_IO } from '../subprocess/protocol.js';

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
 * stdin, like the JavaScript runner (see ../deno/runner.ts and ../subprocess/protocol.ts): the same nonce-prefixed JSON lines
 * carry host calls, logs and the outcome. Each process runs one script and exits.
 */

/** Python run once per process before the script: the `toolscript` modules and the import guard. */
const PRELUDE = `
import sys, json as _json, os, builtins

class ToolError(Exception):
    """A tool call (or a host operation) failed: code (e.g. TOOL_ERROR, INVALID_ARGUMENTS), server and tool."""
    def __init__(self, message, code=None, server=None, tool=None, details=None):
        super().__init__(message)
        self.code = code
        self.server = server
        self.tool = tool
        self.details = details or {}

def _make_host(call):
    async def host(name, *args):
        answer = _json.loads(await call(name, _json.dumps(list(args))))
        if answer["ok"]:
            return answer.get("value")
        error = answer["error"]
        fields = error.get("fields") or {}
        raise ToolError(error["message"], fields.get("code"), fields.get("server"), fields.get("tool"), fields)
    return host

class _Operations:
    def __init__(self, host, kind, names):
        for python_name, op in names.items():
            async def run(*args, _op=op):
                return await host(kind, _op, *args)
            run.__name__ = python_name
            setattr(self, python_name, run)

def _install(call, modules, workspace_ops, state_ops):
    import types
    host = _make_host(call)
    ToolError.__module__ = "toolscript"
    package = types.ModuleType("toolscript")
    package.ToolError = ToolError
    package.__path__ = []
    runtime = types.ModuleType("toolscript.runtime")
    runtime.workspace = _Operations(host, "workspace", workspace_ops)
    runtime.state = _Operations(host, "state", state_ops)
    async def list_resources(server):
        return await host("listResources", server)
    async def read_resource(server, uri):
        return await host("readResource", server, uri)
    runtime.list_resources = list_resources
    runtime.read_resource = read_resource
    package.runtime = runtime
    package._call = lambda server, tool, args: host("callTool", server, tool, args)
    sys.modules["toolscript"] = package
    sys.modules["toolscript.runtime"] = runtime
    servers = types.ModuleType("servers")
    servers.__path__ = []
    sys.modules["servers"] = servers
    for name, source in modules.items():
        module = types.ModuleType("servers." + name)
        module.__file__ = "servers/" + name + ".py"
        exec(compile(source, module.__file__, "exec"), module.__dict__)
        sys.modules[module.__name__] = module
        setattr(servers, name, module)

BLOCKED = {"js", "pyodide_js", "pyodide.code", "pyodide.http", "micropip", "_toolscript_host", "subprocess",
           "ctypes", "_ctypes", "socket", "_socket", "ssl", "_ssl", "multiprocessing", "_posixsubprocess"}

def _blocked(name):
    return name in BLOCKED or name.split(".")[0] in ("js", "pyodide_js", "micropip")

class _Guard:
    """Refuses modules that reach JavaScript, the network or processes (the process has no permission anyway)."""
    def find_spec(self, name, path=None, target=None):
        if _blocked(name):
            raise ImportError("toolscript: module '" + name + "' is not available in the sandbox", name=name)
        return None

def _seal():
    for name in list(sys.modules):
        if _blocked(name):
            del sys.modules[name]
    sys.meta_path.insert(0, _Guard())
    os.environ.clear()
    def _no_processes(*args, **kwargs):
        raise OSError("toolscript: processes are not available in the sandbox")
    for name in dir(os):
        if name in ("system", "popen", "fork", "forkpty", "kill", "killpg") or name.startswith(("exec", "spawn", "posix_spawn")):
            setattr(os, name, _no_processes)
`;

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
${RUNNER_IO}
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
${RUNNER_ANSWERS}
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
