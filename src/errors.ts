/**
 * Errors thrown by toolscript's library surface. Every error carries a stable string `code`
 * (safe to switch on) and a `details` object with typed fields; the message says what to do next.
 *
 * Expected failures of a script (syntax error, tool error, timeout…) are not thrown: they are
 * values in {@link ExecutionResult.error}, using the same codes.
 */

/** A size in bytes as MiB with one decimal, for messages (e.g. `16.0 MiB`). */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Marks toolscript errors with the kinds of their class chain (see {@link ToolscriptError.isInstance}). */
const MARKER = Symbol.for('toolscript.error');

/**
 * Every code an execution can end with (`ExecutionResult.error.code`), and what it means. The
 * single source for the type, `toolscript exec --help` and the README's list (a test keeps the
 * README in step).
 */
export const EXECUTION_ERRORS = {
  SYNTAX_ERROR: 'the script does not parse or transpile',
  TYPE_ERROR: 'with sandbox.typecheck "error": a tool call\'s arguments do not type-check; nothing ran',
  RUNTIME_ERROR: 'the script threw, or the sandbox could not run it',
  TOOL_ERROR: 'an upstream tool answered with isError',
  INVALID_ARGUMENTS: "a call's arguments do not match the tool's inputSchema",
  UNKNOWN_TOOL: 'no connected server has that tool (or server)',
  TIMEOUT: 'the script ran past sandbox.timeoutMs',
  MEMORY_LIMIT: 'the script used more than sandbox.memoryMb',
  UPSTREAM_UNAVAILABLE: 'the server could not be started or reached',
  RESULT_TOO_LARGE: 'a tool result was over maxResultBytes',
  MODULE_NOT_FOUND: 'an import names no skill, skill version or module there is',
  WORKSPACE_ERROR: 'a workspace or state operation was refused (path, quota, storage)',
  SKILL_ERROR: 'a skill could not be saved or loaded (name, size, type check, owner)',
  CANCELLED: 'the client cancelled the call (notifications/cancelled, a closed session, an AbortSignal)',
  APPROVAL_DENIED: 'a tool that needs approval was declined, or not approved within approvals.timeoutMs',
  APPROVAL_REQUIRED: 'a tool that needs approval was called from a client that cannot ask a person',
} as const;

/** A code an execution can end with; see {@link EXECUTION_ERRORS}. */
export type ExecutionErrorCode = keyof typeof EXECUTION_ERRORS;

/**
 * Every code an error thrown outside an execution carries, and what it means: the library's
 * (config, `--model`, optional packages), the MCP and HTTP layers', OAuth's and the CLI's.
 */
export const GATEWAY_ERRORS = {
  CONFIG_INVALID: 'the config file is missing, unreadable or does not match the schema',
  MODEL_CONFIG: 'a --model (or agent model) setting names no provider, or lacks its API key',
  MISSING_PACKAGE: "a feature's optional package is not installed (the message says what to install)",
  UPSTREAM_REFUSED:
    'an upstream server refused a request passed on to it; details.rpcCode is its JSON-RPC code',
  NO_ONE_TO_ASK: 'an upstream server asked the person at the client, and no one can answer here',
  UNKNOWN_CONTEXT: 'a 2026-07-28 request names a context that does not exist (any more) for its caller',
  SESSIONS_FULL: 'this replica holds as many MCP sessions as it may',
  HTTP_REFUSED: 'an HTTP request was refused; details.status is the status sent (401, 403, 413…)',
  CREDENTIALS_KEY: 'OAuth credentials cannot be kept safely (a session store without TOOLSCRIPT_OAUTH_KEY)',
  NEEDS_LOGIN: 'an upstream server needs an OAuth login first (toolscript auth login <server>)',
  USAGE: "the command line is wrong (see the command's --help)",
  COMMAND_FAILED: 'a command failed for a reason the user can fix; the message says how',
} as const;

/** Every stable error code: {@link EXECUTION_ERRORS} and {@link GATEWAY_ERRORS}. */
export type ErrorCode = ExecutionErrorCode | keyof typeof GATEWAY_ERRORS;

/** True when `code` is one of {@link EXECUTION_ERRORS}. */
export function isExecutionErrorCode(code: string): code is ExecutionErrorCode {
  return Object.hasOwn(EXECUTION_ERRORS, code);
}

