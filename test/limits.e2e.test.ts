import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { createGateway, type Gateway } from '../src/gateway.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

describe('one script cannot take an upstream down for everyone', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-limits-'));
    gateway = await createGateway(
      parseConfig({ mcpServers: { files: stdioServer(...FILESYSTEM, [dir]) }, dataDir: join(dir, 'data') }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses arguments over maxArgumentBytes before sending them; the server stays up', async () => {
    const execution = await gateway.execute(
      `import { writeFile } from './servers/files';
       const big = 'x'.repeat(11 * 1024 * 1024);
       const codes = [];
       for (let i = 0; i < 3; i++) {
         try { await writeFile({ path: ${JSON.stringify(join(dir, 'big.txt'))}, content: big }); } catch (e) { codes.push(e.code + ': ' + e.message); }
       }
       export default codes;`,
      { timeoutMs: 20_000, memoryMb: 512 },
    );
    expect(execution.error).toBeNull();
    const codes = execution.result as string[];
    expect(codes).toHaveLength(3);
    expect(codes[0]).toMatch(
      /^INVALID_ARGUMENTS: .*input is 11\.0 MiB of JSON, over maxArgumentBytes \(8\.0 MiB\)/,
    );
    const [status] = gateway.listServers();
    expect(status).toMatchObject({ name: 'files', ok: true });
    expect(status?.restarts).toBeUndefined();
    const next = await gateway.execute(
      `import { listAllowedDirectories } from './servers/files'; export default (await listAllowedDirectories()) !== null;`,
    );
    expect(next.result).toBe(true);
  });
});
