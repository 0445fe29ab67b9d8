import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { median } from './stats.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = resolve(ROOT, 'bin/toolscript.js');

function timeProcess(args: string[], input?: string): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { input: input ?? '', cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  return ms;
}

/**
 * Start-up of the built CLI: a trivial `exec` (`export default 6 * 7` on stdin, bundled default
 * config) against `node -e 0`, alternated `runs` times on the same machine; medians in ms and
 * their ratio. Builds dist/ first when it is missing.
 */
export function measureStartup(runs = 11): { nodeMs: number; execMs: number; ratio: number } {
  if (!existsSync(resolve(ROOT, 'dist/cli/main.js'))) {
    process.stderr.write('  (building dist/ for the start-up measurement)\n');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const node: number[] = [];
  const exec: number[] = [];
  timeProcess([BIN, 'exec', '-'], 'export default 1');
  for (let i = 0; i < runs; i++) {
    node.push(timeProcess(['-e', '0']));
    exec.push(timeProcess([BIN, 'exec', '-'], 'export default 6 * 7'));
  }
  const nodeMs = median(node);
  const execMs = median(exec);
  return { nodeMs, execMs, ratio: execMs / nodeMs };
}
