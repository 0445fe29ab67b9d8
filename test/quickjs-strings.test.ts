/**
 * Strings into QuickJS's memory: the fast path (the engine's UTF-8 encoder) gives the same text as
 * Emscripten's own, non-ASCII and astral characters included, and a lone surrogate still arrives
 * as itself (it takes Emscripten's path). A host answer's long strings arrive whole in process and
 * on a script thread (where they cross as UTF-8 bytes): with accents and astral characters, with a
 * lone surrogate, and with NUL (which QuickJS would cut a raw string at).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/sandbox/contract.js';
import { LONG_STRING_CHARS } from '../src/sandbox/host.js';
import { QuickJSSandbox } from '../src/sandbox/quickjs/index.js';
import { ThreadedQuickJSSandbox } from '../src/sandbox/quickjs/threads.js';

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

  const threaded = ThreadedQuickJSSandbox.create(1);
  afterAll(async () => (await threaded).close());
  const long = (unit: string) => unit.repeat(Math.ceil((2 * LONG_STRING_CHARS) / unit.length));
  const answers = {
    'accents and astral characters': { a: long('héllo ✓ 𝄞 '), b: [long('plain ascii ')], n: 2 },
    'a lone surrogate': { a: `${long('x')}\ud800y`, b: [long('é')], n: 3 },
    NUL: { a: `${long('x')}\u0000tail`, b: [`\u0000${long('z')}`], n: 4 },
  };

  for (const [name, answer] of Object.entries(answers))
    it(`gives back a host answer's long strings whole, with ${name}, in process and on a thread`, async () => {
      const sandboxes: [string, Sandbox][] = [
        ['in process', await QuickJSSandbox.create()],
        ['on a thread', await threaded],
      ];
      for (const [where, sandbox] of sandboxes) {
        const run = await sandbox.run(
          'const v = await __host.get(); export default { ...v, lengths: [v.a.length, v.b[0].length] };',
          { modules: {}, hostFunctions: { get: async () => answer }, limits },
        );
        expect(run.error, where).toBeNull();
        expect(run.result, where).toEqual({ ...answer, lengths: [answer.a.length, answer.b[0]?.length] });
      }
    });
});
