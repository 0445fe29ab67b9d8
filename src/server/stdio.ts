import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { warmCounter } from '../accounting/counter.js';
import type { Gateway } from '../gateway.js';
import { createMcpServer } from './mcp-server.js';

/**
 * Serves the gateway over stdio until the client closes stdin; resolves then.
 * @param session names the session (workspace, state); default a new one per process.
 */
export async function serveStdio(gateway: Gateway, session?: string): Promise<void> {
  warmCounter();
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await createMcpServer(gateway, { ...(session ? { session } : {}), operator: true }).connect(transport);
  process.stdin.once('end', () => void transport.close());
  await closed;
}
