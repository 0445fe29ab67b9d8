import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { countTokensOffThread } from '../accounting/counter.js';
import { SessionLedger, type SessionSummary } from '../accounting/session.js';
import type { Approver } from '../approvals/approvals.js';
import { executionMeta } from '../execution/meta.js';
import type { ExecuteOptions } from '../execution/pipeline.js';
import type { ExecutionResult } from '../execution/result.js';
import type { Gateway } from '../gateway/gateway.js';
import { searchRecord } from '../insights/search-record.js';
import type { PiiVault } from '../pii/vault.js';
import { gatewayInstructions } from '../prompt/code-first.js';
import { OPERATOR } from '../skills/skill-md.js';
import { skillStatus } from '../skills/store.js';
import { ATTR, endSpan, SpanKind, startSpan, type TraceContext } from '../telemetry/spans.js';
import { sessionLabel } from '../util/session-label.js';
import { answerSearch, renderAnswer, type SearchAnswer, type SearchToolsInput } from './search-tools.js';
import { type SessionParts, StoredSessionState } from './state.js';
import { GATEWAY_TOOLS, type GatewayToolName, type ToolAnswer } from './tools.js';

export { type SearchToolsInput, searchToolsShape } from './search-tools.js';

export { executeCodeShape, type ToolAnswer } from './tools.js';

/**
 * A framework-neutral tool definition: `name`, `description` and `inputSchema` as JSON Schema
 * (draft 2020-12 from zod's `toJSONSchema`, without `$schema`) — the shape MCP's `tools/list`, the
 * Anthropic Messages API (`input_schema`) and OpenAI function tools (`parameters`) all accept.
 */
export interface ToolDefinition {
  name: GatewayToolName;
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
  /**
   * Who this session's `save_skill` saves as: `"operator"` or `"session:<label>"` (see
   * `sessionLabel` and `SkillStore.save`). @default `session:<label>`
   */
  author?: string;
  /**
   * The session is taken over from the gateway's session store (another replica held it): its
   * vault, ledger and workspace are loaded from there before its first {@link GatewaySession.call}
   * answers (the MCP server and both adapters go through `call`). @default false
   */
  restore?: boolean;
  /**
   * Asks a person before a tool listed in `requireApproval` runs from this session's scripts (a
   * call's own `approve`, e.g. MCP elicitation, takes precedence). Without any, such a call fails
   * with `APPROVAL_REQUIRED`.
   */
  onApproval?: Approver;
  /**
   * Nothing of this session is saved in the gateway's store (a stateless request's own session,
   * which no later request finds again). @default false
   */
  ephemeral?: boolean;
}

/**
 * One agent connection to a gateway: its id (workspace and state), its PII vault, its token
 * ledger, and the gateway's tools (`search_tools`, `execute_code`, `save_skill`, `list_skills`;
 * see `tools.ts`) as framework-neutral definitions and handlers. The MCP server and the library adapters (`toolscript/ai`,
 * `toolscript/anthropic`) are thin layers over it.
 */
export class GatewaySession {
  /** Session id (see {@link GatewaySessionOptions.id}). */
  readonly id: string;
  /** See {@link GatewaySessionOptions.onApproval}. */
  readonly onApproval: Approver | undefined;
  /** The session's PII vault when `pii.enabled`, so a token means the same value across executions. */
  readonly vault: PiiVault | undefined;
  private ledger: Promise<SessionLedger> | undefined;
  private readonly definitionTokens: () => Promise<number>;
  private readonly author: string;
  /** The session's state in the gateway's store, when it has one. */
  private readonly stored: StoredSessionState | undefined;
  /** Settles once the stored state is loaded (at once without a store or `restore`). */
  private ready: Promise<void>;

  constructor(
    readonly gateway: Gateway,
    options: GatewaySessionOptions = {},
  ) {
    this.id = options.id ?? randomUUID();
    this.vault = gateway.config.pii.enabled ? gateway.newVault() : undefined;
    this.author = options.author ?? `session:${sessionLabel(this.id)}`;
    this.onApproval = options.onApproval;
    this.definitionTokens =
      options.definitionTokens ??
      (async () => (await countTokensOffThread([JSON.stringify(this.definitions())]))[0]?.tokens ?? 0);
    const store = gateway.store;
    this.stored =
      store && !options.ephemeral
        ? new StoredSessionState(store, this.id, gateway.piiKey, gateway.workspace(this.id))
        : undefined;
    this.ready = options.restore && this.stored ? this.restoreState(this.stored) : Promise.resolve();
    this.ready.catch(() => {});
  }

