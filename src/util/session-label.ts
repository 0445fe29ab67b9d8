import { createHash } from 'node:crypto';

/**
 * The name a session goes by wherever others may read it: the dashboard's executions and PII
 * audit, the audit logs, a skill's owner. 16 hex digits of SHA-256 over the session id, so the
 * same session has the same label on every replica and after a restart, and the label never
 * gives back the id: an `Mcp-Session-Id` routes requests to a session, so whoever holds it can
 * act as that session, and it is shown to no one.
 * @param id a session id (an HTTP `Mcp-Session-Id`, `dashboard`, `exec-…`).
 * @returns e.g. `"s-3f9a0c17b2d4e851"`.
 */
export function sessionLabel(id: string): string {
  return `s-${createHash('sha256').update(`toolscript session\0${id}`).digest('hex').slice(0, 16)}`;
}
