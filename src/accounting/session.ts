import type { ExecutionTokens } from './execution.js';

/** What one session (one agent connection) cost so far, against the direct-calling estimate. */
export interface SessionSummary {
  executions: number;
  discoveryCalls: number;
  /**
   * Code mode: the gateway's own tool definitions once, every discovery request and answer,
   * and every execution's script and output.
   */
  codeMode: number;
  /** Direct tool calling: the upstream tool definitions once, plus every call's arguments and result. */
  direct: number;
  /** `1 − codeMode / direct`. */
  reduction: number;
  tokenizer: 'o200k_base';
}

/**
 * Running token totals of one session: discovery calls (`search_tools` requests and answers)
 * and executions, against what direct tool calling would have cost for the same tool calls.
 */
export class SessionLedger {
  private executions = 0;
  private discoveryCalls = 0;
  private codeMode: number;
  private callTokens = 0;
  private upstreamDefinitions = 0;

  /** @param gatewayDefinitions tokens of the gateway's own `tools/list` (what code mode loads). */
  constructor(gatewayDefinitions: number) {
    this.codeMode = gatewayDefinitions;
  }

  /**
   * Records one discovery call.
   * @param tokens o200k_base tokens of the request arguments (as JSON) plus the answer text.
   */
  recordDiscovery(tokens: number): void {
    this.discoveryCalls++;
    this.codeMode += tokens;
  }

  /** Records one execution's accounting. */
  recordExecution(tokens: ExecutionTokens): void {
    this.executions++;
    this.codeMode += tokens.codeMode;
    this.callTokens += tokens.direct - tokens.definitions;
    this.upstreamDefinitions = tokens.definitions;
  }

  /**
   * Records one tool the client called directly (config `expose`): what it cost the client is what
   * direct calling costs, its arguments and result, on both sides.
   */
  recordDirectCall(tokens: ExecutionTokens): void {
    const call = tokens.direct - tokens.definitions;
    this.codeMode += call;
    this.callTokens += call;
    this.upstreamDefinitions = tokens.definitions;
  }

  /** The ledger's counters as JSON text (what a session store keeps). */
  snapshot(): string {
    const { executions, discoveryCalls, codeMode, callTokens, upstreamDefinitions } = this;
    return JSON.stringify({ executions, discoveryCalls, codeMode, callTokens, upstreamDefinitions });
  }

  /** Takes over the counters of a ledger saved with {@link snapshot}; unknown or bad fields stay as they are. */
  restore(json: string): void {
    const saved = JSON.parse(json) as Record<string, unknown>;
    const number = (key: string, fallback: number) =>
      typeof saved[key] === 'number' && Number.isFinite(saved[key]) ? saved[key] : fallback;
    this.executions = number('executions', this.executions);
    this.discoveryCalls = number('discoveryCalls', this.discoveryCalls);
    this.codeMode = number('codeMode', this.codeMode);
    this.callTokens = number('callTokens', this.callTokens);
    this.upstreamDefinitions = number('upstreamDefinitions', this.upstreamDefinitions);
  }

  summary(): SessionSummary {
    const direct = this.upstreamDefinitions + this.callTokens;
    return {
      executions: this.executions,
      discoveryCalls: this.discoveryCalls,
      codeMode: this.codeMode,
      direct,
      reduction: direct > 0 ? 1 - this.codeMode / direct : 0,
      tokenizer: 'o200k_base',
    };
  }
}
