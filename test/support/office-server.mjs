// An MCP server (the SDK's own, over stdio) for the approvals and PII abuse suites: a write tool,
// tools with every combination of MCP's annotations, a tool that takes any keys, and resources, a
// template and a prompt whose listings carry personal data (an e-mail address, a phone number).
// Each tool call is appended to the file named by OFFICE_CALLS, so the test sees what reached
// the server.
import { appendFileSync } from 'node:fs';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const server = new McpServer({ name: 'office', version: '1.0.0' });
const record = (name) => async () => {
  if (process.env.OFFICE_CALLS) appendFileSync(process.env.OFFICE_CALLS, `${name}\n`);
  return { content: [{ type: 'text', text: `${name} ran` }] };
};
server.registerTool(
  'write_file',
  { description: 'Writes a file.', inputSchema: z.object({ content: z.string(), path: z.string() }) },
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
    inputSchema: z.object({ settings: z.record(z.string(), z.string()) }),
    annotations: { readOnlyHint: false, destructiveHint: false },
  },
  record('settings'),
);
const OWNER = 'ana.lima@example.com';
server.registerResource(
  `notes of ${OWNER}`,
  `file:///home/${OWNER}/notes.txt`,
  { description: 'Call Ana on +1 415 555 0132 about these.', mimeType: 'text/plain' },
  async (uri) => ({ contents: [{ uri: uri.href, text: `Notes kept by ${OWNER}.` }] }),
);
server.registerResource(
  'mailbox',
  new ResourceTemplate(`mail://${OWNER}/{folder}`, { list: undefined }),
  { description: `The mailbox of ${OWNER}.` },
  async (uri, { folder }) => ({ contents: [{ uri: uri.href, text: `Folder ${folder} is empty.` }] }),
);
server.registerPrompt(
  `write-to-${OWNER}`,
  { description: `Drafts a note to ${OWNER}, or a text to +1 415 555 0132.` },
  async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'Draft a short note.' } }] }),
);
await server.connect(new StdioServerTransport());
