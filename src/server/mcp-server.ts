import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { countTokensOffThread } from '../accounting/counter.js';
import type { Gateway } from '../gateway.js';
import {
  executeCodeDescription,
  gatewayInstructions,
  SEARCH_TOOLS_DESCRIPTION,
} from '../prompt/code-first.js';
import {
  executeCodeShape,
  GatewaySession,
  searchToolsShape,
  type ToolAnswer,
} from '../session/gateway-session.js';
import { OPERATOR } from '../skills/skill-md.js';
import { CLIENT_INFO } from '../upstream/connection.js';

/** Resources per `resources/list` page. */
export const RESOURCE_PAGE_SIZE = 100;
/** URI prefix of the generated file tree. */
export const RESOURCE_PREFIX = 'toolscript://';
/** Coalesces bursts of upstream `list_changed` into one notification per client, in ms. */
const NOTIFY_DELAY_MS = 50;

/**
 * The gateway as an MCP server: tools `search_tools` and `execute_code`, the code-first prompt as
 * `instructions`, and the generated file tree as resources (`toolscript://servers/<server>/<tool>.ts`,
 * paginated). When an upstream server's tools change, the client gets `notifications/tools/list_changed`
 * (the execute_code description lists the servers) and `notifications/resources/list_changed`.
 * One instance per client session; they share the gateway. `options.session` names the session
 * (its workspace, state and PII vault); default a random id. Skills it saves are the session's
 * (`session:<id>`), or the operator's with `options.operator` (a stdio client, run by the user).
 */
