/**
 * Discovery that learns from use, end to end against real server-filesystem: a session searches,
 * a script of the same session then calls a tool the words do not match; the session's next
 * search with those words ranks that tool (after a restart from the data folder too, and on
 * another replica through the store), another session's does not; not with
 * `discovery.learn: false`; and forgetting.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { LEARNED_FILE } from '../src/insights/learning.js';
import { GatewaySession } from '../src/session/gateway-session.js';
import { MemoryStore } from '../src/store/memory.js';
import { spawnCli } from './support/cli.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

const files = mkdtempSync(join(tmpdir(), 'toolscript-learning-files-'));
const QUERY = 'zebra archive inventory';
const TOOL = 'files.list_allowed_directories';
const config = (dataDir: string, learn = true) =>
  parseConfig({ mcpServers: { files: stdioServer(...FILESYSTEM, [files]) }, dataDir, discovery: { learn } });

async function ranks(session: GatewaySession): Promise<string[]> {
  const answer = await session.call('search_tools', { query: QUERY, detail: 'name', limit: 5 });
  return (answer.meta as { hits?: { name: string }[] }).hits?.map((hit) => hit.name) ?? [];
}

async function useAfterSearch(session: GatewaySession): Promise<void> {
  await session.call('search_tools', { query: QUERY });
  const run = await session.call('execute_code', {
    code: `import { listAllowedDirectories } from './servers/files'; export default (await listAllowedDirectories({})).content.length > 0;`,
  });
  expect(run.isError).toBe(false);
}

describe('discovery that learns from use', () => {
  it("ranks the tool a session used after a search for its next search with those words, after a restart too, until forgotten, and never for another session's", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-learning-'));
    const gateway = await createGateway(config(dataDir));
    try {
      const first = new GatewaySession(gateway, { id: 'first' });
      expect(await ranks(first)).not.toContain('files.listAllowedDirectories');
      await useAfterSearch(first);
      // The session's own learning brings in a tool the words do not match.
      expect(await ranks(first)).toContain('files.listAllowedDirectories');
      // Another caller's learning only reorders what the words match: nobody can put an
      // unrelated tool into someone else's results.
      const other = new GatewaySession(gateway, { id: 'other' });
      expect(await ranks(other)).not.toContain('files.listAllowedDirectories');
    } finally {
      await gateway.close();
    }
    expect(existsSync(join(dataDir, LEARNED_FILE))).toBe(true);
    // The CLI forgets what is saved, tool by tool.
    const configFile = join(dataDir, 'toolscript.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ mcpServers: { files: stdioServer(...FILESYSTEM, [files]) }, dataDir }),
    );
    const wrong = spawnCli(['discovery', 'forget', '--tool', 'files', '--config', configFile], { dataDir });
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringContaining('--tool takes SERVER.TOOL')]);
    const other = spawnCli(
      ['discovery', 'forget', '--tool', 'files.read_text_file', '--config', configFile],
      { dataDir },
    );
    expect(other.stdout).toBe(
      `Forgot 0 learnt terms of files.read_text_file (${join(dataDir, LEARNED_FILE)}).\n`,
    );
    const again = await createGateway(config(dataDir));
    try {
      // The same session (its label) after a restart.
      const later = new GatewaySession(again, { id: 'first' });
      expect(await ranks(later)).toContain('files.listAllowedDirectories');
      expect(await again.insights.learning?.forget(TOOL)).toBeGreaterThan(0);
      expect(await ranks(later)).not.toContain('files.listAllowedDirectories');
    } finally {
      await again.close();
    }
  });

  it("shares what it learnt through the store: a replica started later ranks by it for the session's next search", async () => {
    const store = new MemoryStore();
    const dataDir = () => mkdtempSync(join(tmpdir(), 'toolscript-learning-store-'));
    const first = await createGateway(config(dataDir()), { store });
    try {
      await useAfterSearch(new GatewaySession(first, { id: 'on-a' }));
    } finally {
      await first.close();
    }
    expect([...(await store.getShared('discovery')).keys()]).toEqual([LEARNED_FILE]);
    const second = await createGateway(config(dataDir()), { store });
    try {
      expect(await ranks(new GatewaySession(second, { id: 'on-a' }))).toContain(
        'files.listAllowedDirectories',
      );
    } finally {
      await second.close();
      await store.close();
    }
  });

  it('learns nothing with discovery.learn false', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-learning-off-'));
    const gateway = await createGateway(config(dataDir, false));
    try {
      const session = new GatewaySession(gateway, { id: 'off' });
      await useAfterSearch(session);
      expect(await ranks(new GatewaySession(gateway, { id: 'next' }))).not.toContain(
        'files.listAllowedDirectories',
      );
      expect(gateway.insights.learning).toBeUndefined();
    } finally {
      await gateway.close();
    }
    expect(existsSync(join(dataDir, LEARNED_FILE))).toBe(false);
  });
});
