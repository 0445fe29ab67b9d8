import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { pausableDeadline, processCpuMs } from '../clock.js';
import type { JsonValue, SandboxRunOptions, SandboxRunResult } from '../contract.js';
import { cancelledError, memoryError, type Outcome, timeoutError } from '../errors.js';
import { DEFAULT_MAX_LOG_CHARS, dispatchHostCall, fromGuestError, LogCollector, runResult } from '../host.js';
import { oomKilled, removeCgroup } from './memory.js';

/** Longest line accepted from the subprocess (a result or a call's arguments), in bytes. */
const MAX_LINE_BYTES = 256 * 1024 * 1024;

const errorShape = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
});

/** Every message the subprocess may send; anything else ends the run. */
const messageSchema = z.union([
  z.object({
    type: z.literal('call'),
    id: z.number().int().min(0),
    name: z.string(),
    args: z.array(z.unknown()),
  }),
  z.object({ type: z.literal('log'), level: z.enum(['log', 'info', 'warn', 'error']), message: z.string() }),
  z.object({
    type: z.literal('done'),
    ok: z.literal(true),
    json: z.string().optional(),
    memoryBytes: z.number().nonnegative().optional(),
  }),
  z.object({
    type: z.literal('done'),
    ok: z.literal(false),
    error: errorShape,
    memoryBytes: z.number().nonnegative().optional(),
  }),
]);

/** What a run needs of its sandbox: where the binary is (for messages) and how to hide host paths. */
export interface RunHost {
  readonly binaryPath: string;
  tidy(text: string): string;
}

/**
 * One execution in one Deno subprocess (the JavaScript runner, or the Python one): sends the run
 * message with a fresh nonce, answers host calls, collects logs, and ends on the outcome, the time
 * limit (SIGKILL), cancellation, or the process's exit (memory, crash). The process is killed and
 * its cgroup removed afterwards, whatever happened.
 */
export class SubprocessRun {
  private readonly logs: LogCollector;
  private readonly nonce = randomBytes(16).toString('hex');
  private finished = false;
  private memoryBytes: number | undefined;

  constructor(
    private readonly sandbox: RunHost,
    private readonly options: SandboxRunOptions,
    private readonly spawned: { child: ChildProcess; cgroup: string | undefined },
  ) {
    this.logs = new LogCollector(options.limits.maxLogChars);
  }

  /** Runs `payload` (the script and what the runner needs besides the nonce and host functions). */
  async execute(payload: object, started: number): Promise<SandboxRunResult> {
    const { timeoutMs } = this.options.limits;
    const { memoryMb } = this.options.limits;
    const { child, cgroup } = this.spawned;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 16_384) stderr += chunk.toString('utf8');
    });
    child.stdin?.on('error', () => {});
    const outcome = await new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (value: Outcome) => {
        if (settled) return;
        settled = true;
        this.finished = true;
        timer.cancel();
        resolve(value);
      };
      // While an approval pauses the clock, the subprocess's CPU time still counts.
      const timer = pausableDeadline(
        timeoutMs,
        this.options.clock,
        () => finish({ ok: false, error: timeoutError(timeoutMs) }),
        () => processCpuMs(child.pid),
      );
      const { signal } = this.options;
      const cancel = () => finish({ ok: false, error: cancelledError() });
      if (signal?.aborted) cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      child.once('exit', () => signal?.removeEventListener('abort', cancel));
      // Chunks of the line being received; joined once its newline arrives (no quadratic copying).
      let parts: Buffer[] = [];
      let partBytes = 0;
      child.stdout?.on('data', (chunk: Buffer) => {
        let rest = chunk;
        for (;;) {
          const end = rest.indexOf(10);
          if (end < 0) break;
          parts.push(rest.subarray(0, end));
          const line = Buffer.concat(parts).toString('utf8');
          parts = [];
          partBytes = 0;
          rest = rest.subarray(end + 1);
          const outcome = this.handle(line, child);
          if (outcome) return finish(outcome);
        }
        if (rest.length) {
          parts.push(rest);
          partBytes += rest.length;
        }
        if (partBytes > MAX_LINE_BYTES) finish({ ok: false, error: memoryError(memoryMb) });
      });
      child.on('exit', (exitCode, signal) => {
        // Give the last lines on stdout a moment to be read before judging the exit.
        setTimeout(() => finish(this.exitOutcome(exitCode, signal, stderr, cgroup)), 20);
      });
      child.on('error', (error) =>
        finish({ ok: false, error: { code: 'RUNTIME_ERROR', message: error.message } }),
      );
      child.stdin?.write(
        `${JSON.stringify({
          ...payload,
          nonce: this.nonce,
          hostFunctions: Object.keys(this.options.hostFunctions),
          maxLogChars: this.options.limits.maxLogChars ?? DEFAULT_MAX_LOG_CHARS,
          memoryMb: this.options.limits.memoryMb,
        })}\n`,
      );
    });
    child.kill('SIGKILL');
    if (cgroup) removeCgroup(cgroup);
    return runResult(outcome, this.logs, started, this.memoryBytes);
  }

  /** Handles one line from the subprocess; returns the outcome when the run is over. */
  private handle(line: string, child: ChildProcess): Outcome | undefined {
    if (!line.startsWith(this.nonce)) return undefined; // not from the runner: ignored
    let message: z.infer<typeof messageSchema>;
    try {
      message = messageSchema.parse(JSON.parse(line.slice(this.nonce.length)));
    } catch (error) {
      return {
        ok: false,
        error: { code: 'RUNTIME_ERROR', message: `Sandbox protocol violation: ${(error as Error).message}` },
      };
    }
    if (message.type === 'log') {
      // The cap is enforced here too: the host never relies on the subprocess to keep it.
      this.logs.add(message.level, this.sandbox.tidy(message.message));
      return undefined;
    }
    if (message.type === 'call') {
      void dispatchHostCall(this.options.hostFunctions, message.name, message.args as JsonValue[]).then(
        (answer) => {
          if (!this.finished) child.stdin?.write(`${JSON.stringify({ id: message.id, ...answer })}\n`);
        },
      );
      return undefined;
    }
    // What the runtime said it held when the script finished (metrics only: never trusted further).
    this.memoryBytes = message.memoryBytes;
    if (message.ok) return { ok: true, json: message.json };
    const error = fromGuestError(message.error);
    error.message = this.sandbox.tidy(error.message);
    if (error.stack) error.stack = this.sandbox.tidy(error.stack);
    return { ok: false, error };
  }

  private exitOutcome(
    exitCode: number | null,
    signal: NodeJS.Signals | null,
    stderr: string,
    cgroup: string | undefined,
  ): Outcome {
    const { memoryMb } = this.options.limits;
    if (
      /heap out of memory|Reached heap limit|out of memory/i.test(stderr) ||
      (cgroup && oomKilled(cgroup))
    ) {
      return { ok: false, error: memoryError(memoryMb) };
    }
    if (signal === 'SIGKILL' && cgroup) return { ok: false, error: memoryError(memoryMb) };
    return {
      ok: false,
      error: {
        code: 'RUNTIME_ERROR',
        message: `The sandbox process ended (${signal ?? `exit code ${exitCode}`}) before the script finished (it may have crashed or been killed). Run it again; if it keeps happening, check that \`${this.sandbox.binaryPath} --version\` runs.${stderr ? ` ${this.sandbox.tidy(stderr).trim().split('\n').slice(-3).join(' ')}` : ''}`,
      },
    };
  }
}
