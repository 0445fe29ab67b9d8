/**
 * OpenTelemetry traces from real gateways (`telemetry.enabled`, the SDK from
 * `@opentelemetry/sdk-node`) to a local OTLP/HTTP receiver speaking JSON, the way an operator's
 * collector gets them: the span tree of a script with upstream calls (one failing, one needing
 * approval), of a search, the trace context from the client (in `_meta` and in the HTTP header)
 * and on to the upstream (test/support/traced-server.mjs answers the `_meta` it got), no personal
 * data in any span, and `exec` flushing its spans before it exits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { serveHttp } from '../src/server/http.js';
import { createMcpServer } from '../src/server/mcp-server.js';
import { spawnCliAsync } from './support/cli.js';
import { text } from './support/mcp.js';
import { type ReceivedSpan, startOtlpReceiver, treeOf } from './support/otlp-receiver.js';

const TRACED = fileURLToPath(new URL('./support/traced-server.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'toolscript-telemetry-'));
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

/** W3C trace context a client sends: version, trace id, parent span id, flags (sampled). */
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;

const config = (name: string) =>
  parseConfig({
    dataDir: join(dir, name),
    telemetry: { enabled: true },
    pii: { enabled: true, detectors: { phone: false } },
    mcpServers: {
      traced: { command: process.execPath, args: [TRACED], requireApproval: ['whoami'] },
    },
  });

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '50',
  });
});

