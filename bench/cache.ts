/**
 * Memoized calls, for `npm run bench`: the 400-mail workflow (real server-filesystem over the
 * SpamAssassin corpus) run twice in one session with `cache` on for the server's read tools, then
 * once more after a write to the same server. Medians in ms over 5 rounds, each in a new session.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { MAIL_TOP_SENDERS_TS } from '../test/support/mail.js';
import { EASY_HAM, FILESYSTEM, stdioServer } from '../test/support/servers.js';
import { median } from './support/stats.js';

/** Runs the cache rows, each through `report(name, value)`. @throws when the answers differ. */
export async function benchCache(report: (name: string, value: string) => void): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'toolscript-bench-cache-'));
  const gateway = await createGateway(
    parseConfig({
      mcpServers: { mail: stdioServer(...FILESYSTEM, [EASY_HAM, scratch]) },
      cache: { tools: ['read_*', 'list_*'], ttlMs: 600_000 },
      dataDir: scratch,
    }),
  );
  const write = `import { writeFile } from './servers/mail';
await writeFile({ path: ${JSON.stringify(join(scratch, 'note.txt'))}, content: 'x' });`;
  const first: number[] = [];
  const second: number[] = [];
  const afterWrite: number[] = [];
  const counting: number[] = [];
  let firstCounting = 0;
  try {
    // The counting worker started (a trivial script is counted too), then the first time these
    // results are counted at all; later runs count them from memory.
    await gateway.execute('export default 1', { session: 'warm-up' });
    firstCounting =
      (await gateway.execute(MAIL_TOP_SENDERS_TS, { session: 'warm-up' })).tokens?.countingMs ?? 0;
    for (let round = 0; round < 5; round++) {
      const session = `round-${round}`;
      const a = await gateway.execute(MAIL_TOP_SENDERS_TS, { session });
      const b = await gateway.execute(MAIL_TOP_SENDERS_TS, { session });
      await gateway.execute(write, { session });
      const c = await gateway.execute(MAIL_TOP_SENDERS_TS, { session });
      const answers = [a, b, c].map((run) => JSON.stringify(run.result));
      if (!a.ok || new Set(answers).size !== 1) throw new Error(`cache bench: the runs disagree: ${answers}`);
      if (a.calls.some((call) => call.cached) || !b.calls.every((call) => call.cached))
        throw new Error('cache bench: the first run should miss every call and the second hit every one');
      if (c.calls.some((call) => call.cached))
        throw new Error('cache bench: the run after a write read from the cache');
      first.push(a.ms);
      second.push(b.ms);
      counting.push(b.tokens?.countingMs ?? 0);
      afterWrite.push(c.ms);
    }
  } finally {
    await gateway.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  report('400-mail workflow, cache on: first run (every call misses)', `${median(first).toFixed(0)} ms`);
  report(
    '400-mail workflow, cache on: second run, same session (every call hits)',
    `${median(second).toFixed(0)} ms`,
  );
  report(
    'cache: first run / second run (target at least 5x)',
    `${(median(first) / median(second)).toFixed(1)}x`,
  );
  report(
    'token counting after a run: results counted for the first time / read again (their counts remembered)',
    `${firstCounting.toFixed(1)} ms / ${median(counting).toFixed(1)} ms`,
  );
  report(
    '400-mail workflow after a write to the same server (reads again)',
    `${median(afterWrite).toFixed(0)} ms`,
  );
}
