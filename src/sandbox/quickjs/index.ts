import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle } from 'quickjs-emscripten-core';
import { pausableDeadline } from '../clock.js';
import type { LogEntry, Sandbox, SandboxError, SandboxRunOptions, SandboxRunResult } from '../contract.js';
import { cancelledError, memoryError, type Outcome, timeoutError } from '../errors.js';
import {
  dispatchHostCallJson,
  fromGuestError,
  type GuestError,
  type HostAnswerJson,
  LogCollector,
  runResult,
} from '../host.js';
import { moduleLookup, resolveModule } from '../modules.js';
import {
  compiledModule,
  hasGrown,
  type Instance,
  instantiate,
  MAX_IDLE_INSTANCES,
  newStringArray,
} from './instances.js';
import { preludeSource } from './prelude.js';

export { loadQuickJS } from './instances.js';

const SCRIPT_NAME = 'script';
/**
 * Longest gap between two interrupt checks still taken as the script running, in ms; a longer one
 * is the script waiting (on a host call), which a paused clock does not count.
 */
const TICK_GAP_MS = 20;
/** QuickJS's own C stack guard for deep recursion, in bytes. */
const MAX_STACK_BYTES = 256 * 1024;
/** Prefix of a module name that did not resolve; the loader then fails with a clear message. */
const MISSING = 'missing:';
/** Prefix of a module name whose lookup failed; the rest is the lookup's error message. */
const FAILED = 'failed:';

/** What a run on a script thread (see `threads.ts`) replaces; in process both are left out. */
export interface RunHooks {
  /** Carries a host call out (to the thread that holds the host functions). */
  dispatch?: (name: string, argsJson: string) => Promise<HostAnswerJson>;
  /** Polled by QuickJS's interrupt handler; true cancels the run (as an aborted signal does). */
  stop?: () => boolean;
}

/**
 * The default {@link Sandbox}: QuickJS compiled to WebAssembly (quickjs-emscripten, sync variant).
 * Every run gets a new runtime and context, so nothing survives from one script to the next, in a
 * WebAssembly instance it has to itself for the run, whose memory is capped at the run's
 * `memoryMb` (plus 16 MiB for QuickJS itself). Instances are reused while their memory stays
 * small; one that grew, or that QuickJS failed to clean, is dropped so its memory is freed.
 * Host functions return QuickJS promises that settle when the host's promise does.
 */
export class QuickJSSandbox implements Sandbox {
  private readonly idle = new Map<number, Instance[]>();

  private constructor() {}

  /** Loads QuickJS and returns a sandbox ready to run scripts. */
  static async create(): Promise<QuickJSSandbox> {
    await compiledModule();
    return new QuickJSSandbox();
  }

  /** Runs `code`; `hooks` are for script threads only (see {@link RunHooks}). */
  async run(code: string, options: SandboxRunOptions, hooks: RunHooks = {}): Promise<SandboxRunResult> {
    const memoryMb = options.limits.memoryMb;
    const instance = this.idle.get(memoryMb)?.pop() ?? (await instantiate(memoryMb));
    const run = new QuickJSRun(instance, options, hooks);
    const result = await run.execute(code);
    const grown = hasGrown(instance);
    const idle = this.idle.get(memoryMb) ?? [];
    if (run.disposedCleanly && !grown && idle.length < MAX_IDLE_INSTANCES) {
      idle.push(instance);
      this.idle.set(memoryMb, idle);
    }
    return result;
  }
}

/** The state of one execution; used once. */
class QuickJSRun {
  private readonly started = performance.now();
  private readonly logs: LogCollector;
  private readonly pending = new Set<QuickJSDeferredPromise>();
  private finished = false;
  private context!: QuickJSContext;
  /** The prelude's `describe` and `serialize`, held by the host only (see `preludeSource`). */
  private hooks: { describe: QuickJSHandle; serialize: QuickJSHandle } | undefined;
  /** Set once the interrupt handler stopped the script (its time ran out, or it was cancelled). */
  private interrupted = false;
  /** False when freeing the runtime failed (see {@link QuickJSRun.dispose}) or the instance broke. */
  disposedCleanly = true;
  /** Ends the run early with an outcome (host-side failures). */
  private abort: ((outcome: Outcome) => void) | undefined;

