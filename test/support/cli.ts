import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { CliIO } from '../../src/cli/shared.js';

/** Root of the checkout. */
export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Runs the CLI from the checkout's sources (`node --import tsx src/cli/main.ts ARGS`), as
 * `npm run cli` does, with its own data folder.
 * @returns the exit code and both outputs.
 */
export function spawnCli(
  args: string[],
  options: { dataDir: string; input?: string; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), resolve(ROOT, 'src/cli/main.ts'), ...args],
    {
      cwd: options.cwd ?? ROOT,
      encoding: 'utf8',
      input: options.input ?? '',
      env: { ...process.env, NO_COLOR: '1', TOOLSCRIPT_DATA_DIR: options.dataDir, ...options.env },
      timeout: options.timeoutMs ?? 60_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * {@link spawnCli} without blocking this process: for a CLI command that talks to a server this
 * test process runs.
 */
export function spawnCliAsync(
  args: string[],
  options: { dataDir: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), resolve(ROOT, 'src/cli/main.ts'), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', TOOLSCRIPT_DATA_DIR: options.dataDir, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/**
 * How to start `toolscript serve --config FILE` (stdio) from the checkout's sources, for an MCP
 * client's stdio transport (`{ command, args }`).
 */
export function serveOverStdio(config: string): {
  command: string;
  args: string[];
  env: Record<string, string>;
} {
  return {
    // The whole environment: the SDK's stdio transport passes only a few variables by default,
    // and the test file's own data folder (TOOLSCRIPT_DATA_DIR) must reach the server.
    env: { ...process.env } as Record<string, string>,
    command: process.execPath,
    args: [
      '--import',
      import.meta.resolve('tsx'),
      resolve(ROOT, 'src/cli/main.ts'),
      'serve',
      '--config',
      config,
    ],
  };
}

/** A `CliIO` that keeps what the CLI prints, for in-process `runCli` calls; `extra` adds fields. */
export function captureIO(extra: Partial<CliIO> = {}): {
  out: { stdout: string; stderr: string };
  io: CliIO;
} {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    readStdin: async () => '',
    ...extra,
  };
  return { out, io };
}
