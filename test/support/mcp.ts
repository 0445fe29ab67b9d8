import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from '../../src/gateway.js';
import { createMcpServer } from '../../src/server/mcp-server.js';

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