  constructor(
    private readonly instance: Instance,
    private readonly options: SandboxRunOptions,
    private readonly runHooks: RunHooks,
  ) {
    this.logs = new LogCollector(options.limits.maxLogChars);
  }

  async execute(code: string): Promise<SandboxRunResult> {
    let timedOut: (outcome: Outcome) => void = () => {};
    const timeout = new Promise<Outcome>((resolve) => {
      timedOut = resolve;
    });
    const deadline = pausableDeadline(this.options.limits.timeoutMs, this.options.clock, () =>
      timedOut({ ok: false, error: timeoutError(this.options.limits.timeoutMs) }),
    );
    this.instance.growthRefused = false;
    const runtime = this.instance.wasm.newRuntime();
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    // QuickJS calls this only while the script runs, thousands of times a second: while an
    // approval pauses the clock, the time between two calls is the script computing, and counts.
    // (Read only while paused: the common path stays one clock read.)
    const clock = this.options.clock;
    let lastTick = Number.NEGATIVE_INFINITY;
    runtime.setInterruptHandler(() => {
      if (clock?.paused) {
        const now = performance.now();
        if (now - lastTick < TICK_GAP_MS) deadline.charge(now - lastTick);
        lastTick = now;
      }
      if (deadline.overdue() || this.cancelled()) this.interrupted = true;
      return this.interrupted;
    });
    const lookup = moduleLookup(this.options.modules);
    const loaded = new Map<string, string | undefined>([[SCRIPT_NAME, code]]);
    const modules = (path: string) => {
      if (!loaded.has(path)) loaded.set(path, lookup(path));
      return loaded.get(path);
    };
    runtime.setModuleLoader(
      (name) => {
        if (name.startsWith(FAILED)) return { error: new Error(name.slice(FAILED.length)) };
        const source = name.startsWith(MISSING) ? undefined : modules(name);
        if (source !== undefined) return source;
        return { error: new Error(`Cannot find module '${name.slice(MISSING.length)}'`) };
      },
      // A lookup that throws (e.g. a script thread's parent did not answer in time) fails the
      // import with its message; QuickJS would otherwise drop the message.
      (importer, requested) => {
        try {
          return resolveModule(modules, importer, requested) ?? `${MISSING}${requested}`;
        } catch (error) {
          return `${FAILED}${error instanceof Error ? error.message : String(error)}`;
        }
      },
    );
    this.context = runtime.newContext();
    let outcome: Outcome;
    let cleanup = () => {};
    try {
      const aborted = new Promise<Outcome>((resolve) => {
        this.abort = resolve;
      });
      const { signal } = this.options;
      const cancel = () => this.abort?.({ ok: false, error: cancelledError() });
      if (signal?.aborted) cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      cleanup = () => signal?.removeEventListener('abort', cancel);
      outcome = await Promise.race([this.evaluate(), timeout, aborted]);
    } catch (error) {
      // A failure of the WebAssembly instance itself (e.g. an allocation the glue could not make):
      // the instance is not reused.
      this.disposedCleanly = false;
      outcome = {
        ok: false,
        error: this.memoryExhausted()
          ? memoryError(this.options.limits.memoryMb)
          : { code: 'RUNTIME_ERROR', message: hostFailure(error) },
      };
    } finally {
      deadline.cancel();
      cleanup();
      this.finished = true;
    }
    const memoryBytes = this.memoryInUse(runtime);
    this.dispose(runtime);
    return runResult(outcome, this.logs, this.started, memoryBytes);
  }

  /** True once the run's signal is aborted or its {@link RunHooks.stop} says so. */
  private cancelled(): boolean {
    return this.options.signal?.aborted === true || this.runHooks.stop?.() === true;
  }

