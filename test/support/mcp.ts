import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { parseConfig } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway/create.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import { createMcpServer } from '../../src/server/mcp-server.js';
import { EVERYTHING, FILESYSTEM, stdioServer } from './servers.js';

/** An SDK client connected to a new gateway MCP server over the SDK's in-memory transport pair. */
export async function connectClient(gateway: Gateway): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(gateway).connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  return client;
}

/** The first text part of a tool result. */
export const text = (result: unknown): string =>
  ((result as CallToolResult).content[0] as { text: string }).text;

/**
 * Gateways over real server-everything and server-filesystem (confined to `dir`, data under it),
 * each with a connected client; `close` ends them all and removes `dir`.
 */
export function everythingGateways(dir: string) {
  const open: { client: Client; gateway: Gateway }[] = [];
  return {
    async connect(pii: boolean): Promise<{ client: Client; gateway: Gateway }> {
      const gateway = await createGateway(
        parseConfig({
          dataDir: join(dir, pii ? 'pii' : 'plain'),
          pii: { enabled: pii },
          mcpServers: {
            everything: stdioServer(...EVERYTHING, ['stdio']),
            files: stdioServer(...FILESYSTEM, [dir]),
          },
        }),
      );
      const client = await connectClient(gateway);
      open.push({ client, gateway });
      return { client, gateway };
    },
    async close(): Promise<void> {
      for (const { client, gateway } of open) {
        await client.close();
        await gateway.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
