/**
 * Observed result types on a real server: server-everything's `get-env` declares no outputSchema;
 * after one call its binding shows the type, on this gateway and the next one on the same data
 * folder. `get-structured-content` declares one, which always wins.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { renderSearch } from '../src/session/search-tools.js';
import { REDIS_AVAILABLE, redisForSuite } from './support/redis.js';
import { EVERYTHING, stdioServer } from './support/servers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-observed-e2e-'));
const config = () =>
  parseConfig({
    dataDir,
    mcpServers: {
      everything: stdioServer(...EVERYTHING, ['stdio'], { TOOLSCRIPT_TEST_SECRET: 's3cr3t-v4lue' }),
    },
  });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function full(gateway: Gateway, name: string): Promise<string> {
  const { hits } = await gateway.select([name], 'full');
  return renderSearch('', hits);
}

describe('observed result types on server-everything', () => {
  it('shows the type after one call, keeps it across a restart, and never a value', async () => {
    const gateway = await createGateway(config());
    try {
      expect(await full(gateway, 'everything.getEnv')).toMatch(
        /declare function getEnv\(.*\): Promise<unknown>;$/m,
      );
      const run = await gateway.execute(
        `import { getEnv, getStructuredContent } from './servers/everything';
         const env = await getEnv({});
         await getStructuredContent({ location: 'New York' });
         export default Object.keys(env).length;`,
      );
      expect(run.error).toBeNull();
      const shown = await full(gateway, 'everything.getEnv');
      expect(shown).toContain('Result type observed in 1 call.');
      expect(shown).toMatch(/Promise<\{[\s\S]*TOOLSCRIPT_TEST_SECRET: string;[\s\S]*\}>;$/);
      expect(shown).not.toContain('s3cr3t');
      // The file gen writes shows it too.
      const file = await gateway.bindings.read('servers/everything/getEnv.ts');
      expect(file).toContain('Observed in 1 call');
      expect(file).toMatch(/export interface GetEnvOutput \{[^}]*TOOLSCRIPT_TEST_SECRET: string/);
      // A declared outputSchema wins, and nothing is observed for it.
      expect(await full(gateway, 'everything.getStructuredContent')).not.toContain('observed');
    } finally {
      await gateway.close();
    }
    const saved = readFileSync(join(dataDir, 'observed-types.json'), 'utf8');
    expect(saved).toContain('TOOLSCRIPT_TEST_SECRET');
    expect(saved).not.toContain('s3cr3t');
    expect(saved).not.toContain('get-structured-content');

    const restarted = await createGateway(config());
    try {
      expect(await full(restarted, 'everything.getEnv')).toContain('Result type observed in 1 call.');
    } finally {
      await restarted.close();
    }
  });
});

describe.skipIf(!REDIS_AVAILABLE)('observed result types in the session store', () => {
  const redis = redisForSuite();

  it('a type observed on one replica shows on another', async () => {
    const replica = (name: string) =>
      createGateway(
        parseConfig({
          dataDir: join(dataDir, name),
          store: redis.url(),
          sandbox: { threads: 0 },
          mcpServers: { everything: stdioServer(...EVERYTHING, ['stdio']) },
        }),
      );
    const [a, b] = await Promise.all([replica('a'), replica('b')]);
    try {
      const run = await a.execute(
        `import { getSum } from './servers/everything'; export default await getSum({ a: 1, b: 2 });`,
      );
      expect(run.error).toBeNull();
      await a.observed.flush();
      const deadline = Date.now() + 5_000;
      let shown = '';
      while (Date.now() < deadline && !shown.includes('observed in 1 call')) {
        shown = await full(b, 'everything.getSum');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(shown).toMatch(
        /Result type observed in 1 call\.\n\*\/\ndeclare function getSum\([\s\S]*\): Promise<string>;$/,
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
