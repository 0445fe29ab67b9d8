/**
 * Guest code: the Python sandbox's snapshot program (arguments: Pyodide's folder, the snapshot
 * file to write). It boots Pyodide once, imports what every script needs (`SNAPSHOT_IMPORTS`,
 * which python/runner.ts writes before this file) and writes Pyodide's memory snapshot; it runs
 * with read access to the Pyodide package and write access to that file only.
 */
import type { GuestDeno, LoadPyodide } from './apis.js';

declare const Deno: GuestDeno;
declare const SNAPSHOT_IMPORTS: string;

const [indexURL, out] = Deno.args as [string, string];
const { loadPyodide } = (await import(new URL('pyodide.mjs', `file://${indexURL}`).href)) as {
  loadPyodide: LoadPyodide;
};
const py = await loadPyodide({ indexURL, _makeSnapshot: true, env: {} });
py.runPython(SNAPSHOT_IMPORTS);
Deno.writeFileSync(out, py.makeMemorySnapshot());
