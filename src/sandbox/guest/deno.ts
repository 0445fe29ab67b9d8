/**
 * What the Deno runners (guest code, see ./protocol-io.ts) use of Deno's runtime API, declared
 * here for the type checker: toolscript has no Deno types, and the runners take these references
 * before any script runs, then remove `Deno`.
 */
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
