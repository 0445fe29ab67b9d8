import { createHmac, randomBytes } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/server';
import { isDestructive } from '../catalog/annotations.js';
import { toolMatcher } from '../catalog/policy.js';
import type { ToolscriptConfig } from '../config/index.js';
import { ToolscriptError } from '../errors.js';
import type { JsonValue, RunClock } from '../sandbox/contract.js';
import { ATTR, endSpan, SpanKind, startSpan, type TraceContext } from '../telemetry/spans.js';
import { JsonLinesLog } from '../util/jsonl.js';
import { sessionLabel } from '../util/session-label.js';

/** The approvals audit log's file name, in the data folder. */
export const APPROVALS_LOG_FILE = 'approvals.jsonl';

/**
 * The entry of `requireApproval` that stands for every destructive tool: as MCP's `ToolAnnotations`
 * define it, one whose `readOnlyHint` is not `true` and whose `destructiveHint` is not `false` (both
 * unset mean "may write, may destroy"), the same tools `search_tools { destructive: true }` lists.
 */
export const DESTRUCTIVE = '@destructive';

/** What a person is asked to decide: one call, before anything reaches the upstream server. */
export interface ApprovalRequest {
  /** Session id of the call (`"local"` for the library and the CLI). */
  session: string;
  server: string;
  /** The tool's MCP name. */
  tool: string;
  /** The call's arguments, personal data shown as its PII tokens when PII is on. */
  arguments: JsonValue;
}

/** A person's answer: `true`/`"accept"` approves; anything else denies. */
export type ApprovalAnswer = boolean | 'accept' | 'decline' | 'cancel';

/**
 * Asks a person about one call (MCP elicitation, a terminal prompt, an adapter's `onApproval`).
 * `signal` aborts when the gateway stops waiting (`approvals.timeoutMs`, or the execution was
 * cancelled).
 */
