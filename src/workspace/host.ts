import { join, relative, sep } from 'node:path';
import type { HostFunction, JsonValue } from '../sandbox.js';
import { type Workspace, WorkspaceError } from './workspace.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Host functions behind the `runtime` module: `workspace(op, …args)` and `state(op, key, value)`,
 * for one session's workspace. Unknown operations and wrong argument types are refused.
 */
export function workspaceHostFunctions(workspace: Workspace): Record<string, HostFunction> {
  const text = (value: JsonValue | undefined, what: string): string => {
    if (typeof value !== 'string') throw new WorkspaceError(`${what} must be a string`);
    return value;
  };
  return {
    workspace: async (op, ...args) => {
      try {
        return (await run(op, args)) ?? undefined;
      } catch (error) {
        throw storageError(error, workspace.root);
      }
    },
    state: async (op, key, value) => {
      try {
        if (op === 'get') return await workspace.getState(text(key, 'key'));
        if (op === 'set') {
          await workspace.setState(text(key, 'key'), (value ?? null) as Json);
          return undefined;
        }
      } catch (error) {
        throw storageError(error, workspace.root);
      }
      throw new WorkspaceError(`Unknown state operation ${JSON.stringify(op)}`);
    },
  };

  async function run(op: JsonValue | undefined, args: JsonValue[]): Promise<JsonValue | undefined> {
    switch (op) {
      case 'readText':
        return workspace.readText(text(args[0], 'path'));
      case 'writeText':
        return void (await workspace.writeText(text(args[0], 'path'), text(args[1], 'text')));
      case 'readJson':
        return workspace.readJson(text(args[0], 'path'));
      case 'writeJson':
        return void (await workspace.writeJson(text(args[0], 'path'), (args[1] ?? null) as Json));
      case 'list':
        return workspace.list(text(args[0] ?? '.', 'folder'));
      case 'remove':
        return workspace.remove(text(args[0], 'path'));
      case 'checkpoint':
        return void (await workspace.checkpoint(text(args[0], 'name')));
      case 'restore':
        return void (await workspace.restore(text(args[0], 'name')));
      default:
        throw new WorkspaceError(`Unknown workspace operation ${JSON.stringify(op)}`);
    }
  }
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
