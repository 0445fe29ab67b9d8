import { join, relative, sep } from 'node:path';
import { type RuntimeOperation, STATE_OPERATIONS, WORKSPACE_OPERATIONS } from '../codegen/runtime-api.js';
import type { HostFunction, JsonValue } from '../sandbox/contract.js';
import { type Workspace, WorkspaceError } from './workspace.js';

/**
 * Host functions behind the `runtime` module: `workspace(op, …args)` and `state(op, key, value)`,
 * for one session's workspace. Unknown operations and wrong argument types are refused.
 */
export function workspaceHostFunctions(workspace: Workspace): Record<string, HostFunction> {
  const methods = workspace as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  /** Runs `op` of `table` (see runtime-api.ts) on `method(op)` after checking its arguments. */
  const dispatch =
    (table: readonly RuntimeOperation[], kind: string, method: (op: string) => string): HostFunction =>
    async (op, ...args) => {
      const spec = table.find((candidate) => candidate.name === op);
      if (!spec)
        throw new WorkspaceError(
          `Unknown ${kind} operation ${JSON.stringify(op)}; use ${table.map((o) => o.name).join(', ')} (see ./runtime)`,
        );
      const values = spec.params.map((param, i) => {
        const value = args[i] ?? param.fallback ?? null;
        if (param.type === 'string' && typeof value !== 'string')
          throw new WorkspaceError(`${kind}.${spec.name}: ${param.name} must be a string`);
        return value;
      });
      try {
        return ((await methods[method(spec.name)]?.(...values)) ?? undefined) as JsonValue | undefined;
      } catch (error) {
        throw storageError(error, workspace.root);
      }
    };
  return {
    workspace: dispatch(WORKSPACE_OPERATIONS, 'workspace', (op) => op),
    state: dispatch(STATE_OPERATIONS, 'state', (op) => (op === 'get' ? 'getState' : 'setState')),
  };
}

/** File-system codes that mean the data folder itself cannot be used, not that a script erred. */
const STORAGE_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC', 'EDQUOT']);

/**
 * A file-system failure as one line without host paths: about the script's own path when it
 * happened inside the session's files (e.g. a parent that is a file), else about the data folder,
 * saying what to do. Other errors pass through unchanged.
 */
function storageError(error: unknown, root: string): unknown {
  const failure = error as NodeJS.ErrnoException | null;
  const code = failure?.code;
  if (error instanceof WorkspaceError || code === undefined) return error;
  const files = join(root, 'files') + sep;
  if (typeof failure?.path === 'string' && failure.path.startsWith(files)) {
    const inside = relative(join(root, 'files'), failure.path).split(sep).join('/');
    return new WorkspaceError(
      `Workspace operation failed on "${inside}" (${code}): ${code === 'ENOTDIR' || code === 'EEXIST' ? 'a folder in that path is a file' : code === 'EISDIR' ? 'that path is a folder' : 'check the path'}.`,
      { path: inside },
    );
  }
  if (!STORAGE_CODES.has(code))
    return new WorkspaceError(
      `Workspace operation failed (${code}); try again, and if it persists check the data folder (TOOLSCRIPT_DATA_DIR or dataDir).`,
    );
  return new WorkspaceError(
    `The workspace cannot be written: toolscript's data folder is not usable (${code}). Set TOOLSCRIPT_DATA_DIR or "dataDir" in the config to a writable folder.`,
  );
}
