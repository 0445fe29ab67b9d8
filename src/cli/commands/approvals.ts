import { join } from 'node:path';
import { APPROVALS_LOG_FILE, type ApprovalAuditEntry } from '../../approvals/approvals.js';
import { logCommand } from '../log-command.js';
import type { Command } from '../shared.js';

export const APPROVALS_HELP = `Usage: toolscript approvals log [--config FILE] [--json]

Prints the approvals audit log: every time a script called a tool listed in a server's
requireApproval (time, session, server, tool, the decision, how long the person took, and a
hash of the arguments; never their values). Decisions: approved, declined, timeout, cancelled
(the script was cancelled while waiting), no-approver (the client could not ask a person),
fallback-allow (approvals.fallback "allow").
The log is <dataDir>/approvals.jsonl.

Options:
      --json          print the entries as JSON lines
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript approvals log`: reads the approvals audit log. */
export const approvals: Command = logCommand<ApprovalAuditEntry>({
  help: APPROVALS_HELP,
  usage: ['approvals', 'log'],
  file: (config) => join(config.dataDir, APPROVALS_LOG_FILE),
  empty: (file) => `No approval recorded in ${file}.`,
  line: (e) =>
    `${e.time}  session ${e.session}  ${e.server}.${e.tool}  ${e.decision}  after ${(e.waitedMs / 1000).toFixed(1)} s  args ${e.argsHash}`,
});
