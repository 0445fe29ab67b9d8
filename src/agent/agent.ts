import type { CallToolResult } from '@modelcontextprotocol/server';
import { generateText, type LanguageModel, type StepResult, stepCountIs, type ToolSet } from 'ai';
import type { SessionSummary } from '../accounting/session.js';
import { createDirectTools, createToolscriptTools } from '../adapters/ai.js';
import { resultText } from '../adapters/direct.js';
import type { Approver } from '../approvals/approvals.js';
import type { Gateway } from '../gateway/gateway.js';

/**
 * `code`: the model gets `search_tools` and `execute_code` and the code-first prompt.
 * `direct`: the model gets every upstream tool as its own tool, as an ordinary agent would.
 */
export type AgentMode = 'code' | 'direct';

/** What happened in one step, for progress output. `step` counts model calls from 1. */
export type AgentEvent =
  | { type: 'text'; step: number; text: string }
  | { type: 'tool'; step: number; tool: string; input: unknown; output: string; isError: boolean }
  | { type: 'step'; step: number; inputTokens: number; outputTokens: number };

/** Options of {@link runAgent}. */
export interface AgentOptions {
  gateway: Gateway;
  /** Any AI SDK language model (see `resolveModel` for `provider:model` strings). */
  model: LanguageModel;
  /** The task, sent as the user message. */
  task: string;
  /** Most model calls (steps); the loop stops there even if the model wants more tools. @default 20 */
  maxSteps?: number;
  /** @default "code" */
  mode?: AgentMode;
  /** Session id in code mode (workspace, state, PII vault). @default a random UUID */
  session?: string;
  /** Most output tokens per model call. @default the provider's default */
  maxOutputTokens?: number;
  /** Called after each step with its text, tool calls and results, and usage. */
  onEvent?: (event: AgentEvent) => void;
  abortSignal?: AbortSignal;
  /**
   * Asks a person before a tool listed in `requireApproval` runs (code mode and direct mode).
   * Without it such calls fail with `APPROVAL_REQUIRED`.
   */
  onApproval?: Approver;
}

/** Input and output tokens as the provider reported them (0 where it reported none). */
export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
}

/** The outcome of one agent run: the answer and its bill. */
export interface AgentRun {
  mode: AgentMode;
  /** The model's final text (empty when it stopped at max-steps while still calling tools). */
  answer: string;
  /** `answer`: the model finished; `max-steps`: the step limit stopped it. */
  stoppedBy: 'answer' | 'max-steps';
  /** Model calls made (turns). */
  steps: number;
  /** Provider-reported tokens, summed over all steps. */
  usage: ModelUsage;
  /** Provider-reported tokens of each step, in order. */
  stepUsage: ModelUsage[];
  /** Tool calls the model made, and how many of them failed (fed back to the model as errors). */
  toolCalls: number;
  toolErrors: number;
  /**
   * Code mode only: the session's token ledger (o200k_base) — what the model read in code mode
   * against the direct-calling estimate for the same tool calls (see `SessionLedger`).
   */
  accounting?: SessionSummary;
  /** Wall time in ms. */
  ms: number;
}

/**
 * Runs one task with a model through the gateway: in code mode the model searches tools, writes
 * scripts and reads their results; failed scripts come back to it as errors and it may retry
 * within `maxSteps`. Built on the AI SDK's `generateText` tool loop.
 * @throws the AI SDK's `APICallError` (and kin) when the provider fails after its retries.
 */
export async function runAgent(options: AgentOptions): Promise<AgentRun> {
  const started = performance.now();
  const mode = options.mode ?? 'code';
  const maxSteps = options.maxSteps ?? 20;
  let tools: ToolSet;
  let system: string | undefined;
  let accounting: (() => Promise<SessionSummary>) | undefined;
  if (mode === 'code') {
    const created = createToolscriptTools(options.gateway, {
      ...(options.session !== undefined ? { id: options.session } : {}),
      ...(options.onApproval ? { onApproval: options.onApproval } : {}),
    });
    tools = created.tools;
    system = created.system;
    accounting = () => created.session.summary();
  } else {
    tools = createDirectTools(options.gateway, options.onApproval ? { onApproval: options.onApproval } : {});
  }
  let toolCalls = 0;
  let toolErrors = 0;
  const stepUsage: ModelUsage[] = [];
  const onStepFinish = (step: StepResult<ToolSet>) => {
    const n = stepUsage.length + 1;
    const usage = { inputTokens: step.usage.inputTokens ?? 0, outputTokens: step.usage.outputTokens ?? 0 };
    stepUsage.push(usage);
    if (step.text.trim() && step.toolCalls.length)
      options.onEvent?.({ type: 'text', step: n, text: step.text });
    for (const part of step.content) {
      if (part.type !== 'tool-result' && part.type !== 'tool-error') continue;
      toolCalls++;
      const { text, isError } = describeToolOutput(part);
      if (isError) toolErrors++;
      options.onEvent?.({
        type: 'tool',
        step: n,
        tool: part.toolName,
        input: part.input,
        output: text,
        isError,
      });
    }
    options.onEvent?.({ type: 'step', step: n, ...usage });
  };
  const result = await generateText({
    model: options.model,
    tools,
    ...(system ? { system } : {}),
    prompt: options.task,
    stopWhen: stepCountIs(maxSteps),
    ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    onStepFinish,
  });
  const last = result.steps.at(-1);
  const stillCalling = last !== undefined && last.finishReason === 'tool-calls';
  return {
    mode,
    answer: result.text,
    stoppedBy: stillCalling && result.steps.length >= maxSteps ? 'max-steps' : 'answer',
    steps: result.steps.length,
    usage: {
      inputTokens: stepUsage.reduce((sum, u) => sum + u.inputTokens, 0),
      outputTokens: stepUsage.reduce((sum, u) => sum + u.outputTokens, 0),
    },
    stepUsage,
    toolCalls,
    toolErrors,
    ...(accounting ? { accounting: await accounting() } : {}),
    ms: performance.now() - started,
  };
}

/** The text the model read for one tool result, and whether it was an error. */
function describeToolOutput(
  part: { type: 'tool-result'; output: unknown } | { type: 'tool-error'; error: unknown },
): {
  text: string;
  isError: boolean;
} {
  if (part.type === 'tool-error') {
    return { text: part.error instanceof Error ? part.error.message : String(part.error), isError: true };
  }
  const output = part.output as { text?: unknown; isError?: unknown; content?: unknown } | undefined;
  if (output && typeof output.text === 'string')
    return { text: output.text, isError: output.isError === true };
  if (output && Array.isArray(output.content)) {
    return { text: resultText(output as CallToolResult), isError: output.isError === true };
  }
  return { text: JSON.stringify(output) ?? '', isError: false };
}
