/**
 * The skill type-check worker thread (see `gateway-skills.ts`): the TypeScript compiler runs
 * here, so checking a skill never holds the event loop that serves other sessions.
 */
import { typeCheck } from './analyze.js';

/** Virtual files (path → source) and the entry file to check. */
export interface CheckTask {
  files: [string, string][];
  entry: string;
}

export default function run(task: CheckTask): string[] {
  return typeCheck(new Map(task.files), task.entry);
}
