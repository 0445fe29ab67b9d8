import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Approvals, Approver } from '../approvals/approvals.js';
import type { ReadonlyCatalog } from '../catalog/catalog.js';
import type { ToolHistory } from '../catalog/history.js';
import type { ObservedTypes } from '../catalog/observed.js';
import type { BindingTree } from '../codegen/binding-tree.js';
import type { ToolscriptConfig } from '../config/index.js';
import type { SemanticIndex } from '../discovery/embeddings/semantic.js';
import type { DetailLevel, SearchHit, SearchOptions, UnknownName } from '../discovery/search.js';
import { type DirectOptions, runDirectCall } from '../execution/direct.js';
import type { ExecutionListener } from '../execution/parts.js';
import {
  type ExecuteOptions,
  type Execution,
  type PipelineParts,
  runExecution,
} from '../execution/pipeline.js';
import type { ExecutionResult } from '../execution/result.js';
import type { InsightsLog } from '../insights/log.js';
import { GatewayMetrics } from '../metrics/metrics.js';
import type { PiiVault } from '../pii/vault.js';
import type { JsonValue, Sandbox } from '../sandbox/contract.js';
import type { SkillLibrary } from '../skills/library.js';
import type { SessionStore } from '../store/store.js';
import type { CallCache } from '../upstream/call-cache.js';
import type { ServerStatus, UpstreamOfferings } from '../upstream/servers.js';
import type { Workspace } from '../workspace/workspace.js';
import type { InternalGatewayOptions } from './options.js';
import { composeGateway, type GatewayParts, pipelineParts } from './parts.js';

export { type ExecuteOptions, PII_NOTE } from '../execution/pipeline.js';
export type { ServerStatus, UpstreamOfferings } from '../upstream/servers.js';

/**
 * The gateway: upstream connections, the catalog, codegen, discovery, the bridge and the sandbox
 * (made and wired by {@link composeGateway}), behind one API. Create it with `createGateway`;
 * always {@link Gateway.close} it.
 */
export class Gateway {
  /** The generated bindings: TypeScript files for readers, JavaScript modules for the sandbox. */
  readonly bindings: BindingTree;
  /** Result types learnt from calls of tools without `outputSchema` (see {@link ObservedTypes}). */
  readonly observed: ObservedTypes;
  /** Tool vectors for hybrid search (`discovery.embeddings`); embedding runs in the background. */
  readonly semantic: SemanticIndex | undefined;
  /** Tools that need a person's approval (`requireApproval`), asking, and the audit log. */
  readonly approvals: Approvals;
  /** Saved skills: list, show, save, remove, check and repair them (see {@link SkillLibrary}). */
  readonly skills: SkillLibrary;
  /** Every upstream tool's versions and what changed between them (see {@link ToolHistory}). */
  readonly history: ToolHistory;
  /** The session store when sessions live outside the process (config `store`), else undefined. */
  readonly store: SessionStore | undefined;
  /** Memoized tool calls (config `cache`; see {@link CallCache}); `clear` drops kept results. */
  readonly cache: CallCache;
  /** Usage records: what `toolscript insights` reads (config `insights`) and discovery learns from. */
  readonly insights: InsightsLog;
  private readonly parts: GatewayParts;
  private gatewayMetrics: GatewayMetrics | undefined;

  /** Prefer `createGateway`, which also makes the sandbox and calls {@link start}. */
  constructor(
    readonly config: ToolscriptConfig,
    private readonly sandbox: Sandbox,
    private readonly options: InternalGatewayOptions = {},
  ) {
    const parts = composeGateway(config, options);
    this.parts = parts;
    this.bindings = parts.bindings;
    this.observed = parts.observed;
    this.semantic = parts.semantic;
    this.approvals = parts.approvals;
    this.skills = parts.skills;
    this.history = parts.history;
    this.store = options.store;
    this.insights = parts.insights;
    this.cache = parts.cache;
  }

  /** The catalog, read-only: servers, tools with schema hashes, and a `changed` event. */
  get catalog(): ReadonlyCatalog {
    return this.parts.catalog;
  }

  /** The key that encrypts PII vaults in the store (32 bytes, from `TOOLSCRIPT_PII_KEY`). */
  get piiKey(): Buffer | undefined {
    return this.options.piiKey;
  }

  /** The key sealing paused approvals' `requestState` for 2026-07-28 clients (32 bytes, from
   * `TOOLSCRIPT_STATE_KEY`); undefined when none is set (the server then makes one per process). */
  get stateKey(): Buffer | undefined {
    return this.options.stateKey;
  }

  /**
   * Tells `listener` of every finished execution, as the model saw it (after PII tokenization),
   * with its session and script (the dashboard's feed). A listener's throw changes nothing.
   * @returns a function that stops the listening.
   */
  onExecution(listener: ExecutionListener): () => void {
    return this.parts.listeners.add(listener);
  }

  /** Prometheus metrics of this gateway (see {@link GatewayMetrics}); empty when made with `metrics: false`. */
  get metrics(): GatewayMetrics {
    this.gatewayMetrics ??= new GatewayMetrics();
    return this.gatewayMetrics;
  }