  /** The code-first prompt for the connected servers (see `src/prompt/code-first.ts`). */
  instructions(): string {
    return gatewayInstructions(this.gateway.listServers());
  }

  /** The gateway's tools (see `GATEWAY_TOOLS`); `execute_code`'s description lists the servers as they are now. */
  definitions(): ToolDefinition[] {
    return gatewayToolDefinitions(this.gateway);
  }

  /**
   * Answers a call of one of the gateway's tools by name, validating `input` first. Never throws
   * for bad input: an unknown tool or invalid arguments come back as an `isError` answer that says
   * what is expected.
   */
  async call(
    name: string,
    input: unknown,
    options: Pick<ExecuteOptions, 'signal' | 'onCall' | 'approve' | 'elicit' | 'language' | 'trace'> = {},
  ): Promise<ToolAnswer> {
    const tool = GATEWAY_TOOLS.find((t) => t.name === name);
    if (!tool) {
      return {
        text: `Unknown tool "${name}". This gateway has ${GATEWAY_TOOLS.map((t) => t.name).join(', ')}.`,
        isError: true,
        meta: {},
      };
    }
    const parsed = z.object(tool.shape).safeParse(input ?? {});
    if (!parsed.success) return invalid(name, parsed.error);
    try {
      await this.ready;
    } catch (error) {
      // The next call tries again.
      if (this.stored) this.ready = this.restoreState(this.stored);
      this.ready.catch(() => {});
      return { text: storeFailure('load', error), isError: true, meta: {} };
    }
    const args = parsed.data as Record<string, unknown>;
    switch (tool.name) {
      case 'search_tools':
        return this.searchTools(args as SearchToolsInput, options.trace);
      case 'execute_code':
        return this.executeCode(args.code as string, {
          ...options,
          ...(args.language === 'python' ? { language: 'python' as const } : {}),
        });
      case 'save_skill':
        return this.saveSkill(args as { name: string; description: string; code: string });
      case 'list_skills':
        return this.listSkills();
    }
  }

  /**
   * One `search_tools` call: exact selection, a server listing, or a ranked search; recorded in the
   * ledger. Its span, `toolscript.search`, starts in `trace` and says how many tools it answered
   * and at what detail (never the query).
   */
  async searchTools(request: SearchToolsInput, trace?: TraceContext): Promise<ToolAnswer> {
    // Who learns from this session's searches, and whose learning ranks them (`discovery.learn`):
    // the operator (stdio, the CLI) as one caller, any other session as a caller of its own.
    const learner = this.author === OPERATOR ? OPERATOR : sessionLabel(this.id);
    const { span } = startSpan('toolscript.search', SpanKind.INTERNAL, trace, {
      [ATTR.detail]: request.detail ?? 'summary',
    });
    let found: Awaited<ReturnType<typeof answerSearch>>;
    try {
      found = await answerSearch(this.gateway, request, learner);
      span.setAttribute(ATTR.hits, found.kind === 'hits' ? found.hits.length : 0);
      endSpan(span);
    } catch (error) {
      endSpan(span, '_OTHER');
      throw error;
    }
    if (found.kind === 'hits') {
      // For the insights and the learning: the query's terms (tokenized like any text the model
      // reads) and the tools answered.
      const query = this.vault ? this.vault.tokenizeText(found.query) : found.query;
      const tools = found.hits.map((hit) => `${hit.server}.${hit.tool}`);
      this.gateway.insights.record(searchRecord(query, tools, this.id), learner);
    }
    const answer: ToolAnswer = { ...renderAnswer(found), meta: searchMeta(found) };
    const counted = await countTokensOffThread([JSON.stringify(request), answer.text]);
    (await this.getLedger()).recordDiscovery(counted.reduce((sum, c) => sum + c.tokens, 0));
    return this.saved(answer);
  }

  /** One `execute_code` call in this session (its workspace, state and vault); recorded in the ledger. */
  async executeCode(
    code: string,
    options: Pick<ExecuteOptions, 'signal' | 'onCall' | 'approve' | 'elicit' | 'language' | 'trace'> = {},
  ): Promise<ToolAnswer & { execution: ExecutionResult }> {
    const execution = await this.gateway.execute(code, {
      ...(this.vault ? { vault: this.vault } : {}),
      session: this.id,
      ...options,
      approve: options.approve ?? this.onApproval,
    });
    (await this.getLedger()).recordExecution(execution.tokens);
    return this.saved({
      text: execution.output,
      isError: !execution.ok,
      meta: executionMeta(execution),
      execution,
      ...(execution.content ? { content: execution.content } : {}),
    });
  }

