import type { PiiAuditEntry } from '../../pii/audit.js';
import { logCommand } from '../log-command.js';
import type { Command } from '../shared.js';

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
export const pii: Command = logCommand<PiiAuditEntry>({
  help: PII_HELP,
  usage: ['pii', 'audit'],
  file: (config) => config.pii.auditLog,
  empty: (file) => `No untokenization recorded in ${file}.`,
  line: (e) => {
    const types = Object.entries(e.types)
      .map(([type, n]) => `${type}×${n}`)
      .join(' ');
    return `${e.time}  session ${e.session}  ${e.server}.${e.tool}  ${types}`;
  },
});
