/**
 * `sandbox.typecheck` against real server-memory: "error" stops a script whose tool-call
 * arguments do not type-check before any tool runs; "warn" runs it and adds the diagnostics.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { MEMORY, stdioServer } from './support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'toolscript-typecheck-'));
const graph = join(dir, 'memory.jsonl');
let gateway: Gateway;

beforeAll(async () => {
  gateway = await createGateway(
    parseConfig({
      dataDir: join(dir, 'data'),
      sandbox: { typecheck: 'error' },
      mcpServers: { memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: graph }) },
    }),
  );
});
afterAll(async () => {
  await gateway.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A right call, then one whose argument has the wrong type. */
const PARTIAL = `import { createEntities, addObservations } from './servers/memory';
await createEntities({ entities: [{ name: 'ada', entityType: 'person', observations: [] }] });
await addObservations({ observations: [{ entityName: 'ada', contents: 'not an array' }] });
export default 'done';`;

const entities = () =>
  existsSync(graph) ? readFileSync(graph, 'utf8').split('\n').filter(Boolean).length : 0;

describe('type-check before running', () => {
  it('"error": a wrong argument type stops the script before any tool runs', async () => {
    const run = await gateway.execute(PARTIAL);
    expect(run.error?.code).toBe('TYPE_ERROR');
    expect(run.error?.message).toMatch(
      /^Tool call arguments do not type-check, so nothing ran:\nscript\.ts:3:\d+: Type 'string' is not assignable to type 'string\[\]'/,
    );
    expect(run.calls).toEqual([]);
    expect(entities()).toBe(0);
  });

  it('"error": other diagnostics do not stop a script; they are added to the answer', async () => {
    const run = await gateway.execute(
      `import { readGraph } from './servers/memory';
const graph = await readGraph();
const n: number = graph.entities.length;
export default n + graph.nope;`,
    );
    expect(run.error).toBeNull();
    expect(run.output).toMatch(/^\[typecheck\] script\.ts:4:\d+: Property 'nope' does not exist on type/);
    expect(run.calls).toHaveLength(1);
  });

  it('"warn": the script runs, the first call takes effect, and the diagnostic is in the answer', async () => {
    const run = await gateway.execute(PARTIAL, { typecheck: 'warn' });
    expect(run.error?.code).toBe('INVALID_ARGUMENTS');
    expect(run.output).toMatch(/^\[typecheck\] script\.ts:3:\d+: Type 'string' is not assignable/);
    expect(entities()).toBe(1);
  });

  it('"off" checks nothing; a right script gets no diagnostics', async () => {
    const off = await gateway.execute(
      `import { readGraph } from './servers/memory'; export default (await readGraph()).nope;`,
      { typecheck: 'off' },
    );
    expect(off.output).not.toContain('[typecheck]');
    const right = await gateway.execute(
      `import { searchNodes } from './servers/memory';
const found = await searchNodes({ query: 'ada' });
return found.entities.map((e) => e.name);`,
    );
    expect(right.error).toBeNull();
    expect(right.result).toEqual(['ada']);
    expect(right.output).not.toContain('[typecheck]');
  });

  it('refuses an unknown mode with the choices', () => {
    expect(() => parseConfig({ mcpServers: {}, sandbox: { typecheck: 'strict' } })).toThrow(
      /sandbox\.typecheck.*"off".*"warn".*"error"/s,
    );
  });
});
