import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { GatewaySession } from '../src/session/gateway-session.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

describe('per-tool policy: allowTools and denyTools (server-filesystem)', () => {
  let dir: string;
  let denying: Gateway;
  let allowing: Gateway;
  let allTools: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-policy-'));
    await writeFile(join(dir, 'notes.txt'), 'keep me\n');
    const server = stdioServer(...FILESYSTEM, [dir]);
    const open = await createGateway(parseConfig({ mcpServers: { fs: server }, dataDir: join(dir, '.ts') }));
    allTools = open.catalog.getServer('fs')?.tools.map((t) => t.name) ?? [];
    await open.close();
    [denying, allowing] = await Promise.all([
      createGateway(
        parseConfig({
          mcpServers: { fs: { ...server, denyTools: ['write_*', 'edit_file', 'move_file', 'create_*'] } },
          dataDir: join(dir, '.ts'),
        }),
      ),
      createGateway(
        parseConfig({
          mcpServers: { fs: { ...server, allowTools: ['read_*', 'list_*'], denyTools: ['read_media_file'] } },
          dataDir: join(dir, '.ts'),
        }),
      ),
    ]);
  });

  afterAll(async () => {
    await denying?.close();
    await allowing?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps denied tools out of the catalog, bindings, search and exact selection', async () => {
    expect(allTools).toContain('write_file');
    const kept = denying.catalog.getServer('fs')?.tools.map((t) => t.name) ?? [];
    const removed = allTools.filter(
      (t) => /^(write_|create_)/.test(t) || t === 'edit_file' || t === 'move_file',
    );
    expect(kept.sort()).toEqual(allTools.filter((t) => !removed.includes(t)).sort());
    expect(denying.listServers()[0]).toMatchObject({ tools: kept.length, deniedTools: removed.length });

    const listing = await new GatewaySession(denying).call('search_tools', {});
    expect(listing.text).toContain(`- fs (${kept.length} tools; ${removed.length} kept out by policy)`);

    const files = await denying.generateFiles();
    expect([...files.keys()].some((path) => /writeFile|editFile|moveFile/.test(path))).toBe(false);
    const hits = await denying.search('write a file', { limit: 20 });
    expect(hits.map((h) => h.name)).not.toContain('fs.writeFile');
    const selection = await denying.select(['fs.writeFile']);
    expect(selection.hits).toEqual([]);
    expect(selection.unknown[0]?.name).toBe('fs.writeFile');
  });

  it('refuses a denied tool by every path a script or the host could take, and nothing is written', async () => {
    const target = join(dir, 'evil.txt');
    const viaClient = await denying.execute(
      `import { callTool } from './client';
       export default await callTool('fs', 'write_file', { path: ${JSON.stringify(target)}, content: 'x' });`,
    );
    expect(viaClient.error?.code).toBe('UNKNOWN_TOOL');
    const viaHost = await denying.execute(
      `export default await (globalThis as any).__host.callTool('fs', 'write_file', { path: ${JSON.stringify(target)}, content: 'x' });`,
    );
    expect(viaHost.ok).toBe(false);
    expect(viaHost.error?.code).toBe('UNKNOWN_TOOL');
    const viaBinding = await denying.execute(
      `import * as fs from './servers/fs';
       export default await (fs as any).writeFile({ path: ${JSON.stringify(target)}, content: 'x' });`,
    );
    expect(viaBinding.ok).toBe(false);
    await expect(denying.callTool('fs', 'write_file', { path: target, content: 'x' })).rejects.toMatchObject({
      code: 'UNKNOWN_TOOL',
    });
    expect(existsSync(target)).toBe(false);
    // Allowed tools still work.
    const read = await denying.execute(
      `import * as fs from './servers/fs';
       export default await fs.readTextFile({ path: ${JSON.stringify(join(dir, 'notes.txt'))} });`,
    );
    expect(read.ok).toBe(true);
    expect(JSON.stringify(read.result)).toContain('keep me');
  });

  it('allowTools keeps only matching tools, and denyTools still wins over it', () => {
    const kept = allowing.catalog.getServer('fs')?.tools.map((t) => t.name) ?? [];
    expect(kept.length).toBeGreaterThan(2);
    for (const name of kept) expect(name).toMatch(/^(read_|list_)/);
    expect(kept).not.toContain('read_media_file');
    expect(kept).toContain('read_text_file');
  });

  it('rejects an empty pattern in the config', () => {
    expect(() => parseConfig({ mcpServers: { fs: { command: 'x', denyTools: [''] } } })).toThrow(
      /mcpServers\.fs\.denyTools\.0: a pattern must not be empty/,
    );
  });
});
