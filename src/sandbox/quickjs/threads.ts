import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startWorker } from '../../util/worker.js';
import { pausableDeadline } from '../clock.js';
import type { JsonValue, Sandbox, SandboxError, SandboxRunOptions, SandboxRunResult } from '../contract.js';
import { cancelledError, timeoutError, unpassable } from '../errors.js';
import { dispatchHostCallJson, type HostAnswerJson } from '../host.js';
import { moduleLookup } from '../modules.js';
import { compiledModule } from './instances.js';
import type { FromThread, ThreadData, ToThread } from './thread.js';

/**
 * A thread whose event loop has not turned for this long (ms) is computing a script; new runs go
 * to other threads while one is free.
 */
const STALL_MS = 100;
/**
 * Time past a run's `timeoutMs` after which its thread is taken to be stuck (QuickJS's interrupt
 * handler did not stop the script) and is terminated, in ms.
 */
const GRACE_MS = 2_000;
/**
 * Runs one thread holds at most; more wait for a place. Each run has a QuickJS instance of its
 * own, so this bounds a thread's memory; runs mostly wait on host calls, so it is generous.
 */
export const MAX_RUNS_PER_THREAD = 64;

/** Script threads when `sandbox.threads` is not set: one per core. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** A run in flight on a thread, as the parent holds it. */
interface ActiveRun {
  options: SandboxRunOptions;
  stop: Int32Array;
  finish: (result: SandboxRunResult) => void;
}

/** One script thread and the runs it holds. */
class ScriptThread {
  readonly worker: Worker;
  readonly runs = new Map<number, ActiveRun>();
  private readonly heartbeat: Float64Array;
  private readonly wake: Int32Array;
  private readonly sync: MessagePort;

  constructor(module: WebAssembly.Module, onGone: (thread: ScriptThread, why: string) => void) {
    const heartbeat = new SharedArrayBuffer(8);
    const wake = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    this.heartbeat = new Float64Array(heartbeat);
    this.heartbeat[0] = Date.now();
    this.wake = new Int32Array(wake);
    this.sync = port1;
    const data: ThreadData = { module, heartbeat, wake, sync: port2 };
    this.worker = startWorker(new URL('./thread', import.meta.url), {
      workerData: data,
      transferList: [port2],
      // The main thread's stack size (V8's default, about 1 MiB), so deep recursion in the
      // WebAssembly fails as early, and as cheaply, as it would there.
      resourceLimits: { stackSizeMb: 1 },
    });
    this.worker.unref();
    this.worker.on('message', (message: FromThread) => this.receive(message));
    this.worker.on('error', (error) => onGone(this, `it failed (${error.message})`));
    this.worker.on('exit', (code) => onGone(this, `it exited with code ${code}`));
  }

  /** Milliseconds since the thread's event loop last turned. */
  stalledFor(now: number): number {
    return now - (this.heartbeat[0] ?? now);
  }

  send(message: ToThread): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromThread): void {
    const run = this.runs.get(message.id);
    if (message.type === 'module') {
      let source: string | undefined;
      try {
        source = run ? moduleLookup(run.options.modules)(message.path) : undefined;
      } catch {
        // A lookup that throws is a module that is not there.
        source = undefined;
      }
      this.sync.postMessage({ seq: message.seq, source });
      Atomics.store(this.wake, 0, 1);
      Atomics.notify(this.wake, 0);
    } else if (message.type === 'call') {
      if (!run) return;
      void dispatchHostCallJson(run.options.hostFunctions, message.name, message.args).then((answer) => {
        if (!this.runs.has(message.id)) return;
        const packed = packAnswer(answer);
        this.worker.postMessage(
          { type: 'answer', id: message.id, call: message.call, answer: packed.answer } satisfies ToThread,
          packed.transfer,
        );
      });
    } else if (message.type === 'done') run?.finish(fromThread(message));
  }
}

