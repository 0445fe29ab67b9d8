import { describe, expect, it } from 'vitest';
import { FairTurns } from '../src/sandbox/python/turns.js';

describe('FairTurns (who runs the next Python script)', () => {
  it('runs at most max at once, and gives a freed turn to the owner with the fewest running', async () => {
    const turns = new FairTurns(2);
    const started: string[] = [];
    const ask = (owner: string) => turns.acquire(owner).then((got) => got && started.push(owner));
    // One session sends five scripts; another sends one a moment later.
    const burst = [1, 2, 3, 4, 5].map((n) => ask(`burst`).then(() => n));
    await Promise.resolve();
    const other = ask('other');
    await Promise.resolve();
    expect(started).toEqual(['burst', 'burst']);
    expect(turns.waiting).toBe(4);
    turns.release('burst');
    await other;
    // The other session was asked last, but runs none: it goes before the burst's third.
    expect(started).toEqual(['burst', 'burst', 'other']);
    turns.release('burst');
    turns.release('other');
    turns.release('burst');
    turns.release('burst');
    await Promise.all(burst);
    expect(started.filter((o) => o === 'burst')).toHaveLength(5);
    expect(turns.waiting).toBe(0);
  });

  it('drops a waiter whose signal aborts, and gives its turn to the next', async () => {
    const turns = new FairTurns(1);
    expect(await turns.acquire('a')).toBe(true);
    const controller = new AbortController();
    const cancelled = turns.acquire('b', controller.signal);
    const next = turns.acquire('c');
    controller.abort();
    expect(await cancelled).toBe(false);
    expect(turns.waiting).toBe(1);
    turns.release('a');
    expect(await next).toBe(true);
    expect(await turns.acquire('d', AbortSignal.abort())).toBe(false);
  });
});
