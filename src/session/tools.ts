/**
 * The gateway's own tools, in one table: name, title, description, input (a zod shape),
 * annotations. `GatewaySession` answers them; the MCP server and the adapters list them from
 * here, so every surface offers the same four tools.
 */
import { z } from 'zod';
import type { MediaBlock } from '../execution/media.js';
import type { ExecutionResult } from '../execution/result.js';
import { executeCodeDescription, SEARCH_TOOLS_DESCRIPTION } from '../prompt/code-first.js';
import type { ServerStatus } from '../upstream/servers.js';
import { searchToolsShape } from './search-tools.js';

/** Input of `execute_code`, as a zod shape. */
export const executeCodeShape = {
  code: z
    .string()
    .describe('A TypeScript ES module. Import from ./servers/<server>; export default the answer.'),
  language: z
    .enum(['typescript', 'python'])
    .optional()
    .describe(
      'python: `from servers.<server> import <tool>`, await it with keyword args; the last expression is the answer.',
    ),
};

/** Input of `save_skill`, as a zod shape. */
export const saveSkillShape = {
  name: z.string().describe('lowercase-with-hyphens, e.g. "top-senders"'),
  description: z.string().describe('What it does and when to use it.'),
  code: z.string().describe('TypeScript module with exported functions.'),
};

/** What one of the gateway's tools answered: the text the model reads, and data for the host. */
export interface ToolAnswer {
  /** The text content for the model. */
  text: string;
  /** True when the model should read `text` as a failure (MCP's `isError`). */
  isError: boolean;
  /** Structured details for the host (hits, servers, the execution without its output). */
  meta: Record<string, unknown>;
  /** For `execute_code`: the whole execution. */
  execution?: ExecutionResult;
  /** Content blocks to answer beside `text` (images, audio, resource links a script returned). */
  content?: MediaBlock[];
}

/** One of the gateway's tools. */
export interface GatewayToolSpec {
  name: GatewayToolName;
  title: string;
  /** The description; `execute_code`'s lists the servers as they are now. */
  description: (servers: ServerStatus[]) => string;
  shape: z.ZodRawShape;
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; openWorldHint?: boolean };
}

export type GatewayToolName = 'search_tools' | 'execute_code' | 'save_skill' | 'list_skills';

/** The gateway's tools, in the order clients list them. */
export const GATEWAY_TOOLS: readonly GatewayToolSpec[] = [
  {
    name: 'search_tools',
    title: 'Search tools',
    description: () => SEARCH_TOOLS_DESCRIPTION,
    shape: searchToolsShape,
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'execute_code',
    title: 'Execute code',
    description: (servers) => executeCodeDescription(servers),
    shape: executeCodeShape,
    annotations: { openWorldHint: true },
  },
  {
    name: 'save_skill',
    title: 'Save skill',
    description: () =>
      'Save working code as a reusable skill: a TypeScript module whose exported functions call tools via ./servers/<server> imports. It must type-check. Later scripts import it from ./skills/<name>; search_tools finds it.',
    shape: saveSkillShape,
    annotations: { destructiveHint: false, openWorldHint: false },
  },
  {
    name: 'list_skills',
    title: 'List skills',
    description: () =>
      'List saved skills with their versions and descriptions; a skill a tool change broke is marked broken with the change, one the gateway repaired with what it was repaired from.',
    shape: {},
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
];
