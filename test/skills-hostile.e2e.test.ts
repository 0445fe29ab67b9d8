import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { watchEventLoop } from './support/loop-gap.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';
import { DATA_DIR } from './support/weather.js';

describe('save_skill with hostile code', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-skill-hostile-'));
    gateway = await createGateway(
      parseConfig({
        mcpServers: { files: stdioServer(...FILESYSTEM, [DATA_DIR]) },
        dataDir: join(dir, 'data'),
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('never lets the type checker read a host file', async () => {
    const secret = join(dir, 'secrets.ts');
    await writeFile(secret, `export const config = { DB_PASSWORD: 'hunter2-db-password' } as const;\n`);
    for (const specifier of [secret, secret.replace(/\.ts$/, ''), `../../../../../../..${secret}`]) {
      const saving = gateway.skills.save({
        name: 'leak',
        description: 'Tries to read a host file through the type checker.',
        code: `import { config } from ${JSON.stringify(specifier)};\nexport const leaked: number = config;\n`,
      });
      await expect(saving).rejects.toThrow(/Cannot find module/);
      await expect(saving).rejects.not.toThrow(/hunter2/);
    }
  });

  it('refuses a skill over 128 KiB before compiling it', async () => {
    const code = `export const big = ${JSON.stringify('x'.repeat(200 * 1024))};\n`;
    await expect(gateway.skills.save({ name: 'huge', description: 'Too big.', code })).rejects.toThrow(
      /Skill huge is too large: code is 200 KiB \(at most 128 KiB\)/,
    );
  });

  it('type-checks off the event loop: other sessions keep being served', async () => {
    // About 120 KiB of typed code: enough work for the compiler to notice.
    const body = Array.from(
      { length: 1_200 },
      (_, i) =>
        `export function f${i}(a: { x: number; y: string[] }): number { return a.x + a.y.length + ${i}; }`,
    ).join('\n');
    expect(Buffer.byteLength(body)).toBeLessThan(128 * 1024);
    await gateway.skills.save({
      name: 'warm',
      description: 'Warms the checker up.',
      code: 'export const one = 1;\n',
    });
    const loop = watchEventLoop();
    const started = performance.now();
    await gateway.skills.save({ name: 'many', description: 'Many small functions.', code: body });
    const took = performance.now() - started;
    const longestGap = await loop.stop();
    expect(took).toBeGreaterThan(200);
    expect(longestGap).toBeLessThan(took / 2);
  });
});
