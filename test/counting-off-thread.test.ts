import { describe, expect, it } from 'vitest';
import { accountOffThread, countTokensOffThread, truncateOffThread } from '../src/accounting/counter.js';
import { accountExecution, sampleText } from '../src/accounting/execution.js';
import { countTokens, truncateToTokens } from '../src/accounting/tokens.js';
import { watchEventLoop } from './support/loop-gap.js';

/** Texts that are slow for a BPE tokenizer: long runs without spaces, CJK, control characters. */
const hostile = [
  `x${'\u00a0'.repeat(50_000)}`,
  '漢字仮名交じり文'.repeat(12_500),
  '\u0001'.repeat(150_000),
  '%a'.repeat(60_000),
];

describe('token counting on the worker thread', () => {
  it('gives the same counts, accounting and cuts as counting on this thread', async () => {
    const texts = ['hello world', '', ...hostile];
    expect(await countTokensOffThread(texts)).toEqual(texts.map((text) => countTokens(text)));
    const input = {
      script: 'return 1',
      output: 'Result: 1',
      definitions: 40,
      calls: [{ args: sampleText('{"a":1}'), result: sampleText(hostile[1] as string) }],
    };
    const { tokens, calls } = await accountOffThread(input);
    const here = accountExecution(input);
    expect(calls).toEqual(here.calls);
    expect({ ...tokens, countingMs: 0 }).toEqual({ ...here.tokens, countingMs: 0 });
    expect(await truncateOffThread(hostile[0] as string, 100)).toEqual(
      truncateToTokens(hostile[0] as string, 100),
    );
  });

  it('keeps the event loop free while it counts hostile text', async () => {
    await countTokensOffThread(['warm the worker up']);
    const texts = Array.from({ length: 12 }, () => hostile).flat();
    const loop = watchEventLoop();
    const started = performance.now();
    const counted = await countTokensOffThread(texts, 60_000);
    const took = performance.now() - started;
    const longestGap = await loop.stop();
    expect(counted.every((c) => c.tokens > 0)).toBe(true);
    // On this thread the loop would stall for the whole count; here it keeps ticking.
    expect(took).toBeGreaterThan(100);
    expect(longestGap).toBeLessThan(took / 2);
  });

  it('past its deadline stops the worker and estimates from length; the next count is exact again', async () => {
    const huge = Array.from({ length: 40 }, () => hostile).flat();
    const [first] = await countTokensOffThread(huge, 1);
    expect(first).toEqual({ tokens: Math.ceil((hostile[0] as string).length / 4), estimated: true });
    const cut = await truncateOffThread('é'.repeat(5_000), 11, 1);
    expect(cut).toMatchObject({ text: 'é'.repeat(5), truncated: true, estimated: true });
    expect(await countTokensOffThread(['hello world'])).toEqual([{ tokens: 2, estimated: false }]);
  });
});
