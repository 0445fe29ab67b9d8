import { readFileSync } from 'node:fs';
import { guestSource } from '../guest/source.js';

/**
 * Python run once per process before the script: the `toolscript` modules, the import guard and
 * `_run_script` (./prelude.py, a real Python file; the build copies it beside this module in dist/).
 */
const PRELUDE = readFileSync(new URL('./prelude.py', import.meta.url), 'utf8');

/** Pyodide's own modules every run uses, imported before the snapshot so a run need not. */
const SNAPSHOT_IMPORTS = 'import json, asyncio, types, traceback, os, sys';

/**
 * The snapshot program (arguments: Pyodide's folder, the snapshot file to write), written to a
 * file at start: ../guest/python-snapshot.ts.
 */
export const SNAPSHOT_SOURCE = `const SNAPSHOT_IMPORTS = ${JSON.stringify(SNAPSHOT_IMPORTS)};\n${guestSource('python-snapshot')}`;

/**
 * The runner program (arguments: Pyodide's folder, the snapshot file), written to a file at
 * start: the prelude's text, then the guest files, ../guest/python-runner.ts last (see there).
 */
export const RUNNER_SOURCE = [
  `const PRELUDE = ${JSON.stringify(PRELUDE)};`,
  ...(['protocol-io', 'protocol-answers', 'python-runner'] as const).map(guestSource),
].join('\n');
