/**
 * What guest code uses of the runtimes it runs in, declared for the type checker (toolscript has
 * no Deno or Pyodide types), and the messages of the runners' protocol. The runners take their
 * references to Deno before any script runs, then remove `Deno`.
 */

/** What the Deno runners (./deno-runner.ts, ./python-runner.ts) use of Deno's runtime API. */
export interface GuestDeno {
  args: string[];
  stdin: { readable: ReadableStream<BufferSource> };
  stdout: { writeSync(bytes: Uint8Array): number };
  stderr: { writeSync(bytes: Uint8Array): number };
  exit(code?: number): never;
  memoryUsage(): { rss: number; heapTotal: number; heapUsed: number; external: number };
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: Uint8Array): void;
  permissions: { revoke(descriptor: { name: string }): Promise<unknown> };
}

/** The run message the host sends first (see subprocess/run.ts). */
export interface RunMessage {
  nonce: string;
  code: string;
  hostFunctions: string[];
  maxLogChars: number;
  memoryMb: number;
  /** Python only: binding modules and the runtime's operation tables (see `PythonScript`). */
  modules?: Record<string, string>;
  workspaceOps?: Record<string, string>;
  stateOps?: Record<string, string>;
}

/** One answer line of the host to a call: `{ id, ok: true, value }` or `{ id, ok: false, error }`. */
export interface AnswerMessage {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; fields: Record<string, unknown> };
}

/** What the Python runners use of Pyodide (the `pyodide` package's `loadPyodide` result). */
export interface GuestPyodide {
  runPython(code: string): unknown;
  globals: { get(name: string): (...args: unknown[]) => unknown };
  toPy(value: unknown): unknown;
  setStdout(stream: { write(bytes: Uint8Array): number }): void;
  setStderr(stream: { write(bytes: Uint8Array): number }): void;
  setStdin(stream: { stdin: () => undefined }): void;
  unregisterJsModule(name: string): void;
  makeMemorySnapshot(): Uint8Array;
}

/** `pyodide.mjs`'s `loadPyodide`, with the options the runners pass. */
export type LoadPyodide = (options: {
  indexURL: string;
  env: Record<string, string>;
  _makeSnapshot?: boolean;
  _loadSnapshot?: Uint8Array;
}) => Promise<GuestPyodide>;
