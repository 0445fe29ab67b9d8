/**
 * Hints from an execution's own trace, against real servers (server-everything, the notes
 * server): each hint has a script that must earn it and one that must not.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { EVERYTHING, stdioServer } from './support/servers.js';

const NOTES = fileURLToPath(new URL('./support/notes-server.mjs', import.meta.url));

describe('execution hints', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await createGateway(
      parseConfig({
        mcpServers: {
          everything: stdioServer(...EVERYTHING, ['stdio']),
          notes: { command: process.execPath, args: [NOTES] },
        },
        dataDir: mkdtempSync(join(tmpdir(), 'toolscript-hints-')),
      }),
    );
  });
  afterAll(() => gateway.close());

  const codes = async (code: string, options: { maxOutputTokens?: number } = {}) => {
    const execution = await gateway.execute(code, options);
    return { codes: (execution.hints ?? []).map((h) => h.code), execution };
  };
  const SLOW = `import { triggerLongRunningOperation as slow } from './servers/everything';`;

  it('says when calls of one tool waited one after another, not when they ran together', async () => {
    const sequential = await codes(`${SLOW}
for (let i = 0; i < 5; i++) await slow({ duration: 0.02 + i / 1000, steps: 1 });
export default 'done';`);
    expect(sequential.codes).toContain('SEQUENTIAL_CALLS');
    expect(sequential.execution.output).toMatch(
      /\nhint: 5 calls of everything\.trigger-long-running-operation ran one after another \(\d+ ms in all\): calls that do not depend on each other can run at once with Promise\.all\.$/,
    );
    const together = await codes(`${SLOW}
await Promise.all([0, 1, 2, 3, 4].map((i) => slow({ duration: 0.02 + i / 1000, steps: 1 })));
export default 'done';`);
    expect(together.codes).not.toContain('SEQUENTIAL_CALLS');
    expect(together.execution.output).not.toContain('hint:');
  });

  it('says when the same call was made twice with the same arguments', async () => {
    const twice = await codes(`import { getSum } from './servers/everything';
const a = await getSum({ a: 1, b: 2 });
const b = await getSum({ a: 1, b: 2 });
export default [a, b];`);
    expect(twice.codes).toContain('REPEATED_CALL');
    expect(twice.execution.hints?.find((h) => h.code === 'REPEATED_CALL')?.text).toBe(
      'everything.get-sum was called 2 times with the same arguments: keep the first result in a variable.',
    );
    const different = await codes(`import { getSum } from './servers/everything';
export default [await getSum({ a: 1, b: 2 }), await getSum({ a: 2, b: 2 })];`);
    expect(different.codes).not.toContain('REPEATED_CALL');
    // Another tool of the server in between may have changed the answer: reading again is right.
    const between = await codes(`import { getSum, echo } from './servers/everything';
const a = await getSum({ a: 1, b: 2 });
await echo({ message: 'a write, for all the gateway knows' });
export default [a, await getSum({ a: 1, b: 2 })];`);
    expect(between.codes).not.toContain('REPEATED_CALL');
  });

  it('says when the answer was cut, and when one tool refused its arguments again', async () => {
    const cut = await codes(`export default 'word '.repeat(2000);`, { maxOutputTokens: 50 });
    expect(cut.codes).toEqual(['OUTPUT_CUT']);
    // In _meta only: the cut answer's closing note says what to do already.
    expect(cut.execution.hints?.[0]?.text).toMatch(/^The answer was cut to \d+ of \d+ tokens: /);
    expect(cut.execution.output).not.toContain('hint:');
    expect((await codes(`export default 'word '.repeat(20);`, { maxOutputTokens: 50 })).codes).toEqual([]);

    const refusing = (times: number) => `import { getSum } from './servers/everything';
let failed = 0;
for (let i = 0; i < ${times}; i++) { try { await getSum({ a: 'one' } as never); } catch { failed++; } }
export default failed;`;
    expect((await codes(refusing(2))).codes).toContain('INVALID_ARGUMENTS');
    expect((await codes(refusing(1))).codes).not.toContain('INVALID_ARGUMENTS');
  });

  it('says honestly when code mode cost more tokens than calling the tool directly', async () => {
    // Direct calling loads every tool's definition: one small server keeps that small.
    const small = await createGateway(
      parseConfig({
        mcpServers: { notes: { command: process.execPath, args: [NOTES] } },
        dataDir: mkdtempSync(join(tmpdir(), 'toolscript-hints-')),
      }),
    );
    const codes = async (code: string) => {
      const execution = await small.execute(code);
      return { codes: (execution.hints ?? []).map((h) => h.code), execution };
    };
    const padding = `// ${'This comment makes the script long, far longer than the one call it makes. '.repeat(80)}`;
    const costly = await codes(`${padding}
import { summarize } from './servers/notes';
export default (await summarize({ path: 'ideas.md' })).summary;`);
    expect(costly.execution.tokens.codeMode).toBeGreaterThan(costly.execution.tokens.direct);
    expect(costly.codes).toContain('CODE_MODE_COST');
    // Not a line of the answer: the model cannot act on it in this script.
    expect(costly.execution.output).not.toContain('hint:');
    const cheap = await codes(`import { summarize } from './servers/notes';
export default (await summarize({ path: 'ideas.md' })).summary;`);
    expect(cheap.execution.tokens.codeMode).toBeLessThanOrEqual(cheap.execution.tokens.direct);
    expect(cheap.codes).toEqual([]);
    await small.close();
  });
});
