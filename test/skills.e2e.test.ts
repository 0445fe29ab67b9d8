import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { connectClient, text } from './support/mcp.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

const ROOT = resolve(import.meta.dirname, '..');
const CSV = join(ROOT, 'examples/data/seattle-weather.csv');

const SKILL = `import * as files from './servers/files';

/** Days of one weather kind (rain, sun, fog…) in the Seattle weather CSV. */
export async function daysOf(kind: string, path: string): Promise<number> {
  const { content } = (await files.readTextFile({ path })) as { content: string };
  return content.split('\\n').filter((line) => line.endsWith(',' + kind)).length;
}`;

describe('skills', () => {
  it('are saved after a type check, found by search after a restart, and give the same answer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-skills-'));
    const config = parseConfig({
      mcpServers: { files: stdioServer(...FILESYSTEM, [join(ROOT, 'examples/data')]) },
      dataDir,
    });
    let gateway = await createGateway(config);
    let client = await connectClient(gateway);
    const first = await client.callTool({
      name: 'execute_code',
      arguments: { code: `${SKILL}\nexport default await daysOf('rain', ${JSON.stringify(CSV)});` },
    });
    expect(first.isError).toBe(false);
    const answer = text(first);

    const refused = await client.callTool({
      name: 'save_skill',
      arguments: {
        name: 'days-of',
        description: 'Count days',
        code: SKILL.replace('{ path }', '{ pth: path }'),
      },
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/does not type-check[\s\S]*'pth' does not exist in type '\{ path: string;/);
    const unparsed = await client.callTool({
      name: 'save_skill',
      arguments: { name: 'days-of', description: 'Count days', code: `${SKILL}\nconst = 1;` },
    });
    expect(unparsed.isError).toBe(true);
    // The skill's own file is named, at its line.
    expect(text(unparsed)).toMatch(/\nskill\.ts:\d+:\d+: /);
    expect(text(unparsed)).not.toContain('script.ts');
    const badName = await client.callTool({
      name: 'save_skill',
      arguments: { name: 'Days Of', description: 'x', code: SKILL },
    });
    expect(text(badName)).toContain('Invalid skill name');

    const saved = await client.callTool({
      name: 'save_skill',
      arguments: {
        name: 'days-of',
        description: 'Count days of one weather kind (rain, sun, fog) in a weather CSV',
        code: SKILL,
      },
    });
    expect(saved.isError).toBe(false);
    const skillMd = readFileSync(join(dataDir, 'skills/days-of/SKILL.md'), 'utf8');
    expect(skillMd).toMatch(/^---\nname: days-of\ndescription: Count days/);
    expect(skillMd).toMatch(/tools:\n {2}- name: files\.read_text_file\n {4}schemaHash: [0-9a-f]{12}/);
    await client.close();
    await gateway.close();

    gateway = await createGateway(config);
    client = await connectClient(gateway);
    try {
      const search = await client.callTool({
        name: 'search_tools',
        arguments: { query: 'count rainy weather days' },
      });
      expect(text(search).split('\n')[0]).toMatch(/^skills\.days-of — Count days/);
      const hits = await gateway.search('count rainy weather days', { kind: 'skill' });
      expect(hits[0]).toMatchObject({
        kind: 'skill',
        importFrom: "import { daysOf } from './skills/days-of';",
      });
      const reused = await client.callTool({
        name: 'execute_code',
        arguments: {
          code: `import { daysOf } from './skills/days-of';\nexport default await daysOf('rain', ${JSON.stringify(CSV)});`,
        },
      });
      expect(text(reused)).toBe(answer);
      expect((await gateway.skills.skill('days-of'))?.stats).toMatchObject({
        uses: 1,
        successes: 1,
        failures: 0,
      });
      const missing = await gateway.execute(`import { x } from './skills/nope'; export default x;`);
      expect(missing.error?.message).toMatch(
        /Cannot find module '\.\/skills\/nope'.*Saved skills: days-of\. See list_skills\./,
      );

      // Saving again keeps version 1.
      await gateway.skills.save({
        name: 'days-of',
        description: 'Count days of one weather kind',
        code: `${SKILL}\nexport const version = 2;`,
      });
      expect(existsSync(join(dataDir, 'skills/days-of/versions/1/index.ts'))).toBe(true);
      expect((await gateway.skills.skill('days-of'))?.info?.version).toBe(2);
    } finally {
      await client.close();
      await gateway.close();
    }
  });

  it('are marked broken when a tool they call changes its schema, and fail clearly on import', async () => {
    const upstream = new McpServer({ name: 'crm', version: '1.0.0' });
    const lookup = upstream.registerTool(
      'lookup',
      { description: 'Look a customer up by id.', inputSchema: z.object({ id: z.string() }) },
      async ({ id }) => ({ content: [{ type: 'text', text: JSON.stringify({ id, name: 'Ada' }) }] }),
    );
    const [gatewaySide, serverSide] = InMemoryTransport.createLinkedPair();
    await upstream.connect(serverSide);
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-skills-'));
    const gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir }), {
      servers: { crm: { transport: () => gatewaySide } },
    });
    const client = await connectClient(gateway);
    try {
      await gateway.skills.save({
        name: 'customer-name',
        description: 'Name of a customer',
        code: `import { lookup } from './servers/crm';\nexport async function customerName(id: string) { return ((await lookup({ id })) as { name: string }).name; }`,
      });
      const ok = await gateway.execute(
        `import { customerName } from './skills/customer-name'; export default await customerName('7');`,
      );
      expect(ok.result).toBe('Ada');

      // A compatible change (a new optional argument): still fine, and the new hash is recorded.
      const before = (await gateway.skills.skill('customer-name'))?.info?.tools[0]?.schemaHash;
      lookup.update({ paramsSchema: z.object({ id: z.string(), verbose: z.boolean().optional() }) });
      let after = before;
      for (let waited = 0; after === before && waited < 15_000; waited += 200) {
        await new Promise((r) => setTimeout(r, 200));
        after = (await gateway.skills.skill('customer-name'))?.info?.tools[0]?.schemaHash;
      }
      expect(after).not.toBe(before);
      expect((await gateway.skills.skill('customer-name'))?.info?.broken).toBeUndefined();

      // The upstream changes the tool's arguments; it announces list_changed itself.
      lookup.update({ paramsSchema: z.object({ key: z.number() }) });
      const deadline = Date.now() + 15_000;
      let broken = '';
      // The check marks it broken first; the repair that follows (and fails) then says why.
      while (!broken.startsWith('A tool it calls changed') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        broken = (await gateway.skills.skill('customer-name'))?.info?.broken ?? '';
      }
      expect(broken).toMatch(/'id' does not exist in type '\{ key: number; \}'/);
      // Not a mechanical change (`id` became `key`, another type): it says so and stays broken.
      expect(broken).toMatch(
        /^A tool it calls changed and it cannot be repaired: required argument `id` removed/,
      );
      expect(text(await client.callTool({ name: 'list_skills', arguments: {} }))).toMatch(
        /^skills\.customer-name v1 — Name of a customer \[broken: required argument `id` removed; optional argument `verbose` removed; required argument `key` added\]$/,
      );
      const failed = await gateway.execute(
        `import { customerName } from './skills/customer-name'; export default await customerName('7');`,
      );
      expect(failed.ok).toBe(false);
      expect(failed.error?.message).toMatch(
        /Skill "customer-name" is broken: a tool it calls \(crm\.lookup\) changed/,
      );
    } finally {
      await client.close();
      await gateway.close();
      await upstream.close();
    }
  });
});
