import { DenoSandbox } from '../../src/sandbox/deno/index.js';
import { QuickJSSandbox } from '../../src/sandbox/quickjs/index.js';
import type { Sandbox } from '../../src/sandbox.js';

/** Every Sandbox implementation; the contract and abuse suites run against each. */
export const BACKENDS: { name: string; create: () => Promise<Sandbox> }[] = [
  { name: 'quickjs', create: () => QuickJSSandbox.create() },
  { name: 'deno', create: () => DenoSandbox.create() },
];