export type Approver = (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalAnswer>;

/** Most values (leaves of the arguments) shown one per line in an approval message. */
const MAX_SHOWN_VALUES = 40;
/** Longest value shown, in characters (as JSON); a longer one is cut and says its length. */
const MAX_SHOWN_VALUE_CHARS = 300;

/**
 * Characters that would let a value lay out text of its own in the message or hide what it says:
 * controls, format characters (bidirectional overrides, zero-width joiners) and line and
 * paragraph separators (U+2028, U+2029). Shown as `\uXXXX`.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** Deepest level of the arguments shown value by value; deeper values are shown as JSON, cut. */
const MAX_SHOWN_DEPTH = 16;

/**
 * The leaves of `value` with their paths (`options.path`, `files[0]`), in order: the first
 * `keep` of them, and how many there are. Walked with a stack of its own, so arguments nested
 * thousands deep cannot overflow the call stack; below {@link MAX_SHOWN_DEPTH} a value counts as
 * one leaf.
 */
function leaves(value: JsonValue, keep: number): { shown: [string, JsonValue][]; total: number } {
  const shown: [string, JsonValue][] = [];
  let total = 0;
  const stack: [string, JsonValue, number][] = [['', value, 0]];
  while (stack.length) {
    const [path, item, depth] = stack.pop() as [string, JsonValue, number];
    const children =
      item !== null && typeof item === 'object' && depth < MAX_SHOWN_DEPTH
        ? Array.isArray(item)
          ? item.map((v, i): [string, JsonValue] => [`${path}[${i}]`, v])
          : Object.entries(item).map(([k, v]): [string, JsonValue] => [
              /^[A-Za-z_$][\w$]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]`,
              v,
            ])
        : [];
    if (children.length) {
      for (let i = children.length - 1; i >= 0; i--) {
        const [p, v] = children[i] as [string, JsonValue];
        stack.push([p, v, depth + 1]);
      }
      continue;
    }
    total++;
    if (shown.length < keep) shown.push([path, item]);
  }
  return { shown, total };
}

/** JSON of `value`, cut to `max` characters; a value too deep to write says so. */
function shortJson(value: JsonValue, max: number): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? 'null';
  } catch {
    return '(nested too deep to show)';
  }
  return json.length > max
    ? `${json.slice(0, max)}… (${json.length.toLocaleString('en-US')} characters in all)`
    : json;
}

/**
 * The question a person reads: which tool of which server, then every value of the arguments on a
 * line of its own with its path (`path: "/etc/hosts"`), so a long value cannot push another out of
 * sight: each value is cut at 300 characters (saying its full length), at most 40 are shown (the
 * message says how many more there are), values below 16 levels are shown as JSON, and control,
 * format and line-separator characters in names and values are shown as `\uXXXX`.
 */
export function approvalMessage(request: ApprovalRequest): string {
  const { shown, total } = leaves(request.arguments ?? {}, MAX_SHOWN_VALUES);
  const lines = shown.map(
    ([path, value]) =>
      `  ${visible(path || '(arguments)')}: ${visible(shortJson(value, MAX_SHOWN_VALUE_CHARS))}`,
  );
  if (total > MAX_SHOWN_VALUES)
    lines.push(`  … and ${total - MAX_SHOWN_VALUES} more values not shown (${total} in all)`);
  return `A script wants to call ${visible(request.tool)} on server ${visible(request.server)}. Allow it?\nArguments:\n${lines.join('\n')}`;
}

/** How a request ended, as the audit log records it. */
export type ApprovalDecision =
  | 'approved'
  | 'declined'
  | 'timeout'
  | 'cancelled'
  | 'no-approver'
  | 'fallback-allow';

/** One line of `<dataDir>/approvals.jsonl`. Never the arguments: only a hash of them. */
export interface ApprovalAuditEntry {
  /** ISO 8601 time of the decision. */
  time: string;
  session: string;
  server: string;
  tool: string;
  decision: ApprovalDecision;
  /**
   * First 16 hex digits of an HMAC-SHA256 of the arguments' JSON, keyed by a random key of this
   * gateway process: equal arguments match within one run, and a guessed value cannot be
   * confirmed against the log.
   */
  argsHash: string;
  /** Time the person took, in ms. */
  waitedMs: number;
}

/** A listed tool was not approved: declined, cancelled or unanswered in time. It did not run. */
export class ApprovalError extends ToolscriptError {
  static override readonly kind: string = 'ApprovalError';
  constructor(
    code: 'APPROVAL_DENIED' | 'APPROVAL_REQUIRED',
    readonly server: string,
    readonly tool: string,
    message: string,
  ) {
    super(code, message, { server, tool });
    // Scripts see it as a ToolError they can catch, with its own code.
    this.name = 'ToolError';
  }
}

/**
 * Which calls need a person's approval (`mcpServers.<name>.requireApproval`), and asking for it:
 * the {@link Approver} of the call's session, within `approvals.timeoutMs`, with the run's clock
 * paused meanwhile. Every decision goes to the audit log.
 */
export class Approvals {
  private readonly matchers = new Map<string, { names: (name: string) => boolean; destructive: boolean }>();
  private readonly audit: JsonLinesLog<ApprovalAuditEntry>;
  private readonly argsKey = randomBytes(32);

  constructor(
    private readonly config: Pick<ToolscriptConfig, 'mcpServers' | 'approvals'>,
    auditFile: string,
  ) {
    this.audit = new JsonLinesLog(auditFile);
    for (const [server, entry] of Object.entries(config.mcpServers)) {
      const patterns = entry.requireApproval ?? [];
      if (!patterns.length) continue;
      const globs = patterns.filter((p) => p !== DESTRUCTIVE);
      this.matchers.set(server, {
        names: globs.length ? toolMatcher(globs) : () => false,
        destructive: patterns.includes(DESTRUCTIVE),
      });
    }
  }

  /** The audit log's file. */
  get auditFile(): string {
    return this.audit.file;
  }

  /** True when a call of `tool` on `server` needs a person's approval. */
  required(server: string, tool: Tool): boolean {
    const matcher = this.matchers.get(server);
    if (!matcher) return false;
    return matcher.names(tool.name) || (matcher.destructive && isDestructive(tool.annotations));
  }

  /**
   * The approval gate of every tool call, a script's (the bridge) or a direct one
   * (`Gateway.callTool`): returns at once when `tool` needs no approval on `server`, else asks as
   * {@link check} does.
   * @param args the call's arguments, as the upstream would get them.
   * @param options.show what the person is shown of `args` (e.g. PII tokens instead of values).
   * @throws {ApprovalError} as {@link check} does.
   */
  async gate(
    call: { server: string; tool: Tool; session: string },
    args: JsonValue,
    approver: Approver | undefined,
    options: {
      show?: ((args: JsonValue) => JsonValue) | undefined;
      clock?: RunClock | undefined;
      signal?: AbortSignal | undefined;
      /** Where the approval's span (`toolscript.approval`) starts: the call's context. */
      trace?: TraceContext | undefined;
    } = {},
  ): Promise<void> {
    const { server, tool, session } = call;
    if (!this.required(server, tool)) return;
    const shown = options.show ? options.show(args) : args;
    await this.check({ session, server, tool: tool.name, arguments: shown }, args, approver, options);
  }

  /**
   * Asks for approval and returns when the call may go ahead.
   * @param args the arguments as the upstream would get them (hashed for the audit log).
   * @throws {ApprovalError} `APPROVAL_REQUIRED` when there is no one to ask, `APPROVAL_DENIED` when
   *   the answer is not an approval or does not come within `approvals.timeoutMs` (unless
   *   `approvals.fallback` is `"allow"`).
   */
  async check(
    request: ApprovalRequest,
    args: unknown,
    approver: Approver | undefined,
    options: {
      clock?: RunClock | undefined;
      signal?: AbortSignal | undefined;
      trace?: TraceContext | undefined;
    } = {},
  ): Promise<void> {
    const { timeoutMs, fallback } = this.config.approvals;
    const started = Date.now();
    // The wait for a person, as a span: the server and tool (configured names), and the decision.
    const { span } = startSpan('toolscript.approval', SpanKind.INTERNAL, options.trace, {
      [ATTR.server]: request.server,
      [ATTR.toolName]: request.tool,
    });
    const log = (decision: ApprovalDecision) => {
      span.setAttribute(ATTR.decision, decision);
      endSpan(span, decision === 'approved' || decision === 'fallback-allow' ? undefined : decision);
      return this.audit
        .record({
          time: new Date().toISOString(),
          session: sessionLabel(request.session),
          server: request.server,
          tool: request.tool,
          decision,
          argsHash: createHmac('sha256', this.argsKey)
            .update(JSON.stringify(args ?? {}))
            .digest('hex')
            .slice(0, 16),
          waitedMs: Date.now() - started,
        })
        .catch(() => {});
    };
    const name = `${request.server}.${request.tool}`;
    if (!approver) {
      if (fallback === 'allow') return void (await log('fallback-allow'));
      await log('no-approver');
      throw new ApprovalError(
        'APPROVAL_REQUIRED',
        request.server,
        request.tool,
        `${name} needs a person's approval, and this client cannot ask for it (it does not support MCP elicitation), so it did not run. A person must approve it through a client that supports approvals.`,
      );
    }
    const controller = new AbortController();
    // A cancelled execution stops waiting at once, even for an approver that ignores its signal.
    let stop = () => controller.abort();
    const onAbort = () => stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    options.clock?.pause();
    let answer: ApprovalAnswer | 'timeout';
    try {
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const cancelled = new Promise<'cancel'>((resolve) => {
        stop = () => {
          controller.abort();
          resolve('cancel');
        };
        if (options.signal?.aborted) stop();
      });
      answer = await Promise.race([
        approver(request, controller.signal).catch(() => 'cancel' as const),
        timedOut,
        cancelled,
      ]);
    } finally {
      clearTimeout(timer);
      controller.abort();
      options.signal?.removeEventListener('abort', onAbort);
      options.clock?.resume();
    }
    if (options.signal?.aborted) {
      await log('cancelled');
      throw new ToolscriptError('CANCELLED', `The script was cancelled while ${name} waited for approval.`);
    }
    if (answer === true || answer === 'accept') return void (await log('approved'));
    if (answer === 'timeout' && fallback === 'allow') return void (await log('fallback-allow'));
    await log(answer === 'timeout' ? 'timeout' : 'declined');
    throw new ApprovalError(
      'APPROVAL_DENIED',
      request.server,
      request.tool,
      answer === 'timeout'
        ? `No one approved ${name} within ${Math.round(timeoutMs / 1000)} s, so it did not run.`
        : `A person declined ${name}, so it did not run. Do not call it again unless asked to.`,
    );
  }

  /** Every decision in `file`, oldest first. */
  static readLog(file: string): Promise<ApprovalAuditEntry[]> {
    return JsonLinesLog.readEntries<ApprovalAuditEntry>(file);
  }
}