  /**
   * True when the instance's linear memory is within 8 MiB of its cap, or an allocation of this
   * run asked to grow it past the cap (one large request fails far from the cap).
   */
  private memoryExhausted(): boolean {
    return (
      this.instance.growthRefused ||
      this.instance.memory.buffer.byteLength >= this.instance.maxBytes - 8 * 1024 * 1024
    );
  }

  /** `memory_used_size` of the runtime (QuickJS's own accounting), or undefined if unavailable. */
  private memoryInUse(runtime: QuickJSContext['runtime']): number | undefined {
    try {
      const usage = runtime.computeMemoryUsage();
      const data = this.context.dump(usage) as { memory_used_size?: number };
      usage.dispose();
      return typeof data.memory_used_size === 'number' ? data.memory_used_size : undefined;
    } catch {
      return undefined;
    }
  }

  private async evaluate(): Promise<Outcome> {
    const context = this.context;
    this.installHost();
    const prelude = context.evalCode(preludeSource(Object.keys(this.options.hostFunctions)), 'prelude.js', {
      type: 'global',
    });
    if (prelude.error) return { ok: false, error: this.describe(prelude.error) };
    this.hooks = {
      describe: context.getProp(prelude.value, 0),
      serialize: context.getProp(prelude.value, 1),
    };
    prelude.value.dispose();

    const evaluated = context.evalCode(
      `export * from './${SCRIPT_NAME}'; import * as m from './${SCRIPT_NAME}';
export const __result = await m.default;`,
      'main.js',
      { type: 'module' },
    );
    if (evaluated.error) return { ok: false, error: this.describe(evaluated.error) };
    const namespace = await this.settle(evaluated.value);
    if (!namespace.ok) return namespace;
    return namespace;
  }

  /** Awaits a handle that may be a promise for the module namespace, then reads `__result`. */
  private async settle(handle: QuickJSHandle): Promise<Outcome> {
    const context = this.context;
    const native = context.resolvePromise(handle);
    handle.dispose();
    this.pump();
    const settled = await native;
    if (this.finished) {
      if (settled.error) settled.error.dispose();
      else settled.value.dispose();
      return { ok: false, error: timeoutError(this.options.limits.timeoutMs) };
    }
    if (settled.error) return { ok: false, error: this.describe(settled.error) };
    const namespace = settled.value;
    const result = context.getProp(namespace, '__result');
    namespace.dispose();
    const serialize = this.hooks?.serialize;
    if (!serialize) {
      result.dispose();
      return {
        ok: false,
        error: {
          code: 'RUNTIME_ERROR',
          message: 'The sandbox could not read the result. Run the script again.',
        },
      };
    }
    const serialized = context.callFunction(serialize, context.undefined, result);
    result.dispose();
    if (serialized.error) return { ok: false, error: this.describe(serialized.error) };
    const json =
      context.typeof(serialized.value) === 'string' ? context.getString(serialized.value) : undefined;
    serialized.value.dispose();
    return { ok: true, json };
  }

  /** Runs queued promise jobs; an interrupt or OOM there surfaces through the awaited promise. */
  private pump(): void {
    if (this.finished) return;
    const jobs = this.context.runtime.executePendingJobs();
    if (jobs.error) jobs.error.dispose();
  }

