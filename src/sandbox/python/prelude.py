# Guest code: runs inside the Python sandbox (Pyodide), once per process before the script.
# It installs the `toolscript` package (ToolError, the runtime: workspace, state, resources),
# the `servers` package with the script's binding modules, the import guard (`_seal`), and
# `_run_script`, which runs the script.
# src/sandbox/python/runner.ts reads this file and hands it to the interpreter.
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

# The script's run: its value (the last expression) as JSON, or its error with the fields the host
# reads (code, server, tool; SYNTAX_ERROR, MODULE_NOT_FOUND). The runner calls it once, after _seal.
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
