import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EXECUTION_ERRORS } from '../../errors.js';
import type { ExecutionResult } from '../../execution/result.js';
import { isInstalled } from '../../util/peers.js';
import { CliError, type Command, defineCommand, startGateway, UsageError } from '../shared.js';

export const EXEC_HELP = `Usage: toolscript exec [FILE|-] [--language typescript|python] [--config FILE] [--json]

Runs one TypeScript (or Python) script against the configured MCP servers and prints its console
output and result. Reads the script from FILE, or from standard input with "-" (the default).
A FILE ending in .py is Python. Python needs Deno and the pyodide package.

Options:
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
      --language L    typescript or python (default: python for a .py FILE, else typescript)
      --session NAME  run in this session: its workspace files and state persist across runs
                      (default: a new session per run)
      --json          print exactly one ExecutionResult JSON object on stdout:
                      { ok, result, logs, error: null | { code, message }, calls: [{ server, tool, ms, ok }], ms }
  -h, --help          show this help

Exit codes: 0 the script succeeded, 1 it failed (error code in the output), 2 bad usage or config.

Error codes:
${Object.entries(EXECUTION_ERRORS)
  .map(([code, meaning]) => `  ${code.padEnd(21)} ${meaning}`)
  .join('\n')}
`;

/** `toolscript exec`: runs one script. */
export const exec: Command = defineCommand({
  help: EXEC_HELP,
  options: { json: { type: 'boolean' }, session: { type: 'string' }, language: { type: 'string' } },
  run: async ({ values, positionals }, io) => {
    if (positionals.length > 1) throw new UsageError(`expected one script, got ${positionals.length}`);
    const source = positionals[0] ?? '-';
    const language = values.language ?? (source.endsWith('.py') ? 'python' : 'typescript');
    if (language !== 'typescript' && language !== 'python')
      throw new UsageError(`--language must be typescript or python, not "${language}"`);
    if (language === 'python') {
      const problem = (await import('../../sandbox/python/index.js')).pythonUnavailable();
      if (problem) throw new CliError(problem, 2);
    }
    // esbuild's process starts while the script is read and the gateway loads.
    if (language === 'typescript') (await import('../../script/transpile.js')).warmUpTranspiler();
    let code: string;
    try {
      if (source === '-' && io.stdinIsTTY?.())
        io.stderr(
          'Reading the script from standard input; end it with Ctrl-D (or pass a file: toolscript exec FILE).\n',
        );
      code = source === '-' ? await io.readStdin() : await readFile(source, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read script ${source}: ${(error as Error).message}`);
    }
    const gateway = await startGateway(values.config, io, true, {
      connect: 'on-demand',
      metrics: false,
      oneScript: true,
    });
    try {
      const execution = await gateway.execute(code, {
        language,
        session: values.session ?? `exec-${randomUUID()}`,
        // The token line compares nothing without tool calls; --json always carries the counts.
        accounting: values.json ? 'always' : 'with-calls',
      });
      if (values.json) {
        const { output: _output, ...result } = execution;
        io.stdout(`${JSON.stringify(result)}\n`);
      } else {
        io.stdout(`${execution.output}\n`);
        // A failed run's counts compare nothing the user wanted.
        if (execution.ok) io.stderr(`${tokenLine(execution)}\n`);
      }
      for (const server of gateway.listServers()) {
        if (!server.ok && execution.calls.some((call) => call.server === server.name))
          io.stderr(`warning: ${server.error?.split('\n')[0]}\n`);
      }
      return execution.ok ? 0 : 1;
    } finally {
      await gateway.close();
    }
  },
});

/**
 * The token line `exec` prints on stderr: code mode against direct tool calling. It claims no
 * saving when there is nothing to compare (no tool call) or when direct calling would have cost less.
 */
export function tokenLine(
  execution: Pick<ExecutionResult, 'calls'> & { tokens?: ExecutionResult['tokens'] },
): string {
  const note = isInstalled('gpt-tokenizer')
    ? 'o200k_base, an estimate for non-OpenAI models'
    : 'estimated from length; npm install gpt-tokenizer for o200k_base counts';
  if (execution.calls.length === 0 || !execution.tokens)
    return 'tokens: the script made no tool calls, so there is nothing to compare with direct tool calling';
  const { codeMode, direct, reduction, estimated } = execution.tokens;
  const directText = `${estimated ? '~' : ''}${direct}`;
  if (reduction <= 0)
    return `tokens: code mode ${codeMode}, direct tool calling ${directText} (no saving here: direct calling would have used ${direct === codeMode ? 'as many' : 'fewer'}; ${note})`;
  return `tokens: code mode ${codeMode}, direct tool calling ${directText} (${(reduction * 100).toFixed(1)}% fewer; ${note})`;
}
