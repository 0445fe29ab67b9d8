import type { BindingTree } from '../codegen/binding-tree.js';
import type { ServerImports } from '../script/imports.js';
import { isInstalled } from '../util/peers.js';
import { HostWorker } from '../util/worker.js';
import type { ScriptDiagnostic, TypecheckTask } from './typecheck-worker.js';

/** What `sandbox.typecheck` does with a script's type errors. */
export type TypecheckMode = 'off' | 'warn' | 'error';

/** The outcome of one check; `skipped` when the checker did not answer in time or cannot run. */
export interface TypecheckResult {
  /** Why the check was skipped, when it was. */
  skippedBecause?: string;
  /** Errors in the arguments of tool calls: with `"error"`, these stop the script before it runs. */
  errors: string[];
  /** Every other diagnostic (e.g. a property read on an `unknown` result). */
  warnings: string[];
  skipped: boolean;
}

/** Longest wait for one check once the checker is up, in ms; past it the script runs unchecked. */
export const TYPECHECK_DEADLINE_MS = 10_000;

/**
 * Type-checks scripts before they run, against the compact bindings of the servers they import
 * (the same declarations `search_tools` shows, observed result types included), the runtime API
 * and QuickJS's `console`, strict, on a worker thread that keeps a TypeScript language service
 * warm (the first check loads TypeScript's lib files; later ones reuse them).
 */
export class ScriptTypechecker {
  private readonly worker = new HostWorker<TypecheckTask>(
    new URL('./typecheck-worker', import.meta.url),
    10 * 60_000,
  );

  constructor(private readonly bindings: BindingTree) {}

  /** Checks `script` (TypeScript source) given what it imports (see `scanServerImports`). */
  async check(script: string, used: ServerImports): Promise<TypecheckResult> {
    if (!isInstalled('typescript'))
      return {
        errors: [],
        warnings: [],
        skipped: true,
        skippedBecause: 'type checks need the typescript package: npm install typescript',
      };
    const files: Record<string, string> = {
      'client.ts': (await this.bindings.read('client.ts')) ?? '',
      'runtime.ts': (await this.bindings.read('runtime.ts')) ?? '',
    };
    for (const [folder, names] of used.folders)
      for (const [path, source] of this.bindings.compactModules(folder, names)) files[path] = source;
    const answer = await this.worker.run<ScriptDiagnostic[] | undefined>(
      { script, files },
      TYPECHECK_DEADLINE_MS,
      () => undefined,
    );
    if (!answer) return { errors: [], warnings: [], skipped: true };
    return {
      errors: answer.filter((d) => d.argument).map((d) => d.text),
      warnings: answer.filter((d) => !d.argument).map((d) => d.text),
      skipped: false,
    };
  }

  /** Stops the checker's thread. */
  close(): Promise<void> {
    return this.worker.close();
  }
}
