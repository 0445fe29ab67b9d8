import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { LanguageModel } from 'ai';
import { distance } from 'fastest-levenshtein';
import { type LoadedConfig, loadConfig } from '../config/index.js';
import { ToolscriptError } from '../errors.js';
import type { GatewayOptions } from '../gateway/create.js';
import type { Gateway } from '../gateway/gateway.js';
import { nearest } from '../util/nearest.js';

/** Where a command writes: injectable so tests can capture output. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of standard input (for `exec -`). */
  readStdin: () => Promise<string>;
  /** True when standard input is a terminal (so `exec` says it is waiting for a script). */
  stdinIsTTY?: () => boolean;
  /**
   * Turns `--model provider:model` into a language model (`agent`, `ab`). Injectable so tests can
   * drive the commands with the AI SDK's mock models. @default resolveModel from src/agent/models.ts
   */
  resolveModel?: (spec: string, options: { baseUrl?: string | undefined }) => LanguageModel;
  /**
   * Asks the person at the terminal and returns the line typed (approvals in `agent`); absent when
   * there is no terminal to ask.
   */
  ask?: (question: string) => Promise<string>;
  /**
   * Sends the person to a URL (`auth login`); absent, the command prints it and opens the
   * desktop's browser when there is one. Injectable so tests can follow the URL themselves.
   */
  openUrl?: (url: string) => Promise<void>;
}

export const processIO: CliIO = {
  stdinIsTTY: () => process.stdin.isTTY === true,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  ...(process.stdin.isTTY && process.stderr.isTTY
    ? {
        ask: async (question: string) => {
          const { createInterface } = await import('node:readline/promises');
          const terminal = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return await terminal.question(question);
          } finally {
            terminal.close();
          }
        },
      }
    : {}),
};

/** A command: parses its own arguments, returns the process exit code; `help` is its --help text. */
export type Command = ((argv: string[], io: CliIO) => Promise<number>) & { help?: string };

/** Thrown for bad command-line usage; printed as one line with a pointer to --help, exit code 2. */
export class UsageError extends ToolscriptError {
  static override readonly kind: string = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

/**
 * A failure the user can fix, printed as one line `error: what happened (what to do)` with no
 * stack trace. @default exitCode 1
 */
export class CliError extends ToolscriptError {
  static override readonly kind: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super('COMMAND_FAILED', message, { exitCode });
    this.name = 'CliError';
  }
}

export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;
export const HELP_OPTION = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
} as const;

/**
 * A `--port` value: a TCP port 0-65535 (0 picks a free one), `fallback` when not given.
 * @throws {UsageError} for anything else, quoting what was given.
 */
