import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How the OS caps a run's memory: a cgroup (v2 or v1 memory controller), or nothing. */
export type MemoryEnforcement =
  | { kind: 'cgroup-v2'; root: string }
  | { kind: 'cgroup-v1'; root: string }
  | { kind: 'none'; reason: string };

/** Finds a cgroup this process may create children in, to cap each subprocess's memory. */
export function detectMemoryEnforcement(): MemoryEnforcement {
  const probe = (root: string) => {
    const dir = join(root, `toolscript-probe-${process.pid}`);
    try {
      mkdirSync(dir);
      rmdirSync(dir);
      return true;
    } catch {
      return false;
    }
  };
  if (existsSync('/sys/fs/cgroup/cgroup.controllers') && probe('/sys/fs/cgroup')) {
    return { kind: 'cgroup-v2', root: '/sys/fs/cgroup' };
  }
  if (existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') && probe('/sys/fs/cgroup/memory')) {
    return { kind: 'cgroup-v1', root: '/sys/fs/cgroup/memory' };
  }
  return {
    kind: 'none',
    reason:
      'no writable cgroup memory controller (run as root on Linux, or delegate a cgroup); only the V8 heap limit applies, so buffers outside the heap are not capped',
  };
}

/**
 * A new cgroup capping memory at `limitMb` MiB (swap off on v2), for one subprocess.
 * @returns its folder, or `undefined` when there is no controller or it cannot be made.
 */
export function createCgroup(memory: MemoryEnforcement, limitMb: number): string | undefined {
  if (memory.kind === 'none') return undefined;
  const cgroup = join(memory.root, `toolscript-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(cgroup);
    const bytes = String(limitMb * 1024 * 1024);
    if (memory.kind === 'cgroup-v2') {
      writeFileSync(join(cgroup, 'memory.max'), bytes);
      writeFileSync(join(cgroup, 'memory.swap.max'), '0');
    } else {
      writeFileSync(join(cgroup, 'memory.limit_in_bytes'), bytes);
    }
    return cgroup;
  } catch {
    return undefined;
  }
}

/** True when the kernel killed (or refused memory to) a process of this cgroup. */
export function oomKilled(cgroup: string): boolean {
  for (const file of ['memory.events', 'memory.oom_control', 'memory.failcnt']) {
    try {
      const text = readFileSync(join(cgroup, file), 'utf8');
      if (file === 'memory.events' && /oom_kill [1-9]/.test(text)) return true;
      if (file === 'memory.oom_control' && /oom_kill [1-9]/.test(text)) return true;
      if (file === 'memory.failcnt' && Number(text.trim()) > 0) return true;
    } catch {}
  }
  return false;
}

/** Removes a cgroup once its last process has exited (retried for 2 s). */
export function removeCgroup(cgroup: string): void {
  // The directory can be removed once its last process has exited; retry briefly.
  const attempt = (left: number) => {
    try {
      rmdirSync(cgroup);
    } catch {
      if (left > 0) setTimeout(() => attempt(left - 1), 50);
    }
  };
  attempt(40);
}

/**
 * Spawns `binary args` with `env` and piped stdio, inside `cgroup` when there is one: a shell moves
 * itself into the cgroup before it becomes the binary, so no allocation escapes it.
 */
export function spawnCapped(
  binary: string,
  args: string[],
  env: Record<string, string>,
  cgroup: string | undefined,
): ChildProcess {
  const stdio: ['pipe', 'pipe', 'pipe'] = ['pipe', 'pipe', 'pipe'];
  return cgroup
    ? spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, binary, ...args], {
        env,
        stdio,
      })
    : spawn(binary, args, { env, stdio });
}

/** The flags every sandbox Deno process starts with: no prompt, no remote or npm import, no config file. */
export const DENO_RUN_FLAGS = ['run', '--no-prompt', '--no-remote', '--no-npm', '--no-config', '--quiet'];
