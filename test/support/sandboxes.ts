import type { PythonScript, Sandbox } from '../../src/sandbox/contract.js';
import { DenoSandbox } from '../../src/sandbox/deno/index.js';
import { locatePyodide, PythonSandbox } from '../../src/sandbox/python/index.js';
import { QuickJSSandbox } from '../../src/sandbox/quickjs/index.js';
import { ThreadedQuickJSSandbox } from '../../src/sandbox/quickjs/threads.js';
import { locateDeno } from '../../src/sandbox/subprocess/locate.js';

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

/**
 * Every Sandbox the contract suite holds to the same promises, with the language its scripts are
 * written in: the JavaScript backends above, and Python where it runs.
 */
export const CONTRACT_BACKENDS: (
  | { name: string; language: 'javascript'; create: () => Promise<Sandbox> }
  | { name: string; language: 'python'; create: () => Promise<Sandbox<PythonScript>> }
)[] = [
  ...BACKENDS.map((backend) => ({ ...backend, language: 'javascript' as const })),
  ...(PYTHON_AVAILABLE
    ? [
        {
          name: 'python',
          language: 'python' as const,
          create: () => PythonSandbox.create({ memoryMb: 128, poolSize: 1, warn: () => {} }),
        },
      ]
    : []),
];
