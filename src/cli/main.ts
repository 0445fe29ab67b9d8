import { pathToFileURL } from 'node:url';
import { distance } from 'fastest-levenshtein';
import { nearest } from '../util/nearest.js';
import { VERSION } from '../version.js';
import { type CliIO, type Command, processIO } from './shared.js';

export const MAIN_HELP = `toolscript ${VERSION}: an MCP gateway that shows upstream MCP servers' tools as a typed
TypeScript API and runs agents' scripts against them in a sandbox.

Usage: toolscript <command> [options]

Commands:
  serve     run the gateway as an MCP server (stdio, or Streamable HTTP with --http)
  exec      run one TypeScript script against the configured servers
  search    search the servers' tools
  gen       write the generated TypeScript API to a folder
  stats     summary of a running gateway: executions, calls, tokens saved
  bench     token benchmark: code mode against direct tool calling (source checkout)
  pii       "pii audit": the log of tokens turned back into real values for tools
  approvals "approvals log": the decisions on tools that need a person's approval
  auth      OAuth for remote servers: "auth login SERVER", "auth status", "auth logout SERVER"
  skills    list, show, save, rm, check and repair saved skills
  tools     "tools history SERVER.TOOL": a tool's versions and what changed between them
  insights  hints, failing and slow tools, tokens saved, cache hits and discovery misses so far
  cache     "cache clear [SERVER]": drop memoized tool call results
  discovery "discovery forget [--tool SERVER.TOOL]": forget what search learnt from use
  agent     run a task end to end with a model (Anthropic, OpenAI, OpenAI-compatible) in code mode
  ab        A/B harness: each task of a task file in code mode and with direct tool calling

Run "toolscript help <command>" or "toolscript <command> --help" for a command's options;
--verbose (or DEBUG=toolscript) adds stack traces to errors.
Config: --config FILE, else ./toolscript.config.json, else ./.mcp.json (Claude Desktop's and
Claude Code's files work unchanged), else the bundled default (filesystem and memory servers).
Data (workspaces, skills, audit log): $TOOLSCRIPT_DATA_DIR, "dataDir", or the user's data folder.
Traces: "telemetry": { "enabled": true } exports OpenTelemetry spans as $OTEL_EXPORTER_OTLP_ENDPOINT
and the other OTEL_* variables say (needs @opentelemetry/sdk-node).
`;

/** Subcommands, loaded on demand. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.js')).serve,
  exec: async () => (await import('./commands/exec.js')).exec,
  search: async () => (await import('./commands/search.js')).search,
  gen: async () => (await import('./commands/gen.js')).gen,
  stats: async () => (await import('./commands/stats.js')).stats,
  bench: async () => (await import('./commands/bench.js')).bench,
  pii: async () => (await import('./commands/pii.js')).pii,
  approvals: async () => (await import('./commands/approvals.js')).approvals,
  auth: async () => (await import('./commands/auth.js')).auth,
  skills: async () => (await import('./commands/skills.js')).skills,
  tools: async () => (await import('./commands/tools.js')).tools,
  insights: async () => (await import('./commands/insights.js')).insights,
  cache: async () => (await import('./commands/cache.js')).cache,
  discovery: async () => (await import('./commands/discovery.js')).discovery,
  agent: async () => (await import('./commands/agent.js')).agent,
  ab: async () => (await import('./commands/ab.js')).ab,
};

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined) {
    const load = COMMANDS[rest[0]];
    if (!load) return unknownCommand(rest[0], io);
    io.stdout((await load()).help ?? MAIN_HELP);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) return unknownCommand(name, io);
  return (await load())(rest, io);
}

function unknownCommand(name: string, io: CliIO): number {
  const [best] = nearest(name, Object.keys(COMMANDS));
  const hint = best !== undefined && distance(name, best) <= 2 ? `did you mean "${best}"? ` : '';
  io.stderr(`error: unknown command "${name}" (${hint}see toolscript --help)\n`);
  return 2;
}

// Run when executed directly (npm run cli / tsx); bin/toolscript.js calls runCli itself. Both exit
// at once, as every command closed what it opened: an exporter retrying an unreachable collector
// (telemetry) must not hold the exit.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
