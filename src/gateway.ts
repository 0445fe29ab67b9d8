import { resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { definitionCounter } from './accounting/counter.js';
import { APPROVALS_LOG_FILE, Approvals, type Approver } from './approvals/approvals.js';
import { CredentialStore } from './auth/credentials.js';
import { Bridge } from './bridge/bridge.js';
import { Catalog, type ReadonlyCatalog } from './catalog/catalog.js';
import { ObservedTypes } from './catalog/observed.js';
import { BindingTree } from './codegen/binding-tree.js';
import type { ToolscriptConfig } from './config.js';
import type { SemanticIndex } from './discovery/embeddings/semantic.js';
import { semanticIndexFor } from './discovery/embeddings/semantic.js';
import {
  type DetailLevel,
  type SearchHit,
  type SearchOptions,
  ToolSearch,
  type UnknownName,
} from './discovery/search.js';
import type { ExecutionListener } from './execution/parts.js';
import {
  type ExecuteOptions,
  type Execution,
  type PipelineParts,
  runExecution,
} from './execution/pipeline.js';
import type { ExecutionResult } from './execution/result.js';
import { ScriptTypechecker } from './execution/typecheck.js';
import type { GatewayOptions } from './gateway-options.js';
import { GatewayMetrics } from './metrics/metrics.js';
import { PiiGuard } from './pii/guard.js';
import type { PiiVault } from './pii/vault.js';
import type { PythonSandbox } from './sandbox/python/index.js';
import type { JsonValue, Sandbox } from './sandbox.js';
import { SkillLibrary } from './skills/library.js';
import type { SkillInfo, SkillStats } from './skills/store.js';
import { SharedFolder, sharesFolders } from './store/shared-folder.js';
import type { SessionStore } from './store/store.js';
import { EraVerdicts } from './upstream/era.js';
import { type ServerStatus, type UpstreamOfferings, UpstreamServers } from './upstream/servers.js';
import { SessionWorkspaces } from './workspace/sessions.js';
import type { Workspace } from './workspace/workspace.js';

export { type ExecuteOptions, PII_NOTE } from './execution/pipeline.js';
export type { ServerStatus, UpstreamOfferings } from './upstream/servers.js';

/**
 * The gateway: upstream connections, the catalog, codegen, discovery, the bridge and the sandbox.
 * Create it with {@link createGateway}; always {@link Gateway.close} it.
 */
export class Gateway {
  /** Every tool of every upstream server; the upstream connections keep it current. */
  private readonly tools: Catalog;
  /** The generated bindings: TypeScript files for readers, JavaScript modules for the sandbox. */
  readonly bindings: BindingTree;
  /** Result types learnt from calls of tools without `outputSchema` (see {@link ObservedTypes}). */
  readonly observed: ObservedTypes;
  /** Tool vectors for hybrid search (`discovery.embeddings`); embedding runs in the background. */
  readonly semantic: SemanticIndex | undefined;
  /** Tools that need a person's approval (`requireApproval`), asking, and the audit log. */
  readonly approvals: Approvals;
  /** Checks scripts before they run (`sandbox.typecheck`); its thread starts on first use. */
  private readonly typechecker: ScriptTypechecker;
  private readonly upstream: UpstreamServers;
  private readonly bridge: Bridge;
  private readonly toolSearch: ToolSearch;
  private readonly definitionCount: () => Promise<number>;
  private readonly pii: PiiGuard;
  private readonly workspaces: SessionWorkspaces;
  private readonly skillLibrary: SkillLibrary;
  private gatewayMetrics: GatewayMetrics | undefined;

  /** The catalog, read-only: servers, tools with schema hashes, and a `changed` event. */
  get catalog(): ReadonlyCatalog {
    return this.tools;
  }

  /** Prefer {@link createGateway}, which also makes the sandbox and calls {@link start}. */
  constructor(
    readonly config: ToolscriptConfig,
    private readonly sandbox: Sandbox,
    /** `ownsSandbox`: the gateway made its sandbox itself, and so closes it. */
    private readonly options: Omit<GatewayOptions, 'sandbox'> & {
      ownsSandbox?: boolean;
      /** The gateway connected to its store itself, and so closes it. */
      ownsStore?: boolean;
      piiKey?: Buffer;
      /** Key of the `requestState` of paused approvals (32 bytes, from `TOOLSCRIPT_STATE_KEY`). */
      stateKey?: Buffer;
      /** Tools known before any server is connected (e.g. `Catalog.fromTools`, a saved catalog). */
      catalog?: Catalog;
    } = {},
  ) {
    this.tools = options.catalog ?? new Catalog();
    const dataDir = resolve(config.dataDir);
    const store = options.store && sharesFolders(options.store) ? options.store : undefined;
    this.observed = new ObservedTypes(resolve(dataDir, 'observed-types.json'), store);
    const observe = config.observeResultTypes;
    this.bindings = new BindingTree(this.tools, (spec) =>
      observe ? this.observed.get(spec.server, spec.tool.name, spec.schemaHash) : undefined,
    );
    this.upstream = new UpstreamServers(this.tools, config, {
      inProcess: options.servers,
      credentials: new CredentialStore(dataDir, options.store),
      verdicts: new EraVerdicts(resolve(dataDir, 'protocol-verdicts.json')),
    });
    this.approvals = new Approvals(config, resolve(dataDir, APPROVALS_LOG_FILE));
    this.bridge = new Bridge(this.tools, this.upstream, {
      maxArgumentBytes: config.maxArgumentBytes,
      approvals: this.approvals,
      ...(observe
        ? {
            onResult: (found, value) =>
              this.observed.record(found.server, found.tool.name, found.schemaHash, value),
          }
        : {}),
    });
    this.semantic = semanticIndexFor(config.discovery.embeddings, resolve(dataDir, 'embeddings'), store);
    this.toolSearch = new ToolSearch(this.tools, {
      bindings: this.bindings,
      ...(this.semantic ? { semantic: this.semantic } : {}),
    });
    this.typechecker = new ScriptTypechecker(this.bindings);
    this.pii = new PiiGuard(config);
    this.workspaces = new SessionWorkspaces(dataDir, config.workspace);
    this.skillLibrary = new SkillLibrary(
      resolve(dataDir, 'skills'),
      this.tools,
      this.bindings,
      this.toolSearch,
      config.skills.shared,
    );
    this.definitionCount = definitionCounter(this.tools);
    this.tools.on('changed', (server) => {
      this.bindings.invalidate(server);
      this.skillLibrary.toolsChanged(server);
    });
  }

  /** Python's interpreters, started on the first Python script. */
  private pythonSandbox: Promise<PythonSandbox> | undefined;

  private readonly executionListeners = new Set<ExecutionListener>();

  /**
   * Tells `listener` of every finished execution, as the model saw it (after PII tokenization),
   * with its session and script: the dashboard's feed listens here.
   * @returns a function that stops the listening.
   */
  onExecution(listener: ExecutionListener): () => void {
    this.executionListeners.add(listener);
    return () => this.executionListeners.delete(listener);
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
    await this.workspaces.startCleanup();
    const store = this.options.store;
    if (store && sharesFolders(store)) {
      // Skills are shared by every replica on the store; the audit log stays per replica.
      const shared = new SharedFolder(
        store,
        'skills',
        this.skillLibrary.store.root,
        () => this.skillLibrary.reload(),
        (path) => path === 'audit.jsonl',
      );
      await shared.start();
      this.skillLibrary.onChanged = () => shared.publish();
    }
    await this.skillLibrary.reload();
    if (this.config.observeResultTypes) await this.observed.load();
    if (this.options.connect !== 'on-demand') await this.upstream.listAll();
    // With an embeddings model, tools are embedded in the background from now on.
    if (this.semantic) this.toolSearch.prepare();
  }

  /** Starts every server not started yet (see {@link GatewayOptions.connect}). */
  connectAll(): Promise<void> {
    return this.upstream.listAll();
  }

  /** Every configured server with its status, sorted by name. */
  listServers(): ServerStatus[] {
    return this.upstream.statuses();
  }

  /**
   * Ranked tool search (see {@link ToolSearch.search}). An empty query with a filter lists the
   * matching tools; an empty query alone returns no hits (use {@link listServers}).
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    await this.connectAll();
    return this.toolSearch.search(query, options);
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
    return this.toolSearch.select(names, detail);
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
    return {
      sandbox: this.sandbox,
      limits: this.config.sandbox,
      catalog: this.tools,
      bridge: this.bridge,
      bindings: this.bindings,
      skills: this.skillLibrary,
      pii: this.pii,
      workspace: (session) => this.workspace(session),
      connectFor: (used) =>
        this.options.connect === 'on-demand' ? this.upstream.ensureFor(used) : Promise.resolve(),
      definitionTokens: () => this.definitionTokens(),
      typecheck: this.typechecker,
      python: () => {
        this.pythonSandbox ??= import('./sandbox/python/index.js').then(({ PythonSandbox }) =>
          PythonSandbox.create({
            memoryMb: this.config.sandbox.memoryMb,
            poolSize: this.config.sandbox.pythonPool,
            ...(this.config.sandbox.pythonMaxRunning !== undefined
              ? { maxRunning: this.config.sandbox.pythonMaxRunning }
              : {}),
          }),
        );
        return this.pythonSandbox;
      },
      record: (run, memoryBytes, context) => {
        if (this.options.metrics !== false) this.metrics.record(run, memoryBytes);
        for (const listener of this.executionListeners) listener(run, context);
      },
    };
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
    const found = this.tools.getTool(server, tool);
    if (found && this.approvals.required(server, found.tool)) {
      await this.approvals.check(
        { session: options.session ?? 'local', server, tool, arguments: args as JsonValue },
        args,
        options.approve,
      );
    }
    return this.upstream.callDirect(server, tool, args);
  }

  /** Upstream resources, templates and `list_changed` notices, for the gateway's MCP clients. */
  get offerings(): UpstreamOfferings {
    return this.upstream;
  }

  /** Every upstream prompt, named `<server>.<prompt>` (see `UpstreamServers.prompts`). */
  listPrompts(): ReturnType<UpstreamServers['prompts']> {
    return this.upstream.prompts();
  }

  /**
   * One upstream prompt by its qualified name, rendered by its server; for an unknown name, the
   * nearest names. No PII tokenization here: sessions tokenize what their model sees.
   * @throws {UpstreamUnavailableError} when its server cannot be reached
   */
  getPrompt(name: string, args: Record<string, string> = {}): ReturnType<UpstreamServers['prompt']> {
    return this.upstream.prompt(name, args);
  }

  /** The workspace of a session (see {@link SessionWorkspaces.get}), created on first use. */
  workspace(session: string): Workspace {
    return this.workspaces.get(session);
  }

  /** Every saved skill, sorted by name (see `SkillStore`). */
  listSkills(): Promise<SkillInfo[]> {
    return this.skillLibrary.store.list();
  }

  /** One skill: its metadata, TypeScript source and usage counters; `undefined` when there is none. */
  skill(name: string): Promise<{ info: SkillInfo; code: string; stats: SkillStats } | undefined> {
    return this.skillLibrary.skill(name);
  }

  /**
   * Saves a skill (see `SkillStore.save`); it is importable and searchable at once.
   * @param author `"operator"` (default) or `"session:<label>"` (see `sessionLabel`) for a
   *   session's own save.
   * @throws {SkillError} with the compiler's messages when it does not type-check, or when the
   *   skill belongs to another session under `skills.shared: "read-only"`.
   */
  saveSkill(input: { name: string; description: string; code: string }, author?: string): Promise<SkillInfo> {
    return this.skillLibrary.save(input, author);
  }

  /**
   * Removes a skill with its versions; true when it existed.
   * @throws {SkillError} when it belongs to another session under `skills.shared: "read-only"`.
   */
  removeSkill(name: string, author?: string): Promise<boolean> {
    return this.skillLibrary.remove(name, author);
  }

  /** Re-checks skills against the current bindings (all, or those calling `tools`). */
  checkSkills(tools?: Set<string>): Promise<SkillInfo[]> {
    return this.skillLibrary.check(tools);
  }

  /** A PII vault with the config's detectors and region, for one session. */
  newVault(): PiiVault {
    return this.pii.newVault();
  }

  /** The session store when sessions live outside the process (config `store`), else undefined. */
  get store(): SessionStore | undefined {
    return this.options.store;
  }

  /** The key that encrypts PII vaults in the store (32 bytes, from `TOOLSCRIPT_PII_KEY`). */
  get piiKey(): Buffer | undefined {
    return this.options.piiKey;
  }

  /**
   * The key that seals a paused approval's `requestState` for 2026-07-28 clients (32 bytes, from
   * `TOOLSCRIPT_STATE_KEY`); undefined when none is set (the server then makes one per process).
   */
  get stateKey(): Buffer | undefined {
    return this.options.stateKey;
  }

  /** The workspace of `session` (files and state under `<dataDir>/workspaces/`). */
  workspaceOf(session: string): Workspace {
    return this.workspaces.get(session);
  }

  /**
   * o200k_base tokens of every connected tool's definition as `tools/list` presents it (the
   * `tools` array as JSON): what direct tool calling loads into the context. Cached until the
   * catalog changes.
   */
  definitionTokens(): Promise<number> {
    return this.definitionCount();
  }

  /** Closes every upstream connection; no child process is left running. */
  async close(): Promise<void> {
    this.workspaces.stop();
    await this.workspaces.drain();
    this.skillLibrary.close();
    await this.upstream.close();
    await this.observed.flush().catch(() => {});
    await this.typechecker.close();
    await this.pythonSandbox?.then((python) => python.close()).catch(() => {});
    await this.semantic?.embedder.close?.();
    if (this.options.ownsSandbox) await this.sandbox.close?.();
    if (this.options.ownsStore) await this.options.store?.close();
  }
}
