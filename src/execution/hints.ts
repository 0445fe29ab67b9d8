import type { ExecutionTokens, TextSample } from '../accounting/execution.js';
import type { CallTrace } from '../bridge/bridge.js';

/** One hint: how the agent could do better, read from the execution's own trace. */
export interface ExecutionHint {
  /**
   * `SEQUENTIAL_CALLS`: many calls of one tool ran one after another; `REPEATED_CALL`: the same
   * call with the same arguments more than once; `OUTPUT_CUT`: the answer was cut to
   * `maxOutputTokens`; `INVALID_ARGUMENTS`: one tool refused its arguments more than once;
   * `CODE_MODE_COST`: the script cost more tokens than calling the tool directly would have.
   */
  code: 'SEQUENTIAL_CALLS' | 'REPEATED_CALL' | 'OUTPUT_CUT' | 'INVALID_ARGUMENTS' | 'CODE_MODE_COST';
  /** One line, for the model. */
  text: string;
}

/** Hints kept per answer, most useful first. */
export const MAX_HINTS = 3;
/** Calls of one tool in a row, none overlapping another, that make a `SEQUENTIAL_CALLS` hint. */
export const SEQUENTIAL_CALLS = 5;
/** Time those calls must have waited in all for the hint to be worth a line, in ms. */
const SEQUENTIAL_MS = 50;

/** What the hints read of an execution. */
export interface HintInput {
  calls: readonly CallTrace[];
  /** The calls' arguments as JSON (sampled), in the order of `calls`. */
  args: readonly TextSample[];
  truncated?: { shownTokens: number; totalTokens: number } | undefined;
  tokens?: Pick<ExecutionTokens, 'codeMode' | 'direct'> | undefined;
}

/**
 * The hints an execution earns, at most {@link MAX_HINTS}, in this order: the answer cut, a tool
 * refusing its arguments again, the same call repeated, calls that waited one after another,
 * code mode costing more than direct calling. Tool names only: never an argument or a value.
 */
export function executionHints(input: HintInput): ExecutionHint[] {
  const hints: ExecutionHint[] = [];
  const { calls, args } = input;
  if (input.truncated) {
    hints.push({
      code: 'OUTPUT_CUT',
      text: `The answer was cut to ${input.truncated.shownTokens} of ${input.truncated.totalTokens} tokens: filter or aggregate in the script and return only what is needed.`,
    });
  }
  const refused = countBy(
    calls.filter((c) => c.error === 'INVALID_ARGUMENTS'),
    nameOf,
  );
  for (const [tool, times] of refused) {
    if (times < 2) continue;
    hints.push({
      code: 'INVALID_ARGUMENTS',
      text: `${tool} refused its arguments ${times} times: read its declaration with search_tools (detail "full") before calling it again.`,
    });
    break;
  }
  const repeated = repeatedCalls(calls, args);
  if (repeated) {
    hints.push({
      code: 'REPEATED_CALL',
      text: `${repeated.tool} was called ${repeated.times} times with the same arguments: keep the first result in a variable.`,
    });
  }
  const run = longestSequentialRun(calls);
  if (run && run.count >= SEQUENTIAL_CALLS && run.ms >= SEQUENTIAL_MS) {
    hints.push({
      code: 'SEQUENTIAL_CALLS',
      text: `${run.count} calls of ${run.tool} ran one after another (${Math.round(run.ms)} ms in all): calls that do not depend on each other can run at once with Promise.all.`,
    });
  }
  const tokens = input.tokens;
  if (tokens && calls.length > 0 && tokens.codeMode > tokens.direct) {
    hints.push({
      code: 'CODE_MODE_COST',
      text: `This script cost ${tokens.codeMode} tokens where calling the tool${calls.length > 1 ? 's' : ''} directly would have cost about ${tokens.direct}: for one small call, direct calling is cheaper.`,
    });
  }
  return hints.slice(0, MAX_HINTS);
}

/**
 * The call made most often with the same arguments, when one was made twice or more with no call
 * of another tool of its server in between (a write there may have changed the answer, so reading
 * again is right). Only arguments kept whole can be told equal.
 */
function repeatedCalls(
  calls: readonly CallTrace[],
  args: readonly TextSample[],
): { tool: string; times: number } | undefined {
  /** Per server, its two most recent distinct tools with the index of their last call. */
  const recent = new Map<string, { tool: string; index: number }[]>();
  const seen = new Map<string, { index: number; times: number }>();
  let best: { tool: string; times: number } | undefined;
  calls.forEach((call, index) => {
    const sample = args[index];
    const latest = recent.get(call.server) ?? [];
    const other = latest.find((entry) => entry.tool !== call.tool)?.index ?? -1;
    if (call.ok && sample && sample.text.length === sample.length) {
      const key = `${nameOf(call)}\u0000${sample.text}`;
      const before = seen.get(key);
      const times = before && other < before.index ? before.times + 1 : 1;
      seen.set(key, { index, times });
      if (times >= 2 && (!best || times > best.times)) best = { tool: nameOf(call), times };
    }
    recent.set(
      call.server,
      [{ tool: call.tool, index }, ...latest.filter((e) => e.tool !== call.tool)].slice(0, 2),
    );
  });
  return best;
}

/** The longest run of calls of one tool in a row, each starting after the one before ended. */
function longestSequentialRun(
  calls: readonly CallTrace[],
): { tool: string; count: number; ms: number } | undefined {
  let best: { tool: string; count: number; ms: number } | undefined;
  let current: { tool: string; count: number; ms: number } | undefined;
  let previous: CallTrace | undefined;
  for (const call of calls) {
    const after =
      previous !== undefined &&
      call.startMs !== undefined &&
      previous.startMs !== undefined &&
      call.startMs >= previous.startMs + previous.ms;
    if (current && after && nameOf(call) === current.tool) {
      current.count++;
      current.ms += call.ms;
    } else current = { tool: nameOf(call), count: 1, ms: call.ms };
    if (!best || current.count > best.count) best = { ...current };
    previous = call;
  }
  return best;
}

function nameOf(call: CallTrace): string {
  return `${call.server}.${call.tool}`;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
