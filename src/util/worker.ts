import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Piscina } from 'piscina';

/** Longest wait for a worker to start (thread, module, and what it loads up front), in ms. */
const STARTUP_MS = 30_000;

/**
 * One worker thread (piscina) for CPU-heavy host work, so it never holds the event loop that
 * serves other sessions. Started on first use; stops after `idleMs` without work. Each task has a
 * deadline that starts once the worker is up (start-up is not charged to the task); past it the
 * worker is stopped and the task's fallback answers.
 *
 * From a source checkout (`.ts` files, as under tsx or vitest) the worker loads through tsx; from
 * the built package it is plain JavaScript. When the worker cannot load at all (e.g. in a bundle
 * without its file), every task answers with its fallback from then on, and
 * {@link HostWorker.unavailable} is true.
 */
export class HostWorker<Task> {
  private pool: Piscina | undefined;
  /** True once the worker failed to load; callers may then do the work on their own thread. */
  unavailable = false;
  private ready: Promise<void> = Promise.resolve();
  private markReady: () => void = () => {};

  /**
   * @param moduleUrl the worker module's URL without extension, e.g.
   *   `new URL('./count-worker', import.meta.url)`; its default export handles one task.
   * @param idleMs how long the idle worker stays up, in ms.
   */
  constructor(
    private readonly moduleUrl: URL,
    private readonly idleMs = 60_000,
  ) {}

  private start(): Piscina | undefined {
    if (this.unavailable) return undefined;
    if (this.pool) return this.pool;
    const entry = workerEntry(this.moduleUrl);
    try {
      // Loaded on first use (its CommonJS build): a command that starts no worker never pays for it.
      const { Piscina: Pool } = createRequire(import.meta.url)('piscina') as typeof import('piscina');
      const pool = new Pool({
        filename: entry.filename,
        minThreads: 0,
        maxThreads: 1,
        idleTimeout: this.idleMs,
        ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
      });
      this.expectWorker();
      pool.on('workerCreate', () => this.markReady());
      pool.on('workerDestroy', () => this.expectWorker());
      this.pool = pool;
    } catch {
      this.unavailable = true;
    }
    return this.pool;
  }

  private expectWorker(): void {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }

  /**
   * Runs `task` on the worker.
   * @param deadlineMs time the task may run once the worker is up, in ms.
   * @param fallback answers past the deadline or when the worker cannot load; it runs on this
   *   thread, so it must be cheap.
   */
  async run<T>(task: Task, deadlineMs: number, fallback: () => T): Promise<T> {
    const pool = this.start();
    if (!pool) return fallback();
    const controller = new AbortController();
    const answer = pool.run(task, { signal: controller.signal }) as Promise<T>;
    answer.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const startup = setTimeout(() => controller.abort(), STARTUP_MS);
    void this.ready.then(() => {
      clearTimeout(startup);
      timer = setTimeout(() => controller.abort(), Math.max(1, deadlineMs));
    });
    try {
      return await answer;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'AbortError')) this.unavailable = isLoadError(error);
      return fallback();
    } finally {
      clearTimeout(startup);
      clearTimeout(timer);
    }
  }

  /** Stops the worker; the next task starts a new one. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }
}

/**
 * Where a worker thread's module is and how to start it: from a source checkout (`.ts`, as under
 * tsx or vitest) the worker loads through tsx unless the process already does; from the built
 * package it is plain JavaScript.
 * @param moduleUrl the module's URL without extension.
 */
export function workerEntry(moduleUrl: URL): { filename: string; execArgv?: string[] } {
  const source = import.meta.url.endsWith('.ts');
  const filename = `${moduleUrl.href}.${source ? 'ts' : 'js'}`;
  const inherited = process.execArgv.some((arg) => arg.includes('tsx'));
  return source && !inherited
    ? { filename, execArgv: [...process.execArgv, '--import', 'tsx'] }
    : { filename };
}

/** True when the worker module itself cannot load. */
function isLoadError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'ERR_UNKNOWN_FILE_EXTENSION' ||
    code === 'ERR_WORKER_INIT_FAILED'
  );
}

/**
 * Starts a worker thread on the module at `moduleUrl` (URL without extension). From a source
 * checkout the `.ts` module is required through tsx's CommonJS hook, which Node 20 applies to a
 * worker only when the worker registers it itself; from the built package it is the `.js` file.
 */
export function startWorker(moduleUrl: URL, options: WorkerOptions): Worker {
  const entry = workerEntry(moduleUrl);
  if (!entry.filename.endsWith('.ts')) return new Worker(new URL(entry.filename), options);
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
  const path = fileURLToPath(entry.filename);
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(path)});`, {
    ...options,
    eval: true,
  });
}
