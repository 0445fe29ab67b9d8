import { resolve } from 'node:path';
import { PiiAuditLog } from '../../pii/audit.js';
import { type Command, defineCommand, loadCliConfig, UsageError } from '../shared.js';

export const PII_HELP = `Usage: toolscript pii audit [--config FILE] [--json]

Prints the PII audit log: every time a tool received real values for tokens the model passed
back (time, session, server, tool, and how many tokens of each type; never the values).
The log is pii.auditLog in the config (default <dataDir>/pii-audit.jsonl).

Options:
      --json          print the entries as JSON lines
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript pii audit`: reads the untokenization audit log. */
export const pii: Command = defineCommand({
  help: PII_HELP,
  options: { json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    if (positionals[0] !== 'audit' || positionals.length > 1)
      throw new UsageError('expected "toolscript pii audit"');
    const { config } = loadCliConfig(values.config, io);
    const file = resolve(config.pii.auditLog);
    const entries = await PiiAuditLog.read(file);
    if (values.json) {
      for (const entry of entries) io.stdout(`${JSON.stringify(entry)}\n`);
      return 0;
    }
    if (entries.length === 0) {
      io.stdout(`No untokenization recorded in ${file}.\n`);
      return 0;
    }
    for (const e of entries) {
      const types = Object.entries(e.types)
        .map(([type, n]) => `${type}×${n}`)
        .join(' ');
      io.stdout(`${e.time}  session ${e.session}  ${e.server}.${e.tool}  ${types}\n`);
    }
    return 0;
  },
});
