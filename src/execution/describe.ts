import { isExecutionErrorCode } from '../errors.js';
import type { LogEntry, SandboxError } from '../sandbox/contract.js';
import type { ExecutionResult } from './result.js';

/**
 * The error of an execution as the model reads it: a stable code and a message that says what to
 * do. A missing module names the servers or skills there are.
 */
export function describeError(
  error: SandboxError,
  known: { servers: () => string[]; skills: () => string[] },
): NonNullable<ExecutionResult['error']> {
  if (error.code === 'MODULE_NOT_FOUND') {
    const servers = known.servers();
    if (/servers\//.test(error.message)) {
      return {
        code: 'UNKNOWN_TOOL',
        message: `${error.message}. Servers: ${servers.join(', ')}. Import as './servers/<server>' and find tools with search_tools.`,
      };
    }
    if (/skills\//.test(error.message)) {
      const skills = known.skills();
      return {
        code: 'MODULE_NOT_FOUND',
        message: `${error.message}. Saved skills: ${skills.join(', ') || 'none'}. See list_skills.`,
      };
    }
    return {
      code: 'MODULE_NOT_FOUND',
      message: `${error.message}. Scripts can import './servers/<server>', './skills/<name>', './runtime' and './client' only.`,
    };
  }
  const code = isExecutionErrorCode(error.code) ? error.code : 'RUNTIME_ERROR';
  const named = code === 'RUNTIME_ERROR' || code === 'WORKSPACE_ERROR';
  const name = error.name && error.name !== 'Error' && named ? `${error.name}: ` : '';
  const where = error.stack?.match(/script:(\d+):(\d+)/);
  const location = code === 'RUNTIME_ERROR' && where ? ` (script line ${where[1]})` : '';
  return {
    code,
    message: `${name}${error.message}${location}`,
    ...(error.details && Object.keys(error.details).length ? { details: error.details } : {}),
  };
}

/** Deepest nesting of arrays and objects a result may have: host steps walk it recursively. */
export const MAX_RESULT_DEPTH = 256;

/** Nesting depth of a JSON value, counted without recursion and stopping just past `limit`. */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** One console line as the model reads it: warnings and errors prefixed `[warn]`/`[error]`, others as they are. */
export function formatLog(entry: LogEntry): string {
  return entry.level === 'warn' || entry.level === 'error'
    ? `[${entry.level}] ${entry.message}`
    : entry.message;
}
