/**
 * Token benchmark: every workflow in bench/tokens/workflows.ts done in code mode (search_tools and
 * execute_code through the gateway's MCP server) and by direct tool calling (the same task's calls
 * made one at a time through the MCP SDK client, each result entering the context). Writes
 * bench/results/tokens.{json,md} and reductions.svg.
 *
 * Run: npm run bench:tokens            (each workflow with only the servers it needs, then all at once)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { accountExecution, sampleText } from '../../src/accounting/execution.js';
import { countTokens } from '../../src/accounting/tokens.js';
import type { CallPayload } from '../../src/bridge/bridge.js';
import { resultText, unwrapToolResult } from '../../src/bridge/unwrap.js';
import { parseConfig, type ServerConfig } from '../../src/config/index.js';
import type { ExecutionResult } from '../../src/execution/result.js';
import { createGateway } from '../../src/gateway/create.js';
import { createMcpServer } from '../../src/server/mcp-server.js';
import { UpstreamConnection } from '../../src/upstream/connection.js';
import { type Row, renderMarkdown, renderSvg } from './report.js';
import { prepareServers, ROOT, resetMemory } from './servers.js';
import { WORKFLOWS, type Workflow } from './workflows.js';

const LIMITS = { timeoutMs: 600_000, memoryMb: 2048, maxOutputTokens: 4000 };
const CALL_TIMEOUT_MS = 300_000;

async function runWorkflow(
  workflow: Workflow,
  servers: Record<string, ServerConfig>,
  work: string,
  label: string,
): Promise<Row> {
  const config = parseConfig({
    mcpServers: servers,
    sandbox: LIMITS,
    callTimeoutMs: CALL_TIMEOUT_MS,
    connectTimeoutMs: 60_000,
  });
  if (workflow.resetMemory) resetMemory(work);
  const gateway = await createGateway(config);
  const failed = gateway.listServers().filter((s) => !s.ok);
  if (failed.length) throw new Error(`servers unavailable: ${failed.map((s) => s.error).join('; ')}`);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(gateway).connect(serverSide);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(clientSide);
  try {
    for (const request of workflow.discovery)
      await client.callTool({ name: 'search_tools', arguments: request });
    const answer = (await client.callTool(
      { name: 'execute_code', arguments: { code: workflow.script } },
      { timeout: LIMITS.timeoutMs },
    )) as CallToolResult;
    const meta = (
      answer._meta as { toolscript: Omit<ExecutionResult, 'output'> & { session: { codeMode: number } } }
    ).toolscript;
    if (!meta.ok) throw new Error(`code mode failed: ${meta.error?.code} ${meta.error?.message}`);

    if (workflow.resetMemory) resetMemory(work);
    // Direct calls go through their own SDK client connections, opened before the clock starts.
    const connections = new Map<string, UpstreamConnection>();
    for (const name of Object.keys(servers)) {
      const connection = new UpstreamConnection(name, servers[name] as ServerConfig, {
        connectTimeoutMs: 60_000,
        callTimeoutMs: CALL_TIMEOUT_MS,
      });
      await connection.connect();
      connections.set(name, connection);
    }
    const payloads: CallPayload[] = [];
    const started = performance.now();
    const directAnswer = await workflow.direct(async (server, tool, args) => {
      const connection = connections.get(server);
      if (!connection) throw new Error(`workflow ${workflow.name} calls unknown server ${server}`);
      const result = await connection.callTool(tool, args);
      payloads.push({
        args: sampleText(JSON.stringify(args)),
        result: sampleText(resultText(result)),
      });
      if (result.isError)
        throw new Error(`direct ${server}.${tool} failed: ${JSON.stringify(result.content)}`);
      return unwrapToolResult(result);
    });
    const directMs = performance.now() - started;
    await Promise.all([...connections.values()].map((c) => c.close()));
    const tools = await toolsMode(gateway, workflow, work);
    const direct = accountExecution({
      script: '',
      output: '',
      definitions: await gateway.definitionTokens(),
      calls: payloads,
    }).tokens;
    const codeMode = meta.session.codeMode;
    return {
      workflow: workflow.name,
      task: workflow.task,
      config: label,
      dataHeavy: workflow.dataHeavy,
      calls: meta.calls.length,
      directCalls: payloads.length,
      codeMode,
      direct: direct.direct,
      directCumulative: direct.directCumulative,
      definitions: direct.definitions,
      reduction: 1 - codeMode / direct.direct,
      codeModeMs: meta.ms,
      directMs,
      toolsMode: tools.tokens,
      toolsModeMs: tools.ms,
      countingMs: meta.tokens.countingMs,
      estimated: direct.estimated || meta.tokens.estimated,
      sameAnswer: JSON.stringify(meta.result) === JSON.stringify(directAnswer),
      hints: (meta.hints ?? []).map((hint) => hint.code),
      hintLine:
        (answer.content as { type: string; text?: string }[])
          .flatMap((part) => (part.type === 'text' ? (part.text ?? '').split('\n') : []))
          .find((line) => line.startsWith('hint: ')) ?? null,
    };
  } finally {
    await client.close();
    await gateway.close();
  }
}

/**
 * The same direct trajectory through the gateway with plain tools (a client that asked for
 * `?codemode=false`): what that client loads (the gateway's `tools/list`, every tool as
 * `<server>.<tool>`) plus each call's arguments and result as it came back (PII, limits and
 * approvals applied on the way).
 */
