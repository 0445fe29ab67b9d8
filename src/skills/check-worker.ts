/**
 * The skill worker thread (see `gateway-skills.ts`): the TypeScript compiler runs here, so
 * checking or repairing a skill never holds the event loop that serves other sessions.
 */
import { typeCheck } from './analyze.js';
import { type RepairResult, repairCode, type ToolRepair } from './repair.js';

/** A type check (virtual files, path → source, and the entry file), or a repair of a skill's code. */
export type CheckTask =
  | { kind: 'check'; files: [string, string][]; entry: string }
  | { kind: 'repair'; code: string; repairs: ToolRepair[] };

export default function run(task: CheckTask): string[] | RepairResult {
  if (task.kind === 'repair') return repairCode(task.code, task.repairs);
  return typeCheck(new Map(task.files), task.entry);
}
