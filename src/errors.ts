/**
 * Errors thrown by toolscript's library surface. Every error carries a stable string `code`
 * (safe to switch on) and a `details` object with typed fields; the message says what to do next.
 *
 * Expected failures of a script (syntax error, tool error, timeout…) are not thrown: they are
 * values in {@link ExecutionResult.error}, using the same codes.
 */

const MARKER = Symbol.for('toolscript.error');

/** Stable error codes. Those marked "execution" also appear in `ExecutionResult.error.code`. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'SYNTAX_ERROR' // execution
  | 'RUNTIME_ERROR' // execution
  | 'TOOL_ERROR' // execution
  | 'INVALID_ARGUMENTS' // execution
  | 'UNKNOWN_TOOL' // execution
  | 'TIMEOUT' // execution
  | 'MEMORY_LIMIT' // execution
  | 'UPSTREAM_UNAVAILABLE' // execution
  | 'RESULT_TOO_LARGE' // execution
  | 'MODEL_CONFIG';

/** Base class: a stable `code`, a `details` object, and a message that tells the user what to do. */
export class ToolscriptError extends Error {
  readonly [MARKER] = true;
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
  }

  /** True for any toolscript error, even one from a second copy of the package. */
  static isInstance(value: unknown): value is ToolscriptError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}

/** The config file is missing, unreadable or does not match the schema. */
export class ConfigError extends ToolscriptError {
  constructor(
    message: string,
    readonly file: string | undefined,
    readonly issues: string[] = [],
  ) {
    super('CONFIG_INVALID', message, { file, issues });
    this.name = 'ConfigError';
  }
}

/** An upstream server could not be started, reached, or answered too late. */
export class UpstreamUnavailableError extends ToolscriptError {
  constructor(
    readonly server: string,
    reason: string,
    readonly stderrTail = '',
    options?: ErrorOptions,
  ) {
    const tail = stderrTail ? `\n--- last stderr of '${server}' ---\n${stderrTail}` : '';
    super(
      'UPSTREAM_UNAVAILABLE',
      `Upstream server '${server}' is unavailable: ${reason}. Check its entry in mcpServers (command, args, url) and that it runs on its own.${tail}`,
      { server, reason, stderrTail },
      options,
    );
    this.name = 'UpstreamUnavailableError';
  }
}

/** A script called a tool (or imported a binding) that no connected server has. */
export class UnknownToolError extends ToolscriptError {
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
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('MODEL_CONFIG', message, details);
    this.name = 'ModelConfigError';
  }
}

/** A tool's result is larger than `maxResultBytes`; the value was dropped. */
export class ResultTooLargeError extends ToolscriptError {
  constructor(
    readonly server: string,
    readonly tool: string,
    /** Size of the result in bytes of JSON; undefined when it was refused while still arriving. */
    readonly bytes: number | undefined,
    readonly maxBytes: number,
  ) {
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    const size = bytes === undefined ? `more than ${mib(maxBytes)}` : mib(bytes);
    super(
      'RESULT_TOO_LARGE',
      `${server}.${tool} returned ${size}, over the ${mib(maxBytes)} limit (maxResultBytes). Ask for less: a narrower query, a page, head/tail or a range.`,
      { server, tool, bytes, maxBytes },
    );
    this.name = 'ResultTooLargeError';
  }
}
