import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { median } from './stats.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Where to measure: the source checkout's built bin by default, or an installed package's. */
export interface StartupTarget {
  /** The `toolscript.js` bin to run. @default bin/toolscript.js of this checkout */
  bin?: string;
  /** Working folder (its config, if any, is used). @default the checkout */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs one process and times it, in ms.
 * @param expected a pattern its stdout must match, so a run that failed quietly is not timed.
 * @throws when the process exits non-zero or prints something else.
 */
function timeProcess(args: string[], target: StartupTarget, input = '', expected?: RegExp): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, {
    input,
    cwd: target.cwd ?? ROOT,
    encoding: 'utf8',
    ...(target.env ? { env: target.env } : {}),
  });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  if (expected && !expected.test(run.stdout))
    throw new Error(`${args.join(' ')} printed ${JSON.stringify(run.stdout.slice(0, 200))}, not ${expected}`);
  return ms;
}

/** Medians in ms of {@link measureStartup}, and the ratios to `node -e 0`. */
export interface StartupFigures {
  nodeMs: number;
  execMs: number;
  jsonMs: number;
  ratio: number;
  jsonRatio: number;
}

/**
 * Start-up of the built CLI: a trivial `exec` (`export default 6 * 7` on stdin, bundled default
 * config), plain and with `--json`, against `node -e 0`, alternated `runs` times on the same
 * machine; medians in ms and their ratios. Builds dist/ first when the checkout's is missing.
 * @throws when a run fails or does not print 42.
 */
export function measureStartup(runs = 11, target: StartupTarget = {}): StartupFigures {
  const bin = target.bin ?? resolve(ROOT, 'bin/toolscript.js');
  if (!target.bin && !existsSync(resolve(ROOT, 'dist/cli/main.js'))) {
    process.stderr.write('  (building dist/ for the start-up measurement)\n');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const node: number[] = [];
  const exec: number[] = [];
  const json: number[] = [];
  timeProcess([bin, 'exec', '-'], target, 'export default 1');
  for (let i = 0; i < runs; i++) {
    node.push(timeProcess(['-e', '0'], target));
    exec.push(timeProcess([bin, 'exec', '-'], target, 'export default 6 * 7', /^Result:\n42\n$/));
    json.push(timeProcess([bin, 'exec', '--json', '-'], target, 'export default 6 * 7', /"result":42\b/));
  }
  const nodeMs = median(node);
  const execMs = median(exec);
  const jsonMs = median(json);
  return { nodeMs, execMs, jsonMs, ratio: execMs / nodeMs, jsonRatio: jsonMs / nodeMs };
}
