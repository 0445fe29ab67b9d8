import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Gateway } from '../gateway.js';
import { createMcpServer } from './mcp-server.js';

/** Serves the gateway over stdio until the client closes stdin; resolves then. */
export async function serveStdio(gateway: Gateway): Promise<void> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await createMcpServer(gateway).connect(transport);
  process.stdin.once('end', () => void transport.close());
  await closed;
}
