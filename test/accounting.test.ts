import { describe, expect, it } from 'vitest';
import { accountExecution, SAMPLE_CHARS, sampleText } from '../src/accounting/execution.js';
import { countTokens, truncateToTokens } from '../src/accounting/tokens.js';
import { resultText } from '../src/bridge/unwrap.js';

describe('token counting', () => {
  it('counts o200k_base tokens', () => {
    expect(countTokens('hello world')).toEqual({ tokens: 2, estimated: false });
    expect(countTokens('')).toEqual({ tokens: 0, estimated: false });
  });

  it('estimates huge texts from a sample, within a few percent', () => {
    const line = 'From: alice@example.org Subject: quarterly report 2024 totals\n';
    const huge = line.repeat(20_000);
    const exact = countTokens(line).tokens * 20_000;
    const counted = countTokens(huge);
    expect(counted.estimated).toBe(true);
    expect(Math.abs(counted.tokens - exact) / exact).toBeLessThan(0.05);
  });

  it('truncates to a token budget', () => {
    const cut = truncateToTokens('one two three four five six', 3);
    expect(cut).toMatchObject({ truncated: true, totalTokens: 6 });
    expect(countTokens(cut.text).tokens).toBe(3);
  });
});

describe('execution accounting', () => {
  const sample = (tokens: number) => sampleText(' x'.repeat(tokens));

  it('adds definitions, arguments and results, and bills every turn for directCumulative', () => {
    // ' x' is one o200k_base token, so each sample has exactly the given number of tokens.
    const { tokens, calls } = accountExecution({
      script: 'export default 1',
      output: 'Result:\n1',
      definitions: 1000,
      calls: [
        { args: sample(10), result: sample(100) },
        { args: sample(20), result: sample(200) },
      ],
    });
    expect(calls).toEqual([
      { argsTokens: 10, resultTokens: 100 },
      { argsTokens: 20, resultTokens: 200 },
    ]);
    expect(tokens.direct).toBe(1000 + 110 + 220);
    // Turns: [defs], [defs + call 1], [defs + call 1 + call 2].
    expect(tokens.directCumulative).toBe(1000 + 1110 + 1330);
    expect(tokens.codeMode).toBe(countTokens('export default 1').tokens + countTokens('Result:\n1').tokens);
    expect(tokens.reduction).toBeCloseTo(1 - tokens.codeMode / 1330, 10);
    expect(tokens).toMatchObject({ definitions: 1000, estimated: false, tokenizer: 'o200k_base' });
  });

  it('reports a negative reduction when code mode costs more, and none without tool calls', () => {
    const call = { args: sampleText('{}'), result: sampleText('x') };
    const worse = accountExecution({ script: ' x'.repeat(50), output: '', definitions: 10, calls: [call] });
    expect(worse.tokens.reduction).toBeLessThan(0);
    const none = accountExecution({ script: ' x'.repeat(50), output: '', definitions: 10, calls: [] });
    expect(none.tokens.reduction).toBe(0);
  });

  it('scales results kept as a sample and says so', () => {
    const big = ' x'.repeat(SAMPLE_CHARS);
    const { tokens, calls } = accountExecution({
      script: '',
      output: '',
      definitions: 0,
      calls: [{ args: sampleText('{}'), result: sampleText(big) }],
    });
    expect(tokens.estimated).toBe(true);
    expect(calls[0]?.resultTokens).toBe(SAMPLE_CHARS);
  });
});

describe('result text a direct-calling client shows', () => {
  it('joins text parts, and falls back to structuredContent', () => {
    expect(
      resultText({
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      }),
    ).toBe('a\nb');
    expect(resultText({ content: [], structuredContent: { n: 1 } })).toBe('{"n":1}');
    expect(resultText({ content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }] })).toBe(
      '{"type":"image","data":"AAAA","mimeType":"image/png"}',
    );
  });
});

describe("the counting worker's remembered counts", () => {
  it('answers a payload counted before as a fresh count would, and tells apart payloads that share a prefix', async () => {
    const run = (await import('../src/accounting/count-worker.js')).default;
    const mail = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `From: sender${i}@example.org\nSubject: invoice ${i}\n\nBody ${i}.\n`,
      ).join('---\n');
    const input = (result: string) => ({
      script: 'export default 1',
      output: '1',
      definitions: 10,
      calls: [{ args: sampleText('{}'), result: sampleText(result) }],
    });
    const account = (result: string) =>
      run({ kind: 'account', input: input(result) }) as ReturnType<typeof accountExecution>;
    const big = mail(6000);
    const fresh = accountExecution(input(big));
    const [first, again] = [account(big), account(big)];
    expect(first.calls).toEqual(fresh.calls);
    expect(again.calls).toEqual(fresh.calls);
    expect(again.tokens.direct).toBe(fresh.tokens.direct);
    // The same first SAMPLE_CHARS, a different length: scaled differently, not taken for the first.
    const longer = `${big}${'x'.repeat(50_000)}`;
    expect(longer.slice(0, SAMPLE_CHARS)).toBe(big.slice(0, SAMPLE_CHARS));
    expect(account(longer).calls).toEqual(accountExecution(input(longer)).calls);
    expect(account(longer).calls[0]?.resultTokens).not.toBe(first.calls[0]?.resultTokens);
    // One character changed at the start: counted again.
    const changed = `F${big.slice(1).replace('From', 'Frxm')}`;
    expect(account(changed).calls).toEqual(accountExecution(input(changed)).calls);
  });
});
