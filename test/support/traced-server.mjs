// An MCP server (the SDK's own, over stdio) that reads the trace context of the requests it gets,
// for the tracing tests: `whoami` answers the `traceparent` and `tracestate` the request carried
// in its params._meta (what an upstream that traces would take as its parent), `lookup` answers
// the contact it is asked for (personal data, which no span may carry), and `flaky` always
// answers an isError result.
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const server = new McpServer({ name: 'traced', version: '1.0.0' });
const json = (value) => ({
  content: [{ type: 'text', text: JSON.stringify(value) }],
  structuredContent: value,
});

server.registerTool(
  'whoami',
  {
    description: 'The trace context this request carried.',
    outputSchema: z.object({ traceparent: z.string().nullable(), tracestate: z.string().nullable() }),
  },
  async (ctx) =>
    json({
      traceparent: ctx.mcpReq._meta?.traceparent ?? null,
      tracestate: ctx.mcpReq._meta?.tracestate ?? null,
    }),
);

server.registerTool(
  'lookup',
  { description: 'A contact by name.', inputSchema: z.object({ name: z.string() }) },
  async ({ name }) => json({ name, email: `${name.toLowerCase()}@example.org`, phone: '+1 415 555 0134' }),
);

server.registerTool('flaky', { description: 'Always fails.' }, async () => ({
  content: [{ type: 'text', text: 'the flaky tool failed, as it always does' }],
  isError: true,
}));

await server.connect(new StdioServerTransport());
