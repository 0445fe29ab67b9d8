import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { createMcpServer } from '../src/server/mcp-server.js';

const skill = (tag: string) => ({
  name: 'tally',
  description: 'Adds up numbers.',
  code: `export function tally(values: number[]): string { return '${tag}:' + values.reduce((a, b) => a + b, 0); }\n`,
});
const USE = (path: string) => `import { tally } from '${path}'; export default tally([1, 2, 3]);`;

async function connect(gateway: Gateway): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(gateway).connect(serverSide);
  const client = new Client({ name: 'skills-ownership', version: '1' });
  await client.connect(clientSide);
  return client;
}

const text = (result: Awaited<ReturnType<Client['callTool']>>) =>
  (result.content as { type: string; text: string }[]).map((part) => part.text).join('\n');

describe.each(['read-only', 'open'] as const)('skill ownership with skills.shared: %s', (shared) => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-skill-owner-'));
    gateway = await createGateway(
      parseConfig({ mcpServers: {}, dataDir: join(dir, 'data'), skills: { shared } }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps each version immutable and importable by pin, and audits every change', async () => {
    const alice = await connect(gateway);
    const bob = await connect(gateway);
    const saved = await alice.callTool({ name: 'save_skill', arguments: skill('alice-1') });
    expect(saved.isError).toBe(false);
    const owner = (saved._meta?.toolscript as { skill?: { owner: string } } | undefined)?.skill?.owner;
    expect(owner).toMatch(/^session:/);

    const overwrite = await bob.callTool({ name: 'save_skill', arguments: skill('bob') });
    const removing = gateway.skills.remove('tally', 'session:bob');
    if (shared === 'read-only') {
      expect(overwrite.isError).toBe(true);
      expect(text(overwrite)).toMatch(/belongs to another session .*new name.*\.\/skills\/tally\/v1/);
      await expect(removing).rejects.toThrow(/belongs to another session/);
      const run = await alice.callTool({ name: 'execute_code', arguments: { code: USE('./skills/tally') } });
      expect(text(run)).toContain('alice-1:6');
    } else {
      expect(overwrite.isError).toBe(false);
      expect(await removing).toBe(true);
      expect(await gateway.skills.skill('tally')).toBeUndefined();
      await alice.callTool({ name: 'save_skill', arguments: skill('alice-1') });
      await bob.callTool({ name: 'save_skill', arguments: skill('bob') });
      const info = (await gateway.skills.skill('tally'))?.info;
      expect(info?.author).toMatch(/^session:/);
      expect(info?.author).not.toBe(info?.owner);
    }

    // The owner and the operator may always publish; older versions stay as they were.
    await gateway.skills.save(skill('operator'));
    const current = (await gateway.skills.skill('tally'))?.info;
    expect(current).toMatchObject({ author: 'operator' });
    const latest = await gateway.execute(USE('./skills/tally'));
    expect(latest.result).toBe('operator:6');
    const pinned = await gateway.execute(USE('./skills/tally/v1'));
    expect(pinned.result).toBe('alice-1:6');
    const missing = await gateway.execute(USE('./skills/tally/v99'));
    expect(missing.error?.message).toContain("Cannot find module './skills/tally/v99'");

    const audit = (await readFile(join(dir, 'data', 'skills', 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; author: string; owner: string; version: number });
    expect(audit.map((entry) => entry.action)).toEqual(
      shared === 'read-only'
        ? ['save', 'refused', 'refused', 'save']
        : ['save', 'save', 'remove', 'save', 'save', 'save'],
    );
    expect(audit.every((entry) => entry.owner.length > 0 && entry.author.length > 0)).toBe(true);
    await alice.close();
    await bob.close();
  });
});
