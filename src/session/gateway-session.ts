import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { countTokensOffThread } from '../accounting/counter.js';
import { SessionLedger, type SessionSummary } from '../accounting/session.js';
import { executionMeta } from '../execution/meta.js';
import type { ExecutionResult } from '../execution/result.js';
import type { Gateway } from '../gateway.js';
import type { PiiVault } from '../pii/vault.js';
import {
  executeCodeDescription,
  gatewayInstructions,
  SEARCH_TOOLS_DESCRIPTION,
} from '../prompt/code-first.js';
import {
  answerSearch,
  renderAnswer,
  type SearchAnswer,
  type SearchToolsInput,
  searchToolsShape,
} from './search-tools.js';

export { type SearchToolsInput, searchToolsShape } from './search-tools.js';

/** Input of `execute_code`, as a zod shape. */
export const executeCodeShape = {
  code: z
    .string()
    .describe('A TypeScript ES module. Import from ./servers/<server>; export default the answer.'),
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
}

/**
 * A framework-neutral tool definition: `name`, `description` and `inputSchema` as JSON Schema
 * (draft 2020-12 from zod's `toJSONSchema`, without `$schema`) — the shape MCP's `tools/list`, the
 * Anthropic Messages API (`input_schema`) and OpenAI function tools (`parameters`) all accept.
 */
export interface ToolDefinition {
  name: 'search_tools' | 'execute_code';
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] } & Record<
    string,
    unknown
  >;
}

/** Options of {@link GatewaySession}. */
export interface GatewaySessionOptions {
  /** Session id: names its workspace, state and PII audit entries. @default a random UUID */
  id?: string;
  /**
   * Tokens of the tool definitions the model loads in code mode, for the ledger.
   * @default o200k_base tokens of {@link GatewaySession.definitions} as JSON
   */
  definitionTokens?: () => Promise<number>;
}

/**
 * One agent connection to a gateway: its id (workspace and state), its PII vault, its token
 * ledger, and the two code-first tools `search_tools` and `execute_code` as framework-neutral
 * definitions and handlers. The MCP server and the library adapters (`toolscript/ai`,
 * `toolscript/anthropic`) are thin layers over it.
 */
export class GatewaySession {
  /** Session id (see {@link GatewaySessionOptions.id}). */
  readonly id: string;
  /** The session's PII vault when `pii.enabled`, so a token means the same value across executions. */
  readonly vault: PiiVault | undefined;
  private ledger: Promise<SessionLedger> | undefined;
  private readonly definitionTokens: () => Promise<number>;

  constructor(
    readonly gateway: Gateway,
    options: GatewaySessionOptions = {},
  ) {
    this.id = options.id ?? randomUUID();
    this.vault = gateway.config.pii.enabled ? gateway.newVault() : undefined;
    this.definitionTokens =
      options.definitionTokens ??
      (async () => (await countTokensOffThread([JSON.stringify(this.definitions())]))[0]?.tokens ?? 0);
  }

  /** The code-first prompt for the connected servers (see `src/prompt/code-first.ts`). */
  instructions(): string {
    return gatewayInstructions(this.gateway.listServers());
  }

  /** `search_tools` and `execute_code`; the latter's description lists the servers as they are now. */
  definitions(): ToolDefinition[] {
    return [
      {
        name: 'search_tools',
        description: SEARCH_TOOLS_DESCRIPTION,
        inputSchema: jsonSchema(searchToolsShape),
      },
      {
        name: 'execute_code',
        description: executeCodeDescription(this.gateway.listServers()),
        inputSchema: jsonSchema(executeCodeShape),
      },
    ];
  }

  /**
   * Answers a call of `search_tools` or `execute_code` by name, validating `input` first. Never
   * throws for bad input: an unknown tool or invalid arguments come back as an `isError` answer
   * that says what is expected.
   */
  async call(name: string, input: unknown): Promise<ToolAnswer> {
    if (name === 'search_tools') {
      const parsed = z.object(searchToolsShape).safeParse(input ?? {});
      if (parsed.success) return this.searchTools(parsed.data);
      return invalid(name, parsed.error);
    }
    if (name === 'execute_code') {
      const parsed = z.object(executeCodeShape).safeParse(input);
      if (parsed.success) return this.executeCode(parsed.data.code);
      return invalid(name, parsed.error);
    }
    return {
      text: `Unknown tool "${name}". This gateway has search_tools and execute_code.`,
      isError: true,
      meta: {},
    };
  }

  /** One `search_tools` call: exact selection, a server listing, or a ranked search; recorded in the ledger. */
  async searchTools(request: SearchToolsInput): Promise<ToolAnswer> {
    const found = await answerSearch(this.gateway, request);
    const answer: ToolAnswer = { ...renderAnswer(found), meta: searchMeta(found) };
    const counted = await countTokensOffThread([JSON.stringify(request), answer.text]);
    (await this.getLedger()).recordDiscovery(counted.reduce((sum, c) => sum + c.tokens, 0));
    return answer;
  }

  /** One `execute_code` call in this session (its workspace, state and vault); recorded in the ledger. */
  async executeCode(code: string): Promise<ToolAnswer & { execution: ExecutionResult }> {
    const execution = await this.gateway.execute(code, {
      ...(this.vault ? { vault: this.vault } : {}),
      session: this.id,
    });
    (await this.getLedger()).recordExecution(execution.tokens);
    return { text: execution.output, isError: !execution.ok, meta: executionMeta(execution), execution };
  }

  /** Token totals of this session so far: code mode against the direct-calling estimate. */
  async summary(): Promise<SessionSummary> {
    return (await this.getLedger()).summary();
  }

  private getLedger(): Promise<SessionLedger> {
    this.ledger ??= this.definitionTokens().then((tokens) => new SessionLedger(tokens));
    return this.ledger;
  }
}

/** JSON Schema of a zod shape, as tool APIs take it (no `$schema`). */
function jsonSchema(shape: z.ZodRawShape): ToolDefinition['inputSchema'] {
  const { $schema: _, ...schema } = z.toJSONSchema(z.object(shape)) as ToolDefinition['inputSchema'];
  return schema;
}

function invalid(name: string, error: z.ZodError): ToolAnswer {
  return {
    text: `Invalid arguments for ${name}: ${z.prettifyError(error)}`,
    isError: true,
    meta: { issues: error.issues },
  };
}

/** `_meta.toolscript` of a search answer: the selection, the servers, or the hits. */
function searchMeta(answer: SearchAnswer): Record<string, unknown> {
  const { kind: _, ...rest } = answer;
  if (answer.kind === 'hits') return { hits: answer.hits };
  return answer.kind === 'no-server' ? {} : rest;
}
