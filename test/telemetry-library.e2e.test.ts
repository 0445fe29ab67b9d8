/**
 * A program that set up OpenTelemetry itself (here `@opentelemetry/sdk-node`, exporting to a local
 * OTLP/HTTP JSON receiver) and uses toolscript as a library, without `telemetry.enabled`: the
 * gateway's spans join the program's trace under the context it passes (`ExecuteOptions.trace`).
 * A file of its own: the API keeps the first SDK registered in a process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { afterAll, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { type ReceivedSpan, startOtlpReceiver, treeOf } from './support/otlp-receiver.js';

const TRACED = fileURLToPath(new URL('./support/traced-server.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'toolscript-telemetry-library-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('joins the traces of a program that set up OpenTelemetry itself, without telemetry.enabled', async () => {
  const receiver = await startOtlpReceiver();
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_METRICS_EXPORTER: 'none',
  });
  const host = new NodeSDK({ serviceName: 'agent' });
  host.start();
  const gateway = await createGateway(
    parseConfig({
      dataDir: join(dir, 'data'),
      mcpServers: { traced: { command: process.execPath, args: [TRACED] } },
    }),
  );
  const outer = trace.getTracer('agent').startSpan('agent turn');
  const run = await gateway.execute(
    "import { lookup } from './servers/traced'; return (await lookup({ name: 'Cy' })).name;",
    { trace: trace.setSpan(context.active(), outer) },
  );
  outer.end();
  expect(run.result).toBe('Cy');
  await gateway.close();
  await host.shutdown();
  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_METRICS_EXPORTER'])
    delete process.env[name];
  await receiver.close();
  const spans = receiver.spans();
  const tree = treeOf(spans, spans.find((s) => s.name === 'agent turn') as ReceivedSpan);
  expect([
    tree.span,
    tree.children.map((c) => c.span),
    tree.children[0]?.children.map((c) => c.span),
  ]).toEqual(['agent turn (INTERNAL)', ['toolscript.execute (INTERNAL)'], ['tools/call lookup (CLIENT)']]);
  expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['agent']));
});
