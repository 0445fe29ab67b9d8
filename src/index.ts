/**
 * toolscript's public library surface. Every export here is public API; everything else in
 * `src/` is internal and may change.
 */
export type { CallTokens, ExecutionTokens } from './accounting/execution.js';
export { SessionLedger, type SessionSummary } from './accounting/session.js';
export { countTokens } from './accounting/tokens.js';
export type { CallTrace } from './bridge/bridge.js';
export {
  Catalog,
  type CatalogServer,
  type CatalogTool,
  type ReadonlyCatalog,
  schemaHash,
} from './catalog/catalog.js';
export type { ChangeLevel, ToolChange } from './catalog/changes.js';
export { type ChangesSince, ToolHistory, type ToolVersion } from './catalog/history.js';
export { ObservedTypes } from './catalog/observed.js';
export type { BindingSpec } from './codegen/binding.js';
export { type ObservedOutput, renderCompactBinding } from './codegen/compact.js';
export { generateTypeScriptTree } from './codegen/tree.js';
export {
  CONFIG_FILE_NAME,
  configSchema,
  defaultConfig,
  defaultDataDir,
  type LoadedConfig,
  loadConfig,
  MCP_JSON_FILE_NAME,
  parseConfig,
  type ServerConfig,
  type ToolscriptConfig,
  type ToolscriptConfigInput,
} from './config/index.js';
export type { DetailLevel, SearchHit, SearchOptions } from './discovery/search.js';
export {
  ConfigError,
  type ErrorCode,
  EXECUTION_ERRORS,
  type ExecutionErrorCode,
  GATEWAY_ERRORS,
  InvalidArgumentsError,
  ModelConfigError,
  ResultTooLargeError,
  ToolError,
  ToolscriptError,
  UnknownToolError,
  UpstreamUnavailableError,
} from './errors.js';
export type { ExecutionResult } from './execution/result.js';
export type { TypecheckMode } from './execution/typecheck.js';
export { createGateway, type GatewayOptions } from './gateway/create.js';
export { type ExecuteOptions, Gateway, PII_NOTE, type ServerStatus } from './gateway/gateway.js';
export { InsightsLog } from './insights/log.js';
export type { ExecutionRecord, InsightRecord, SearchRecord, ToolUse } from './insights/records.js';
export { type InsightsReport, insightsReport, parseSince } from './insights/report.js';
export { GatewayMetrics, type MetricsSummary } from './metrics/metrics.js';
export { type PiiAuditEntry, PiiAuditLog } from './pii/audit.js';
export { type DetectOptions, detectPii, PII_TYPES, type PiiMatch, type PiiType } from './pii/detectors.js';
export { PiiVault } from './pii/vault.js';
export type {
  JsonValue,
  Sandbox,
  SandboxLimits,
  SandboxRunOptions,
  SandboxRunResult,
} from './sandbox/contract.js';
export {
  DenoSandbox,
  type DenoSandboxOptions,
  detectMemoryEnforcement,
  type MemoryEnforcement,
} from './sandbox/deno/index.js';
export { QuickJSSandbox } from './sandbox/quickjs/index.js';
export { defaultThreads, MAX_RUNS_PER_THREAD, ThreadedQuickJSSandbox } from './sandbox/quickjs/threads.js';
export { type HttpServeOptions, type HttpServer, serveHttp } from './server/http.js';
export { createMcpServer } from './server/mcp-server.js';
export { serveStdio } from './server/stdio.js';
export {
  GatewaySession,
  type GatewaySessionOptions,
  type SearchToolsInput,
  type ToolAnswer,
  type ToolDefinition,
} from './session/gateway-session.js';
export type { SkillRepairReport } from './skills/auto-repair.js';
export { SkillError, type SkillInfo, type SkillStats, SkillStore, type SkillTool } from './skills/store.js';
export { MemoryStore } from './store/memory.js';
export type { SessionBlob, SessionRecord, SessionStore } from './store/store.js';
export type { InProcessServer } from './upstream/connection.js';
export { Workspace, WorkspaceError } from './workspace/workspace.js';
