import { readFileSync } from 'node:fs';
import type { RunClock } from './contract.js';

/**
 * A deadline that does not advance while its {@link RunClock} is paused (a person deciding on an
 * approval), except by the time the script spends computing meanwhile: a paused clock stops the
 * wait from counting, never the script's own work, so a script cannot outwait its limit by
 * spinning while a call waits for a person.
 */
export interface PausableDeadline {
  /** True when the time is up. */
  overdue(): boolean;
  /** Counts `ms` of the script's running time against the limit while paused (no-op otherwise). */
  charge(ms: number): void;
  /** Stops the timer and stops listening to the clock. */
  cancel(): void;
}

/** How often a paused deadline reads the CPU time of the process that runs the script, in ms. */
const CPU_POLL_MS = 100;

/**
 * Calls `onExpire` once `ms` of counted time has passed: wall time while the clock runs, plus,
 * while it is paused, what {@link PausableDeadline.charge} adds and the CPU time `cpuMs` reports
 * (read every 100 ms). Without a clock it is a plain timer.
 * @param cpuMs CPU time used so far by the process that runs the script, in ms (e.g.
 *   {@link processCpuMs}); undefined when it cannot be read.
 */
export function pausableDeadline(
  ms: number,
  clock: RunClock | undefined,
  onExpire: () => void,
  cpuMs?: () => number | undefined,
): PausableDeadline {
  let deadline = Date.now() + ms;
  let pausedAt = 0;
  /** Counted time spent while paused. */
  let spent = 0;
  let cpuAtPause: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let poller: NodeJS.Timeout | undefined;
  let expired = false;
  const expire = () => {
    if (expired) return;
    expired = true;
    clearTimeout(timer);
    clearInterval(poller);
    onExpire();
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(expire, Math.max(0, deadline - Date.now()));
  };
  const remainingWhilePaused = () => deadline - pausedAt - spent;
  const charge = (used: number) => {
    if (!clock?.paused || used <= 0) return;
    spent += used;
    if (remainingWhilePaused() <= 0) expire();
  };
  const pollCpu = () => {
    const now = cpuMs?.();
    if (now === undefined || cpuAtPause === undefined) return;
    charge(now - cpuAtPause);
    cpuAtPause = now;
  };
  const onPause = () => {
    clearTimeout(timer);
    pausedAt = Date.now();
    spent = 0;
    // Time already up (the timer could not fire while a script held the event loop): expire now.
    if (remainingWhilePaused() <= 0) return expire();
    cpuAtPause = cpuMs?.();
    if (cpuAtPause !== undefined) {
      poller = setInterval(pollCpu, CPU_POLL_MS);
      poller.unref();
    }
  };
  const unsubscribe = clock?.onChange((paused) => {
    if (expired) return;
    if (paused) return onPause();
    pollCpu();
    clearInterval(poller);
    deadline += Date.now() - pausedAt - spent;
    arm();
  });
  if (clock?.paused) onPause();
  else arm();
  return {
    overdue: () => expired || (clock?.paused ? remainingWhilePaused() <= 0 : Date.now() > deadline),
    charge,
    cancel: () => {
      clearTimeout(timer);
      clearInterval(poller);
      unsubscribe?.();
    },
  };
}

/**
 * CPU time (user + system) a process has used, in ms, from `/proc/<pid>/stat` (Linux; clock ticks
 * of 10 ms, `CLK_TCK` = 100 as on every mainstream Linux build). Undefined where there is no
 * `/proc` or the process is gone.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
