/**
 * Watches this thread's event loop with a 5 ms ticker. `stop()` (after one more tick) gives the
 * longest gap between ticks, in ms: how long anything else on this loop (another session) could
 * have waited.
 */
export function watchEventLoop(): { stop(): Promise<number> } {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    longest = Math.max(longest, performance.now() - last);
    last = performance.now();
  }, 5);
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 20));
      clearInterval(ticker);
      return longest;
    },
  };
}
