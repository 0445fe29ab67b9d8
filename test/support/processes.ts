import { execFileSync } from 'node:child_process';

/** Pids of the live child processes of this process whose command line contains `match`. */
export function childPids(match: string): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are no children
  }
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes(match) && !/<defunct>/.test(line))
    .map((line) => Number(line.split(/\s+/)[0]));
}
