import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import type { JsonValue, Sandbox, SandboxRunOptions, SandboxRunResult } from '../../sandbox.js';
import { pausableDeadline } from '../clock.js';
import { cancelledError, memoryError, type Outcome, timeoutError } from '../errors.js';
import { DEFAULT_MAX_LOG_CHARS, dispatchHostCall, fromGuestError, LogCollector, runResult } from '../host.js';
import { bundle } from './bundle.js';
import { makeSandboxFolder } from './folders.js';
import { DENO_INSTALL_HINT, locateDeno } from './locate.js';
import {
  createCgroup,
  detectMemoryEnforcement,
  type MemoryEnforcement,
  oomKilled,
  removeCgroup,
} from './memory.js';
import { RUNNER_SOURCE } from './runner.js';

export { detectMemoryEnforcement, type MemoryEnforcement } from './memory.js';

/** Memory the Deno runtime needs besides the script's heap, added to the cgroup limit, in MiB. */
const RUNTIME_OVERHEAD_MB = 160;
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
  z.object({ type: z.literal('done'), ok: z.literal(true), json: z.string().optional() }),
  z.object({ type: z.literal('done'), ok: z.literal(false), error: errorShape }),
]);

/** Options of {@link DenoSandbox.create}. */
export interface DenoSandboxOptions {
  /** Where warnings go (the cgroup notice at start). @default process.stderr */
  warn?: (message: string) => void;
  /** Environment in which Deno is looked for (`TOOLSCRIPT_DENO`, `PATH`). @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * A {@link Sandbox} that runs each script in a fresh Deno subprocess (the `deno` npm package's
 * binary) with every permission denied: no `--allow-*`, `--no-prompt`, `--no-remote`, `--no-npm`,
 * `--no-config`, a private `DENO_DIR` and an empty environment. The host bundles the script with
 * its modules (esbuild), so the subprocess imports nothing from disk or network. Host functions
 * and console output cross a JSON-lines bridge on stdin/stdout in which the host validates every
 * message (zod) and ignores anything without the run's nonce. The timeout is a SIGKILL; memory is
 * capped by a cgroup when one can be created (see {@link detectMemoryEnforcement}), and by V8's
 * `--max-old-space-size` always.
 */
export class DenoSandbox implements Sandbox {
  private constructor(
    readonly binaryPath: string,
    private readonly runner: string,
    private readonly denoDir: string,
    readonly memory: MemoryEnforcement,
    private readonly folder: string,
  ) {}

  /**
   * Finds the Deno binary and writes the runner. Says on `warn` when memory cannot be capped by
   * the OS.
   * @throws {ConfigError} when no Deno binary is found (see {@link locateDeno}).
   */
  static async create(options: DenoSandboxOptions = {}): Promise<DenoSandbox> {
    const binary = locateDeno(options.env);
    if (!binary)
      throw new ConfigError(
        `sandbox.backend "deno" needs Deno, which was not found (${DENO_INSTALL_HINT})`,
        undefined,
      );
    const dir = makeSandboxFolder();
    const runner = join(dir, 'runner.js');
    writeFileSync(runner, RUNNER_SOURCE);
    // Node built-ins exist in Deno without any permission; map every one to a module that does not
    // exist, so \`import('node:' + name)\` fails like any other unknown module.
    const blocked: Record<string, string> = {};
    for (const name of builtinModules) {
      const bare = name.replace(/^node:/, '');
      blocked[`node:${bare}`] = `./blocked/${bare}.js`;
      blocked[bare] = `./blocked/${bare}.js`;
    }
    writeFileSync(join(dir, 'import-map.json'), JSON.stringify({ imports: blocked }));
    const denoDir = join(dir, 'deno-dir');
    mkdirSync(denoDir);
    const memory = detectMemoryEnforcement();
    if (memory.kind === 'none') {
      (options.warn ?? ((m) => process.stderr.write(`${m}\n`)))(
        `toolscript: deno sandbox: memory is not capped by the OS: ${memory.reason}.`,
      );
    }
    const sandbox = new DenoSandbox(binary, runner, denoDir, memory, dir);
    // Also when the process exits without closing the gateway.
    process.once('exit', sandbox.removeFolder);
    return sandbox;
  }

  /**
   * `text` (a log line, an error message or stack, the subprocess's stderr) without host paths:
   * this sandbox's temporary folder becomes `<sandbox>` and the script's `data:` URL `script`.
   */
  tidy(text: string): string {
    return text
      .replaceAll(`file://${this.folder}`, '<sandbox>')
      .replaceAll(this.folder, '<sandbox>')
      .replace(/data:text\/javascript;base64,[A-Za-z0-9+/=.]+/g, 'script');
  }

  /** Removes this sandbox's temporary folder (runner, import map, DENO_DIR). */
  close(): void {
    process.off('exit', this.removeFolder);
    this.removeFolder();
  }

  private readonly removeFolder = (): void => {
    rmSync(this.folder, { recursive: true, force: true });
  };

  async run(code: string, options: SandboxRunOptions): Promise<SandboxRunResult> {
    const started = performance.now();
    const bundled = await bundle(code, options);
    if (!bundled.ok) {
      return {
        ok: false,
        result: undefined,
        logs: [],
        error: bundled.error,
        ms: performance.now() - started,
      };
    }
    return new DenoRun(this, options).execute(bundled.code, started);
  }

  /** Spawns the subprocess, inside a new cgroup when available. */
  spawn(memoryMb: number): { child: ChildProcess; cgroup: string | undefined } {
    const args = [
      'run',
      '--no-prompt',
      '--no-remote',
      '--no-npm',
      '--no-config',
      '--quiet',
      `--v8-flags=--max-old-space-size=${memoryMb}`,
      `--import-map=${join(this.runner, '..', 'import-map.json')}`,
      this.runner,
    ];
    const env = { DENO_DIR: this.denoDir, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
    const cgroup = createCgroup(this.memory, memoryMb + RUNTIME_OVERHEAD_MB);
    // The shell moves itself into the cgroup before it becomes Deno, so no allocation escapes it.
    const child = cgroup
      ? spawn(
          '/bin/sh',
          ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, this.binaryPath, ...args],
          {
            env,
            stdio: ['pipe', 'pipe', 'pipe'],
          },
        )
      : spawn(this.binaryPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    return { child, cgroup };
  }
}

/** One execution in one subprocess. */
class DenoRun {
  private readonly logs: LogCollector;
  private readonly nonce = randomBytes(16).toString('hex');
  private finished = false;

  constructor(
    private readonly sandbox: DenoSandbox,
    private readonly options: SandboxRunOptions,
  ) {
    this.logs = new LogCollector(options.limits.maxLogChars);
  }

  async execute(code: string, started: number): Promise<SandboxRunResult> {
    const { timeoutMs, memoryMb } = this.options.limits;
    const { child, cgroup } = this.sandbox.spawn(memoryMb);
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
      const timer = pausableDeadline(timeoutMs, this.options.clock, () =>
        finish({ ok: false, error: timeoutError(timeoutMs) }),
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
          nonce: this.nonce,
          code,
          hostFunctions: Object.keys(this.options.hostFunctions),
          maxLogChars: this.options.limits.maxLogChars ?? DEFAULT_MAX_LOG_CHARS,
        })}\n`,
      );
    });
    child.kill('SIGKILL');
    if (cgroup) removeCgroup(cgroup);
    return runResult(outcome, this.logs, started);
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
