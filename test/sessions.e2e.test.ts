import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';

describe("a script probing another session's data", () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-sessions-'));
    gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir: dir }));
    const written = await gateway.execute(
      `import { workspace, state } from './runtime';
       await workspace.writeText('secret.txt', 'the secret of B');
       await state.set('secret', 'state of B');`,
      { session: 'victim' },
    );
    expect(written.ok).toBe(true);
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets the same refusal whether the target exists or not, so existence (and timing) tells nothing', async () => {
    const probe = (path: string) =>
      gateway.execute(
        `import { workspace } from './runtime';
         let out;
         try { await workspace.readText(${JSON.stringify(path)}); out = 'READ'; }
         catch (e) { out = e.name + ': ' + e.message; }
         export default out;`,
        { session: 'attacker' },
      );
    const pairs = [
      ['../victim/secret.txt', '../victim/missing.txt'],
      ['../../workspaces/victim/secret.txt', '../../workspaces/victim/missing.txt'],
      [join(dir, 'workspaces/victim/secret.txt'), join(dir, 'workspaces/victim/missing.txt')],
    ];
    for (const [existing, missing] of pairs) {
      const [a, b] = await Promise.all([probe(existing as string), probe(missing as string)]);
      expect(a.result).not.toBe('READ');
      expect(String(a.result)).toMatch(/^WorkspaceError: /);
      // Identical but for the path: the refusal comes before any file-system access.
      expect(String(a.result).replace(existing as string, 'P')).toBe(
        String(b.result).replace(missing as string, 'P'),
      );
    }
  });

  it("cannot read another session's state: keys are per session", async () => {
    const run = await gateway.execute(
      `import { state } from './runtime'; export default [await state.get('secret'), await state.get('../victim/secret')];`,
      { session: 'attacker' },
    );
    expect(run.result).toEqual([null, null]);
  });
});
