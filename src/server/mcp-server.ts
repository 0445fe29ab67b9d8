import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Gateway } from '../gateway.js';
import { CLIENT_INFO } from '../upstream/connection.js';
import { executeCodeDescription, gatewayInstructions, SEARCH_TOOLS_DESCRIPTION } from './prompt.js';
import { renderSearch } from './render-search.js';

/**
 * The gateway as an MCP server with two tools, `search_tools` and `execute_code`, and the
 * code-first prompt as its `instructions`. One instance per client session; they share the gateway.
 */
export function createMcpServer(gateway: Gateway): McpServer {
  const servers = gateway.listServers();
  const server = new McpServer(CLIENT_INFO, { instructions: gatewayInstructions(servers) });

  server.registerTool(
    'search_tools',
    {
      title: 'Search tools',
      description: SEARCH_TOOLS_DESCRIPTION,
      inputSchema: {
        query: z.string().describe('Words describing the task, e.g. "read a file". Empty: list servers.'),
        detail: z.enum(['name', 'summary', 'full']).optional().describe('Default "summary".'),
        limit: z.number().int().min(1).max(50).optional().describe('Default 10.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, detail, limit }): Promise<CallToolResult> => {
      const hits = query.trim()
        ? await gateway.search(query, { ...(detail ? { detail } : {}), ...(limit ? { limit } : {}) })
        : [];
      return {
        content: [{ type: 'text', text: renderSearch(query, hits, gateway.listServers()) }],
        _meta: { toolscript: { hits } },
      };
    },
  );

  server.registerTool(
    'execute_code',
    {
      title: 'Execute code',
      description: executeCodeDescription(servers),
      inputSchema: {
        code: z
          .string()
          .describe('A TypeScript ES module. Import from ./servers/<server>; export default the answer.'),
      },
      annotations: { openWorldHint: true },
    },
    async ({ code }): Promise<CallToolResult> => {
      const execution = await gateway.execute(code);
      const { output, ...meta } = execution;
      return {
        content: [{ type: 'text', text: output }],
        isError: !execution.ok,
        _meta: { toolscript: meta },
      };
    },
  );
  return server;
}
