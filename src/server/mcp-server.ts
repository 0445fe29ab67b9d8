import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server';
import { McpServer, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { countTokensOffThread } from '../accounting/counter.js';
import { type Approver, approvalMessage } from '../approvals/approvals.js';
import type { Gateway } from '../gateway/gateway.js';
import { gatewayInstructions } from '../prompt/code-first.js';
import { directTools, type Exposure, offersCodeMode } from '../session/exposure.js';
import { GatewaySession, gatewayToolDefinitions, type ToolAnswer } from '../session/gateway-session.js';
import { GATEWAY_TOOLS } from '../session/tools.js';
import { OPERATOR } from '../skills/skill-md.js';
import type { TraceContext } from '../telemetry/spans.js';
import { CLIENT_INFO } from '../upstream/connection.js';
import type { Elicitor } from '../upstream/elicitation.js';
import { UpstreamRefusal } from '../upstream/listing.js';
import { directToolsOn } from './direct-tools.js';
import { CONTEXT_INPUT, CONTEXT_OUTPUT, executeModern, type ModernRequest, namingContext } from './modern.js';
import { APPROVAL_FORM } from './paused-runs.js';
import { inRequestSpan, tracedHandlers } from './request-span.js';
import { registerResourceHandlers } from './resources.js';

/** Coalesces bursts of upstream `list_changed` into one notification per client, in ms. */
const NOTIFY_DELAY_MS = 50;

/**
 * The gateway as an MCP server: tools `search_tools` and `execute_code`, the code-first prompt as
 * `instructions`, the generated file tree and the upstream servers' resources as resources (see
 * `registerResourceHandlers`), and the upstream prompts as `<server>.<prompt>`. When an upstream
 * server's tools change, the client gets `notifications/tools/list_changed` (the execute_code
 * description lists the servers) and `notifications/resources/list_changed`; an upstream's own
 * `resources/list_changed` and `prompts/list_changed` are forwarded.
 * One instance per client session; they share the gateway. `options.session` names the session
 * (its workspace, state and PII vault); default a random id. Skills it saves are the session's
 * (`session:<label>`), or the operator's with `options.operator` (a stdio client, run by the user).
 */
export function createMcpServer(
  gateway: Gateway,
  options: {
    session?: string;
    operator?: boolean;
    restore?: boolean;
    modern?: ModernRequest;
    expose?: Exposure | undefined;
  } = {},
): McpServer {
  const modern = options.modern;
  // Code mode unless every server is exposed as tools only, or the client asked for none.
  const codeMode = offersCodeMode(gateway.config, gateway.catalog, options.expose);
  // `logging`: clients may set a level (logging/setLevel); the gateway's own messages use it.
  const server = new McpServer(CLIENT_INFO, {
    ...(codeMode ? { instructions: gatewayInstructions(gateway.listServers()) } : {}),
    capabilities: { logging: {}, tools: { listChanged: true } },
    // A paused approval's requestState is checked (seal, expiry, caller, method) before the handler.
    ...(modern ? { requestState: { verify: modern.codec.verify } } : {}),
  });
  const session = new GatewaySession(gateway, {
    ...(options.session !== undefined ? { id: options.session } : {}),
    ...(options.operator ? { author: OPERATOR } : {}),
    ...(options.restore ? { restore: true } : {}),
    // A 2026-07-28 request's own session ends with it; execute_code's state is its context's.
    ...(modern ? { ephemeral: true } : {}),
    // What this client loads: the gateway's tools in code mode, and the tools it calls directly.
    definitionTokens: async (): Promise<number> => {
      const listed: unknown[] = [
        // Not `session.definitions()`: a restored session counts them while it is being made.
        ...(codeMode ? gatewayToolDefinitions(gateway) : []),
        ...directTools(gateway.config, gateway.catalog, options.expose).map(({ name, tool }) => ({
          ...tool,
          name,
        })),
      ];
      return (await countTokensOffThread([JSON.stringify(listed)]))[0]?.tokens ?? 0;
    },
  });
  server.server.registerCapabilities({ resources: { listChanged: true }, prompts: { listChanged: true } });
  const about = () => ({
    protocolVersion: server.server.getNegotiatedProtocolVersion(),
    session: session.id,
  });
  const handle = tracedHandlers(server, about);
  // Upstream prompts pass through as <server>.<prompt>; what the model reads is PII-tokenized.
  handle('prompts/list', async () => ({
    prompts: (await gateway.offerings.prompts()).map(({ server: _server, prompt: _prompt, ...prompt }) =>
      session.vault ? session.vault.tokenize(prompt) : prompt,
    ),
  }));
  handle('prompts/get', async (request) => {
    // A name listed with tokens in it gets the prompt of the real one.
    const name = session.vault ? session.vault.untokenize(request.params.name).value : request.params.name;
    const found = await gateway.offerings.prompt(name, request.params.arguments ?? {}).catch((error) => {
      throw error instanceof UpstreamRefusal ? new ProtocolError(error.rpcCode, error.message) : error;
    });
    if ('nearest' in found) {
      const near = found.nearest.length ? ` Nearest: ${found.nearest.join(', ')}.` : '';
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown prompt "${request.params.name}".${near} List them with prompts/list.`,
      );
    }
    return session.vault ? session.vault.tokenize(found.result) : found.result;
  });
  const answer = async (
    { text, isError, meta, content }: ToolAnswer,
    from: GatewaySession,
  ): Promise<CallToolResult> => ({
    content: [{ type: 'text', text }, ...(content ?? [])],
    isError,
    _meta: { toolscript: { ...meta, session: await from.summary() } },
  });

  /** One call of a gateway tool in `target`, with progress notifications while it runs. */
  const runTool = async (
    target: GatewaySession,
    name: string,
    args: unknown,
    ctx: RequestExtra,
    options: {
      signal: AbortSignal;
      approve?: Approver | undefined;
      elicit?: Elicitor | undefined;
      trace: TraceContext | undefined;
    },
  ): Promise<CallToolResult> => {
    const progress = progressReporter(ctx);
    try {
      const { execution: _, ...rest } = await target.call(name, args, {
        ...options,
        onCall: progress.calls,
      });
      return await answer(rest, target);
    } finally {
      progress.stop();
    }
  };

  // The gateway's tools, from the one table the session answers (see session/tools.ts).
  const registered = (codeMode ? GATEWAY_TOOLS : []).map((tool) =>
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description(gateway.listServers()),
        ...(modern && tool.name === 'execute_code'
          ? { inputSchema: z.object({ ...tool.shape, ...CONTEXT_INPUT }), outputSchema: CONTEXT_OUTPUT }
          : { inputSchema: z.object(tool.shape) }),
        annotations: tool.annotations,
      },
      // The SDK aborts `signal` on notifications/cancelled and when the session closes.
      async (args: unknown, ctx: RequestExtra) => {
        return inRequestSpan('tools/call', tool.name, ctx, about(), async (trace) => {
          if (modern && tool.name === 'execute_code')
            return executeModern(modern, args, ctx, async (target, ask, signal) =>
              namingContext(
                await runTool(target, tool.name, args, ctx, {
                  approve: ask.approver,
                  elicit: ask.elicitor,
                  signal,
                  trace,
                }),
                target.id,
              ),
            );
          const asking = modern ? undefined : elicitation(server, ctx, gateway.config.approvals.timeoutMs);
          return runTool(session, tool.name, args, ctx, { signal: ctx.mcpReq.signal, trace, ...asking });
        });
      },
    ),
  );

  // Upstream tools the client calls directly (`expose`), every policy of a script's call applied.
  const direct = directToolsOn(server, gateway, session, {
    client: options.expose,
    about,
    asking: (ctx) => ({
      signal: ctx.mcpReq.signal,
      ...(modern ? {} : elicitation(server, ctx, gateway.config.approvals.timeoutMs)),
    }),
  });

  registerResourceHandlers(handle, gateway, session.vault);
  // A 2026-07-28 request's server lives for that request: change notifications reach modern
  // clients through subscriptions/listen streams (see server/modern.ts), not from here.
  if (modern) return server;

  let timer: NodeJS.Timeout | undefined;
  const onChanged = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!server.isConnected()) return;
      direct.sync();
      // Only descriptions that changed are updated: each update notifies tools/list_changed.
      const servers = gateway.listServers();
      for (const [i, tool] of GATEWAY_TOOLS.entries()) {
        const description = tool.description(servers);
        const handle = registered[i];
        if (handle && handle.description !== description) handle.update({ description });
      }
      void server.server.sendResourceListChanged().catch(() => {});
    }, NOTIFY_DELAY_MS);
  };
  gateway.catalog.on('changed', onChanged);
  // An upstream's resources/list_changed and prompts/list_changed reach every client as they are.
  const stopForwarding = gateway.offerings.onListChanged((kind) => {
    if (!server.isConnected()) return;
    const sent =
      kind === 'resources' ? server.server.sendResourceListChanged() : server.server.sendPromptListChanged();
    void sent.catch(() => {});
  });
  server.server.onclose = () => {
    clearTimeout(timer);
    gateway.catalog.off('changed', onChanged);
    stopForwarding();
  };
  return server;
}

/** What the SDK passes a tool handler. */
type RequestExtra = ServerContext;

/** How often a call with a `progressToken` reports progress, in ms. */
export const PROGRESS_INTERVAL_MS = 1_000;

/**
 * `notifications/progress` about once a second for a request that asked with a `progressToken`:
 * `progress` is the elapsed whole seconds (it only grows), the message says how many tool calls
 * the script made so far.
 */
function progressReporter(extra: RequestExtra): { calls: (count: number) => void; stop: () => void } {
  const token = extra.mcpReq._meta?.progressToken;
  if (token === undefined) return { calls: () => {}, stop: () => {} };
  const started = performance.now();
  let calls = 0;
  const timer = setInterval(() => {
    const seconds = Math.round((performance.now() - started) / 1000);
    void extra.mcpReq
      .notify({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress: seconds,
          message: `${calls} tool calls so far, ${seconds} s`,
        },
      })
      .catch(() => {});
  }, PROGRESS_INTERVAL_MS);
  return {
    calls: (count) => {
      calls = count;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Asks the person at the client with `elicitation/create`, sent on the request the script belongs
 * to (2025 clients): approvals (`approve`, one yes/no field) and upstream servers' own questions
 * (`elicit`, their form, saying which server asks). Undefined when the client did not declare the
 * elicitation capability.
 */
function elicitation(
  server: McpServer,
  extra: RequestExtra,
  timeoutMs: number,
): { approve: Approver; elicit: Elicitor } | undefined {
  if (!server.server.getClientCapabilities()?.elicitation) return undefined;
  // The gateway's own timer (approvals.timeoutMs) decides; the SDK's must not come first.
  const ask = (message: string, requestedSchema: Record<string, unknown>, signal: AbortSignal) =>
    extra.mcpReq.send(
      {
        method: 'elicitation/create',
        params: { message, requestedSchema: requestedSchema as typeof APPROVAL_FORM },
      },
      { signal, timeout: timeoutMs + 60_000 },
    );
  return {
    approve: async (request, signal) => {
      const result = await ask(approvalMessage(request), APPROVAL_FORM, signal);
      if (result.action !== 'accept') return result.action;
      return result.content?.approve === true ? 'accept' : 'decline';
    },
    elicit: async (question, signal) => {
      const result = await ask(
        `Server ${question.server} asks: ${question.message}`,
        question.requestedSchema,
        signal,
      );
      return { action: result.action, ...(result.content ? { content: result.content } : {}) };
    },
  };
}
