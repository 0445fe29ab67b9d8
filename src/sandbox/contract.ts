/**
 * The sandbox contract. A sandbox runs one JavaScript ES module (already transpiled) in a fresh,
 * isolated context and never throws: every failure is a value in {@link SandboxRunResult.error}.
 *
 * It knows nothing about MCP. It sees module sources and host functions only.
 */

/** A JSON value: what crosses the sandbox boundary. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A host function callable from the script as `__host.<name>(...args)`, returning a promise.
 * Arguments and the resolved value are copied as JSON. A rejection becomes an `Error` in the
 * script whose `name` and `message` come from the thrown error, with its own enumerable fields
 * and `code` copied onto it.
 */
export type HostFunction = (...args: JsonValue[]) => Promise<JsonValue | undefined>;

/** Resource limits of one run. */
export interface SandboxLimits {
  /** Wall-clock limit for the whole run, including time spent awaiting host functions, in ms. */
  timeoutMs: number;
  /** Heap limit of the script's runtime, in MiB. */
  memoryMb: number;
  /** Captured console output kept at most, in characters; the rest is dropped with a note. @default 1_000_000 */
  maxLogChars?: number;
}

/** Where module sources come from: a fixed map, or a lookup called on demand. */
export type ModuleSource = Readonly<Record<string, string>> | ((path: string) => string | undefined);

/**
 * A run's wall clock, which the host can stop while it waits on a person (an approval): the run's
 * `timeoutMs` does not count paused time. Pauses nest: the clock runs again when every `pause`
 * has had its `resume`. While paused, a script that computes is not interrupted for time (the
 * wait it is paused for has a limit of its own); cancellation still stops it.
 */
export class RunClock {
  private depth = 0;
  private readonly listeners = new Set<(paused: boolean) => void>();

  get paused(): boolean {
    return this.depth > 0;
  }

  pause(): void {
    if (this.depth++ === 0) for (const listener of this.listeners) listener(true);
  }

  resume(): void {
    if (this.depth > 0 && --this.depth === 0) for (const listener of this.listeners) listener(false);
  }

  /** Calls `listener` when the clock stops (`true`) or runs again (`false`); returns the unsubscriber. */
  onChange(listener: (paused: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface SandboxRunOptions {
  /**
   * Module sources the script may import, by path without extension, relative to the script
   * (`servers/filesystem/index`, `servers/filesystem/readTextFile`): a map, or a function called
   * lazily for each path tried (returning `undefined` when there is no such module). `./x`
   * resolves to `x` or `x/index`.
   */
  modules: ModuleSource;
  hostFunctions: Record<string, HostFunction>;
  limits: SandboxLimits;
  /** Cancels the run: the script stops at once and the run ends with `CANCELLED`. */
  signal?: AbortSignal | undefined;
  /** Stops `limits.timeoutMs` from counting while the host waits on a person (see {@link RunClock}). */
  clock?: RunClock | undefined;
  /**
   * Who runs the script (a session): a backend that queues runs (Python) shares its turns fairly
   * across owners. @default ""
   */
  owner?: string | undefined;
}

/**
 * The codes a backend sets itself (`MODULE_NOT_FOUND` for an import that resolves to nothing), or
 * any `code` field of the value the script threw.
 */
export type SandboxErrorCode =
  | 'SYNTAX_ERROR'
  | 'RUNTIME_ERROR'
  | 'TIMEOUT'
  | 'MEMORY_LIMIT'
  | 'MODULE_NOT_FOUND'
  | 'CANCELLED'
  | (string & {});

export interface SandboxError {
  /** A code from the thrown value's `code` field, or one of the sandbox's own. */
  code: SandboxErrorCode;
  message: string;
  /** `name` of the thrown error, e.g. `TypeError`, `ToolError`. */
  name?: string;
  stack?: string;
  /** Other enumerable fields of the thrown value (e.g. `server`, `tool`). */
  details?: Record<string, JsonValue>;
}

export interface LogEntry {
  level: 'log' | 'info' | 'warn' | 'error';
  message: string;
}

export interface SandboxRunResult {
  ok: boolean;
  /** The module's awaited `default` export, copied as JSON (`undefined` when none). */
  result: JsonValue | undefined;
  /**
   * `result` as the JSON text the script's side wrote it, where the sandbox has it: the gateway
   * reads this text instead of serializing the value again.
   */
  json?: string;
  logs: LogEntry[];
  error: SandboxError | null;
  /** Wall time of the run in ms. */
  ms: number;
  /** Heap in use by the script's runtime when it finished, in bytes, where the sandbox can tell. */
  memoryBytes?: number;
}

/**
 * What a Python run is given (see `sandbox/python`): the script, and what its runner installs
 * before it as the `toolscript` and `servers` packages.
 */
export interface PythonScript {
  /** The script's Python source. */
  code: string;
  /** Each imported server's binding module: Python module name → source. */
  modules: Record<string, string>;
  /** `toolscript.runtime`'s workspace functions: Python name → host function name. */
  workspaceOps: Record<string, string>;
  /** `toolscript.runtime`'s state functions: Python name → host function name. */
  stateOps: Record<string, string>;
}

/**
 * Runs scripts. Implementations live in `src/sandbox/<name>/`: QuickJS and Deno run a JavaScript
 * ES module (`Script` is its source), Python a {@link PythonScript}.
 */
export interface Sandbox<Script = string> {
  /** Runs `script`. Never rejects: every failure is in the result's `error`. */
  run(script: Script, options: SandboxRunOptions): Promise<SandboxRunResult>;
  /** Frees what the sandbox holds outside the process (temporary folders). Called by `Gateway.close`. */
  close?(): void | Promise<void>;
}
