import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Root of the checkout. */
export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Runs the CLI from the checkout's sources (`node --import tsx src/cli/main.ts ARGS`), as
 * `npm run cli` does, with its own data folder.
 * @returns the exit code and both outputs.
 */
export function spawnCli(
  args: string[],
  options: { dataDir: string; input?: string; cwd?: string; timeoutMs?: number },
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), resolve(ROOT, 'src/cli/main.ts'), ...args],
    {
      cwd: options.cwd ?? ROOT,
      encoding: 'utf8',
      input: options.input ?? '',
      env: { ...process.env, NO_COLOR: '1', TOOLSCRIPT_DATA_DIR: options.dataDir },
      timeout: options.timeoutMs ?? 60_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
