/**
 * Strings into QuickJS's memory: the fast path (the engine's UTF-8 encoder) gives the same text as
 * Emscripten's own, non-ASCII and astral characters included, and a lone surrogate still arrives
 * as itself (it takes Emscripten's path).
 */
import { describe, expect, it } from 'vitest';
import { QuickJSSandbox } from '../src/sandbox/quickjs/index.js';

const limits = { timeoutMs: 10_000, memoryMb: 128 };

describe('strings into QuickJS', () => {
  it('keeps every character of sources and host results, lone surrogates included', async () => {
    const sandbox = await QuickJSSandbox.create();
    const lone = '\ud800';
    const source = await sandbox.run(
      `import { v } from './m'; export default [v.length, v.charCodeAt(1), "é✓𝄞", "x${lone}".charCodeAt(1)];`,
      { modules: { m: `export const v = "a${lone}b";` }, hostFunctions: {}, limits },
    );
    expect(source.result).toEqual([3, 0xd800, 'é✓𝄞', 0xd800]);
    const big = { text: 'héllo ✓ 𝄞 '.repeat(200_000), n: 1 };
    const round = await sandbox.run(
      `const v = await __host.get(); export default [v.text.length, v.text.slice(0, 12), v.n];`,
      { modules: {}, hostFunctions: { get: async () => big }, limits },
    );
    expect(round.error).toBeNull();
    expect(round.result).toEqual([big.text.length, big.text.slice(0, 12), 1]);
  });
});