  /**
   * Removes idle workspaces (now and hourly), loads the skills and, unless `connect` is
   * `"on-demand"`, connects to every server in parallel (a failing server is recorded, not thrown).
   */
  async start(): Promise<void> {
    await this.parts.workspaces.startCleanup();
    await Promise.all([this.history.load(), this.insights.start()]);
    await this.skills.start(this.store);
    if (this.config.observeResultTypes) await this.observed.load();
    if (this.options.connect !== 'on-demand') await this.connectAll();
    // With an embeddings model, tools are embedded in the background from now on.
    if (this.semantic) this.parts.search.prepare();
  }

  /** Starts every server not started yet (see `GatewayOptions.connect`). */
  connectAll(): Promise<void> {
    return this.parts.upstream.listAll();
  }

  /** Every configured server with its status, sorted by name. */
  listServers(): ServerStatus[] {
    return this.parts.upstream.statuses();
  }

  /**
   * Ranked tool search (see {@link ToolSearch.search}). An empty query with a filter lists the
   * matching tools; an empty query alone returns no hits (use {@link listServers}).
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    await this.connectAll();
    return this.parts.search.search(query, options);
  }

  /**
   * Exact selection by qualified name (`filesystem.readTextFile` or `filesystem.read_text_file`),
   * in the order given; unknown names come back with the nearest known names.
   */
  async select(
    names: string[],
    detail: DetailLevel = 'full',
  ): Promise<{ hits: SearchHit[]; unknown: UnknownName[] }> {
    await this.connectAll();
    return this.parts.search.select(names, detail);
  }

  /** The generated TypeScript file tree (`client.ts`, `runtime.ts`, `servers/<server>/…`), by path. */
  async generateFiles(): Promise<Map<string, string>> {
    await this.connectAll();
    return this.bindings.generate();
  }

  /**
   * Runs one script (TypeScript, ES module) in a fresh sandbox. Never throws for a failing script:
   * the failure is in `error` with a stable code.
   */
  execute(code: string, options?: ExecuteOptions & { accounting?: 'always' }): Promise<ExecutionResult>;
  execute(code: string, options: ExecuteOptions): Promise<Execution>;
  execute(code: string, options: ExecuteOptions = {}): Promise<Execution> {
    return runExecution(this.pipeline, code, options);
  }

  /** What the execution pipeline uses of this gateway (see src/execution/pipeline.ts). */
  private get pipeline(): PipelineParts {
    return pipelineParts(this.parts, this.config, this.sandbox, {
      onDemand: this.options.connect === 'on-demand',
      metrics: this.options.metrics === false ? undefined : () => this.metrics,
    });
  }

  /**
   * Calls one upstream tool directly, as an ordinary MCP client would: no sandbox, no PII
   * tokenization, the MCP result as the server sent it (the A/B harness's direct tool calling).
   * @param tool the tool's MCP name (e.g. `read_text_file`).
   * @throws {UnknownToolError} when the server has no such tool
   * @throws {UpstreamUnavailableError} when the server cannot be reached or the call times out
   * @throws {ToolError} when the server answers with a JSON-RPC error
   * @throws {ApprovalError} when the tool is listed in `requireApproval` and `options.approve` is
   *   missing (`APPROVAL_REQUIRED`) or does not approve (`APPROVAL_DENIED`)
   */
  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown> = {},
    options: { approve?: Approver | undefined; session?: string } = {},
  ): Promise<CallToolResult> {
    const found = this.parts.catalog.getTool(server, tool);
    const session = options.session ?? 'local';
    if (found)
      await this.approvals.gate({ server, tool: found.tool, session }, args as JsonValue, options.approve);
    return this.parts.upstream.callDirect(server, tool, args);
  }

  /** One tool called directly (`expose`): `{ result, execution }`, a script call's policies, never throws (see `runDirectCall`). */
  callDirect(server: string, tool: string, args: Record<string, unknown>, options?: DirectOptions) {
    return runDirectCall(this.pipeline, server, tool, args, options);
  }

  /** Upstream resources, templates, prompts and `list_changed` notices, for the gateway's MCP clients. */
  get offerings(): UpstreamOfferings {
    return this.parts.upstream;
  }

  /** The workspace of a session (see {@link SessionWorkspaces.get}), made on first use. */
  workspace(session: string): Workspace {
    return this.parts.workspaces.get(session);
  }

  /** A PII vault with the config's detectors and region, for one session. */
  newVault(): PiiVault {
    return this.parts.pii.newVault();
  }

  /**
   * o200k_base tokens of every connected tool's definition as `tools/list` presents it (the `tools`
   * array as JSON): what direct tool calling loads into the context. Cached until tools change.
   */
  definitionTokens(): Promise<number> {
    return this.parts.definitionTokens();
  }

  /** Closes every upstream connection; no child process is left running. */
  async close(): Promise<void> {
    const { workspaces, upstream, typechecker, python } = this.parts;
    await workspaces.drain();
    this.skills.close();
    await upstream.close();
    await Promise.all([this.observed.flush(), this.history.flush(), this.insights.flush()]).catch(() => {});
    await typechecker.close();
    await python.close();
    await this.semantic?.embedder.close?.();
    if (this.options.ownsSandbox) await this.sandbox.close?.();
    if (this.options.ownsStore) await this.store?.close();
    await this.options.flushTelemetry?.();
  }
}
