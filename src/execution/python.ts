import { serverFolder } from '../codegen/names.js';
import { pythonName, renderPythonModule } from '../codegen/python.js';
import { STATE_OPERATIONS, WORKSPACE_OPERATIONS } from '../codegen/runtime-api.js';
import type { ExecutionResult } from '../execution/result.js';
import type { PiiVault } from '../pii/vault.js';
import type { SandboxError } from '../sandbox/contract.js';
import { nearest } from '../util/nearest.js';
import { describeError, formatLog } from './describe.js';
import { type ExecuteOptions, openHost, type PipelineParts, type PythonRunner } from './parts.js';

export type { PythonRunner } from './parts.js';

/** Server modules a Python script imports: `from servers.x import …`, `import servers.x`, `from servers import x`. */
export function pythonServerImports(code: string): Set<string> {
  const found = new Set<string>();
  for (const match of code.matchAll(/^\s*from\s+servers\.([A-Za-z_]\w*)\s+import\b/gm))
    found.add(match[1] as string);
  for (const match of code.matchAll(/^\s*import\s+servers\.([A-Za-z_]\w*)/gm)) found.add(match[1] as string);
  for (const match of code.matchAll(/^\s*from\s+servers\s+import\s+([\w\s,()]+)/gm))
    for (const name of (match[1] as string).replace(/[()]/g, '').split(','))
      if (name.trim()) found.add(name.trim().split(/\s+/)[0] as string);
  return found;
}

/** `snake_case` names of the runtime's operations, as Python scripts call them. */
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const operations = (table: readonly { name: string }[]) =>
  Object.fromEntries(table.map((op) => [snake(op.name), op.name]));

/**
 * One Python script: the servers it imports are started and given to it as Python modules, it
 * runs in a pooled Pyodide interpreter with the same host functions (bridge, workspace, state) as
 * a TypeScript script, and its outcome comes back in the pipeline's shape.
 * @returns the raw outcome and the calls' payloads, for the pipeline's `finish`.
 */
export async function runPythonScript(
  parts: PipelineParts,
  code: string,
  context: Pick<ExecuteOptions, 'signal' | 'approve' | 'elicit' | 'onCall' | 'trace'> & {
    vault: PiiVault | undefined;
    session: string;
    limits: { timeoutMs: number; memoryMb: number };
  },
): Promise<{
  raw: Pick<ExecutionResult, 'ok' | 'result' | 'logs' | 'error' | 'calls'> & { json?: string | undefined };
  payloads: ReturnType<typeof openHost>['payloads'];
  /** The interpreter's heap when the script finished, where the sandbox can tell. */
  memoryBytes?: number | undefined;
}> {
  let python: PythonRunner | undefined;
  let why = 'this gateway runs no Python';
  try {
    python = await parts.python?.();
  } catch (error) {
    why = (error as Error).message;
  }
  if (!python)
    return {
      raw: {
        ok: false,
        result: null,
        logs: [],
        calls: [],
        error: { code: 'RUNTIME_ERROR', message: `Python scripts cannot run: ${why}` },
      },
      payloads: [],
    };
  const wanted = pythonServerImports(code);
  const byModule = new Map(parts.catalog.listServers().map((s) => [pythonName(s.name), s.name]));
  const names = [...wanted].map((module) => byModule.get(module) ?? module);
  await parts.connectFor({
    folders: new Map(names.map((name) => [serverFolder(name), new Set<string>()])),
    skills: false,
  });
  const modules: Record<string, string> = {};
  for (const server of parts.catalog.listServers())
    if (wanted.has(pythonName(server.name)))
      modules[pythonName(server.name)] = renderPythonModule(server.name, server.tools, server.description);
  const host = openHost(parts, {
    session: context.session,
    vault: context.vault,
    signal: context.signal,
    approve: context.approve,
    elicit: context.elicit,
    onCall: context.onCall,
    trace: context.trace,
  });
  const run = await python.run(
    { code, modules, workspaceOps: operations(WORKSPACE_OPERATIONS), stateOps: operations(STATE_OPERATIONS) },
    {
      modules: {},
      hostFunctions: host.hostFunctions,
      limits: context.limits,
      signal: context.signal,
      clock: host.clock,
      owner: context.session,
    },
  );
  host.close();
  return {
    raw: {
      ok: run.ok,
      result: run.ok ? (run.result ?? null) : null,
      json: run.ok ? run.json : undefined,
      logs: run.logs.map(formatLog),
      calls: host.calls,
      error: run.error ? describePythonError(run.error, parts.catalog.listServers()) : null,
    },
    payloads: host.payloads,
    memoryBytes: run.memoryBytes,
  };
}

/**
 * A Python failure as the model should read it: a missing module says what can be imported (the
 * servers by their Python names, or the standard library and `toolscript`); a name a server module
 * does not have gets the nearest tool names; anything else as `describeError` words it, with where
 * in the script it happened (see {@link pythonLocation}).
 */
function describePythonError(
  error: SandboxError,
  catalog: { name: string; tools: { name: string }[] }[],
): ExecutionResult['error'] {
  const servers = catalog.map((s) => s.name);
  if (error.code !== 'MODULE_NOT_FOUND') {
    const described = describeError(error, { servers: () => servers, skills: () => [] });
    const missing = /^cannot import name '([^']+)' from 'servers\.([^']+)'/.exec(error.message);
    const server = missing && catalog.find((s) => pythonName(s.name) === missing[2]);
    const near =
      missing && server
        ? nearest(
            missing[1] ?? '',
            server.tools.map((t) => pythonName(t.name)),
          )
        : [];
    const hint = near[0] ? `. Did you mean ${near[0]}?` : '';
    return { ...described, message: `${described.message}${pythonLocation(error.stack)}${hint}` };
  }
  const module = String(error.details?.module ?? '');
  if (module.startsWith('servers.') || module === 'servers')
    return {
      code: 'UNKNOWN_TOOL',
      message: `No server module "${module}". Servers: ${servers.map((s) => `servers.${pythonName(s)}`).join(', ') || 'none'}. Import as \`from servers.<server> import <tool>\` and find tools with search_tools (language "python").`,
    };
  return {
    code: 'MODULE_NOT_FOUND',
    message: `${error.message}. Python scripts have the standard library, servers.<server>, toolscript and toolscript.runtime; no package can be installed.`,
  };
}

/**
 * Where in the script a Python error happened, from its traceback's frames in `script.py` (the
 * runner's own frames are left out): ` (script.py line 3, in f; called from line 6)`, or "" when
 * the traceback has none.
 */
export function pythonLocation(stack: string | undefined): string {
  const frames = [...(stack ?? '').matchAll(/File "script\.py", line (\d+), in (\S+)/g)].map(
    ([, line, fn]) => ({
      line,
      fn,
    }),
  );
  const inner = frames.at(-1);
  if (!inner) return '';
  const callers = frames
    .slice(0, -1)
    .reverse()
    .map((frame) => frame.line);
  return ` (script.py line ${inner.line}${inner.fn === '<module>' ? '' : `, in ${inner.fn}`}${callers.length ? `; called from line ${callers.join(', then ')}` : ''})`;
}
