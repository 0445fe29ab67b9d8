/**
 * 2026-07-28 agents against two replicas behind HAProxy (deploy/haproxy.cfg, round robin) with
 * Redis: an agent has no session, so its calls land on both replicas, and its state (the
 * workspace `state`, the PII vault) travels in the `context` handle through Redis. Needs haproxy
 * and redis-server (Debian's packages; CI installs both).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CallToolResult, Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_AVAILABLE, startRedis } from './support/redis.js';
import { executionsOn, HAPROXY_AVAILABLE, resultText, startReplicas } from './support/replicas.js';
import { EVERYTHING, stdioServer } from './support/servers.js';

const AGENTS = 200;
const CALLS = 5;

describe.runIf(HAPROXY_AVAILABLE && REDIS_AVAILABLE)(
  '2026-07-28 agents across two replicas, round robin',
  () => {
    let dir: string;
    const children: ChildProcess[] = [];
    let url: string;
    let ports: number[];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'toolscript-eras-replicas-'));
      const redis = await startRedis(children);
      const config = join(dir, 'toolscript.config.json');
      writeFileSync(
        config,
        JSON.stringify({
          store: redis.url,
          pii: { enabled: true },
          sandbox: { threads: 1 },
          mcpServers: { everything: stdioServer(...EVERYTHING, ['stdio']) },
        }),
      );
      const started = await startReplicas(2, config, dir, children, {
        TOOLSCRIPT_PII_KEY: 'cd'.repeat(32),
        TOOLSCRIPT_STATE_KEY: 'ef'.repeat(32),
      });
      url = started.url;
      ports = started.replicas.map((r) => r.port);
    }, 120_000);

    afterAll(() => {
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    /**
     * One agent: five execute_code calls in one context; each counts up in `state`, and from the
     * second on echoes the PII token the first answer showed instead of the agent's address.
     * @returns what went wrong, or undefined.
     */
    async function agent(i: number): Promise<string | undefined> {
      const email = `agent-${i}@example.com`;
      const client = new Client(
        { name: `agent-${i}`, version: '1' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(url)));
        let context: string | undefined;
        let token: string | undefined;
        for (let call = 1; call <= CALLS; call++) {
          const code = `import { state } from './runtime'; import { echo } from './servers/everything';
          const n = ((await state.get('n')) ?? 0) + 1;
          await state.set('n', n);
          const echoed = ${token ? `JSON.stringify(await echo({ message: '${token}' }))` : `'${email}'`};
          export default { n, real: echoed.includes('${email}'), email: '${email}' };`;
          const result = (await client.callTool(
            { name: 'execute_code', arguments: { code, ...(context ? { context } : {}) } },
            { timeout: 120_000 },
          )) as CallToolResult;
          const text = resultText(result);
          if (result.isError) return `call ${call}: ${text.slice(0, 200)}`;
          if (!new RegExp(`"n": ?${call}\\b`).test(text))
            return `call ${call}: state lost: ${text.slice(0, 200)}`;
          if (!/"real": ?true/.test(text))
            return `call ${call}: the token did not stand for the address: ${text.slice(0, 200)}`;
          if (text.includes(email)) return `call ${call}: the address reached the model`;
          const next = (result.structuredContent as { context?: string } | undefined)?.context;
          if (context && next !== context) return `call ${call}: the context changed`;
          context = next;
          token ??= /\[EMAIL_\d+\]/.exec(text)?.[0];
        }
        return undefined;
      } catch (error) {
        return (error as Error).message;
      } finally {
        await client.close().catch(() => {});
      }
    }

    it(`serves ${AGENTS} agents of ${CALLS} calls each: every call answered, every state right, both replicas used`, async () => {
      const before = await Promise.all(ports.map(executionsOn));
      const problems = (await Promise.all(Array.from({ length: AGENTS }, (_, i) => agent(i)))).filter(
        Boolean,
      );
      expect(problems.slice(0, 3)).toEqual([]);
      const after = await Promise.all(ports.map(executionsOn));
      const ran = after.map((n, i) => n - (before[i] ?? 0));
      expect(ran.reduce((a, b) => a + b, 0)).toBe(AGENTS * CALLS);
      // Round robin: each replica ran a fair share, not just a few.
      for (const share of ran) expect(share).toBeGreaterThan((AGENTS * CALLS) / 4);
    }, 300_000);
  },
);
