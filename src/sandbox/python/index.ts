import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import envPaths from 'env-paths';
import { ConfigError } from '../../errors.js';
import type { PythonScript, Sandbox, SandboxRunOptions, SandboxRunResult } from '../contract.js';
import { cancelledError } from '../errors.js';
import { makeSandboxFolder, writeBlockedImportMap } from '../subprocess/folders.js';
import { DENO_INSTALL_HINT, locateDeno } from '../subprocess/locate.js';
import {
  createCgroup,
  DENO_RUN_FLAGS,
  detectMemoryEnforcement,
  type MemoryEnforcement,
  removeCgroup,
  spawnCapped,
} from '../subprocess/memory.js';
import { SubprocessRun } from '../subprocess/run.js';
import { RUNNER_SOURCE, SNAPSHOT_SOURCE } from './runner.js';
import { FairTurns } from './turns.js';

/** Memory Pyodide needs besides the script's own, added to the cgroup limit, in MiB. */
const RUNTIME_OVERHEAD_MB = 256;
/** Longest wait for a pool process to boot from the snapshot, in ms. */
const BOOT_TIMEOUT_MS = 30_000;
/** Longest wait for the one-time snapshot, in ms. */
const SNAPSHOT_TIMEOUT_MS = 120_000;

/** Options of {@link PythonSandbox.create}. */
export interface PythonSandboxOptions {
  /** Interpreters kept booted and waiting, each used for one script. @default 2 */
  poolSize?: number;
  /**
   * Scripts run at once; more wait their turn, taken fairly across owners (sessions). Each
   * running script is a Deno process with Pyodide (100–250 MB). @default the number of cores
   */
  maxRunning?: number;
  /** Memory cap the pool's interpreters are started with (a run asking for another gets a fresh one), in MiB. */
  memoryMb: number;
  /** Where the Pyodide snapshot is kept. @default the user's cache folder (env-paths), `pyodide/<version>/` */
  cacheDir?: string;
  /** Where warnings go. @default process.stderr */
  warn?: (message: string) => void;
  /** Environment in which Deno is looked for. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Where Pyodide is installed, and its version; `undefined` when the optional package is absent. */
export function locatePyodide(): { dir: string; version: string } | undefined {
  try {
    const require = createRequire(import.meta.url);
    const manifest = require.resolve('pyodide/package.json');
    return { dir: `${dirname(manifest)}/`, version: (require(manifest) as { version: string }).version };
  } catch {
    return undefined;
  }
}

/** What to install for Python scripts. */
export const PYTHON_INSTALL_HINT =
  'Python scripts need Deno (npm install -g deno, or TOOLSCRIPT_DENO) and the pyodide package (npm install pyodide)';

/**
 * Why Python scripts cannot run here (Deno or the pyodide package missing), in one line with what
 * to install; `undefined` when both are found.
 */
export function pythonUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const binary = locateDeno(env);
  if (binary && locatePyodide()) return undefined;
  return `${PYTHON_INSTALL_HINT}; ${binary ? 'pyodide' : `Deno (${DENO_INSTALL_HINT})`} was not found.`;
}

/**
 * Runs Python scripts in Pyodide, one fresh Deno subprocess per script, holding no permission
 * once Pyodide has booted (see ./runner.ts): no file, network, environment or subprocess. Booting
 * takes seconds, so it happens ahead: Pyodide's memory snapshot is made once per version (about
 * 3 s, cached on disk), and `poolSize` interpreters boot from it (about 0.5 s each) and wait; each
 * serves one script and is replaced. Host calls, logs, the time limit (SIGKILL), cancellation and
 * the memory cap (a cgroup when one can be made) work as in the Deno backend.
 */
export class PythonSandbox implements Sandbox<PythonScript> {
  private readonly ready: Interpreter[] = [];
  private booting = 0;
  private closed = false;
  /** Why the pool's last background boot failed, until an interpreter boots again. */
  private bootFailure: Error | undefined;
  private readonly children = new Set<ChildProcess>();
  /** At most `maxRunning` scripts at once, shared fairly across sessions. */
  private readonly turns: FairTurns;