export function createMcpServer(
  gateway: Gateway,
  options: { session?: string; operator?: boolean } = {},
): McpServer {
  // `logging`: clients may set a level (logging/setLevel); the gateway's own messages use it.
  const server = new McpServer(CLIENT_INFO, {
    instructions: gatewayInstructions(gateway.listServers()),
    capabilities: { logging: {} },
  });
  const session = new GatewaySession(gateway, {
    ...(options.session !== undefined ? { id: options.session } : {}),
    definitionTokens: () => gatewayToolsTokens(gateway),
  });
  const author = options.operator ? OPERATOR : `session:${session.id}`;
  server.server.registerCapabilities({ resources: { listChanged: true } });
  const answer = async ({ text, isError, meta }: ToolAnswer): Promise<CallToolResult> => ({
    content: [{ type: 'text', text }],
    isError,
    _meta: { toolscript: { ...meta, session: await session.summary() } },
  });

  server.registerTool(
    'search_tools',
    {
      title: 'Search tools',
      description: SEARCH_TOOLS_DESCRIPTION,
      inputSchema: searchToolsShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (request) => answer(await session.searchTools(request)),
  );
  const executeCode = server.registerTool(
    'execute_code',
    {
      title: 'Execute code',
      description: executeCodeDescription(gateway.listServers()),
      inputSchema: executeCodeShape,
      annotations: { openWorldHint: true },
    },
    async ({ code }) => {
      const { execution: _, ...rest } = await session.executeCode(code);
      return answer(rest);
    },
  );

  server.registerTool(
    'save_skill',
    {
      title: 'Save skill',
      description:
        'Save working code as a reusable skill: a TypeScript module whose exported functions call tools via ./servers/<server> imports. It must type-check. Later scripts import it from ./skills/<name>; search_tools finds it.',
      inputSchema: {
        name: z.string().describe('lowercase-with-hyphens, e.g. "top-senders"'),
        description: z.string().describe('What it does and when to use it.'),
        code: z.string().describe('TypeScript module with exported functions.'),
      },
    },
    async ({ name, description, code }): Promise<CallToolResult> => {
      try {
        const info = await gateway.saveSkill({ name, description, code }, author);
        return {
          content: [
            {
              type: 'text',
              text: `Saved skill ${info.name} (version ${info.version}). Import it: import { … } from './skills/${info.name}'; or pin this version: './skills/${info.name}/v${info.version}'.`,
            },
          ],
          isError: false,
          _meta: { toolscript: { skill: info } },
        };
      } catch (error) {
        return { content: [{ type: 'text', text: (error as Error).message }], isError: true };
      }
    },
  );

  server.registerTool(
    'list_skills',
    {
      title: 'List skills',
      description:
        'List saved skills with their descriptions; broken ones (a tool they call changed) are marked.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    async (): Promise<CallToolResult> => {
      const skills = await gateway.listSkills();
      const text = skills.length
        ? skills
            .map(
              (s) =>
                `skills.${s.name} — ${s.description}${s.broken ? ` [BROKEN: ${s.broken.split('\n')[0]}]` : ''}`,
            )
            .join('\n')
        : 'No skills saved yet. Save working code with save_skill.';
      return { content: [{ type: 'text', text }], _meta: { toolscript: { skills } } };
    },
  );

  server.server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    const paths = gateway.bindings.paths();
    const start = request.params?.cursor ? Number.parseInt(request.params.cursor, 10) : 0;
    if (!Number.isInteger(start) || start < 0 || start > paths.length) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid cursor: ${request.params?.cursor}`);
    }
    const page = paths.slice(start, start + RESOURCE_PAGE_SIZE);
    const next = start + RESOURCE_PAGE_SIZE;
    return {
      resources: page.map((path) => ({
        uri: `${RESOURCE_PREFIX}${path}`,
        name: path,
        mimeType: 'text/x-typescript',
      })),
      ...(next < paths.length ? { nextCursor: String(next) } : {}),
    };
  });
  server.server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [
      {
        uriTemplate: `${RESOURCE_PREFIX}servers/{server}/{tool}.ts`,
        name: 'binding',
        description: 'The TypeScript binding of one tool, as scripts import it.',
        mimeType: 'text/x-typescript',
      },
    ],
  }));
  server.server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const { uri } = request.params;
    const path = uri.startsWith(RESOURCE_PREFIX) ? uri.slice(RESOURCE_PREFIX.length) : undefined;
    const text = path === undefined ? undefined : await gateway.bindings.read(path);
    if (text === undefined) {
      // -32002: "Resource not found" in the MCP specification.
      throw new McpError(-32002, `Resource not found: ${uri}. List them with resources/list.`);
    }
    return { contents: [{ uri, mimeType: 'text/x-typescript', text }] };
  });

  let timer: NodeJS.Timeout | undefined;
  const onChanged = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!server.isConnected()) return;
      executeCode.update({ description: executeCodeDescription(gateway.listServers()) });
      void server.server.sendResourceListChanged().catch(() => {});
    }, NOTIFY_DELAY_MS);
  };
  gateway.catalog.on('changed', onChanged);
  server.server.onclose = () => {
    clearTimeout(timer);
    gateway.catalog.off('changed', onChanged);
  };
  return server;
}

const toolsTokens = new WeakMap<Gateway, Promise<number>>();

/**
 * o200k_base tokens of the gateway's own `tools/list` answer, measured by listing a fresh
 * instance over the SDK's in-memory transport. Cached per gateway until its catalog changes.
 */
export function gatewayToolsTokens(gateway: Gateway): Promise<number> {
  let tokens = toolsTokens.get(gateway);
  if (!tokens) {
    tokens = (async () => {
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
      const probe = createMcpServer(gateway);
      await probe.connect(serverTransport);
      const client = new Client({ name: 'toolscript-probe', version: '1' });
      await client.connect(clientTransport);
      const { tools } = await client.listTools();
      await client.close();
      await probe.close();
      return (await countTokensOffThread([JSON.stringify(tools)]))[0]?.tokens ?? 0;
    })();
    toolsTokens.set(gateway, tokens);
    gateway.catalog.once('changed', () => toolsTokens.delete(gateway));
  }
  return tokens;
}
