import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { LanguageModel } from 'ai';
import { loadConfig } from '../config.js';
import { ToolscriptError } from '../errors.js';
import { createGateway, type Gateway, type GatewayOptions } from '../gateway.js';

/** Where a command writes: injectable so tests can capture output. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of standard input (for `exec -`). */
  readStdin: () => Promise<string>;
  /**
   * Turns `--model provider:model` into a language model (`agent`, `ab`). Injectable so tests can
   * drive the commands with the AI SDK's mock models. @default resolveModel from src/agent/models.ts
   */
  resolveModel?: (spec: string, options: { baseUrl?: string | undefined }) => LanguageModel;
}

export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** A command: parses its own arguments, returns the process exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number>;

/** Thrown for bad command-line usage; printed with the command's help hint, exit code 2. */
export class UsageError extends Error {}

export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** `parseArgs` in strict mode, turning its errors into {@link UsageError}s. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Loads the config (file given, `toolscript.config.json`, or the bundled default) and starts a
 * gateway, reporting unavailable servers on stderr.
 * @throws {ConfigError}
 */
export async function startGateway(
  configFile: string | undefined,
  io: CliIO,
  quiet = false,
  options: Pick<GatewayOptions, 'connect' | 'metrics'> = {},
): Promise<Gateway> {
  const { config, file } = loadConfig(configFile ? { file: configFile } : {});
  const count = Object.keys(config.mcpServers).length;
  if (!quiet)
    io.stderr(
      `Connecting to ${count} server${count === 1 ? '' : 's'} (${file ?? 'bundled default config'})…\n`,
    );
  const gateway = await createGateway(config, options);
  for (const server of gateway.listServers()) {
    if (!server.ok) io.stderr(`warning: ${server.error}\n`);
  }
  return gateway;
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
  return async (argv, io) => {
    try {
      const parsed = parse(argv, { ...CONFIG_OPTION, ...HELP_OPTION, ...spec.options });
      if ((parsed.values as { help?: boolean }).help) {
        io.stdout(spec.help);
        return 0;
      }
      return await spec.run(parsed, io);
    } catch (error) {
      return reportError(error, io, spec.help);
    }
  };
}

/** Prints a toolscript or usage error and returns its exit code (2 for usage and config, 1 otherwise). */
export function reportError(error: unknown, io: CliIO, help: string): number {
  if (error instanceof UsageError) {
    io.stderr(`error: ${error.message}\n\n${help}`);
    return 2;
  }
  if (ToolscriptError.isInstance(error)) {
    io.stderr(`error: ${error.message}\n`);
    return error.code === 'CONFIG_INVALID' || error.code === 'MODEL_CONFIG' ? 2 : 1;
  }
  io.stderr(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
