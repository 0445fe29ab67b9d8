/**
 * Tracing's cost, for `npm run bench`: the 1,000-call round of the per-call overhead row with
 * `telemetry.enabled`, every span exported (OTLP/HTTP JSON, the SDK's batch processor) to a local
 * receiver, against a direct SDK client in the same rounds. Runs last: the SDK stays registered for
 * the rest of the process, and every gateway after it would record spans.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { startOtlpReceiver } from '../test/support/otlp-receiver.js';
import { median } from './support/stats.js';

const CALLS = 1000;
const WARMUP_ROUNDS = 3;
const ROUNDS = 7;

/**
 * Runs the tracing rows through `report(name, value)`; `everything` is server-everything's entry.
 * @throws when a round fails or the spans do not all arrive.
 */
export async function benchTracing(report: (name: string, value: string) => void, everything: string) {
  const receiver = await startOtlpReceiver();
  const scratch = mkdtempSync(join(tmpdir(), 'toolscript-bench-tracing-'));
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_METRICS_EXPORTER: 'none',
  });
  const server = { command: process.execPath, args: [everything, 'stdio'] };
  const traced = await createGateway(
    parseConfig({ mcpServers: { everything: server }, telemetry: { enabled: true }, dataDir: scratch }),
  );
  const direct = new Client({ name: 'bench', version: '1' });
  await direct.connect(new StdioClientTransport({ ...server, stderr: 'ignore' }));
  const script = `import { echo } from './servers/everything'; for (let i = 0; i < ${CALLS}; i++) await echo({ message: 'm' + i }); export default ${CALLS};`;
  const directRounds: number[] = [];
  const tracedRounds: number[] = [];
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    const measured = round >= WARMUP_ROUNDS;
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) await direct.callTool({ name: 'echo', arguments: { message: `m${i}` } });
    if (measured) directRounds.push(performance.now() - started);
    const execution = await traced.execute(script, { timeoutMs: 120_000 });
    if (!execution.ok) throw new Error(`bench script failed: ${execution.error?.message}`);
    if (measured) tracedRounds.push(execution.ms);
  }
  await direct.close();
  await traced.close();
  const spans = receiver.spans();
  const expected = (WARMUP_ROUNDS + ROUNDS) * (CALLS + 1);
  if (spans.length < expected) throw new Error(`the receiver got ${spans.length} spans of ${expected}`);
  await receiver.close();
  rmSync(scratch, { recursive: true, force: true });
  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_METRICS_EXPORTER'])
    delete process.env[name];
  const directPerCall = median(directRounds) / CALLS;
  const tracedPerCall = median(tracedRounds) / CALLS;
  report(
    'per-call overhead over direct with tracing on (every span exported to a local OTLP receiver)',
    `${(tracedPerCall - directPerCall).toFixed(4)} ms (${(tracedPerCall / directPerCall).toFixed(3)}x)`,
  );
  report('spans exported in those rounds', `${spans.length} (${CALLS + 1} per 1,000-call script)`);
}
