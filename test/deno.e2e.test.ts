import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { DenoSandbox } from '../src/sandbox/deno/index.js';
import { childPids } from './support/processes.js';
import { DENO_AVAILABLE } from './support/sandboxes.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';
import { DATA_DIR, RAINY_DAYS, WEATHER_CSV } from './support/weather.js';

const CSV = WEATHER_CSV;
const RAINY = RAINY_DAYS;

describe.runIf(DENO_AVAILABLE)('sandbox.backend "deno" through the gateway (real filesystem server)', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-deno-'));
    gateway = await createGateway(
      parseConfig({
        mcpServers: { fs: stdioServer(...FILESYSTEM, [DATA_DIR]) },
        dataDir: dir,
        sandbox: { backend: 'deno', timeoutMs: 5_000 },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs scripts that import bindings and call tools, with the same answers as QuickJS', async () => {
    const code = `import * as fs from './servers/fs';
      import { state } from './runtime';
      const file = await fs.readTextFile({ path: ${JSON.stringify(CSV)} });
      const text = typeof file === 'string' ? file : (file as { content: string }).content;
      const rainy = text.trim().split('\\n').slice(1).filter((l) => l.endsWith(',rain')).length;
      await state.set('rainy', rainy);
      console.log('counted');
      export default { rainy, again: await state.get('rainy') };`;
    const execution = await gateway.execute(code, { session: 'deno-1' });
    expect(execution.error).toBeNull();
    expect(execution.result).toEqual({ rainy: RAINY, again: RAINY });
    expect(execution.logs).toEqual(['counted']);
    expect(execution.calls).toHaveLength(1);
  });

  it('reports unknown tools, missing modules and timeouts with the usual codes, leaving no process', async () => {
    const unknown = await gateway.execute(
      `import { nope } from './servers/fs'; export default await nope();`,
    );
    expect(unknown.error?.code).toBe('UNKNOWN_TOOL');
    const missing = await gateway.execute(`import x from './servers/nothing'; export default x;`);
    expect(missing.error?.code).toBe('UNKNOWN_TOOL');
    const timeout = await gateway.execute('for (;;) {}', { timeoutMs: 300 });
    expect(timeout.error?.code).toBe('TIMEOUT');
    await new Promise((r) => setTimeout(r, 200));
    expect(childPids('deno run')).toEqual([]);
  });

  it('says at start-up how memory is capped', async () => {
    const warnings: string[] = [];
    const sandbox = await DenoSandbox.create({ warn: (m) => warnings.push(m) });
    if (sandbox.memory.kind === 'none') expect(warnings[0]).toContain('memory is not capped by the OS');
    else expect(warnings).toEqual([]);
  });
});

describe.runIf(DENO_AVAILABLE)('Deno sandbox temporary folders', () => {
  it('are removed when the gateway closes, and stale ones of dead processes are swept at start', async () => {
    const { readdirSync, mkdirSync, writeFileSync, existsSync } = await import('node:fs');
    const stale = join(tmpdir(), 'toolscript-deno-stale-test');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'owner.pid'), '999999999');
    const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('toolscript-deno-')));
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-denodirs-'));
    const gateway = await createGateway(
      parseConfig({ mcpServers: {}, dataDir: dir, sandbox: { backend: 'deno' } }),
    );
    expect(existsSync(stale)).toBe(false);
    const { readFileSync } = await import('node:fs');
    const ownedHere = (n: string) => {
      try {
        return readFileSync(join(tmpdir(), n, 'owner.pid'), 'utf8') === String(process.pid);
      } catch {
        return false;
      }
    };
    // Other test files may make Deno sandboxes at the same time: keep this process's new folders.
    const mine = readdirSync(tmpdir()).filter(
      (n) => n.startsWith('toolscript-deno-') && !before.has(n) && ownedHere(n),
    );
    expect(mine).toHaveLength(1);
    await gateway.close();
    expect(existsSync(join(tmpdir(), mine[0] as string))).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });
});

describe.runIf(DENO_AVAILABLE)('Deno bridge against a script that patches builtins', () => {
  it('never shows the script a line of the bridge, so it cannot learn the nonce or forge messages', async () => {
    const sandbox = await DenoSandbox.create({ warn: () => {} });
    try {
      const run = await sandbox.run(
        `const seen = [];
         TextEncoder.prototype.encode = function (text) { seen.push(String(text)); return new Uint8Array(0); };
         TextEncoder.prototype.encodeInto = function (text) { seen.push(String(text)); return { read: 0, written: 0 }; };
         Uint8Array.prototype.subarray = function () { seen.push('subarray'); return new Uint8Array(0); };
         Object.defineProperty(Object.getPrototypeOf(Uint8Array.prototype), 'length', {
           get() { seen.push('length'); return 0; }, configurable: true,
         });
         JSON.stringify = () => '{"type":"done","ok":true,"json":"\\\\"forged\\\\""}';
         console.log('hello');
         export default seen.length;`,
        { modules: () => undefined, hostFunctions: {}, limits: { timeoutMs: 10_000, memoryMb: 128 } },
      );
      expect(run.error).toBeNull();
      expect(run.result).toBe(0);
      expect(run.logs).toEqual([{ level: 'log', message: 'hello' }]);
    } finally {
      sandbox.close();
    }
  });

  it('cannot steer JSON.stringify of a message through toJSON on the prototypes', async () => {
    const sandbox = await DenoSandbox.create({ warn: () => {} });
    const received: unknown[] = [];
    try {
      const run = await sandbox.run(
        `const forged = () => ({ type: 'done', ok: true, json: '"forged"' });
         Object.prototype.toJSON = forged;
         let got;
         try { got = await __host.echo({ a: [1, 2] }); } catch (e) { got = e.name; }
         console.log('still here');
         delete Object.prototype.toJSON;
         export default { got, after: await __host.echo([3]) };`,
        {
          modules: () => undefined,
          hostFunctions: {
            echo: async (...args) => {
              received.push(args);
              return args;
            },
          },
          limits: { timeoutMs: 10_000, memoryMb: 128 },
        },
      );
      // toJSON only ever changes the script's own values: a call whose arguments it turned into
      // something else fails in the script, the log goes out as a log, and the next call works.
      expect(run.error).toBeNull();
      expect(run.result).toEqual({ got: 'TypeError', after: [[3]] });
      expect(received).toEqual([[[3]]]);
      expect(run.logs).toEqual([{ level: 'log', message: 'still here' }]);
    } finally {
      sandbox.close();
    }
  });
});
