import type {
  CallToolResult,
  JsonSchemaType,
  jsonSchemaValidator,
  McpServer,
  RegisteredTool,
  ServerContext,
} from '@modelcontextprotocol/server';
import { fromJsonSchema } from '@modelcontextprotocol/server';
import type { Approver } from '../approvals/approvals.js';
import type { Gateway } from '../gateway/gateway.js';
import { type DirectTool, directTools, type Exposure } from '../session/exposure.js';
import type { GatewaySession } from '../session/gateway-session.js';
import type { TraceContext } from '../telemetry/spans.js';
import type { Elicitor } from '../upstream/elicitation.js';
import { inRequestSpan, type RequestAbout } from './request-span.js';

/**
 * The SDK's schema check, passed by: a direct call's arguments are checked by the bridge against
 * the upstream's `inputSchema` (its messages say what to fix, as a script's call's do), and a
 * tokenized `structuredContent` could fail the upstream's `outputSchema` (`format: "email"`).
 */
const UNCHECKED: jsonSchemaValidator = {
  getValidator: () => (input: unknown) => ({ valid: true, data: input as never, errorMessage: undefined }),
};

/** How a direct call asks the person and is cancelled: the request's own means. */
export type DirectAsking = (ctx: ServerContext) => {
  signal: AbortSignal;
  approve?: Approver | undefined;
  elicit?: Elicitor | undefined;
};

/**
 * Lists the upstream tools a client calls directly (see `directTools`) on `server`, as
 * `<server>.<tool>` with the upstream's title, description, schemas, annotations, icons and
 * `_meta`, and keeps them in step with the catalog: `sync()` after a change registers what is new
 * or changed and removes what is gone, which sends the client `notifications/tools/list_changed`.
 * Each call goes to `session.callUpstream` (every policy of a script's call) in its request span.
 */
export function directToolsOn(
  server: McpServer,
  gateway: Gateway,
  session: GatewaySession,
  options: { client: Exposure | undefined; about: () => RequestAbout; asking: DirectAsking },
): { sync: () => void; count: () => number } {
  const registered = new Map<string, { handle: RegisteredTool; version: string }>();
  const register = (listed: DirectTool): RegisteredTool => {
    const { tool } = listed;
    return server.registerTool(
      listed.name,
      {
        ...(tool.title !== undefined ? { title: tool.title } : {}),
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        inputSchema: fromJsonSchema(tool.inputSchema as JsonSchemaType, UNCHECKED),
        ...(tool.outputSchema
          ? { outputSchema: fromJsonSchema(tool.outputSchema as JsonSchemaType, UNCHECKED) }
          : {}),
        ...(tool.annotations ? { annotations: tool.annotations } : {}),
        ...(tool.icons ? { icons: tool.icons } : {}),
        ...(tool._meta ? { _meta: tool._meta } : {}),
      },
      async (args: unknown, ctx: ServerContext): Promise<CallToolResult> =>
        inRequestSpan('tools/call', listed.name, ctx, options.about(), (trace: TraceContext | undefined) =>
          session.callUpstream(listed.server, tool.name, (args ?? {}) as Record<string, unknown>, {
            ...options.asking(ctx),
            trace,
          }),
        ),
    );
  };
  const sync = () => {
    const wanted = new Map(
      directTools(gateway.config, gateway.catalog, options.client).map((t) => [t.name, t]),
    );
    for (const [name, held] of registered) {
      const now = wanted.get(name);
      if (now && JSON.stringify(now.tool) === held.version) continue;
      held.handle.remove();
      registered.delete(name);
    }
    for (const [name, listed] of wanted)
      if (!registered.has(name))
        registered.set(name, { handle: register(listed), version: JSON.stringify(listed.tool) });
  };
  sync();
  return { sync, count: () => registered.size };
}
