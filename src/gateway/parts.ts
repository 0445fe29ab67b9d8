import { resolve } from 'node:path';
import { definitionCounter } from '../accounting/counter.js';
import { APPROVALS_LOG_FILE, Approvals } from '../approvals/approvals.js';
import { CredentialStore } from '../auth/credentials.js';
import { Bridge } from '../bridge/bridge.js';
import { Catalog } from '../catalog/catalog.js';
import { ToolHistory } from '../catalog/history.js';
import { ObservedTypes } from '../catalog/observed.js';
import { BindingTree } from '../codegen/binding-tree.js';
import { exposureOf } from '../config/exposure.js';
import type { ToolscriptConfig } from '../config/index.js';
import { type SemanticIndex, semanticIndexFor } from '../discovery/embeddings/semantic.js';
import { ToolSearch } from '../discovery/search.js';
import type { PipelineParts } from '../execution/parts.js';
import { ExecutionListeners } from '../execution/parts.js';
import { ScriptTypechecker } from '../execution/typecheck.js';
import { DiscoveryLearning, LEARNED_FILE } from '../insights/learning.js';
import { INSIGHTS_FILE, InsightsLog } from '../insights/log.js';
import { executionRecord } from '../insights/records.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import { PiiGuard } from '../pii/guard.js';
import type { Sandbox } from '../sandbox/contract.js';
import { LazyPythonSandbox } from '../sandbox/python/lazy.js';
import { SkillLibrary } from '../skills/library.js';
import { CallCache } from '../upstream/call-cache.js';
import { EraVerdicts } from '../upstream/era.js';
import { UpstreamServers } from '../upstream/servers.js';
import { SessionWorkspaces } from '../workspace/sessions.js';
import type { GatewayOptions } from './options.js';

/** What a gateway is made of; {@link composeGateway} makes and wires them, `Gateway` offers them. */
export interface GatewayParts {
  /** Every tool of every upstream server; the upstream connections keep it current. */
  catalog: Catalog;
  /** The generated bindings: TypeScript files for readers, JavaScript modules for the sandbox. */
  bindings: BindingTree;
  /** Result types learnt from calls of tools without `outputSchema`. */
  observed: ObservedTypes;
  /** Every tool's versions, fed with each tool list a server returns. */
  history: ToolHistory;
  /** Tool vectors for hybrid search (`discovery.embeddings`); embedding runs in the background. */
  semantic: SemanticIndex | undefined;
  approvals: Approvals;
  skills: SkillLibrary;
  upstream: UpstreamServers;
  bridge: Bridge;
  search: ToolSearch;
  /** Checks scripts before they run (`sandbox.typecheck`); its thread starts on first use. */
  typechecker: ScriptTypechecker;
  python: LazyPythonSandbox;
  pii: PiiGuard;
  workspaces: SessionWorkspaces;
  /** o200k_base tokens of every tool's definition, cached until the catalog changes. */
  definitionTokens: () => Promise<number>;
  /** Who hears of each finished execution (the insights, when on, from the start). */
  listeners: ExecutionListeners;
  /** Where usage records go: the insights (config `insights`) and the discovery's learning. */
  insights: InsightsLog;
  /** Memoized tool calls (config `cache`); enabled only when some server has a policy. */
  cache: CallCache;
}

/**
 * Makes a gateway's parts from its config, with their files under `dataDir`, and wires them: a
 * catalog change is recorded in the tools' history, invalidates that server's bindings and
 * re-checks (and, with `skills.autoRepair`, repairs) the skills that call it; with
 * `observeResultTypes`, the bridge records results and the bindings show what was learnt; with
 * `insights` or `discovery.learn`, every finished execution is recorded.
 * Nothing starts here (see `Gateway.start`).
 */
