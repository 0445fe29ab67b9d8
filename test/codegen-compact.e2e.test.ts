/**
 * Compact bindings on the 527 real LiveMCPBench schemas: they compile strict, and the TypeScript
 * checker finds every property with the right optionality and every enum with exactly its values.
 */
import { describe, expect, it } from 'vitest';
import { renderCompactBinding } from '../src/codegen/compact.js';
import { planBindings } from '../src/codegen/tree.js';
import { checkUnits, lostDescriptions, recursiveRefs } from './support/codegen-checks.js';
import { loadLiveMcpBenchCatalog } from './support/livemcpbench.js';

const asModule = (source: string) => `${source}\nexport {};\n`;

describe('compact bindings on the 527 LiveMCPBench tools', () => {
  const specs = planBindings(loadLiveMcpBenchCatalog()).flatMap((server) => server.bindings);
  const units = specs.map((spec) => renderCompactBinding(spec));

  it('compile strict, lose no enum, optionality or description, and keep recursion', () => {
    expect(specs).toHaveLength(527);
    const checks = checkUnits(units.map(asModule), specs);
    expect(checks.errors).toEqual([]);
    expect(checks.compiled).toBe(527);
    expect(checks.problems).toEqual([]);
    expect(lostDescriptions(specs, units)).toEqual([]);
    const recursive = recursiveRefs(specs);
    expect(recursive.length).toBeGreaterThan(0);
    expect(recursive.filter((i) => !/^type \w+ = /m.test(units[i] ?? ''))).toEqual([]);
  });

  it('the checks catch a widened enum, a wrong "?", a lost description and a compile error', () => {
    const spec = {
      server: 'demo',
      identifier: 'setMode',
      schemaHash: 'h',
      tool: {
        name: 'set_mode',
        inputSchema: {
          type: 'object' as const,
          properties: { mode: { enum: ['fast', 'slow'], description: 'How fast.' } },
          required: ['mode'],
        },
      },
    };
    const unit = renderCompactBinding(spec);
    expect(checkUnits([asModule(unit)], [spec]).problems).toEqual([]);
    const broken = unit
      .replace('"fast" | "slow"', 'string')
      .replace('mode: ', 'mode?: ')
      .replace('/** How fast. */ ', '');
    expect(broken).not.toBe(unit);
    const checks = checkUnits([asModule(broken), asModule('declare function f(: number): void;')], [spec]);
    expect(checks.lostEnums).toBe(1);
    expect(checks.wrongOptional).toBe(1);
    expect(checks.compiled).toBe(1);
    expect(lostDescriptions([spec], [unit])).toEqual([]);
    expect(lostDescriptions([spec], [broken])).toEqual(['set_mode: How fast.']);
  });
});