/** Base class: a stable `code`, a `details` object, and a message that tells the user what to do. */
export class ToolscriptError extends Error {
  /** The class's own kind, matched by {@link ToolscriptError.isInstance}; each subclass sets its own. */
  static readonly kind: string = 'ToolscriptError';
  readonly [MARKER]: readonly string[];
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ToolscriptError';
    this.code = code;
    this.details = details;
    const kinds: string[] = [];
    for (
      let type: unknown = new.target;
      typeof type === 'function' && type !== Error;
      type = Object.getPrototypeOf(type)
    )
      if (Object.hasOwn(type, 'kind')) kinds.push((type as unknown as { kind: string }).kind);
    this[MARKER] = kinds;
  }

  /**
   * True when `value` is an error of this class or a subclass, even from a second copy of the
   * package (where `instanceof` fails): `UnknownToolError.isInstance(e)`.
   */
  static isInstance<T>(this: { kind: string; prototype: T }, value: unknown): value is T {
    const kinds =
      typeof value === 'object' && value !== null ? (value as { [MARKER]?: unknown })[MARKER] : undefined;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass isInstance was called on.
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }
}

/** What a script cancelled through `notifications/cancelled` (or an aborted signal) ends with. */
export const CANCELLED_MESSAGE = 'The script was cancelled by the client.';

/** The config file is missing, unreadable or does not match the schema. */
export class ConfigError extends ToolscriptError {
  static override readonly kind: string = 'ConfigError';
  constructor(
    message: string,
    readonly file: string | undefined,
    readonly issues: string[] = [],
  ) {
    super('CONFIG_INVALID', message, { file, issues });
    this.name = 'ConfigError';
  }
}

/**
 * An upstream server could not be started, reached, or answered too late. `options.hint` replaces
 * the default advice (check the config entry) when the reason says what to do.
 */
export class UpstreamUnavailableError extends ToolscriptError {
  static override readonly kind: string = 'UpstreamUnavailableError';
  constructor(
    readonly server: string,
    reason: string,
    readonly stderrTail = '',
    options?: ErrorOptions & { hint?: string },
  ) {
    const tail = stderrTail ? `\n--- last stderr of '${server}' ---\n${stderrTail}` : '';
    const hint =
      options?.hint ?? 'Check its entry in mcpServers (command, args, url) and that it runs on its own.';
    super(
      'UPSTREAM_UNAVAILABLE',
      `Upstream server '${server}' is unavailable: ${reason}.${hint ? ` ${hint}` : ''}${tail}`,
      { server, reason, stderrTail },
      options,
    );
    this.name = 'UpstreamUnavailableError';
  }
}

/** A script called a tool (or imported a binding) that no connected server has. */
export class UnknownToolError extends ToolscriptError {
  static override readonly kind: string = 'UnknownToolError';
  constructor(
    readonly server: string,
    readonly tool: string,
    readonly suggestions: string[] = [],
  ) {
    const hint = suggestions.length
      ? ` Did you mean ${suggestions.join(', ')}?`
      : ' Use search_tools to find it.';
    super('UNKNOWN_TOOL', `Unknown tool '${server}.${tool}'.${hint}`, { server, tool, suggestions });
    this.name = 'UnknownToolError';
  }
}

/** Arguments of a call do not match the tool's `inputSchema`. */
export class InvalidArgumentsError extends ToolscriptError {
  static override readonly kind: string = 'InvalidArgumentsError';
  constructor(
    readonly server: string,
    readonly tool: string,
    readonly problems: { path: string; message: string }[],
  ) {
    const list = problems.map((p) => `${p.path || '(root)'} ${p.message}`).join('; ');
    super(
      'INVALID_ARGUMENTS',
      `Invalid arguments for ${server}.${tool}: ${list}. See its signature with search_tools detail "full".`,
      { server, tool, problems },
    );
    this.name = 'InvalidArgumentsError';
  }
}

/** The upstream tool answered with `isError: true`. */
export class ToolError extends ToolscriptError {
  static override readonly kind: string = 'ToolError';
  constructor(
    readonly server: string,
    readonly tool: string,
    upstreamMessage: string,
  ) {
    super('TOOL_ERROR', `${server}.${tool} failed: ${upstreamMessage}`, { server, tool, upstreamMessage });
    this.name = 'ToolError';
  }
}

/** `--model` names no known provider, is malformed, or its API key is missing (agent and A/B harness). */
export class ModelConfigError extends ToolscriptError {
  static override readonly kind: string = 'ModelConfigError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('MODEL_CONFIG', message, details);
    this.name = 'ModelConfigError';
  }
}

/** A tool's result is larger than `maxResultBytes`; the value was dropped. */
export class ResultTooLargeError extends ToolscriptError {
  static override readonly kind: string = 'ResultTooLargeError';
  constructor(
    readonly server: string,
    readonly tool: string,
    /** Size of the result in bytes of JSON; undefined when it was refused while still arriving. */
    readonly bytes: number | undefined,
    readonly maxBytes: number,
  ) {
    const size = bytes === undefined ? `more than ${mib(maxBytes)}` : mib(bytes);
    super(
      'RESULT_TOO_LARGE',
      `${server}.${tool} returned ${size}, over the ${mib(maxBytes)} limit (maxResultBytes). Ask for less: a narrower query, a page, head/tail or a range.`,
      { server, tool, bytes, maxBytes },
    );
    this.name = 'ResultTooLargeError';
  }
}
