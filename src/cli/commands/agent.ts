import { randomUUID } from 'node:crypto';
import type { LanguageModel } from 'ai';
import type { AgentEvent, AgentRun } from '../../agent/agent.js';
import { DEFAULT_MODEL, resolveModel } from '../../agent/models.js';
import { type Approver, approvalMessage } from '../../approvals/approvals.js';
import {
  type CliIO,
  type Command,
  defineCommand,
  loadAgentModule,
  startGateway,
  UsageError,
} from '../shared.js';

export const AGENT_HELP = `Usage: toolscript agent "TASK" [--model provider:model] [--base-url URL] [--max-steps N]
                        [--session NAME] [--json] [--quiet] [--config FILE]

Runs TASK end to end with a model in code mode: the model searches the configured servers'
tools, writes TypeScript scripts that run in the sandbox, reads their results and answers.
Script errors go back to the model, which may retry within --max-steps. Progress (each search,
each script shortened, each result) goes to stderr; the answer to stdout; then the bill: model
tokens in and out as the provider reported them, and the direct-calling estimate from accounting.
A tool listed in a server's requireApproval is asked about on the terminal (y/N) before it runs;
without a terminal it is denied.

Options:
      --model SPEC    provider:model (default ${DEFAULT_MODEL}):
                        anthropic:<model>   key from ANTHROPIC_API_KEY
                        openai:<model>      key from OPENAI_API_KEY
                        ollama|llamacpp|vllm|lmstudio:<model>  local OpenAI-compatible server at its
                                            default port; <PROVIDER>_API_KEY if it needs one
                        <name>:<model> --base-url URL  any OpenAI-compatible endpoint
      --base-url URL  API base URL (e.g. http://localhost:11434/v1)
      --max-steps N   most model calls (default 20)
      --session NAME  workspace and state of this session (default: a new one)
      --json          print the whole run as JSON on stdout instead of the answer
      --quiet         no progress output
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help

Exit codes: 0 answered, 1 stopped at --max-steps or the provider failed, 2 bad usage, config or
missing API key.
`;

/** Options shared by `agent` and `ab`. */
export const MODEL_OPTIONS = {
  model: { type: 'string' },
  'base-url': { type: 'string' },
  'max-steps': { type: 'string' },
} as const;

/** The model and step limit from `--model`, `--base-url` and `--max-steps`. */
export function modelFromOptions(
  values: { model?: string | undefined; 'base-url'?: string | undefined; 'max-steps'?: string | undefined },
  io: CliIO,
): { model: LanguageModel; name: string; maxSteps: number } {
  const maxSteps = Number(values['max-steps'] ?? 20);
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new UsageError(`--max-steps must be a positive integer, got "${values['max-steps']}"`);
  }
  const name = values.model ?? DEFAULT_MODEL;
  const resolve = io.resolveModel ?? resolveModel;
  return { model: resolve(name, { baseUrl: values['base-url'] }), name, maxSteps };
}

/** `toolscript agent`: one task end to end with a model, in code mode. */
export const agent: Command = defineCommand({
  help: AGENT_HELP,
  options: {
    ...MODEL_OPTIONS,
    session: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  run: async ({ values, positionals }, io) => {
    const task = positionals.join(' ').trim();
    if (!task) throw new UsageError('give the task in quotes, e.g. toolscript agent "How many rainy days?"');
    const { model, name, maxSteps } = modelFromOptions(values, io);
    const { runAgent } = await loadAgentModule(() => import('../../agent/agent.js'), 'agent');
    const gateway = await startGateway(values.config, io, values.quiet);
    try {
      const run = await runAgent({
        gateway,
        model,
        task,
        maxSteps,
        session: values.session ?? `agent-${randomUUID()}`,
        onApproval: terminalApprover(io),
        ...(values.quiet ? {} : { onEvent: (event) => io.stderr(renderEvent(event)) }),
      });
      if (values.json) io.stdout(`${JSON.stringify({ model: name, ...run })}\n`);
      else if (run.answer) io.stdout(`${run.answer}\n`);
      io.stderr(renderBill(name, run));
      return run.stoppedBy === 'answer' ? 0 : 1;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      // Provider failures (auth, rate limit, network) from the AI SDK: say which model failed.
      io.stderr(`error: the model ${name} failed: ${(error as Error).message}\n`);
      return 1;
    } finally {
      await gateway.close();
    }
  },
});

/** Lines of text kept when showing a script or result. */
const SHOWN_LINES = 6;

/** Progress line(s) for one event, for stderr. */
export function renderEvent(event: AgentEvent): string {
  if (event.type === 'text') return `[${event.step}] ${shorten(event.text, 3)}\n`;
  if (event.type === 'step') return '';
  const input = (event.input ?? {}) as Record<string, unknown>;
  let head: string;
  if (event.tool === 'execute_code' && typeof input.code === 'string') {
    head = `execute_code\n${indent(shorten(input.code, SHOWN_LINES))}`;
  } else if (event.tool === 'search_tools') {
    const what = input.names
      ? `names ${JSON.stringify(input.names)}`
      : input.query
        ? JSON.stringify(input.query)
        : input.server
          ? `server ${input.server}`
          : '(list servers)';
    head = `search_tools ${what}${input.detail ? ` detail ${input.detail}` : ''}`;
  } else {
    head = `${event.tool} ${JSON.stringify(event.input)?.slice(0, 200)}`;
  }
  const mark = event.isError ? '✗' : '→';
  return `[${event.step}] ${head}\n  ${mark} ${indent(shorten(event.output, SHOWN_LINES)).trimStart()}\n`;
}

/** The bill: provider-reported tokens, then accounting's code-mode and direct-calling figures. */
export function renderBill(name: string, run: AgentRun): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [
    '',
    run.stoppedBy === 'max-steps'
      ? `Stopped after ${run.steps} model calls (--max-steps) without a final answer.`
      : `Done in ${run.steps} model call${run.steps === 1 ? '' : 's'}, ${(run.ms / 1000).toFixed(1)} s.`,
    `Bill (${name}):`,
    `  model tokens, as the provider reported them: ${n(run.usage.inputTokens)} in, ${n(run.usage.outputTokens)} out`,
    `  tool calls by the model: ${run.toolCalls} (${run.toolErrors} failed and went back as feedback)`,
  ];
  const a = run.accounting;
  if (a) {
    lines.push(
      `  accounting (o200k_base estimate): code mode put ${n(a.codeMode)} tokens of tools, searches, scripts and results in the context;`,
      `    direct tool calling of the same ${a.executions} execution${a.executions === 1 ? '' : 's'}' calls would have put ~${n(a.direct)} (${(a.reduction * 100).toFixed(1)}% fewer in code mode)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function shorten(text: string, maxLines: number): string {
  const lines = text.trimEnd().split('\n');
  const kept = lines.slice(0, maxLines).map((line) => (line.length > 160 ? `${line.slice(0, 157)}…` : line));
  if (lines.length > maxLines) kept.push(`… (${lines.length - maxLines} more lines)`);
  return kept.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/**
 * Approvals in `agent`: asks y/N on the terminal (`requireApproval` tools); with no terminal to
 * ask, every such call is denied, and stderr says so.
 */
function terminalApprover(io: CliIO): Approver {
  return async (request) => {
    if (!io.ask) {
      io.stderr(
        `approval: ${request.server}.${request.tool} needs a person's approval and there is no terminal to ask; denied.\n`,
      );
      return false;
    }
    const reply = await io.ask(`${approvalMessage(request)} [y/N] `);
    return /^\s*y(es)?\s*$/i.test(reply);
  };
}
