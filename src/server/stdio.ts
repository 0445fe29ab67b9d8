import { serveStdio as serveSdkStdio } from '@modelcontextprotocol/server/stdio';
import { warmCounter } from '../accounting/counter.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Exposure } from '../session/exposure.js';
import { createMcpServer } from './mcp-server.js';
import { modernState } from './modern.js';

/** A context of a stdio client unused this long ends, in ms: 30 minutes (as an HTTP session). */
const STDIO_CONTEXT_IDLE_MS = 30 * 60 * 1000;

/**
 * Serves the gateway over stdio until the client closes stdin; resolves then. The SDK's
 * `serveStdio` decides the connection's era from its first message: a 2025 client (`initialize`)
 * gets one session for the connection; a 2026-07-28 client keeps its state in contexts (see
 * `server/contexts.ts`), which live in this process. The client runs the gateway itself, so what
 * it saves as a skill is the operator's.
 * @param session names the 2025 session (workspace, state); default a new one per process.
 * @param expose "code", "tools" or "both" for every server (`serve --expose`); default each
 *   server's config `expose`.
 */
export async function serveStdio(gateway: Gateway, session?: string, expose?: Exposure): Promise<void> {
  warmCounter();
  const state = modernState(gateway, STDIO_CONTEXT_IDLE_MS);
  const sweeper = setInterval(() => state.contexts.sweep(), 60_000);
  sweeper.unref();
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  const handle = serveSdkStdio(({ era }) =>
    era === 'modern'
      ? createMcpServer(gateway, { modern: { ...state, caller: '' }, operator: true, expose })
      : createMcpServer(gateway, { ...(session ? { session } : {}), operator: true, expose }),
  );
  await ended;
  clearInterval(sweeper);
  await handle.close();
}
