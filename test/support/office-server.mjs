// An MCP server (the SDK's own, over stdio) for the approvals abuse suite: a write tool, tools
// with every combination of MCP's annotations, and a tool that takes any keys. Each call is
// appended to the file named by OFFICE_CALLS, so the test sees what reached the server.
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'office', version: '1.0.0' });
const record = (name) => async () => {
  if (process.env.OFFICE_CALLS) appendFileSync(process.env.OFFICE_CALLS, `${name}\n`);
  return { content: [{ type: 'text', text: `${name} ran` }] };
};
server.registerTool(
  'write_file',
  { description: 'Writes a file.', inputSchema: { content: z.string(), path: z.string() } },
  record('write_file'),
);
server.registerTool('unannotated', { description: 'Says nothing about itself.' }, record('unannotated'));
server.registerTool(
  'not_read_only',
  { description: 'Only says it is not read-only.', annotations: { readOnlyHint: false } },
  record('not_read_only'),
);
server.registerTool(
  'additive',
  { description: 'Adds, never destroys.', annotations: { readOnlyHint: false, destructiveHint: false } },
  record('additive'),
);
server.registerTool(
  'reader',
  { description: 'Reads only.', annotations: { readOnlyHint: true, destructiveHint: true } },
  record('reader'),
);
server.registerTool(
  'settings',
  {
    description: 'Takes any settings.',
    inputSchema: { settings: z.record(z.string(), z.string()) },
    annotations: { readOnlyHint: false, destructiveHint: false },
  },
  record('settings'),
);
await server.connect(new StdioServerTransport());
