import type { Sandbox } from '../../src/sandbox/contract.js';
import { DenoSandbox } from '../../src/sandbox/deno/index.js';
import { locateDeno } from '../../src/sandbox/deno/locate.js';
import { locatePyodide } from '../../src/sandbox/python/index.js';
import { QuickJSSandbox } from '../../src/sandbox/quickjs/index.js';
import { ThreadedQuickJSSandbox } from '../../src/sandbox/quickjs/threads.js';

/**
 * True when the Deno suites run: Deno is found (it is not a dependency; CI installs it), or
 * `TOOLSCRIPT_REQUIRE_DENO=1` is set, in which case a missing Deno fails those suites instead of
 * skipping them.
 */
export const DENO_AVAILABLE = locateDeno() !== undefined || process.env.TOOLSCRIPT_REQUIRE_DENO === '1';

/** Every Sandbox implementation available here; the contract and abuse suites run against each. */
export const BACKENDS: { name: string; create: () => Promise<Sandbox> }[] = [
  { name: 'quickjs', create: () => QuickJSSandbox.create() },
  { name: 'quickjs-threads', create: () => ThreadedQuickJSSandbox.create(2) },
  ...(DENO_AVAILABLE ? [{ name: 'deno', create: () => DenoSandbox.create() }] : []),
];

/** True when the Python suites run: Deno (as above) and the pyodide package (a devDependency). */
export const PYTHON_AVAILABLE = DENO_AVAILABLE && locatePyodide() !== undefined;