/**
 * The default {@link Sandbox} of a serving gateway: {@link QuickJSSandbox} runs on a pool of
 * worker threads (one per core unless `threads` says otherwise), so a script that computes never
 * holds the event loop that serves other sessions. Host calls cross to this thread as messages;
 * module sources are fetched synchronously (QuickJS loads modules synchronously). A thread holds
 * many runs at once (they mostly wait on host calls); a new run goes to the thread with the fewest
 * runs among those whose event loop turned in the last 100 ms, so one spinning script delays only
 * runs already placed on its thread. Cancellation sets a shared flag that QuickJS's interrupt
 * handler reads, so it stops a spinning script too. A thread that does not stop a script within
 * 2 s past its time limit is terminated; its other runs end with `RUNTIME_ERROR`.
 */
export class ThreadedQuickJSSandbox implements Sandbox {
  private readonly threads: ScriptThread[] = [];
  /** Runs waiting for a place on a thread, oldest first. */
  private readonly waiting: (() => void)[] = [];
  private runs = 0;
  private closed = false;

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly size: number,
  ) {}

  /**
   * Compiles QuickJS once; threads start on demand and share the compiled module.
   * @param threads most script threads at once. @default one per core
   * @throws when the QuickJS WebAssembly module cannot load.
   */
  static async create(threads = defaultThreads()): Promise<ThreadedQuickJSSandbox> {
    return new ThreadedQuickJSSandbox(await compiledModule(), Math.max(1, Math.floor(threads)));
  }

  /** Script threads running now. */
  get threadCount(): number {
    return this.threads.length;
  }

  /** Runs waiting for a place on a thread now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Runs `code` on a thread; while every thread holds {@link MAX_RUNS_PER_THREAD} runs it waits
   * for a place (the wait is not part of `timeoutMs`; cancelling ends it at once).
   */
  run(code: string, options: SandboxRunOptions): Promise<SandboxRunResult> {
    const started = performance.now();
    // start() refuses runs once the sandbox is closed.
    if (this.hasPlace() || this.closed) return this.start(code, options);
    return new Promise<SandboxRunResult>((resolve) => {
      const { signal } = options;
      const enter = () => {
        signal?.removeEventListener('abort', leave);
        void this.start(code, options).then(resolve);
      };
      const leave = () => {
        const index = this.waiting.indexOf(enter);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(failed(started, cancelledError()));
      };
      if (signal?.aborted) return leave();
      signal?.addEventListener('abort', leave, { once: true });
      this.waiting.push(enter);
    });
  }

  /** True when a thread can take another run (or another thread can start). */
  private hasPlace(): boolean {
    return this.threads.length < this.size || this.threads.some((t) => t.runs.size < MAX_RUNS_PER_THREAD);
  }

  /** Starts waiting runs while there is a place for them. */
  private admit(): void {
    while (this.waiting.length > 0 && this.hasPlace() && !this.closed) this.waiting.shift()?.();
  }

  private start(code: string, options: SandboxRunOptions): Promise<SandboxRunResult> {
    if (this.closed)
      return Promise.resolve(failed(performance.now(), stoppedError('the gateway is closing')));
    const thread = this.pick();
    const id = ++this.runs;
    const stop = new Int32Array(new SharedArrayBuffer(4));
    return new Promise<SandboxRunResult>((resolve) => {
      const { signal } = options;
      const cancel = () => {
        Atomics.store(stop, 0, 1);
        thread.send({ type: 'cancel', id });
      };
      // Paused with the clock: the run's own deadline, in the thread, counts the script's running
      // time during an approval and ends a spinning script itself, so its thread (and the other
      // runs on it) live on; the thread's busy time would count other runs' work against this one.
      const backstop = pausableDeadline(options.limits.timeoutMs + GRACE_MS, options.clock, () =>
        this.retire(thread, 'a script in it would not stop', id, options.limits.timeoutMs),
      );
      // The thread's own run clock follows this one (approvals pause it).
      const unfollow = options.clock?.onChange((paused) => thread.send({ type: 'clock', id, paused }));
      const finish = (result: SandboxRunResult) => {
        backstop.cancel();
        unfollow?.();
        signal?.removeEventListener('abort', cancel);
        thread.runs.delete(id);
        resolve(result);
        this.admit();
      };
      thread.runs.set(id, { options, stop, finish });
      thread.send({
        type: 'run',
        id,
        code,
        limits: options.limits,
        hosts: Object.keys(options.hostFunctions),
        stop: stop.buffer as SharedArrayBuffer,
      });
      if (options.clock?.paused) thread.send({ type: 'clock', id, paused: true });
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  /** The thread for a new run: fewest runs among the responsive ones; a new thread while below the size. */
  private pick(): ScriptThread {
    const now = Date.now();
    let best: ScriptThread | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const thread of this.threads) {
      if (thread.runs.size >= MAX_RUNS_PER_THREAD) continue;
      const score = thread.runs.size + (thread.stalledFor(now) > STALL_MS ? 1_000_000 : 0);
      if (score < bestScore) {
        best = thread;
        bestScore = score;
      }
    }
    if (best && bestScore === 0) return best;
    if (this.threads.length < this.size) {
      const thread = new ScriptThread(this.module, (gone, why) => this.retire(gone, why));
      this.threads.push(thread);
      return thread;
    }
    return best as ScriptThread;
  }

  /**
   * Stops a thread and ends each of its runs: the one that timed out (`timedOut`, with its
   * limit) with `TIMEOUT`, the others with `RUNTIME_ERROR` saying why.
   */
  private retire(thread: ScriptThread, why: string, timedOut?: number, timeoutMs = 0): void {
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
    for (const [id, run] of thread.runs)
      run.finish(failed(performance.now(), id === timedOut ? timeoutError(timeoutMs) : stoppedError(why)));
    thread.runs.clear();
    void thread.worker.terminate();
  }

  /** Stops every thread; runs in flight end with `RUNTIME_ERROR`. */
  async close(): Promise<void> {
    this.closed = true;
    // Waiting runs end at once (start() refuses them now).
    for (const enter of this.waiting.splice(0)) enter();
    const threads = [...this.threads];
    for (const thread of threads) this.retire(thread, 'the gateway is closing');
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }
}

/**
 * A host answer as it crosses to a script thread: each long string (see `splitLongStrings`) goes as
 * its UTF-8 bytes in a buffer that is transferred, not copied, and the thread writes them into
 * QuickJS's memory without ever making a JavaScript string of them. A 180 KB mail batch cost about
 * 1.4 ms to arrive as a string (the thread builds a string of its own, as structured cloning does)
 * and 0.3 ms as bytes. A string with a lone surrogate, which UTF-8 cannot carry, goes as it is.
 */
function packAnswer(answer: HostAnswerJson): { answer: HostAnswerJson; transfer: ArrayBuffer[] } {
  if (!answer.strings) return { answer, transfer: [] };
  const transfer: ArrayBuffer[] = [];
  const strings = answer.strings.map((text) => {
    // String.prototype.isWellFormed: in Node since 20, in TypeScript's lib from ES2024.
    if (typeof text !== 'string' || !(text as unknown as { isWellFormed(): boolean }).isWellFormed())
      return text;
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
    bytes.write(text, 'utf8');
    transfer.push(bytes.buffer as ArrayBuffer);
    return bytes;
  });
  return { answer: { ...answer, strings }, transfer };
}

/** A run's result from its `done` message: the result travels as JSON text (see `thread.ts`). */
function fromThread(message: Extract<FromThread, { type: 'done' }>): SandboxRunResult {
  const { json, ...result } = message.result;
  if (json === undefined) return { ...result, result: undefined };
  try {
    return { ...result, result: JSON.parse(json) as JsonValue, json };
  } catch (error) {
    return { ...result, ok: false, result: undefined, error: unpassable(error) };
  }
}

function stoppedError(why: string): SandboxError {
  return {
    code: 'RUNTIME_ERROR',
    message: `The script's thread was stopped because ${why}. Run the script again.`,
  };
}

function failed(started: number, error: SandboxError): SandboxRunResult {
  return { ok: false, result: undefined, logs: [], error, ms: performance.now() - started };
}
