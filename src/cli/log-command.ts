import { resolve } from 'node:path';
import type { ToolscriptConfig } from '../config/index.js';
import { JsonLinesLog } from '../util/jsonl.js';
import { type Command, defineCommand, loadCliConfig, UsageError } from './shared.js';

/**
 * A `toolscript <name> <verb> [--json]` command that prints a JSON-lines audit log of the config's
 * data: each entry as JSON with `--json`, else one line each from `line`, or `empty` when the log
 * has none (or does not exist yet).
 */
export function logCommand<T>(spec: {
  help: string;
  /** The command and its one positional, e.g. `["pii", "audit"]`. */
  usage: [string, string];
  /** The log's file for a loaded config. */
  file: (config: ToolscriptConfig) => string;
  line: (entry: T) => string;
  /** What to print when there is no entry, given the file. */
  empty: (file: string) => string;
}): Command {
  return defineCommand({
    help: spec.help,
    options: { json: { type: 'boolean' } },
    run: async ({ values, positionals }, io) => {
      const [name, verb] = spec.usage;
      if (positionals[0] !== verb || positionals.length > 1)
        throw new UsageError(`expected "toolscript ${name} ${verb}"`);
      const { config } = loadCliConfig(values.config, io);
      const file = resolve(spec.file(config));
      const entries = await JsonLinesLog.readEntries<T>(file);
      if (values.json) for (const entry of entries) io.stdout(`${JSON.stringify(entry)}\n`);
      else if (entries.length === 0) io.stdout(`${spec.empty(file)}\n`);
      else for (const entry of entries) io.stdout(`${spec.line(entry)}\n`);
      return 0;
    },
  });
}