  private installHost(): void {
    const context = this.context;
    const call = context.newFunction('__toolscript_call_raw', (nameHandle, argsHandle) => {
      const name = context.getString(nameHandle);
      const argsJson = context.getString(argsHandle);
      const deferred = context.newPromise();
      this.pending.add(deferred);
      const settle = (answer: HostAnswerJson) => {
        if (this.finished || !deferred.alive) return;
        const kind = answer.reject !== undefined ? 'reject' : 'resolve';
        const payload = answer.reject ?? answer.resolve;
        const strings = answer.reject === undefined ? answer.strings : undefined;
        try {
          const value =
            payload === undefined
              ? context.undefined
              : strings
                ? newStringArray(this.instance, context, [payload, ...strings])
                : context.newString(payload);
          deferred[kind](value);
          if (payload !== undefined) value.dispose();
          this.pending.delete(deferred);
          deferred.dispose();
          this.pump();
        } catch (error) {
          // The instance could not take the value in (its memory is full): end the run now.
          this.disposedCleanly = false;
          this.abort?.(
            this.memoryExhausted()
              ? { ok: false, error: memoryError(this.options.limits.memoryMb) }
              : { ok: false, error: { code: 'RUNTIME_ERROR', message: hostFailure(error) } },
          );
        }
      };
      const answer =
        this.runHooks.dispatch?.(name, argsJson) ??
        dispatchHostCallJson(this.options.hostFunctions, name, argsJson);
      void answer.then(settle);
      return deferred.handle;
    });
    context.setProp(context.global, '__toolscript_call_raw', call);
    call.dispose();

    const log = context.newFunction('__toolscript_log_raw', (levelHandle, messageHandle) => {
      this.logs.add(context.getString(levelHandle) as LogEntry['level'], context.getString(messageHandle));
    });
    context.setProp(context.global, '__toolscript_log_raw', log);
    log.dispose();
  }

  /** Turns a thrown QuickJS value into a {@link SandboxError}; disposes the handle. */
  private describe(handle: QuickJSHandle): SandboxError {
    const context = this.context;
    let name = 'Error';
    let message = 'Unknown error';
    let dumped: { name?: string; message?: string } | string | null | undefined;
    try {
      dumped = context.dump(handle) as { name?: string; message?: string } | string;
      if (typeof dumped === 'object' && dumped) {
        name = String(dumped.name ?? name);
        message = String(dumped.message ?? message);
      } else message = String(dumped);
    } catch {}
    // Once interrupted, whatever error surfaces is the interruption's (QuickJS may raise another
    // one, such as "not a function", from the async module machinery it cut short).
    if (this.interrupted || (name === 'InternalError' && message === 'interrupted')) {
      handle.dispose();
      if (this.cancelled()) return cancelledError();
      return timeoutError(this.options.limits.timeoutMs);
    }
    // QuickJS reports running out of memory as "out of memory", or, when it cannot even allocate
    // the error, by throwing null; a string past its length limit (2^30 - 1) is a memory bomb too.
    const exhausted = (dumped === null || dumped === undefined) && this.memoryExhausted();
    if ((name === 'InternalError' && /^(out of memory|string too long)$/.test(message)) || exhausted) {
      handle.dispose();
      return memoryError(this.options.limits.memoryMb);
    }
    let error = fromGuestError({ name, message });
    try {
      if (!this.hooks) throw new Error('no prelude');
      const described = context.callFunction(this.hooks.describe, context.undefined, handle);
      if (!described.error) {
        error = fromGuestError(JSON.parse(context.getString(described.value)) as GuestError);
        described.value.dispose();
      } else described.error.dispose();
    } catch {}
    handle.dispose();
    return error;
  }

  private dispose(runtime: QuickJSContext['runtime']): void {
    for (const deferred of this.pending) if (deferred.alive) deferred.dispose();
    this.pending.clear();
    try {
      if (this.hooks) for (const hook of Object.values(this.hooks)) if (hook.alive) hook.dispose();
      this.hooks = undefined;
      this.context.dispose();
      runtime.dispose();
    } catch {
      // QuickJS can fail its own "no object left" assertion when freeing a runtime, seen after
      // top-level-await scripts that allocated large heaps. The runtime's memory then stays in
      // the WebAssembly instance; QuickJSSandbox.run replaces the instance.
      this.disposedCleanly = false;
    }
  }
}

/**
 * A stable message for a failure of the sandbox machinery itself (e.g. the WebAssembly memory
 * was replaced while a value was copied in, "detached ArrayBuffer"): its kind only, never host
 * internals, and what to do.
 */
function hostFailure(error: unknown): string {
  const kind = error instanceof Error ? error.name : 'Error';
  return `The sandbox could not pass a value between the script and the host (${kind}). Make fewer calls at once, or pass less data per call.`;
}
