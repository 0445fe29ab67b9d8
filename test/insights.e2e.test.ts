/**
 * The insights (`toolscript insights`, `GET /ui/api/insights`) from real executions and searches
 * against server-filesystem: what is recorded (and what never is: values), the report's sums,
 * discovery misses, the PII-tokenized query terms, replicas on one store, and the CLI.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ToolscriptConfigInput } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { INSIGHTS_FILE } from '../src/insights/log.js';
import type { ExecutionRecord, SearchRecord } from '../src/insights/records.js';
import { discoveryMisses, FOLLOW_WINDOW_MS, insightsReport, parseSince } from '../src/insights/report.js';
import { GatewaySession } from '../src/session/gateway-session.js';
import { MemoryStore } from '../src/store/memory.js';
import { sessionLabel } from '../src/util/session-label.js';
import { spawnCli } from './support/cli.js';
import { runAt, searchAt } from './support/records.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

const files = mkdtempSync(join(tmpdir(), 'toolscript-insights-files-'));
const SECRET = 'the-secret-contents-4711';
writeFileSync(join(files, 'secret.txt'), SECRET);
const path = (name: string) => JSON.stringify(join(files, name));

function config(extra: Partial<ToolscriptConfigInput> = {}) {
  return parseConfig({
    mcpServers: { files: stdioServer(...FILESYSTEM, [files]) },
    dataDir: mkdtempSync(join(tmpdir(), 'toolscript-insights-data-')),
    ...extra,
  });
}

const THREE_CALLS = `import { readTextFile, getFileInfo } from './servers/files';
const text = await readTextFile({ path: ${path('secret.txt')} });
await getFileInfo({ path: ${path('secret.txt')} });
try { await readTextFile({ path: ${path('missing.txt')} }); } catch {}
export default text.content.length;`;

describe('insights from real executions and searches', () => {
  let gateway: Gateway;
  let session: GatewaySession;
  beforeAll(async () => {
    gateway = await createGateway(config());
    session = new GatewaySession(gateway, { id: 'agent-1' });
  });
  afterAll(() => gateway.close());

  it('records calls, errors, tokens and searches, and never an argument, a result or a query', async () => {
    await session.call('search_tools', { query: 'read the contents of a text file' });
    const run = await session.call('execute_code', { code: THREE_CALLS });
    expect(run.isError).toBe(false);
    // A search whose tools no script then uses: a discovery miss.
    await session.call('search_tools', { query: 'move a folder somewhere else' });
    await session.call('execute_code', { code: 'throw new Error("nope")' });
    await gateway.insights.flush();

    const text = readFileSync(join(gateway.config.dataDir, INSIGHTS_FILE), 'utf8');
    for (const value of [SECRET, 'secret.txt', 'missing.txt', 'read the contents', 'nope', 'agent-1'])
      expect(text).not.toContain(value);
    const records = await gateway.insights.read();
    expect(records.map((r) => r.kind)).toEqual(['search', 'execution', 'search', 'execution']);
    const [first, executed] = records as [SearchRecord, ExecutionRecord];
    expect(first.caller).toBe(sessionLabel('agent-1'));
    expect(first.terms).toEqual(expect.arrayContaining(['read', 'content', 'text', 'file']));
    expect(first.tools).toContain('files.read_text_file');
    expect(
      executed.tools.map(({ tool, calls, failed, errors }) => ({ tool, calls, failed, errors })),
    ).toEqual([
      { tool: 'files.read_text_file', calls: 2, failed: 1, errors: { TOOL_ERROR: 1 } },
      { tool: 'files.get_file_info', calls: 1, failed: 0, errors: undefined },
    ]);
    expect(executed.tools[0]?.ms).toHaveLength(2);
    expect(executed.tokens?.direct).toBeGreaterThan(0);

    const report = insightsReport(records);
    expect(report.executions).toEqual({ total: 2, failed: 1, codes: [{ name: 'RUNTIME_ERROR', count: 1 }] });
    expect(report.toolErrors).toEqual([{ tool: 'files.read_text_file', code: 'TOOL_ERROR', count: 1 }]);
    expect(report.slowTools.map((t) => [t.tool, t.calls])).toEqual(
      expect.arrayContaining([
        ['files.read_text_file', 2],
        ['files.get_file_info', 1],
      ]),
    );
    for (const tool of report.slowTools) expect(tool.p95Ms).toBeGreaterThanOrEqual(tool.p50Ms);
    expect(report.sessions).toHaveLength(1);
    expect(report.sessions[0]?.session).toBe(sessionLabel('agent-1'));
    const [row] = report.sessions;
    expect(row?.saved).toBe((row?.direct ?? 0) - (row?.codeMode ?? 0));
    expect(report.discovery.searches).toBe(2);
    expect(report.discovery.misses).toBe(1);
    expect(report.discovery.missed[0]?.name).toMatch(/^move folder/);
    expect(report.cache).toEqual({ hits: 0, misses: 0, hitRate: null });
    // The dashboard's report, made on the report worker from the same records.
    expect(await gateway.insights.report()).toEqual(report);
  });

  it('counts the hints executions got, by frequency', async () => {
    const repeated = `import { getFileInfo } from './servers/files';
for (let i = 0; i < 2; i++) await getFileInfo({ path: ${path('secret.txt')} });
export default 1;`;
    await session.call('execute_code', { code: repeated });
    await session.call('execute_code', { code: repeated });
    const report = insightsReport(await gateway.insights.read());
    expect(report.hints).toContainEqual({ name: 'REPEATED_CALL', count: 2 });
  });

  it('reads from a time on', async () => {
    const later = Date.now() + 60_000;
    expect(await gateway.insights.read(later)).toEqual([]);
    expect(insightsReport([], later).since).toBe(new Date(later).toISOString());
  });
});

describe('the insights with PII tokenization and replicas', () => {
  it('keeps the terms of a query after tokenization: an e-mail address in a query is never recorded', async () => {
    const gateway = await createGateway(config({ pii: { enabled: true } }));
    try {
      const session = new GatewaySession(gateway, { id: 'pii-agent' });
      await session.call('search_tools', { query: 'send a note to jane.doe@example.com' });
      await gateway.insights.flush();
      const text = readFileSync(join(gateway.config.dataDir, INSIGHTS_FILE), 'utf8');
      expect(text).not.toMatch(/jane|doe|example/);
      const [search] = (await gateway.insights.read()) as [SearchRecord];
      expect(search.terms).toEqual(expect.arrayContaining(['send', 'note']));
    } finally {
      await gateway.close();
    }
  });

  it('reads every replica\'s records from the store, and records nothing with "insights": false', async () => {
    const store = new MemoryStore();
    const [a, b] = [await createGateway(config(), { store }), await createGateway(config(), { store })];
    const off = await createGateway(config({ insights: false }));
    try {
      await a.execute('export default 1', { session: 'on-a' });
      await b.execute('export default 2', { session: 'on-b' });
      await off.execute('export default 3', { session: 'off' });
      const callers = (await a.insights.read()).map((r) => r.caller);
      expect(callers.sort()).toEqual([sessionLabel('on-a'), sessionLabel('on-b')].sort());
      await off.insights.flush();
      expect(off.insights.enabled).toBe(false);
      expect(existsSync(off.insights.file)).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close(), off.close()]);
    }
  });
});

describe('discovery misses and --since', () => {
  const search = searchAt;
  const execution = runAt;

  it('counts a search as followed only by a successful call of a tool it answered, by the same caller, within the window', () => {
    const searches = [
      search('a', 0, ['s.one', 's.two']),
      search('a', 1_000, ['s.three']),
      search('b', 0, ['s.one']),
      search('c', 0, ['s.one']),
      search('d', 0, ['s.one']),
    ];
    const runs = [
      execution('a', 5_000, 's.two'),
      execution('a', 6_000, 's.four'),
      execution('b', FOLLOW_WINDOW_MS + 1, 's.one'),
      execution('c', 10, 's.one', 1),
      execution('a', 10, 's.three'),
    ];
    const missed = discoveryMisses(searches, runs);
    // a's second search came after the execution that used s.three; b's came too late; c's failed; d never ran.
    expect(missed.map((s) => `${s.caller}@${s.time}`)).toEqual(['a@1000', 'b@0', 'c@0', 'd@0']);
  });

  it('reads --since as a duration back from now or a date', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(parseSince('24h', now)).toBe(Date.parse('2026-12-05T12:00:00Z'));
    expect(parseSince('30m', now)).toBe(Date.parse('2026-12-06T11:30:00Z'));
    expect(parseSince('2w', now)).toBe(Date.parse('2026-11-22T12:00:00Z'));
    expect(parseSince('2026-12-01', now)).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(parseSince('2026-12-01T09:00Z', now)).toBe(Date.parse('2026-12-01T09:00:00Z'));
    expect(parseSince('yesterday', now)).toBeUndefined();
    expect(parseSince('12', now)).toBeUndefined();
  });
});

describe('toolscript insights', () => {
  it('prints the report of what the gateway recorded, as text and JSON, and refuses a --since it cannot read', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-insights-cli-'));
    const input = { mcpServers: { files: stdioServer(...FILESYSTEM, [files]) }, dataDir };
    const configFile = join(dataDir, 'toolscript.config.json');
    writeFileSync(configFile, JSON.stringify(input));
    const gateway = await createGateway(parseConfig(input));
    try {
      const session = new GatewaySession(gateway, { id: 'cli-agent' });
      await session.call('execute_code', { code: THREE_CALLS });
      await session.call('search_tools', { query: 'zebra unicorn' });
    } finally {
      await gateway.close();
    }
    const text = spawnCli(['insights', '--config', configFile], { dataDir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Insights over everything kept (${join(dataDir, INSIGHTS_FILE)})`);
    expect(text.stdout).toContain('Executions: 1, 0 failed');
    expect(text.stdout).toMatch(
      /Failed tool calls by tool and error code\n {2}files\.read_text_file {2}TOOL_ERROR {2}1\n/,
    );
    expect(text.stdout).toMatch(/files\.read_text_file {2}[\d.]+ ms \/ [\d.]+ ms {2}\(2 calls\)/);
    expect(text.stdout).toContain(
      'Discovery: 1 searches, 1 not followed by a call of a tool they answered (100.0%)',
    );
    const json = spawnCli(['insights', '--since', '1h', '--json', '--config', configFile], { dataDir });
    const report = JSON.parse(json.stdout) as ReturnType<typeof insightsReport>;
    expect(report.executions.total).toBe(1);
    expect(report.discovery.missed).toEqual([{ name: 'zebra unicorn', count: 1 }]);
    const bad = spawnCli(['insights', '--since', 'last week', '--config', configFile], { dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--since "last week" is neither a duration (30m, 24h, 7d) nor a date (2026-12-01)',
    );
  });
});