afterAll(async () => {
  for (const name of [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_BSP_SCHEDULE_DELAY',
  ])
    delete process.env[name];
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tracing', () => {
  it('exports the span tree of a script, a search and an approval, with no personal data', async () => {
    const gateway: Gateway = await createGateway(config('in-memory'));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(gateway).connect(serverSide);
    const client = new Client({ name: 'person', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { approve: true },
    }));
    await client.connect(clientSide);
    const run = await client.callTool({
      name: 'execute_code',
      arguments: {
        code: `import { lookup, whoami, flaky } from './servers/traced';
import { callTool } from './client';
const contact = await lookup({ name: 'Alice' });
const seen = await whoami({});
let failed = '';
try { await flaky({}); } catch (error) { failed = error.code; }
let unknown = '';
try { await callTool('traced', 'alice@example.org'); } catch (error) { unknown = error.code; }
return { email: contact.email, seen, failed, unknown };`,
      },
      _meta: { traceparent: TRACEPARENT },
    });
    const searched = await client.callTool({ name: 'search_tools', arguments: { query: 'contact by name' } });
    expect(text(searched)).toContain('lookup');
    // Other requests get a span of their own, named by the method alone (a URI is a client's choice).
    const [binding] = (await client.listResources()).resources;
    await client.readResource({ uri: binding?.uri ?? '' });
    await expect(
      client.readResource({ uri: 'toolscript://servers/traced/alice@example.org.ts' }),
    ).rejects.toThrow();
    await client.close();
    await gateway.close();

    const answer = (run._meta as { toolscript: { result: Record<string, unknown> } }).toolscript.result;
    expect(answer).toMatchObject({ email: '[EMAIL_1]', failed: 'TOOL_ERROR', unknown: 'UNKNOWN_TOOL' });
    const spans = receiver.spans();
    const root = spans.find((s) => s.name === 'tools/call execute_code') as ReceivedSpan;
    // The client's span parents the gateway's, in the client's trace.
    expect([root.traceId, root.parentSpanId]).toEqual([CLIENT_TRACE, CLIENT_SPAN]);
    const session = expect.stringMatching(/^s-[0-9a-f]{16}$/);
    const call = (tool: string | undefined, extra: Record<string, unknown> = {}) => ({
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      ...(tool ? { 'gen_ai.tool.name': tool } : {}),
      'toolscript.upstream.server': 'traced',
      'toolscript.result.bytes': tool ? expect.any(Number) : 0,
      ...extra,
    });
    expect(treeOf(spans, root)).toEqual({
      span: 'tools/call execute_code (SERVER)',
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'execute_code',
        'gen_ai.operation.name': 'execute_tool',
        'jsonrpc.request.id': expect.any(String),
        'mcp.protocol.version': '2025-11-25',
        'toolscript.session': session,
      },
      children: [
        {
          span: 'toolscript.execute (INTERNAL)',
          attributes: {
            'toolscript.sandbox.backend': 'quickjs',
            'toolscript.script.language': 'typescript',
            'toolscript.execution.outcome': 'ok',
            'toolscript.execution.calls': 4,
            'toolscript.execution.failed_calls': 2,
            'toolscript.execution.cache_hits': 0,
            'toolscript.tokens.code_mode': expect.any(Number),
            'toolscript.tokens.direct': expect.any(Number),
          },
          children: [
            { span: 'tools/call lookup (CLIENT)', attributes: call('lookup'), children: [] },
            {
              span: 'tools/call whoami (CLIENT)',
              attributes: call('whoami'),
              children: [
                {
                  span: 'toolscript.approval (INTERNAL)',
                  attributes: {
                    'toolscript.upstream.server': 'traced',
                    'gen_ai.tool.name': 'whoami',
                    'toolscript.approval.decision': 'approved',
                  },
                  children: [],
                },
              ],
            },
            {
              span: 'tools/call flaky (CLIENT)',
              attributes: call('flaky', { 'error.type': 'tool_error' }),
              error: true,
              children: [],
            },
            // A name the catalog does not know (here an e-mail address) is never an attribute.
            {
              span: 'tools/call (CLIENT)',
              attributes: call(undefined, { 'error.type': 'UNKNOWN_TOOL' }),
              error: true,
              children: [],
            },
          ],
        },
      ],
    });
    const inTrace = spans.filter((s) => s.traceId === CLIENT_TRACE);
    expect(inTrace).toHaveLength(7);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['toolscript']));
    // The upstream got the gateway's CLIENT span as its parent, in params._meta.
    const whoami = spans.find((s) => s.name === 'tools/call whoami') as ReceivedSpan;
    expect(answer.seen).toEqual({ traceparent: `00-${CLIENT_TRACE}-${whoami.spanId}-01`, tracestate: null });
    // A request without trace context starts a trace of its own.
    const search = spans.find((s) => s.name === 'tools/call search_tools') as ReceivedSpan;
    expect(search.parentSpanId).toBe('');
    expect(treeOf(spans, search)).toEqual({
      span: 'tools/call search_tools (SERVER)',
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'search_tools',
        'gen_ai.operation.name': 'execute_tool',
        'jsonrpc.request.id': expect.any(String),
        'mcp.protocol.version': '2025-11-25',
        'toolscript.session': session,
      },
      children: [
        {
          span: 'toolscript.search (INTERNAL)',
          attributes: { 'toolscript.search.detail': 'summary', 'toolscript.search.hits': 1 },
          children: [],
        },
      ],
    });
    const reads = spans.filter((s) => s.name === 'resources/read');
    expect(reads.map((s) => [s.attributes, s.status])).toEqual([
      [
        {
          'mcp.method.name': 'resources/read',
          'jsonrpc.request.id': expect.any(String),
          'mcp.protocol.version': '2025-11-25',
          'toolscript.session': session,
        },
        0,
      ],
      [
        {
          'mcp.method.name': 'resources/read',
          'jsonrpc.request.id': expect.any(String),
          'mcp.protocol.version': '2025-11-25',
          'toolscript.session': session,
          'error.type': expect.stringMatching(/^-32\d{3}$/),
        },
        2,
      ],
    ]);
    expect(spans.filter((s) => s.name === 'resources/list')).toHaveLength(1);
    // No argument, result, query or unknown name reached the collector, in spans or metrics.
    const exported = receiver.bodies.map((body) => body.text).join('\n');
    for (const data of ['Alice', 'alice', 'example.org', '555 0134', 'contact by name'])
      expect(exported).not.toContain(data);
    expect(receiver.metricNames()).toEqual([
      'mcp.client.operation.duration',
      'mcp.server.operation.duration',
      'toolscript.execution.token.usage',
    ]);
  });

  it('takes the parent from the HTTP traceparent header, and from _meta before it', async () => {
    const gateway = await createGateway(config('http'));
    const http = await serveHttp(gateway, { port: 0 });
    const headerTrace = '0af7651916cd43dd8448eb211c80319c';
    const headerSpan = 'b7ad6b7169203331';
    const client = new Client({ name: 'http', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { traceparent: `00-${headerTrace}-${headerSpan}-01` } },
      }),
    );
    const before = receiver.spans().length;
    await client.callTool({ name: 'execute_code', arguments: { code: 'return 1' } });
    await client.callTool({
      name: 'execute_code',
      arguments: { code: 'return 2' },
      _meta: { traceparent: TRACEPARENT },
    });
    await client.close();
    await http.close();
    await gateway.close();
    const servers = receiver
      .spans()
      .slice(before)
      .filter((s) => s.name === 'tools/call execute_code');
    expect(servers.map((s) => [s.traceId, s.parentSpanId])).toEqual([
      [headerTrace, headerSpan],
      [CLIENT_TRACE, CLIENT_SPAN],
    ]);
  });

  it('exec flushes its spans before it exits, named as OTEL_SERVICE_NAME says', async () => {
    const file = join(dir, 'exec.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        telemetry: { enabled: true },
        mcpServers: { traced: { command: process.execPath, args: [TRACED] } },
      }),
    );
    const script = join(dir, 'exec.ts');
    writeFileSync(
      script,
      "import { lookup } from './servers/traced';\nreturn (await lookup({ name: 'Bo' })).name;",
    );
    const before = receiver.spans().length;
    const run = await spawnCliAsync(['exec', '--config', file, script], {
      dataDir: join(dir, 'exec-data'),
      // Only the flush at exit can deliver them: the batch would wait a minute.
      env: { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_SERVICE_NAME: 'toolscript-exec' },
    });
    expect(run.stderr).not.toContain('toolscript: telemetry');
    expect(run.code).toBe(0);
    const spans = receiver.spans().slice(before);
    const root = spans.find((s) => s.name === 'toolscript.execute') as ReceivedSpan;
    expect(root.parentSpanId).toBe('');
    expect(treeOf(spans, root).children.map((child) => child.span)).toEqual(['tools/call lookup (CLIENT)']);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['toolscript-exec']));
  });

  it('says in one line when the collector cannot be reached, and exec still answers', async () => {
    const closed = await startOtlpReceiver();
    const unreachable = closed.endpoint;
    await closed.close();
    const file = join(dir, 'unreachable.config.json');
    writeFileSync(file, JSON.stringify({ telemetry: { enabled: true }, mcpServers: {} }));
    const script = join(dir, 'one.ts');
    writeFileSync(script, 'return 6 * 7');
    const run = await spawnCliAsync(['exec', '--config', file, script], {
      dataDir: join(dir, 'unreachable-data'),
      // The batch leaves at close (a batch sent earlier fails in the background, after the exit).
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: unreachable,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_BSP_SCHEDULE_DELAY: '60000',
      },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('42');
    const said = run.stderr.split('\n').filter((line) => line.includes('toolscript: telemetry:'));
    expect(said).toEqual([
      `toolscript: telemetry: the last spans were not delivered to ${unreachable} within 3 s of closing (is the collector up?); they may be lost`,
    ]);
  });
});
