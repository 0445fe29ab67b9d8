/**
 * Errors every sandbox backend reports the same way: the time limit, the memory limit, and the
 * shape in which a host function's error crosses into the script.
 */
import { CANCELLED_MESSAGE } from '../errors.js';
import type { JsonValue, SandboxError } from './contract.js';

/** How a run ended, as a backend sees it: the result as JSON text, or an error. */
export type Outcome = { ok: true; json: string | undefined } | { ok: false; error: SandboxError };

/**
 * The result of an outcome, parsed. JSON that does not parse (never trusted from the guest) makes
 * the run fail with `RUNTIME_ERROR`, never the host.
 */
export function readOutcome(
  outcome: Outcome,
): { ok: true; result: JsonValue | undefined } | { ok: false; error: SandboxError } {
  if (!outcome.ok) return outcome;
  if (outcome.json === undefined) return { ok: true, result: undefined };
  try {
    return { ok: true, result: JSON.parse(outcome.json) as JsonValue };
  } catch {
    return {
      ok: false,
      error: {
        code: 'RUNTIME_ERROR',
        message:
          'The script result could not be read. Return plain JSON data: objects, arrays, strings, numbers, booleans or null.',
      },
    };
  }
}

/** `TIMEOUT`: the run went past `timeoutMs`. */
export function timeoutError(timeoutMs: number): SandboxError {
  return {
    code: 'TIMEOUT',
    name: 'TimeoutError',
    message: `Script exceeded the time limit of ${timeoutMs} ms. Do less work per execution, or raise sandbox.timeoutMs.`,
  };
}

/** `CANCELLED`: the run's signal was aborted. */
export function cancelledError(): SandboxError {
  return { code: 'CANCELLED', name: 'AbortError', message: CANCELLED_MESSAGE };
}

/** `RUNTIME_ERROR` for a result that could not cross from a script thread to the gateway's. */
export function unpassable(error: unknown): SandboxError {
  const kind = error instanceof Error ? error.name : 'Error';
  return {
    code: 'RUNTIME_ERROR',
    message: `The result could not be passed back from the script's thread (${kind}). Return a smaller, flatter value.`,
  };
}

/** `MEMORY_LIMIT`: the run went past `memoryMb`. */
export function memoryError(memoryMb: number): SandboxError {
  return {
    code: 'MEMORY_LIMIT',
    name: 'MemoryLimitError',
    message: `Script exceeded the memory limit of ${memoryMb} MiB. Process data in smaller pieces, or raise sandbox.memoryMb.`,
  };
}

/**
 * A host function's error as it crosses into the script: name, message, and in `fields` its
 * `code` and every field of its `details` (the script sees them on the rebuilt `Error`).
 */
export function hostErrorFields(error: unknown): {
  name: string;
  message: string;
  fields: Record<string, unknown>;
} {
  if (error instanceof Error) {
    const withCode = error as Error & { code?: unknown; details?: Record<string, unknown> };
    const fields: Record<string, unknown> = {};
    if (typeof withCode.code === 'string') fields.code = withCode.code;
    if (withCode.details && typeof withCode.details === 'object') {
      for (const [key, value] of Object.entries(withCode.details))
        if (value !== undefined) fields[key] = value;
    }
    return { name: error.name, message: error.message, fields };
  }
  return { name: 'Error', message: String(error), fields: {} };
}
