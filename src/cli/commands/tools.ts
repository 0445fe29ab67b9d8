import type { ToolVersion } from '../../catalog/history.js';
import { nearest } from '../../util/nearest.js';
import { type Command, defineCommand, startGateway, UsageError } from '../shared.js';

export const TOOLS_HELP = `Usage: toolscript tools history SERVER.TOOL [--json] [--config FILE]

The versions of an upstream tool as the gateway has seen them, newest first: each with when it was
first and last seen, the server's version, and what changed from the one before, in words. MCP
tools carry no version, so it is derived: 1.0.0 for the first definition seen, then bumped per
change (major: a required argument added, an argument removed, renamed or retyped, an enum
narrowed, the tool renamed or removed; minor: an optional argument added, an enum widened, an
output field added; patch: words only). The servers are started first, so the history is current.

Options:
      --json          print the versions as JSON (oldest first)
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript tools history SERVER.TOOL`: a tool's versions and the changes between them. */
export const tools: Command = defineCommand({
  help: TOOLS_HELP,
  options: { json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    const [action, qualified] = positionals;
    if (action !== 'history') throw new UsageError('expected: tools history SERVER.TOOL');
    const dot = qualified?.indexOf('.') ?? -1;
    if (!qualified || dot < 1)
      throw new UsageError('"tools history" needs a tool as SERVER.TOOL (e.g. filesystem.read_text_file)');
    const server = qualified.slice(0, dot);
    const tool = qualified.slice(dot + 1);
    const gateway = await startGateway(values.config, io, true);
    try {
      const versions = gateway.history.versions(server, tool);
      if (!versions.length) {
        const known = gateway.history.tools(server).map((name) => `${server}.${name}`);
        const near = nearest(qualified, known);
        throw new UsageError(
          `no history for ${qualified}${near.length ? ` (did you mean ${near.join(', ')}?)` : known.length ? '' : `: the gateway has seen no tool of server "${server}"`}`,
        );
      }
      io.stdout(
        `${values.json ? JSON.stringify(versions, null, 2) : `${qualified}\n${[...versions].reverse().map(versionLine).join('\n')}`}\n`,
      );
      return 0;
    } finally {
      await gateway.close();
    }
  },
});

/** One version as a line: version, when, level, the changes in words, the server's versions. */
function versionLine(version: ToolVersion): string {
  const when = `${version.firstSeen.slice(0, 16).replace('T', ' ')} to ${version.lastSeen.slice(0, 16).replace('T', ' ')}`;
  const what = version.changes.length ? version.changes.map((c) => c.text).join('; ') : 'first seen';
  const servers = version.serverVersions.length ? `  (server ${version.serverVersions.join(', ')})` : '';
  return `  ${version.version.padEnd(8)} ${when}  ${(version.level ?? '').padEnd(5)}  ${what}${servers}`;
}