  /**
   * One upstream tool called directly by this session's client (config `expose`), in the session's
   * vault and with its approver, recorded in its ledger as direct calling (see `runDirectCall`).
   * Never throws: a failure is an `isError` result.
   */
  async callUpstream(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: Pick<ExecuteOptions, 'signal' | 'approve' | 'elicit' | 'trace'> = {},
  ): Promise<CallToolResult> {
    try {
      await this.ready;
    } catch (error) {
      // Without the session's vault its tokens cannot become values: say so; the next call tries again.
      if (this.stored) this.ready = this.restoreState(this.stored);
      this.ready.catch(() => {});
      return { content: [{ type: 'text', text: storeFailure('load', error) }], isError: true };
    }
    const { result, execution } = await this.gateway.callDirect(server, tool, args, {
      ...(this.vault ? { vault: this.vault } : {}),
      session: this.id,
      ...options,
      approve: options.approve ?? this.onApproval,
    });
    if (execution.tokens) (await this.getLedger()).recordDirectCall(execution.tokens);
    if (!this.stored) return result;
    try {
      await this.stored.save(await this.parts());
      return result;
    } catch (error) {
      // As for the gateway's own tools: the client hears that the session's state was not saved.
      const note = { type: 'text' as const, text: `[toolscript: ${storeFailure('save', error)}]` };
      return { ...result, content: [...result.content, note] };
    }
  }

  /** One `save_skill` call, saved as this session's author (see {@link GatewaySessionOptions.author}). */
  async saveSkill(input: { name: string; description: string; code: string }): Promise<ToolAnswer> {
    try {
      const info = await this.gateway.skills.save(input, this.author);
      return {
        text: `Saved skill ${info.name} (version ${info.version}). Import it: import { … } from './skills/${info.name}'; or pin this version: './skills/${info.name}/v${info.version}'.`,
        isError: false,
        meta: { skill: info },
      };
    } catch (error) {
      return { text: error instanceof Error ? error.message : String(error), isError: true, meta: {} };
    }
  }

  /** One `list_skills` call: every saved skill, broken and repaired ones marked, with why. */
  async listSkills(): Promise<ToolAnswer> {
    const skills = await this.gateway.skills.list();
    const text = skills.length
      ? skills
          .map(
            (s) =>
              `skills.${s.name} v${s.version} — ${s.description}${skillStatus(s) ? ` [${skillStatus(s)}]` : ''}`,
          )
          .join('\n')
      : 'No skills saved yet. Save working code with save_skill.';
    return { text, isError: false, meta: { skills } };
  }

  /** Token totals of this session so far: code mode against the direct-calling estimate. */
  async summary(): Promise<SessionSummary> {
    return (await this.getLedger()).summary();
  }

  private async restoreState(stored: StoredSessionState): Promise<void> {
    await stored.restore(await this.parts());
  }

  private async parts(): Promise<SessionParts> {
    return {
      vault: this.vault,
      ledger: await this.getLedger(),
      workspace: this.gateway.workspace(this.id),
    };
  }

  /**
   * `answer` once what the call changed is in the store (so a replica that takes the session over
   * sees it); when the store cannot be written, the answer says so.
   */
  private async saved<T extends ToolAnswer>(answer: T): Promise<T> {
    if (!this.stored) return answer;
    try {
      await this.stored.save(await this.parts());
      return answer;
    } catch (error) {
      return { ...answer, text: `${answer.text}\n\n[toolscript: ${storeFailure('save', error)}]` };
    }
  }

  private getLedger(): Promise<SessionLedger> {
    this.ledger ??= this.definitionTokens().then((tokens) => new SessionLedger(tokens));
    return this.ledger;
  }
}

/** One line on a failed load or save of the session's stored state, and what follows from it. */
function storeFailure(step: 'load' | 'save', error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return step === 'load'
    ? `The session's saved state could not be loaded from the session store (${reason}). Retry, or start a new session.`
    : `The session store could not be written (${reason}); this result stands, but another replica taking the session over would not see it.`;
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

/** The gateway's tools (see `GATEWAY_TOOLS`) as a client lists them; `execute_code`'s description names the servers as they are now. */
export function gatewayToolDefinitions(gateway: Pick<Gateway, 'listServers'>): ToolDefinition[] {
  const servers = gateway.listServers();
  return GATEWAY_TOOLS.map((tool) => ({
    name: tool.name,
    description: tool.description(servers),
    inputSchema: jsonSchema(tool.shape),
  }));
}