export function parsePort(value: string | undefined, fallback: number): number {
  const port = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535, not "${value}"`);
  return port;
}

/** `parseArgs` in strict mode, turning its errors into {@link UsageError}s. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split('. To specify a positional')[0] ?? '';
    // An unknown option within two edits of a known one is most likely a typo of it.
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const [best] = unknown ? nearest(unknown, Object.keys(options)) : [];
    const hint =
      unknown && best !== undefined && distance(unknown, best) <= 2 ? ` (did you mean --${best}?)` : '';
    throw new UsageError(`${message}${hint}`);
  }
}

/**
 * Loads the config (file given, `toolscript.config.json`, or the bundled default) and starts a
 * gateway, reporting unavailable servers on stderr. `oneScript` (exec) runs scripts on the main
 * thread unless the config sets `sandbox.threads`.
 * @throws {ConfigError}
 */
export async function startGateway(
  configFile: string | undefined,
  io: CliIO,
  quiet = false,
  options: Pick<GatewayOptions, 'connect' | 'metrics'> & { oneScript?: boolean } = {},
): Promise<Gateway> {
  const { oneScript, ...gatewayOptions } = options;
  const loaded = loadCliConfig(configFile, io).config;
  // One script at a time (exec) has no other session to protect: unless the config says
  // otherwise it runs on this thread, saving a thread's start-up.
  // Nor does it need Python interpreters waiting: one boots for the script, if it is Python.
  const config = oneScript
    ? {
        ...loaded,
        sandbox: { ...loaded.sandbox, threads: loaded.sandbox.threads ?? 0, pythonPool: 0 },
      }
    : loaded;
  const count = Object.keys(config.mcpServers).length;
  if (!quiet) io.stderr(`Connecting to ${count} server${count === 1 ? '' : 's'}…\n`);
  const { createGateway } = await import('../gateway/create.js');
  const gateway = await createGateway(config, gatewayOptions);
  for (const server of gateway.listServers()) {
    if (!server.ok)
      io.stderr(startupWarning(server.error ?? `Upstream server '${server.name}' is unavailable.`));
  }
  return gateway;
}

/** Most lines of a server's stderr shown in its start-up warning (the last ones). */
export const WARNING_STDERR_LINES = 8;
/** Longest stderr line shown in a start-up warning, in characters. */
const WARNING_LINE_CHARS = 200;

/**
 * The start-up warning of a server that did not start: its error's first line, then the last
 * {@link WARNING_STDERR_LINES} lines of its stderr that are neither empty nor stack frames (each
 * cut to 200 characters), indented, so the cause (`Cannot find module …`) shows where the user
 * looks first.
 * @param error an `UpstreamUnavailableError` message, whose stderr tail follows a
 *   `--- last stderr of '<server>' ---` line.
 */
export function startupWarning(error: string): string {
  const [first = '', ...rest] = error.split('\n');
  const marker = rest.findIndex((line) => /^--- last stderr of '.*' ---$/.test(line));
  // Stack frames say where, not what: they go first, so the error line fits.
  const tail =
    marker < 0 ? [] : rest.slice(marker + 1).filter((line) => line.trim() !== '' && !/^\s+at /.test(line));
  const shown = tail
    .slice(-WARNING_STDERR_LINES)
    .map(
      (line) => `  | ${line.length > WARNING_LINE_CHARS ? `${line.slice(0, WARNING_LINE_CHARS)}…` : line}\n`,
    );
  const omitted = tail.length - shown.length;
  return `warning: ${first}\n${shown.length ? `  its stderr${omitted ? ` (its last ${shown.length} lines)` : ''}:\n` : ''}${shown.join('')}`;
}

/**
 * Loads the config as {@link loadConfig} does and says on stderr which file is used (and what in it
 * was ignored), so a user never wonders where the servers came from.
 * @throws {ConfigError}
 */
export function loadCliConfig(configFile: string | undefined, io: CliIO): LoadedConfig {
  const loaded = loadConfig(configFile ? { file: configFile } : {});
  io.stderr(
    loaded.file
      ? `config: ${loaded.file}\n`
      : 'config: bundled default (filesystem over examples/data, memory); use your own servers with ./toolscript.config.json, ./.mcp.json or --config FILE\n',
  );
  for (const notice of loaded.notices)
    io.stderr(notice.startsWith('WARNING: ') ? `warning: ${notice.slice(9)}\n` : `notice: ${notice}\n`);
  if (loaded.config.approvals.fallback === 'allow')
    io.stderr(
      'warning: approvals.fallback is "allow": tools listed in requireApproval run without a person\'s approval when no one can be asked or no answer comes in time; use it only where every client is trusted\n',
    );
  return loaded;
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;
type CommonOptions = typeof CONFIG_OPTION & typeof HELP_OPTION;

/**
 * A command from its help text, its own options and a body. The wrapper adds `--config` and
 * `--help`, prints the help for `--help`, and turns thrown errors into messages and exit codes
 * (see {@link reportError}).
 */
export function defineCommand<T extends OptionSpec>(spec: {
  help: string;
  options: T;
  run: (parsed: ReturnType<typeof parse<T & CommonOptions>>, io: CliIO) => Promise<number>;
}): Command {
  const command: Command = async (argv, io) => {
    const verbose = argv.includes('--verbose') || /(^|,)\s*toolscript\s*(,|$)/.test(process.env.DEBUG ?? '');
    try {
      const parsed = parse(argv, { ...CONFIG_OPTION, ...HELP_OPTION, ...spec.options });
      if ((parsed.values as { help?: boolean }).help) {
        io.stdout(spec.help);
        return 0;
      }
      return await spec.run(parsed, io);
    } catch (error) {
      return reportError(error, io, spec.help, verbose);
    }
  };
  return Object.assign(command, { help: spec.help });
}

/**
 * Prints an error as one line, `error: what happened (what to do)`, and returns its exit code: 2
 * for usage and config errors and a missing optional package, 1 otherwise. A stack trace is printed only with `verbose`
 * (`--verbose` or `DEBUG=toolscript`), for errors toolscript did not expect.
 */
export function reportError(error: unknown, io: CliIO, help: string, verbose = false): number {
  const command = /^Usage: (toolscript(?: \w+)?)/.exec(help)?.[1] ?? 'toolscript';
  if (error instanceof UsageError) {
    io.stderr(`error: ${error.message} (see ${command} --help)\n`);
    return 2;
  }
  if (error instanceof CliError) {
    io.stderr(`error: ${error.message}\n`);
    return error.exitCode;
  }
  if (ToolscriptError.isInstance(error)) {
    io.stderr(`error: ${error.message}\n`);
    if (verbose && error.stack) io.stderr(`${error.stack}\n`);
    return ['CONFIG_INVALID', 'MODEL_CONFIG', 'MISSING_PACKAGE'].includes(error.code) ? 2 : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`error: ${message.split('\n')[0]}${verbose ? '' : ' (run again with --verbose for details)'}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 1;
}

/**
 * Loads a module of the agent harness, which needs the AI SDK (`ai`, an optional peer
 * dependency: a user of the gateway alone installs none of it).
 * @throws {CliError} (exit 2) naming what to install when the AI SDK is missing.
 */
export async function loadAgentModule<T>(load: () => Promise<T>, command: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new CliError(
      `toolscript ${command} needs the AI SDK: npm install ai @ai-sdk/anthropic (or @ai-sdk/openai, @ai-sdk/openai-compatible for other models)`,
      2,
    );
  }
}
