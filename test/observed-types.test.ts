/**
 * Result types learnt from calls: merging, caps, schema changes, persistence, and that no value
 * is ever kept.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_OBSERVED_DEPTH, ObservedTypes } from '../src/catalog/observed.js';
import { compactType } from '../src/codegen/compact-types.js';

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolscript-observed-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The observed type as the model reads it. */
function typeOf(observed: ObservedTypes, hash = 'h1'): string | undefined {
  const found = observed.get('crm', 'find_people', hash);
  const type = found && compactType(found.schema, 'T').type;
  // One line, whatever the renderer's line breaks.
  return found && `${found.calls}: ${type?.replace(/;?\s*\n\s*}/g, ' }').replace(/\s*\n\s*/g, ' ')}`;
}

describe('observed result types', () => {
  it('merges samples into optional fields and unions', () => {
    const observed = new ObservedTypes(undefined);
    observed.record('crm', 'find_people', 'h1', { total: 2, items: [{ id: 1, name: 'Ada' }] });
    expect(typeOf(observed)).toBe('1: { total: number; items: { id: number; name: string }[] }');
    observed.record('crm', 'find_people', 'h1', { total: 0.5, items: [{ id: 'x7' }], next: null });
    expect(typeOf(observed)).toBe(
      '2: { total: number; items: { id: number | string; name?: string }[]; next?: null }',
    );
  });

  it('counts a repeated shape, merges a new one after it, and saves both, across saves', async () => {
    const file = join(folder(), 'observed-types.json');
    const observed = new ObservedTypes(file);
    for (let i = 0; i < 5; i++) observed.record('crm', 'find_people', 'h1', { total: i, name: `n${i}` });
    expect(typeOf(observed)).toBe('5: { total: number; name: string }');
    await observed.flush();
    // After a save, a known shape is still counted, and a new one still widens the type.
    observed.record('crm', 'find_people', 'h1', { total: 7, name: 'x' });
    observed.record('crm', 'find_people', 'h1', { total: 8, name: 'y' });
    observed.record('crm', 'find_people', 'h1', { total: 9 });
    expect(typeOf(observed)).toBe('8: { total: number; name?: string }');
    // Another schema hash starts over, and the shapes seen at the old one count for nothing.
    observed.record('crm', 'find_people', 'h2', { total: 1, name: 'z' });
    observed.record('crm', 'find_people', 'h2', { name: 'z' });
    expect(typeOf(observed, 'h2')).toBe('2: { total?: number; name: string }');
    await observed.flush();
    const reloaded = new ObservedTypes(file);
    await reloaded.load();
    expect(typeOf(reloaded, 'h2')).toBe('2: { total?: number; name: string }');
  });

  it('keeps no values: not in the type, not on disk; data used as keys makes a map', async () => {
    const dir = folder();
    const file = join(dir, 'observed-types.json');
    const observed = new ObservedTypes(file);
    observed.record('crm', 'find_people', 'h1', {
      owner: 'ada.lovelace@example.com',
      scores: { 'grace@example.com': 3, 'alan@example.com': 4 },
      flags: [true],
    });
    await observed.flush();
    const saved = readFileSync(file, 'utf8');
    expect(saved).not.toMatch(/example\.com|lovelace|true|\b3\b|\b4\b/);
    expect(typeOf(observed)).toBe('1: { owner: string; scores: Record<string, number>; flags: boolean[] }');
  });

  it('caps depth', () => {
    const observed = new ObservedTypes(undefined);
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_OBSERVED_DEPTH + 5; i++) deep = { next: deep };
    observed.record('crm', 'find_people', 'h1', deep);
    const type = typeOf(observed) ?? '';
    expect(type.match(/next/g)).toHaveLength(MAX_OBSERVED_DEPTH);
    expect(type).not.toContain(': string');
  });

  it('drops an observation when the schema changes, and survives a restart', async () => {
    const file = join(folder(), 'nested', 'observed-types.json');
    const first = new ObservedTypes(file);
    first.record('crm', 'find_people', 'h1', { id: 1 });
    first.record('crm', 'find_people', 'h1', { id: 2 });
    await first.flush();
    const second = new ObservedTypes(file);
    await second.load();
    expect(typeOf(second)).toBe('2: { id: number }');
    expect(typeOf(second, 'h2')).toBeUndefined();
    second.record('crm', 'find_people', 'h2', 'text');
    expect(typeOf(second, 'h2')).toBe('1: string');
    expect(typeOf(second, 'h1')).toBeUndefined();
  });

  it('saves within two seconds of an observation, however steadily calls keep coming', async () => {
    const file = join(folder(), 'observed-types.json');
    const observed = new ObservedTypes(file);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      // A call every half second for four seconds: the first observation is due at two.
      for (let i = 0; i < 8; i++) {
        observed.record('crm', 'find_people', 'h1', { id: i });
        vi.advanceTimersByTime(500);
      }
    } finally {
      vi.useRealTimers();
    }
    await vi.waitFor(() => expect(existsSync(file)).toBe(true), { timeout: 2_000 });
    await observed.flush();
  });
});