  private constructor(
    readonly binaryPath: string,
    private readonly folder: string,
    private readonly pyodideDir: string,
    private readonly snapshot: string,
    readonly memory: MemoryEnforcement,
    private readonly options: PythonSandboxOptions,
  ) {
    this.turns = new FairTurns(options.maxRunning ?? availableParallelism());
  }

  /**
   * Finds Deno and Pyodide, makes the snapshot when there is none for this Pyodide version, and
   * starts filling the pool.
   * @throws {ConfigError} when Deno or the pyodide package is missing, or the snapshot fails.
   */
  static async create(options: PythonSandboxOptions): Promise<PythonSandbox> {
    const binary = locateDeno(options.env);
    const pyodide = locatePyodide();
    if (!binary || !pyodide) throw new ConfigError(pythonUnavailable(options.env) ?? '', undefined);
    const folder = makeSandboxFolder();
    writeFileSync(join(folder, 'python-runner.js'), RUNNER_SOURCE);
    // Pyodide needs these in Deno; without permissions they reach nothing (the escape suite checks).
    writeBlockedImportMap(folder, ['fs', 'fs/promises', 'path', 'url', 'vm', 'crypto', 'module']);
    mkdirSync(join(folder, 'deno-dir'));
    const cache =
      options.cacheDir ?? join(envPaths('toolscript', { suffix: '' }).cache, 'pyodide', pyodide.version);
    const snapshot = join(cache, 'snapshot.bin');
    if (!existsSync(snapshot)) await makeSnapshot(binary, folder, pyodide.dir, cache, snapshot);
    const memory = detectMemoryEnforcement();
    if (memory.kind === 'none')
      (options.warn ?? ((m) => process.stderr.write(`${m}\n`)))(
        `toolscript: python sandbox: memory is not capped by the OS: ${memory.reason}.`,
      );
    const sandbox = new PythonSandbox(binary, folder, pyodide.dir, snapshot, memory, options);
    sandbox.fill();
    return sandbox;
  }

  /** Text without host paths (the sandbox folder, Pyodide's folder). */
  tidy(text: string): string {
    return text.replaceAll(this.folder, '<sandbox>').replaceAll(this.pyodideDir, '<pyodide>/');
  }

  /** Interpreters booted and waiting. */
  get waiting(): number {
    return this.ready.length;
  }

  /**
   * Runs one Python script (`payload.code`, with the binding modules and runtime tables the runner
   * expects) in a pooled interpreter, or a fresh one when none is waiting or the memory cap differs.
   * At most `maxRunning` run at once; the others wait, turns shared fairly across `options.owner`s.
   */
  async run(payload: PythonScript, options: SandboxRunOptions): Promise<SandboxRunResult> {
    const started = performance.now();
    const owner = options.owner ?? '';
    if (!(await this.turns.acquire(owner, options.signal)))
      return {
        ok: false,
        result: undefined,
        logs: [],
        ms: performance.now() - started,
        error: cancelledError(),
      };
    try {
      return await this.runNow(payload, options, started);
    } finally {
      this.turns.release(owner);
    }
  }

  private async runNow(
    payload: PythonScript,
    options: SandboxRunOptions,
    started: number,
  ): Promise<SandboxRunResult> {
    const fits = options.limits.memoryMb === this.options.memoryMb;
    let interpreter = fits ? this.ready.shift() : undefined;
    if (!interpreter) {
      try {
        interpreter = await this.boot(options.limits.memoryMb);
        if (fits) this.bootFailure = undefined;
      } catch (error) {
        return {
          ok: false,
          result: undefined,
          logs: [],
          ms: performance.now() - started,
          error: {
            code: 'RUNTIME_ERROR',
            message: `The Python interpreter could not start (${(error as Error).message}). With a low sandbox.memoryMb, raise it; else check that Deno runs.`,
          },
        };
      }
    }
    this.fill();
    const result = await new SubprocessRun(this, options, interpreter).execute(payload, started);
    this.children.delete(interpreter.child);
    return result;
  }

  /** Kills every interpreter and removes the sandbox folder (the snapshot stays cached). */
  close(): void {
    this.closed = true;
    for (const child of this.children) child.kill('SIGKILL');
    this.ready.length = 0;
    rmSync(this.folder, { recursive: true, force: true });
  }

