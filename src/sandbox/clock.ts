import type { RunClock } from '../sandbox.js';

/** A deadline that does not advance while its {@link RunClock} is paused. */
export interface PausableDeadline {
  /** True when the time is up (never while paused). */
  overdue(): boolean;
  /** Stops the timer and stops listening to the clock. */
  cancel(): void;
}

/**
 * Calls `onExpire` once `ms` of unpaused time has passed (`setTimeout`, re-armed after each pause).
 * Without a clock it is a plain timer.
 */
export function pausableDeadline(
  ms: number,
  clock: RunClock | undefined,
  onExpire: () => void,
): PausableDeadline {
  let deadline = Date.now() + ms;
  let pausedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(onExpire, Math.max(0, deadline - Date.now()));
  };
  const unsubscribe = clock?.onChange((paused) => {
    if (paused) {
      clearTimeout(timer);
      pausedAt = Date.now();
    } else {
      deadline += Date.now() - pausedAt;
      arm();
    }
  });
  if (clock?.paused) pausedAt = Date.now();
  else arm();
  return {
    overdue: () => !clock?.paused && Date.now() > deadline,
    cancel: () => {
      clearTimeout(timer);
      unsubscribe?.();
    },
  };
}
