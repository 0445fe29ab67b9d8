/** The session ledger (accounting/session.ts) for a client that calls tools directly (config `expose`). */
import { describe, expect, it } from 'vitest';
import type { ExecutionTokens } from '../src/accounting/execution.js';
import { SessionLedger } from '../src/accounting/session.js';

const tokens = (direct: number, definitions: number): ExecutionTokens => ({
  codeMode: 0,
  direct,
  directCumulative: direct,
  reduction: 0,
  definitions,
  estimated: false,
  tokenizer: 'o200k_base',
  countingMs: 0,
});

describe('SessionLedger.recordDirectCall', () => {
  it('counts a direct call on both sides, and what the client loaded against every upstream definition', () => {
    // The client loaded 800 tokens of tools (the ones it may call directly); all upstream tools are 1,000.
    const ledger = new SessionLedger(800);
    ledger.recordDirectCall(tokens(1_000 + 300, 1_000));
    ledger.recordDirectCall(tokens(1_000 + 200, 1_000));
    const summary = ledger.summary();
    expect(summary.codeMode).toBe(800 + 300 + 200);
    expect(summary.direct).toBe(1_000 + 300 + 200);
    expect(summary.reduction).toBeCloseTo(1 - 1_300 / 1_500, 10);
    // Direct calls are not executions.
    expect(summary.executions).toBe(0);
  });
});
