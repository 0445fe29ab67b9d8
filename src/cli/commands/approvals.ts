import { resolve } from 'node:path';
import { Approvals } from '../../approvals/approvals.js';
import { type Command, defineCommand, loadCliConfig, UsageError } from '../shared.js';

export const APPROVALS_HELP = `Usage: toolscript approvals log [--config FILE] [--json]

Prints the approvals audit log: every time a script called a tool listed in a server's
requireApproval (time, session, server, tool, the decision, how long the person took, and a
hash of the arguments; never their values). Decisions: approved, declined, timeout,
no-approver (the client could not ask a person), fallback-allow (approvals.fallback "allow").
The log is <dataDir>/approvals.jsonl.

Options:
      --json          print the entries as JSON lines
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript approvals log`: reads the approvals audit log. */
export const approvals: Command = defineCommand({
  help: APPROVALS_HELP,
  options: { json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    if (positionals[0] !== 'log' || positionals.length > 1)
      throw new UsageError('expected "toolscript approvals log"');
    const { config } = loadCliConfig(values.config, io);
    const file = resolve(config.dataDir, 'approvals.jsonl');
    const entries = await Approvals.readLog(file);
    if (values.json) {
      for (const entry of entries) io.stdout(`${JSON.stringify(entry)}\n`);
      return 0;
    }
    if (entries.length === 0) {
      io.stdout(`No approval recorded in ${file}.\n`);
      return 0;
    }
    for (const e of entries) {
      io.stdout(
        `${e.time}  session ${e.session}  ${e.server}.${e.tool}  ${e.decision}  after ${(e.waitedMs / 1000).toFixed(1)} s  args ${e.argsHash}\n`,
      );
    }
    return 0;
  },
});