export function composeGateway(
  config: ToolscriptConfig,
  options: Pick<GatewayOptions, 'servers' | 'store'> & { catalog?: Catalog | undefined },
): GatewayParts {
  const catalog = options.catalog ?? new Catalog();
  const dataDir = resolve(config.dataDir);
  const observed = new ObservedTypes(resolve(dataDir, 'observed-types.json'), options.store);
  const observe = config.observeResultTypes;
  const history = new ToolHistory(resolve(dataDir, 'tool-history.json'), options.store);
  const bindings = new BindingTree(catalog, (spec) =>
    observe ? observed.get(spec.server, spec.tool.name, spec.schemaHash) : undefined,
  );
  const upstream = new UpstreamServers(catalog, config, {
    inProcess: options.servers,
    credentials: new CredentialStore(dataDir, options.store),
    verdicts: new EraVerdicts(resolve(dataDir, 'protocol-verdicts.json')),
  });
  const approvals = new Approvals(config, resolve(dataDir, APPROVALS_LOG_FILE));
  const cache = new CallCache(config, options.store);
  const bridge = new Bridge(catalog, upstream, {
    maxArgumentBytes: config.maxArgumentBytes,
    approvals,
    // A server exposed as tools only (`expose: "tools"`) is called directly, never from scripts.
    fromScripts: (server) => exposureOf(config, server) !== 'tools',
    ...(cache.enabled ? { cache } : {}),
    ...(observe
      ? {
          onResult: (found, value) => observed.record(found.server, found.tool.name, found.schemaHash, value),
        }
      : {}),
  });
  const semantic = semanticIndexFor(
    config.discovery.embeddings,
    resolve(dataDir, 'embeddings'),
    options.store,
  );
  const learning = config.discovery.learn
    ? new DiscoveryLearning(resolve(dataDir, LEARNED_FILE), options.store)
    : undefined;
  const search = new ToolSearch(catalog, {
    bindings,
    ...(semantic ? { semantic } : {}),
    ...(learning ? { learned: learning.terms } : {}),
  });
  const skills = new SkillLibrary(resolve(dataDir, 'skills'), catalog, bindings, search, {
    sharing: config.skills.shared,
    history,
    autoRepair: config.skills.autoRepair,
  });
  catalog.on('changed', (server) => {
    const listed = catalog.getServer(server);
    // A tool list the server gave (not a failure) is a version of each of its tools.
    if (listed && listed.error === undefined) history.observe(server, listed.tools, listed.version);
    void cache.clear(server);
    bindings.invalidate(server);
    skills.toolsChanged(server);
  });
  const listeners = new ExecutionListeners();
  const insights = new InsightsLog(resolve(dataDir, INSIGHTS_FILE), options.store, {
    enabled: config.insights,
    ...(learning ? { learning } : {}),
  });
  if (insights.enabled || learning)
    listeners.add((run, context) => insights.record(executionRecord(run, context.session)));
  const { memoryMb, pythonPool: poolSize, pythonMaxRunning: maxRunning } = config.sandbox;
  return {
    catalog,
    bindings,
    observed,
    history,
    semantic,
    approvals,
    skills,
    upstream,
    bridge,
    search,
    typechecker: new ScriptTypechecker(bindings),
    python: new LazyPythonSandbox({
      memoryMb,
      poolSize,
      ...(maxRunning !== undefined ? { maxRunning } : {}),
    }),
    pii: new PiiGuard(config),
    workspaces: new SessionWorkspaces(dataDir, config.workspace),
    definitionTokens: definitionCounter(catalog),
    listeners,
    insights,
    cache,
  };
}

/**
 * What the execution pipeline uses of a gateway (see src/execution/pipeline.ts).
 * @param options.onDemand start only the servers a script imports, before it runs.
 * @param options.metrics the gateway's metrics, when it records them.
 */
export function pipelineParts(
  parts: GatewayParts,
  config: ToolscriptConfig,
  sandbox: Sandbox,
  options: { onDemand: boolean; metrics: (() => GatewayMetrics) | undefined },
): PipelineParts {
  const { catalog, bridge, bindings, skills, pii, upstream, typechecker, python, workspaces, listeners } =
    parts;
  return {
    sandbox,
    limits: config.sandbox,
    catalog,
    bridge,
    bindings,
    skills,
    pii,
    workspace: (session) => workspaces.get(session),
    connectFor: (used) => (options.onDemand ? upstream.ensureFor(used) : Promise.resolve()),
    definitionTokens: parts.definitionTokens,
    typecheck: typechecker,
    python: () => python.get(),
    record: (run, memoryBytes, context) => {
      options.metrics?.().record(run, memoryBytes);
      listeners.notify(run, context);
    },
  };
}
