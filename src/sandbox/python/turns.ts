/**
 * Turns to run scripts, shared fairly across owners (sessions): at most `max` run at once; a script
 * asking while all turns are taken waits, and each turn that frees goes to the waiting owner with
 * the fewest scripts running (the oldest waiter among equals). One owner's burst so waits behind
 * itself, not in front of another owner's script.
 */
export class FairTurns {
  private readonly running = new Map<string, number>();
  private total = 0;
  private readonly queue: { owner: string; start: () => void }[] = [];

  /** @param max turns at once, at least 1. */
  constructor(private readonly max: number) {}

  /** Scripts waiting for a turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves once `owner` holds a turn (true), or false when `signal` aborted first; a true must be
   * given back with {@link release}.
   */
  acquire(owner: string, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.total < Math.max(1, this.max) && this.queue.length === 0) {
      this.take(owner);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = {
        owner,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.take(owner);
          resolve(true);
        },
      };
      const onAbort = () => {
        const at = this.queue.indexOf(entry);
        if (at >= 0) this.queue.splice(at, 1);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  /** Gives `owner`'s turn back, and hands it to the next waiter (see the class doc). */
  release(owner: string): void {
    this.total--;
    const left = (this.running.get(owner) ?? 1) - 1;
    if (left > 0) this.running.set(owner, left);
    else this.running.delete(owner);
    const load = (entry: { owner: string }) => this.running.get(entry.owner) ?? 0;
    let next: (typeof this.queue)[number] | undefined;
    for (const entry of this.queue) if (!next || load(entry) < load(next)) next = entry;
    if (!next) return;
    this.queue.splice(this.queue.indexOf(next), 1);
    next.start();
  }

  private take(owner: string): void {
    this.total++;
    this.running.set(owner, (this.running.get(owner) ?? 0) + 1);
  }
}
