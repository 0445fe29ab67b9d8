// An MCP server that speaks only the 2026-07-28 revision: the v2 SDK's createMcpHandler with
// legacy: 'reject', served over HTTP with @hono/node-server on loopback port $PORT (default a free one), which it
// prints as its first line ("listening <url>"). Its tools: `forecast` (a result), `add_tool` (adds
// a tool and announces the change on subscriptions/listen streams), `counts` (how many tools/list
// and server/discover requests it answered), and `wipe` (asks the person first, by an
// input_required result with an elicitation: the multi round-trip way). tools/list carries a
// 60-second ttlMs, so a client may reuse it without asking again.
import { serve } from '@hono/node-server';
import { acceptedContent, createMcpHandler, inputRequired, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const counts = { 'tools/list': 0, 'server/discover': 0 };
const extra = [];

const handler = createMcpHandler(
  () => {
    const server = new McpServer(
      { name: 'weather-modern', version: '1.0.0' },
      {
        capabilities: { tools: { listChanged: true } },
        cacheHints: { 'tools/list': { ttlMs: 60_000, cacheScope: 'public' } },
      },
    );
    server.registerTool(
      'forecast',
      {
        description: 'Forecast for a city.',
        inputSchema: z.object({ city: z.string() }),
        outputSchema: z.object({ city: z.string(), sky: z.string(), celsius: z.number() }),
      },
      async ({ city }) => {
        const forecast = { city, sky: 'sunny', celsius: city.length + 10 };
        return { content: [{ type: 'text', text: JSON.stringify(forecast) }], structuredContent: forecast };
      },
    );
    server.registerTool(
      'add_tool',
      { description: 'Adds a tool named extra_<n>.', inputSchema: z.object({}) },
      async () => {
        extra.push(`extra_${extra.length + 1}`);
        setTimeout(() => handler.notify.toolsChanged(), 10);
        return { content: [{ type: 'text', text: extra.at(-1) }] };
      },
    );
    for (const name of extra)
      server.registerTool(name, { description: `The added tool ${name}.` }, async () => ({
        content: [{ type: 'text', text: `${name} ran` }],
      }));
    server.registerTool('counts', { description: 'Requests answered so far, by method.' }, async () => ({
      content: [{ type: 'text', text: JSON.stringify(counts) }],
    }));
    const confirmation = z.object({ confirm: z.boolean() });
    server.registerTool(
      'wipe',
      {
        description: 'Wipes the cache after the person confirms.',
        inputSchema: z.object({ scope: z.string() }),
      },
      async ({ scope }, ctx) => {
        const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', confirmation);
        if (answer === undefined)
          return inputRequired({
            inputRequests: {
              confirm: inputRequired.elicit({
                message: `Wipe the ${scope} cache?`,
                requestedSchema: {
                  type: 'object',
                  properties: { confirm: { type: 'boolean' } },
                  required: ['confirm'],
                },
              }),
            },
          });
        return { content: [{ type: 'text', text: answer.confirm ? `wiped ${scope}` : `kept ${scope}` }] };
      },
    );
    return server;
  },
  { legacy: 'reject' },
);

const server = serve(
  { fetch: countRequests, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) },
  (info) => {
    process.stdout.write(`listening http://127.0.0.1:${info.port}/mcp\n`);
  },
);

async function countRequests(request) {
  if (request.method === 'POST') {
    const method = request.headers.get('mcp-method');
    if (method in counts) counts[method]++;
  }
  return handler.fetch(request);
}

process.on('SIGTERM', () => {
  server.close();
  void handler.close().finally(() => process.exit(0));
});
