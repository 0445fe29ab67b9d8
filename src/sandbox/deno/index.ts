import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { Sandbox, SandboxRunOptions, SandboxRunResult } from '../contract.js';
import { makeSandboxFolder, writeBlockedImportMap } from '../subprocess/folders.js';
import { DENO_INSTALL_HINT, locateDeno } from '../subprocess/locate.js';
import {
  createCgroup,
  DENO_RUN_FLAGS,
  detectMemoryEnforcement,
  type MemoryEnforcement,
  spawnCapped,
} from '../subprocess/memory.js';
import { SubprocessRun } from '../subprocess/run.js';
import { bundle } from './bundle.js';
import { RUNNER_SOURCE } from './runner.js';

export { detectMemoryEnforcement, type MemoryEnforcement } from '../subprocess/memory.js';

/** Memory the Deno runtime needs besides the script's heap, added to the cgroup limit, in MiB. */
const RUNTIME_OVERHEAD_MB = 160;
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
    writeBlockedImportMap(dir);
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
    const spawned = this.spawn(options.limits.memoryMb);
    return new SubprocessRun(this, options, spawned).execute({ code: bundled.code }, started);
  }

  /** Spawns the subprocess, inside a new cgroup when available. */
  spawn(memoryMb: number): { child: ChildProcess; cgroup: string | undefined } {
    const args = [
      ...DENO_RUN_FLAGS,
      // The runner's buffer budget (see buffers.ts) collects garbage before it counts: V8 then
      // gives a global `__toolscript_gc`, which V8 will not let go (a script may only collect with it).
      `--v8-flags=--max-old-space-size=${memoryMb},--expose-gc-as=__toolscript_gc`,
      `--import-map=${join(this.runner, '..', 'import-map.json')}`,
      this.runner,
    ];
    const env = { DENO_DIR: this.denoDir, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
    const cgroup = createCgroup(this.memory, memoryMb + RUNTIME_OVERHEAD_MB);
    const child = spawnCapped(this.binaryPath, args, env, cgroup);
    return { child, cgroup };
  }
}
