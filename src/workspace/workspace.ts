import { cp, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { ToolscriptError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';

/** A workspace operation refused: a path outside the workspace, the quota, a missing file. */
export class WorkspaceError extends ToolscriptError {
  static override readonly kind: string = 'WorkspaceError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('WORKSPACE_ERROR', message, details);
    this.name = 'WorkspaceError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * One session's files and state under `<dataDir>/workspaces/<session>/`:
 * - `files/`: what scripts read and write through `workspace.*` (relative paths only);
 * - `state.json`: the `state.get/set` key-value store;
 * - `checkpoints/<name>/`: snapshots of both.
 *
 * Every write is atomic (see {@link writeFileAtomic}). Operations of one workspace run one at a
 * time, in call order, so concurrent executions in a session never lose each other's writes: each
 * `state.set` changes one key of the latest state, and the last write of a key wins.
 */
export class Workspace {
  /**
   * @param root the session folder.
   * @param quotaBytes most bytes the session folder may hold: files, state and checkpoints.
   *   @default 100 MiB
   * @param lane the queue shared by every view of this workspace (see {@link forExecution}).
   * @param isOpen false once the execution this view belongs to has ended.
   */
  constructor(
    readonly root: string,
    readonly quotaBytes = 100 * 1024 * 1024,
    private readonly lane: { tail: Promise<unknown>; revision: number } = {
      tail: Promise.resolve(),
      revision: 0,
    },
    private readonly isOpen: () => boolean = () => true,
  ) {}

  /**
   * This workspace as one execution sees it: same files, same queue, but operations still waiting
   * when `isOpen()` turns false (the script ended, timed out or was stopped) are not done.
   */
  forExecution(isOpen: () => boolean): Workspace {
    return new Workspace(this.root, this.quotaBytes, this.lane, isOpen);
  }

  private get files(): string {
    return join(this.root, 'files');
  }

  /** Changes made so far by any view of this workspace (writes, removals, state, checkpoints). */
  get revision(): number {
    return this.lane.revision;
  }

  /**
   * Runs `operation` on the session folder with no workspace operation running meanwhile (e.g. to
   * copy it to a session store, or fill it from one), whether or not an execution is open.
   */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.lane.tail.then(operation);
    this.lane.tail = run.catch(() => {});
    return run;
  }

  /** {@link serial} for an operation that changes the folder (counted in {@link revision}). */
  private mutate<T>(operation: () => Promise<T>): Promise<T> {
    return this.serial(operation, true);
  }

  /** Runs `operation` after every earlier one of this workspace has finished; `mutates` counts it as a change. */
  private serial<T>(operation: () => Promise<T>, mutates = false): Promise<T> {
    const run = this.lane.tail.then(async () => {
      if (!this.isOpen())
        throw new WorkspaceError('The execution ended before this workspace operation ran; it was not done.');
      if (mutates) this.lane.revision++;
      await mkdir(this.files, { recursive: true });
      const now = new Date();
      await utimes(this.root, now, now).catch(() => {});
      return operation();
    });
    this.lane.tail = run.catch(() => {});
    return run;
  }

  /**
   * The absolute path of a workspace-relative path.
   * @throws {WorkspaceError} for absolute paths, `..`, or anything resolving outside the workspace.
   */
  resolve(path: string): string {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) {
      throw new WorkspaceError(
        `Invalid workspace path ${JSON.stringify(path)}: give a relative path such as "notes/a.txt".`,
      );
    }
    if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.split(/[\\/]/).includes('..')) {
      throw new WorkspaceError(
        `Workspace paths must be relative and stay inside the workspace: ${JSON.stringify(path)}.`,
        { path },
      );
    }
    const full = join(this.files, normalize(path));
    const inside = relative(this.files, full);
    if (inside.startsWith('..') || isAbsolute(inside))
      throw new WorkspaceError(`Path escapes the workspace: ${JSON.stringify(path)}.`);
    return full;
  }

  /**
   * A file's text (UTF-8).
   * @param path workspace-relative, `/`-separated.
   * @throws {WorkspaceError} for a path outside the workspace, or when there is no such file.
   */
  readText(path: string): Promise<string> {
    return this.serial(async () => {
      try {
        return await readFile(this.resolve(path), 'utf8');
      } catch (error) {
        if (WorkspaceError.isInstance(error)) throw error;
        throw new WorkspaceError(
          `No workspace file ${JSON.stringify(path)}. List files with workspace.list().`,
          { path },
        );
      }
    });
  }

  /**
   * Writes a file atomically (a temporary file renamed into place), creating its folders.
   * @throws {WorkspaceError} for a path outside the workspace or naming a folder, when the write
   *   would take the session over `workspace.quotaMb`, or when storage fails (the message says
   *   what to do).
   */
  writeText(path: string, text: string): Promise<void> {
    return this.mutate(async () => {
      const full = this.resolve(path);
      if (
        full === this.files ||
        (await stat(full).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        throw new WorkspaceError(
          `${JSON.stringify(path)} is a folder: give a file path such as "notes/a.txt".`,
          { path },
        );
      const size = Buffer.byteLength(String(text));
      const previous = await stat(full).then(
        (s) => s.size,
        () => 0,
      );
      const used = await this.usage();
      if (used - previous + size > this.quotaBytes) {
        throw new WorkspaceError(
          `Workspace quota exceeded: writing ${size} bytes to ${JSON.stringify(path)} would use ${used - previous + size} of ${this.quotaBytes} bytes. Remove files with workspace.remove().`,
          { path, used, quotaBytes: this.quotaBytes },
        );
      }
      await mkdir(join(full, '..'), { recursive: true });
      await writeFileAtomic(full, String(text));
    });
  }

  /**
   * A file parsed as JSON.
   * @throws {WorkspaceError} as {@link readText}, or when the file is not JSON.
   */
  async readJson(path: string): Promise<Json> {
    const text = await this.readText(path);
    try {
      return JSON.parse(text) as Json;
    } catch (error) {
      throw new WorkspaceError(
        `Workspace file ${JSON.stringify(path)} is not JSON: ${(error as Error).message}`,
        { path },
      );
    }
  }

  /**
   * Writes a JSON value (indented by 2) as a file.
   * @throws {WorkspaceError} as {@link writeText}.
   */
  writeJson(path: string, value: Json): Promise<void> {
    return this.writeText(path, JSON.stringify(value, null, 2));
  }

  /**
   * Files under a folder (default the root), as workspace-relative paths, sorted.
   * @throws {WorkspaceError} for a folder outside the workspace.
   */
  list(folder = '.'): Promise<string[]> {
    return this.serial(async () => {
      const base = folder === '.' ? this.files : this.resolve(folder);
      const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
        .map((e) => relative(this.files, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort();
    });
  }

  /**
   * Removes a file or folder; true when something was removed.
   * @throws {WorkspaceError} for a path outside the workspace.
   */
  remove(path: string): Promise<boolean> {
    return this.mutate(async () => {
      const full = this.resolve(path);
      const existed = await stat(full).then(
        () => true,
        () => false,
      );
      await rm(full, { recursive: true, force: true });
      return existed;
    });
  }

  /** The state value of `key`, or `null`. */
  getState(key: string): Promise<Json> {
    return this.serial(async () => (await this.readState())[key] ?? null);
  }

  /**
   * Sets one state key (JSON value) in the latest state; `undefined`/`null` deletes it.
   * @throws {WorkspaceError} when the state would take the session over its quota.
   */
  setState(key: string, value: Json | undefined): Promise<void> {
    return this.mutate(async () => {
      const state = await this.readState();
      if (value === undefined || value === null) delete state[key];
      else state[key] = value;
      const text = JSON.stringify(state);
      const used = await this.usage();
      if (used + Buffer.byteLength(text) > this.quotaBytes) {
        throw new WorkspaceError(`Workspace quota exceeded by state key ${JSON.stringify(key)}.`, {
          key,
          quotaBytes: this.quotaBytes,
        });
      }
      await writeFileAtomic(join(this.root, 'state.json'), text);
    });
  }

  /**
   * Snapshots files and state as checkpoint `name` (letters, digits, `-`, `_`), replacing an older one.
   * @throws {WorkspaceError} for a bad name, or when the copy would take the session over its quota.
   */
  checkpoint(name: string): Promise<void> {
    return this.mutate(async () => {
      const target = this.checkpointPath(name);
      // A checkpoint copies files and state: it must fit in the quota like any write.
      const copied = (await folderSize(this.files)) + (await fileSize(join(this.root, 'state.json')));
      const replaced = await folderSize(target);
      const used = await this.usage();
      if (used - replaced + copied > this.quotaBytes) {
        throw new WorkspaceError(
          `Workspace quota exceeded: checkpoint ${JSON.stringify(name)} would use ${used - replaced + copied} of ${this.quotaBytes} bytes. Remove files or older checkpoints first.`,
          { name, used, quotaBytes: this.quotaBytes },
        );
      }
      await rm(target, { recursive: true, force: true });
      await mkdir(target, { recursive: true });
      await cp(this.files, join(target, 'files'), { recursive: true });
      await writeFile(join(target, 'state.json'), JSON.stringify(await this.readState()));
    });
  }

  /**
   * Puts files and state back as they were at checkpoint `name`.
   * @throws {WorkspaceError} when there is no such checkpoint.
   */
  restore(name: string): Promise<void> {
    return this.mutate(async () => {
      const source = this.checkpointPath(name);
      const exists = await stat(source).then(
        () => true,
        () => false,
      );
      if (!exists) throw new WorkspaceError(`No checkpoint ${JSON.stringify(name)}.`, { name });
      await rm(this.files, { recursive: true, force: true });
      await cp(join(source, 'files'), this.files, { recursive: true });
      await writeFileAtomic(
        join(this.root, 'state.json'),
        await readFile(join(source, 'state.json'), 'utf8'),
      );
    });
  }

  private checkpointPath(name: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new WorkspaceError(
        `Invalid checkpoint name ${JSON.stringify(name)}: use letters, digits, "-" and "_".`,
      );
    }
    return join(this.root, 'checkpoints', name);
  }

  private async readState(): Promise<Record<string, Json>> {
    try {
      return JSON.parse(await readFile(join(this.root, 'state.json'), 'utf8')) as Record<string, Json>;
    } catch {
      return {};
    }
  }

  /** Bytes used under the session folder: files, state, checkpoints and any temporary file. */
  private usage(): Promise<number> {
    return folderSize(this.root);
  }
}

/** Bytes of a file, 0 when it does not exist. */
function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** Bytes of every file under a folder, 0 when it does not exist. */
async function folderSize(folder: string): Promise<number> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries)
    if (entry.isFile()) total += await fileSize(join(entry.parentPath, entry.name));
  return total;
}

/**
 * Removes session folders under `<dataDir>/workspaces/` not used for longer than `ttlMs`.
 * @returns the names of the removed sessions.
 */
export async function removeIdleWorkspaces(
  dataDir: string,
  ttlMs: number,
  now = Date.now(),
): Promise<string[]> {
  const base = join(dataDir, 'workspaces');
  const removed: string[] = [];
  for (const entry of await readdir(base, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const folder = join(base, entry.name);
    const { mtimeMs } = await stat(folder);
    if (now - mtimeMs > ttlMs) {
      await rm(folder, { recursive: true, force: true });
      removed.push(entry.name);
    }
  }
  return removed;
}