  /**
   * Boots interpreters until the pool is full. A boot that fails is said once (`warn`), and the
   * pool stays empty until a run's own interpreter boots again, so a failing boot is not retried
   * in the background on every run; each run then says why its interpreter could not start.
   */
  private fill(): void {
    const size = this.options.poolSize ?? 2;
    while (!this.closed && !this.bootFailure && this.ready.length + this.booting < size) {
      this.booting++;
      this.boot(this.options.memoryMb).then(
        (interpreter) => {
          this.booting--;
          if (this.closed) interpreter.child.kill('SIGKILL');
          else this.ready.push(interpreter);
        },
        (error: Error) => {
          this.booting--;
          if (this.closed || this.bootFailure) return;
          this.bootFailure = error;
          (this.options.warn ?? ((m) => process.stderr.write(`${m}\n`)))(
            `warning: the Python pool could not boot an interpreter: ${error.message}`,
          );
        },
      );
    }
  }

  /** Starts one interpreter and resolves once it said it is ready. */
  private boot(memoryMb: number): Promise<Interpreter> {
    const args = [
      ...DENO_RUN_FLAGS,
      `--allow-read=${this.pyodideDir},${this.snapshot}`,
      `--v8-flags=--max-old-space-size=${memoryMb}`,
      `--import-map=${join(this.folder, 'import-map.json')}`,
      join(this.folder, 'python-runner.js'),
      this.pyodideDir,
      this.snapshot,
    ];
    const cgroup = createCgroup(this.memory, memoryMb + RUNTIME_OVERHEAD_MB);
    const child = spawnCapped(this.binaryPath, args, denoEnv(this.folder), cgroup);
    this.children.add(child);
    child.on('exit', () => {
      this.children.delete(child);
      // A run removes its cgroup itself; an interpreter that never ran (closed, failed to boot) here.
      if (cgroup) removeCgroup(cgroup);
    });
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => fail(new Error(`the Python interpreter did not boot within ${BOOT_TIMEOUT_MS / 1000} s`)),
        BOOT_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        if (!seen.includes('{"type":"ready"}\n')) return;
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve({ child, cgroup });
      };
      const onExit = () =>
        fail(new Error(`the Python interpreter exited while booting${stderr ? `: ${gist(stderr)}` : ''}`));
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        if (stderr.length < 4096) stderr += chunk.toString('utf8');
      });
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
    });
  }
}

/** A booted interpreter waiting for its script, with the cgroup that caps its memory (if any). */
interface Interpreter {
  child: ChildProcess;
  cgroup: string | undefined;
}

/**
 * One line of a crashed interpreter's stderr that says why: the first that names an error or
 * running out of memory (V8 prints those amid a stack dump), else the first line.
 */
function gist(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/^#\s*/, '').trim())
    .filter(Boolean);
  return lines.find((line) => /out of memory|error/i.test(line)) ?? lines[0] ?? '';
}

/** Boots Pyodide once and writes its memory snapshot (to a temporary name, then renamed). */
async function makeSnapshot(
  binary: string,
  folder: string,
  pyodideDir: string,
  cache: string,
  snapshot: string,
): Promise<void> {
  mkdirSync(cache, { recursive: true });
  const maker = join(folder, 'python-snapshot.js');
  writeFileSync(maker, SNAPSHOT_SOURCE);
  const partial = `${snapshot}.${process.pid}.tmp`;
  const made = await promisify(execFile)(
    binary,
    [...DENO_RUN_FLAGS, `--allow-read=${pyodideDir}`, `--allow-write=${partial}`, maker, pyodideDir, partial],
    {
      env: denoEnv(folder),
      timeout: SNAPSHOT_TIMEOUT_MS,
      encoding: 'utf8',
    },
  ).catch((error: Error & { stderr?: string }) => error);
  if (made instanceof Error || !existsSync(partial))
    throw new ConfigError(
      `Pyodide could not boot to make its snapshot: ${((made as { stderr?: string }).stderr || (made as Error).message || 'no snapshot written').trim().split('\n').slice(-3).join(' ')}`,
      undefined,
    );
  renameSync(partial, snapshot);
}

/** The environment of a sandbox Deno process: its private DENO_DIR, and nothing of the host's. */
function denoEnv(folder: string): Record<string, string> {
  return { DENO_DIR: join(folder, 'deno-dir'), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
}