async function toolsMode(
  gateway: Awaited<ReturnType<typeof createGateway>>,
  workflow: Workflow,
  work: string,
): Promise<{ tokens: number; ms: number }> {
  if (workflow.resetMemory) resetMemory(work);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(gateway, { expose: 'tools' }).connect(serverSide);
  const client = new Client({ name: 'bench-tools', version: '1' });
  await client.connect(clientSide);
  try {
    const { tools } = await client.listTools();
    const payloads: CallPayload[] = [];
    const started = performance.now();
    await workflow.direct(async (server, tool, args) => {
      const result = (await client.callTool(
        { name: `${server}.${tool}`, arguments: args },
        { timeout: CALL_TIMEOUT_MS },
      )) as CallToolResult;
      payloads.push({ args: sampleText(JSON.stringify(args)), result: sampleText(resultText(result)) });
      if (result.isError) throw new Error(`${server}.${tool} failed: ${JSON.stringify(result.content)}`);
      return unwrapToolResult(result);
    });
    const ms = performance.now() - started;
    const definitions = countTokens(JSON.stringify(tools)).tokens;
    return {
      tokens: accountExecution({ script: '', output: '', definitions, calls: payloads }).tokens.direct,
      ms,
    };
  } finally {
    await client.close();
  }
}

const work = join(tmpdir(), 'toolscript-bench-tokens');
process.stderr.write('Preparing data (SQLite database of 200,000 flights)…\n');
const servers = await prepareServers(work);
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = WORKFLOWS.filter((w) => only.length === 0 || only.includes(w.name));
const rows: Row[] = [];
for (const [label, pick] of [
  ['own servers', (w: Workflow) => w.servers],
  ['all servers', () => Object.keys(servers)],
] as const) {
  for (const workflow of selected) {
    process.stderr.write(`${label}: ${workflow.name}… `);
    const chosen = Object.fromEntries(pick(workflow).map((name) => [name, servers[name] as ServerConfig]));
    const row = await runWorkflow(workflow, chosen, work, label);
    rows.push(row);
    process.stderr.write(
      `${row.codeMode} vs ${row.direct} tokens (${(row.reduction * 100).toFixed(1)}%), ${row.codeModeMs.toFixed(0)} ms vs ${row.directMs.toFixed(0)} ms${row.hints.length ? `; hints ${row.hints.join(', ')}${row.hintLine ? ` ("${row.hintLine}")` : ''}` : '; no hint'}\n`,
    );
  }
}

const results = join(ROOT, 'bench/results');
mkdirSync(results, { recursive: true });
writeFileSync(
  join(results, 'tokens.json'),
  `${JSON.stringify({ tokenizer: 'o200k_base', rows }, null, 2)}\n`,
);
const markdown = renderMarkdown(rows);
writeFileSync(join(results, 'tokens.md'), markdown);
writeFileSync(join(results, 'reductions.svg'), renderSvg(rows.filter((r) => r.config === 'own servers')));
console.log(markdown);
